"""Behaviour of the OpenAI emulator: limits, defaults, filters, paging, key classes, usage consistency, audit
logs, Codex routes, fault knobs, the request log and determinism."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from openai_emulator import ADMIN_KEY, CODEX_KEY, PROJECT_KEY, mask_key
from openai_emulator.data import DAY, Dataset
from openai_emulator.usage import UNIT_PRICES, cost_lines
from test_support.emulator_client import control, get, sample_requests
from test_support.minimum import minimum_requests

NOW = 1_767_225_600 + 10 * DAY + 13 * 3600 + 17 * 60  # fixed: 2026-01-11 13:17 UTC


EMULATOR = {"scale": "medium", "seed": 7, "now": NOW}  # the module's `emu` (test_support.fixtures)


def assert_error(status, body, expected_status, param=None):
    assert status == expected_status, body
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    if param:
        assert body["error"]["param"] == param


# -------------------------------------------------------------------------------------- limits and defaults


@pytest.mark.parametrize(
    "path,params",
    [
        ("/organization/users", {"limit": 0}),
        ("/organization/users", {"limit": 101}),
        ("/organization/groups", {"limit": 1001}),
        ("/organization/roles", {"limit": -1}),
        ("/organization/spend_alerts", {"limit": 101}),
        ("/organization/audit_logs", {"limit": 101}),
        ("/organization/costs", {"start_time": NOW - DAY, "limit": 181}),
        ("/organization/costs", {"start_time": NOW - DAY, "limit": 0}),
        ("/organization/usage/completions", {"start_time": NOW - DAY, "limit": 32}),
        ("/organization/usage/completions", {"start_time": NOW - DAY, "bucket_width": "1h", "limit": 169}),
        ("/organization/usage/embeddings", {"start_time": NOW - DAY, "bucket_width": "1m", "limit": 1441}),
    ],
)
def test_out_of_range_limit_is_a_400_with_openais_error_body(emu, path, params):
    status, body, _ = get(emu, path, ADMIN_KEY, params)
    assert_error(status, body, 400, "limit")


def test_project_limits(emu):
    assert_error(*get(emu, "/files", PROJECT_KEY, {"limit": 10001})[:2], 400, "limit")
    assert get(emu, "/files", PROJECT_KEY, {"limit": 10000})[0] == 200
    assert_error(*get(emu, "/assistants", PROJECT_KEY, {"limit": 101})[:2], 400, "limit")
    assert_error(*get(emu, "/videos", PROJECT_KEY, {"limit": 101})[:2], 400, "limit")


@pytest.mark.parametrize(
    "path", ["/organization/usage/completions", "/organization/usage/vector_stores", "/organization/costs"]
)
def test_start_time_is_required(emu, path):
    status, body, _ = get(emu, path, ADMIN_KEY, {"limit": 2})
    assert_error(status, body, 400, "start_time")


def test_costs_accept_only_daily_buckets(emu):
    assert_error(
        *get(emu, "/organization/costs", ADMIN_KEY, {"start_time": NOW - DAY, "bucket_width": "1h"})[:2],
        400,
        "bucket_width",
    )


def test_unknown_group_by_is_a_400(emu):
    status, body, _ = get(
        emu, "/organization/usage/vector_stores", ADMIN_KEY, {"start_time": NOW - DAY, "group_by": "model"}
    )
    assert_error(status, body, 400, "group_by")


@pytest.mark.parametrize(
    "path,key,expected",
    [
        ("/organization/users", ADMIN_KEY, 20),
        ("/organization/groups", ADMIN_KEY, 100),
        ("/organization/roles", ADMIN_KEY, 1000),
        ("/organization/spend_alerts", ADMIN_KEY, 20),
        ("/organization/audit_logs", ADMIN_KEY, 20),
        ("/files", PROJECT_KEY, 10000),
        ("/batches", PROJECT_KEY, 20),
        ("/assistants", PROJECT_KEY, 20),
    ],
)
def test_default_limits(emu, path, key, expected):
    status, body, _ = get(emu, path, key)
    assert status == 200 and len(body["data"]) == expected and body["has_more"] is True


def test_usage_default_limits_per_bucket_width(emu):
    for width, expected in (("1d", 7), ("1h", 24), ("1m", 60)):
        body = get(
            emu, "/organization/usage/completions", ADMIN_KEY, {"start_time": NOW - 40 * DAY, "bucket_width": width}
        )[1]
        assert len(body["data"]) == expected and body["has_more"] and body["next_page"]


# -------------------------------------------------------------------------------------- paging


def walk(emu, path, key, params, style):
    """All records of a list by following its paging style; returns (records, requests)."""
    records, requests, params = [], 0, dict(params)
    while True:
        status, body, _ = get(emu, path, key, params)
        assert status == 200, body
        requests += 1
        records.extend(body["data"])
        if not body["has_more"]:
            return records, requests
        if style == "id":
            params["after"] = body.get("last_id") or body["data"][-1]["id"]
        elif style == "next":
            params["after"] = body["next"]
        else:
            params["page"] = body["next_page"]


@pytest.mark.parametrize(
    "path,key,limit,style",
    [
        ("/organization/users", ADMIN_KEY, 100, "id"),
        ("/organization/projects", ADMIN_KEY, 100, "id"),
        ("/organization/groups", ADMIN_KEY, 1000, "next"),
        ("/organization/roles", ADMIN_KEY, 1000, "next"),
        ("/organization/audit_logs", ADMIN_KEY, 100, "id"),
        ("/files", PROJECT_KEY, 10000, "id"),
        ("/fine_tuning/jobs", PROJECT_KEY, 100, "id"),
        ("/chatkit/threads", PROJECT_KEY, 100, "id"),
    ],
)
def test_medium_has_several_pages_at_the_maximum_limit_and_paging_is_exact(emu, path, key, limit, style):
    records, requests = walk(emu, path, key, {"limit": limit}, style)
    ids = [r["id"] for r in records]
    assert requests >= 3 and len(ids) == len(set(ids))
    small_pages, _ = walk(emu, path, key, {"limit": max(1, limit // 7)}, style)
    assert [r["id"] for r in small_pages] == ids


def test_fine_tuning_lists_have_no_first_or_last_id_and_models_are_unpaginated(emulator):
    for request in sample_requests(emulator):
        if request["template"] in ("/fine_tuning/jobs", "/fine_tuning/jobs/{fine_tuning_job_id}/events"):
            body = get(emulator, request["path"], PROJECT_KEY)[1]
            assert "first_id" not in body and "last_id" not in body and body["data"]
    body = get(emulator, "/models", PROJECT_KEY)[1]
    assert set(body) == {"object", "data"} and body["data"]


def test_order_and_before(emu):
    asc = get(emu, "/organization/certificates", ADMIN_KEY, {"order": "asc", "limit": 5})[1]["data"]
    desc = get(emu, "/organization/certificates", ADMIN_KEY, {"limit": 5})[1]["data"]  # default desc
    assert asc[0]["created_at"] < asc[-1]["created_at"] and desc[0]["created_at"] > desc[-1]["created_at"]
    page = get(emu, "/assistants", PROJECT_KEY, {"limit": 10})[1]["data"]
    before = get(emu, "/assistants", PROJECT_KEY, {"limit": 3, "before": page[5]["id"]})[1]["data"]
    assert [r["id"] for r in before] == [r["id"] for r in page[2:5]]


def test_include_archived(emu):
    active, _ = walk(emu, "/organization/projects", ADMIN_KEY, {"limit": 100}, "id")
    everything, _ = walk(emu, "/organization/projects", ADMIN_KEY, {"limit": 100, "include_archived": "true"}, "id")
    assert all(p["status"] == "active" for p in active)
    assert {p["status"] for p in everything} == {"active", "archived"} and len(everything) == emu.data.scale.projects


def test_unknown_cursor_and_unknown_parent(emu):
    assert_error(*get(emu, "/organization/users", ADMIN_KEY, {"after": "user-nope"})[:2], 400, "after")
    assert get(emu, "/organization/projects/proj_nope/users", ADMIN_KEY)[0] == 404
    assert get(emu, "/organization/nope", ADMIN_KEY)[0] == 404


# -------------------------------------------------------------------------------------- key classes


def test_key_classes(emulator):
    for request in sample_requests(emulator):
        right = get(emulator, request["path"], request["key"], request["params"], codex=request["codex"])[0]
        assert right == 200, request["template"]
        for wrong in {ADMIN_KEY, PROJECT_KEY, CODEX_KEY} - {request["key"]}:
            status, body, _ = get(emulator, request["path"], wrong, request["params"], codex=request["codex"])
            assert_error(status, body, 401)
    classes = Counter(entry["key_class"] for entry in emulator.requests)
    assert set(classes) == {"admin", "project", "codex"}


def test_unknown_or_missing_key_is_a_401_that_never_echoes_the_key(emulator):
    key = "sk-admin-SECRETsecretSECRET0123456789wxyz"
    status, body, _ = get(emulator, "/organization/users", key)
    assert_error(status, body, 401)
    message = body["error"]["message"]
    assert mask_key(key) in message and "SECRET" not in message and key[:-4] not in message
    assert mask_key(key) == "sk-admi*****wxyz"
    assert_error(*get(emulator, "/organization/users", None)[:2], 401)


# -------------------------------------------------------------------------------------- usage and costs


def usage(emu, endpoint, start, width, limit, group_by=(), **params):
    query = dict(start_time=start, bucket_width=width, limit=limit, group_by=list(group_by), **params)
    status, body, _ = get(emu, f"/organization/usage/{endpoint}", ADMIN_KEY, query)
    assert status == 200, body
    return body


def totals(buckets, group_by, metrics):
    out = Counter()
    for bucket in buckets:
        for result in bucket["results"]:
            key = tuple(result[d] for d in group_by)
            for metric in metrics:
                out[key + (metric,)] += result[metric]
    return out


@pytest.mark.parametrize(
    "group_by", [(), ("project_id",), ("project_id", "model", "user_id", "api_key_id", "batch", "service_tier")]
)
def test_hours_sum_to_days_and_minutes_to_hours(emu, group_by):
    metrics = ["input_tokens", "output_tokens", "input_cached_tokens", "num_model_requests", "output_audio_tokens"]
    day = NOW // DAY * DAY - 3 * DAY
    daily = usage(emu, "completions", day, "1d", 1, group_by)["data"]
    hourly = usage(emu, "completions", day, "1h", 24, group_by)["data"]
    assert len(hourly) == 24 and totals(daily, group_by, metrics) == totals(hourly, group_by, metrics)
    assert sum(totals(daily, group_by, ["input_tokens"]).values()) > 0
    busy = next(b for b in hourly if b["results"])
    minutes = usage(emu, "completions", busy["start_time"], "1m", 60, group_by)["data"]
    assert len(minutes) == 60 and totals([busy], group_by, metrics) == totals(minutes, group_by, metrics)


def test_ungrouped_dimensions_are_null_and_filters_apply(emu):
    day = NOW // DAY * DAY - 2 * DAY
    plain = usage(emu, "completions", day, "1d", 1)["data"][0]["results"]
    assert len(plain) == 1 and all(
        plain[0][d] is None for d in ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
    )
    grouped = usage(emu, "completions", day, "1d", 1, ["project_id"])["data"][0]["results"]
    assert len(grouped) > 1 and all(r["project_id"] and r["model"] is None for r in grouped)
    one = grouped[0]["project_id"]
    filtered = usage(emu, "completions", day, "1d", 1, ["project_id"], project_ids=[one])["data"][0]["results"]
    assert filtered == [grouped[0]]
    images = usage(emu, "images", day, "1d", 1, ["size", "source"])["data"][0]["results"]
    assert images and all(r["size"] and r["source"] and r["project_id"] is None for r in images)


def test_page_tokens_cover_the_period_once_and_end_time_is_exclusive(emu):
    start = NOW // DAY * DAY - 30 * DAY
    buckets, params = [], dict(start_time=start, end_time=start + 20 * DAY, limit=7)
    while True:
        body = get(emu, "/organization/usage/moderations", ADMIN_KEY, params)[1]
        buckets.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            break
        params["page"] = body["next_page"]
    assert [b["start_time"] for b in buckets] == [start + i * DAY for i in range(20)]
    open_ended = usage(emu, "moderations", NOW - 2 * DAY, "1d", 31)["data"]
    assert open_ended[-1]["start_time"] <= NOW < open_ended[-1]["end_time"]  # the open bucket, partial, is last


def test_costs_group_and_sum_exactly(emu):
    start = NOW // DAY * DAY - 5 * DAY

    def costs(group_by):
        body = get(emu, "/organization/costs", ADMIN_KEY, {"start_time": start, "limit": 5, "group_by": group_by})[1]
        return body["data"]

    by_line = costs(["line_item", "project_id"])
    total = costs([])
    for a, b in zip(by_line, total):
        assert round(sum(r["amount"]["value"] for r in a["results"]), 6) == round(
            sum(r["amount"]["value"] for r in b["results"]), 6
        )
        assert all(r["quantity_unit"] in COST_UNITS and r["api_key_id"] is None for r in a["results"])
    assert all(r["line_item"] is None and r["quantity"] is None for b in total for r in b["results"])


COST_UNITS = {"tokens", "images", "characters", "seconds", "sessions", "calls", "bytes"}


def test_costs_bill_every_kind_of_line_item_from_the_usage_that_measures_it(emu):
    """The bill's variety (cached input, batch, images, audio, tools, storage, training), each line derived from the
    usage endpoint that measures it, so that an allocation can be checked exactly; training has no usage endpoint."""
    start = NOW // DAY * DAY - 5 * DAY
    params = {"start_time": start, "limit": 5, "group_by": ["line_item", "project_id", "api_key_id"]}
    served = get(emu, "/organization/costs", ADMIN_KEY, params)[1]["data"]
    kinds = set()
    for bucket in served:
        lines = cost_lines(emu.data, bucket["start_time"])
        expected: dict = {}
        for line in lines:
            key = (line["line_item"], line["project_id"], line["api_key_id"])
            expected[key] = expected.get(key, 0) + line["micro"]
            kinds.add(line["line_item"].split(", ")[-1])
            assert (line["endpoint"] is None) == line["line_item"].endswith("fine-tuning training")
        got = {
            (r["line_item"], r["project_id"], r["api_key_id"]): round(r["amount"]["value"] * 1e6)
            for r in bucket["results"]
        }
        assert got == expected
    assert kinds >= {
        "input",
        "cached input",
        "output",
        "batch input",
        "batch output",
        "embeddings",
        "images",
        "speech characters",
        "transcription seconds",
        "Code interpreter sessions",
        "File search tool calls",
        "web search tool calls",
        "Vector store storage",
        "fine-tuning training",
    }
    # the lines' quantities are the usage endpoint's own measure for that day, priced per unit
    day = served[0]["start_time"]
    speech = [line for line in cost_lines(emu.data, day) if line["endpoint"] == "audio_speeches"]
    usage_day = usage(emu, "audio_speeches", day, "1d", 1)["data"][0]["results"]
    assert sum(line["quantity"] for line in speech) == sum(r["characters"] for r in usage_day) > 0
    assert all(line["micro"] == line["quantity"] * UNIT_PRICES["audio_speeches"][3] for line in speech)


def test_revision_bumps_recent_buckets_only(emulator_factory):
    emu = emulator_factory(scale="small", seed=3, now=NOW)
    start = NOW // DAY * DAY - 6 * DAY
    before = usage(emu, "completions", start, "1d", 7)["data"]
    emu.revise(days=2)
    after = usage(emu, "completions", start, "1d", 7)["data"]
    recent = NOW // DAY * DAY - 2 * DAY
    for b, a in zip(before, after):
        old = sum(r["input_tokens"] for r in b["results"])
        new = sum(r["input_tokens"] for r in a["results"])
        assert (new > old) if b["start_time"] >= recent and old else (new == old)
    hourly = usage(emu, "completions", recent, "1h", 24)["data"]
    assert sum(r["input_tokens"] for b in hourly for r in b["results"]) == sum(
        r["input_tokens"] for r in after[4]["results"]
    )


# -------------------------------------------------------------------------------------- audit logs


def test_audit_logs(emu):
    events, _ = walk(emu, "/organization/audit_logs", ADMIN_KEY, {"limit": 100}, "id")
    times = [e["effective_at"] for e in events]
    assert times == sorted(times, reverse=True) and len(events) > 500
    types = Counter(e["type"] for e in events)
    assert len(types) >= 8 and types["tunnel.created"] and types["resource.deleted"]
    tunnel = next(e for e in events if e["type"] == "tunnel.created")
    assert tunnel["tunnel.created"]["id"]
    cut = times[len(times) // 2]
    newer, _ = walk(emu, "/organization/audit_logs", ADMIN_KEY, {"limit": 100, "effective_at[gte]": cut}, "id")
    assert newer and all(e["effective_at"] >= cut for e in newer) and len(newer) == sum(t >= cut for t in times)
    gt = get(
        emu,
        "/organization/audit_logs",
        ADMIN_KEY,
        {"limit": 100, "effective_at[gt]": cut, "effective_at[lt]": cut + DAY},
    )[1]["data"]
    assert all(cut < e["effective_at"] < cut + DAY for e in gt)
    only = get(emu, "/organization/audit_logs", ADMIN_KEY, {"event_types[]": ["project.created"], "limit": 100})[1][
        "data"
    ]
    assert only and {e["type"] for e in only} == {"project.created"}
    tenant = get(emu, "/organization/audit_logs", ADMIN_KEY, {"tenant_only": "true", "limit": 100})[1]["data"]
    assert tenant and all(e["type"].startswith("tenant.") or e["type"].startswith("role.") for e in tenant)
    assert {"role.bound_to_resource", "role.unbound_from_resource"} <= {e["type"] for e in tenant}
    assert not any(e["type"].startswith("tenant.") or "_resource" in e["type"] for e in events)
    assert not {e["id"] for e in tenant} & {e["id"] for e in events}


# -------------------------------------------------------------------------------------- Codex


def codex_get(emu, path, **params):
    return get(emu, path, CODEX_KEY, params, codex=True)


def test_codex_routes(emu):
    ws = emu.data.workspaces
    assert len(ws) == 3
    assert codex_get(emu, "/workspaces/ws_unknown/usage")[0] == 404
    assert_error(*codex_get(emu, f"/workspaces/{ws[0]}/usage", limit=501)[:2], 400, "limit")
    rows, params = [], {"start_time": NOW - 20 * DAY, "end_time": NOW, "limit": 100}
    while True:
        body = codex_get(emu, f"/workspaces/{ws[0]}/usage", **params)[1]
        rows.extend(body["data"])
        if not body["has_more"]:
            break
        params["page"] = body["next_page"]
    keys = [(r["start_time"], r["user_id"]) for r in rows]
    assert len(rows) > 200 and len(keys) == len(set(keys))
    assert all(NOW - 20 * DAY <= r["start_time"] < NOW and r["clients"] for r in rows)
    control(emu, "config", {"codex_max_limit": 1000})
    try:
        assert codex_get(emu, f"/workspaces/{ws[1]}/code_reviews", limit=1000)[0] == 200
    finally:
        control(emu, "config", {"codex_max_limit": 500})
    weekly = codex_get(
        emu, f"/workspaces/{ws[1]}/code_review_responses", group_by="week", limit=500, start_time=NOW - 28 * DAY
    )[1]["data"]
    assert weekly and all(r["end_time"] - r["start_time"] == 7 * DAY for r in weekly)


# -------------------------------------------------------------------------------------- faults, log, knobs


def test_rate_limit_server_error_and_truncation_every_nth(emulator):
    emulator.set_faults(rate_limit_every=3, retry_after=2)
    statuses = [get(emulator, "/organization/users", ADMIN_KEY) for _ in range(6)]
    assert [s[0] for s in statuses] == [200, 200, 429, 200, 200, 429]
    assert statuses[2][2]["Retry-After"] == "2" and statuses[2][1]["error"]["code"] == "rate_limit_exceeded"
    emulator.reset()  # the request counter starts again at 1
    emulator.set_faults(server_error_every=2, server_error_statuses=[502, 503])
    assert [get(emulator, "/organization/users", ADMIN_KEY)[0] for _ in range(4)] == [200, 502, 200, 503]
    emulator.reset()
    emulator.set_faults(truncate_every=2, truncate_mode="alternate")
    bodies = [get(emulator, "/organization/users", ADMIN_KEY) for _ in range(4)]
    assert [b[0] for b in bodies] == [200] * 4
    assert isinstance(bodies[0][1], dict) and isinstance(bodies[1][1], str) and isinstance(bodies[3][1], str)
    assert bodies[1][1].startswith("<html>") != bodies[3][1].startswith("<html>")


def test_connection_reset_and_forbidden_prefix(emulator):
    emulator.set_faults(reset_every=1)
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        get(emulator, "/organization/users", ADMIN_KEY)
    emulator.set_faults(reset=True, forbidden_prefixes=["/v1/organization/audit_logs"])
    assert_error(*get(emulator, "/organization/audit_logs", ADMIN_KEY)[:2], 403)
    assert get(emulator, "/organization/users", ADMIN_KEY)[0] == 200


def test_request_log_latency_and_concurrency_high_water_mark(emulator):
    emulator.set_faults(latency_ms=150)
    threads = [
        threading.Thread(target=get, args=(emulator, "/organization/users", ADMIN_KEY, {"limit": 3})) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = emulator.stats()
    assert stats["max_in_flight"] == 4 and stats["requests"] == 4
    log = emulator.requests
    assert len(log) == 4 and all(
        e["ended"] - e["started"] >= 0.15 and e["status"] == 200 and e["key_class"] == "admin" for e in log
    )
    assert log[0]["query"] == {"limit": ["3"]} and log[0]["path"] == "/v1/organization/users"
    over_http = control(emulator, "requests")
    assert len(over_http["requests"]) == 4 and over_http["stats"]["max_in_flight"] == 4
    control(emulator, "faults", {"reset": True, "rate_limit_every": 1})
    assert get(emulator, "/organization/users", ADMIN_KEY)[0] == 429
    control(emulator, "reset", {})
    assert emulator.faults.rate_limit_every == 0 and emulator.requests == []


def test_sequential_requests_never_count_as_concurrent(emulator):
    for _ in range(20):
        get(emulator, "/organization/users", ADMIN_KEY)
    assert emulator.stats()["max_in_flight"] == 1


def test_same_seed_same_pages(emulator_factory):
    a = emulator_factory(scale="small", seed=5, now=NOW)
    b = emulator_factory(scale="small", seed=5, now=NOW)
    c = emulator_factory(scale="small", seed=6, now=NOW)
    for request in sample_requests(a):
        args = (request["path"], request["key"], request["params"])
        assert get(a, *args, codex=request["codex"])[1] == get(b, *args, codex=request["codex"])[1]
    assert get(a, "/organization/users", ADMIN_KEY)[1] != get(c, "/organization/users", ADMIN_KEY)[1]


def test_command_line_prints_the_urls_and_serves():
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_emulator", "--port", "0", "--scale", "small", "--seed", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        api = proc.stdout.readline().split("=", 1)[1].strip()
        assert "listening on http://127.0.0.1:" in first and api.endswith("/v1")
        request = urllib.request.Request(api + "/organization/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["data"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -------------------------------------------------------------------------------------- a server that makes no progress
STUCK = [
    # (paging style, path, key, params, codex, cursor field, cursor parameter)
    ("id cursor", "/organization/invites", ADMIN_KEY, {"limit": 2}, False, "last_id", "after"),
    ("next cursor", "/organization/groups", ADMIN_KEY, {"limit": 2}, False, "next", "after"),
    (
        "page token",
        "/organization/usage/completions",
        ADMIN_KEY,
        {"start_time": NOW - 10 * DAY, "limit": 2},
        False,
        "next_page",
        "page",
    ),
    (
        "codex page token",
        "/workspaces/ws_0/code_reviews",
        CODEX_KEY,
        {"start_time": NOW - 30 * DAY, "limit": 1},
        True,
        "next_page",
        "page",
    ),
]


@pytest.mark.parametrize("style,path,key,params,codex,field,param", STUCK, ids=[s[0] for s in STUCK])
def test_stuck_prefixes_repeat_the_first_page_forever(emu, style, path, key, params, codex, field, param):
    prefix = ("/codex/v1/analytics/codex" if codex else "/v1") + path
    if codex:  # a workspace of this emulator
        path = path.replace("ws_0", emu.connector_config()["workspace_ids"].split(",")[0])
        prefix = "/codex/v1/analytics/codex" + path
    emu.set_faults(reset=True, stuck_prefixes=[prefix])
    try:
        status, first, _ = get(emu, path, key, params, codex=codex)
        assert status == 200 and first["has_more"] is True and first[field] and first["data"], first
        for _ in range(3):  # following the cursor leads back to the same page
            status, again, _ = get(emu, path, key, dict(params, **{param: first[field]}), codex=codex)
            assert status == 200 and again == first
        assert Counter(e["fault"] for e in emu.requests)["stuck"] >= 4
        emu.set_faults(stuck_mode="empty")
        status, empty, _ = get(emu, path, key, params, codex=codex)
        assert empty["data"] == [] and empty["has_more"] is True and empty[field]
    finally:
        emu.set_faults(reset=True)
    # other endpoints and the same endpoint without the knob page normally
    status, normal, _ = get(emu, path, key, params, codex=codex)
    assert status == 200 and (
        not normal["has_more"] or get(emu, path, key, dict(params, **{param: normal[field]}), codex=codex)[1] != normal
    )


def test_the_minimum_counts_usage_pages_to_the_syncs_clock_not_the_datas():
    """An emulator made in the first minute of a day has `now` = midnight: a week of hourly buckets, one page of 168.
    A sync that starts after that minute asks for 169 buckets, which take two requests (CI once ran at 00:00)."""
    midnight = 1_780_000_000 // DAY * DAY
    ds = Dataset("small", seed=0, now=midnight + 30)
    assert ds.now == midnight and ds.period_start == midnight - 7 * DAY
    at_data_end = minimum_requests(ds, ds.period_start, bucket_width="1h")
    later = minimum_requests(ds, ds.period_start, bucket_width="1h", sync_now=midnight + 90)
    assert at_data_end["/organization/usage/completions"] == 1
    assert later["/organization/usage/completions"] == 2
    assert {k: v for k, v in later.items() if not k.startswith("/organization/usage/")} == {
        k: v for k, v in at_data_end.items() if not k.startswith("/organization/usage/")
    }
    # daily buckets: 8 either way (one page of 31)
    assert minimum_requests(ds, ds.period_start, sync_now=midnight + 90) == minimum_requests(ds, ds.period_start)
