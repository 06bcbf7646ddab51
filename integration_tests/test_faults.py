"""Fault injection: the real connector (`python main.py read`, every stream, all three credentials) against the
emulator with faults switched on. Whatever the fault, the final records (by primary key, with their values) must
equal those of the fault-free sync, and no key may appear in stdout or stderr.

The fault-free baseline is computed once per module. Retry waits are scaled down to 1 % in the subprocess
(integration_tests/hooks/sitecustomize.py), except in the 429 scenario, which proves the real `Retry-After` wait on
the emulator's request timestamps. See README "Reliability: the fault-injection suite".
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any, Dict, List, Mapping, Tuple

import pytest

from openai_emulator import Emulator

from . import sync_harness as h

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def emu() -> Emulator:
    with Emulator(scale="small", seed=7, **h.emulator_keys()) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def setup(emu: Emulator, tmp_path_factory) -> Dict[str, Any]:
    config = emu.connector_config()
    catalog = h.catalog_for(config)
    return {
        "config": config,
        "catalog": catalog,
        "pks": h.primary_keys(catalog),
        "dir": tmp_path_factory.mktemp("faults"),
    }


@pytest.fixture(scope="module")
def baseline(emu: Emulator, setup: Dict[str, Any]) -> Dict[str, Any]:
    emu.reset()
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="baseline")
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    records = h.by_key(sync.records, setup["pks"])
    streams = {stream for stream, _ in records}
    assert streams == {s["stream"]["name"] for s in setup["catalog"]["streams"]}, sorted(
        streams
    )  # every discovered stream has records
    assert len(records) == len(sync.records), "the fault-free sync emitted a primary key twice"
    _assert_no_secret(sync)
    return {"sync": sync, "records": records, "requests": emu.requests}


def _assert_no_secret(sync: h.Sync, keys=h.KEYS) -> None:
    leaks = h.leaked_fragments(sync.stdout + sync.stderr, keys)
    assert not leaks, f"key fragments in the output: {leaks}"


def _assert_same_records(sync: h.Sync, baseline: Dict[str, Any], pks) -> None:
    assert sync.returncode == 0, sync.describe()
    assert not sync.errors(), sync.errors()[:2]
    records = h.by_key(sync.records, pks)
    missing = sorted(set(baseline["records"]) - set(records))
    extra = sorted(set(records) - set(baseline["records"]))
    changed = sorted(k for k in records.keys() & baseline["records"].keys() if records[k] != baseline["records"][k])
    assert not missing, f"{len(missing)} records lost, by stream: {Counter(k[0] for k in missing)}"
    assert not extra and not changed, (extra[:3], changed[:3])
    # no page emitted twice (a retried partial page would show as duplicates)
    assert len(sync.records) == len(baseline["sync"].records), Counter(s for s, _ in sync.records) - Counter(
        s for s, _ in baseline["sync"].records
    )


def _key(entry: Mapping[str, Any]) -> Tuple[str, str]:
    return entry["path"], json.dumps(entry["query"], sort_keys=True)


# ------------------------------------------------------------------------------------------- retried faults
def test_429_every_5th_request_waits_for_retry_after(emu, setup, baseline):
    emu.reset()
    emu.set_faults(rate_limit_every=5, retry_after=1)
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="429", wait_scale=None)

    _assert_same_records(sync, baseline, setup["pks"])
    _assert_no_secret(sync)
    log = emu.requests
    limited = [e for e in log if e["fault"] == "429"]
    assert len(limited) >= len(baseline["requests"]) // 5 - 1, len(limited)
    # A URL that several readers request (the Codex usage endpoint serves three streams; a parent list is read by
    # its stream and its children's partitions) may be requested by another reader during the wait. Where the URL
    # was requested exactly twice, a 429 then a 200, the 200 is the retry, and its start shows the wait (otherwise
    # the retry may even be answered from the CDK's response cache, filled by another reader).
    by_url: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    for entry in log:
        by_url[_key(entry)].append(entry)
    waits = []
    for entry in limited:
        assert 200 in [e["status"] for e in by_url[_key(entry)]], f"{entry['path']} never succeeded"
        gaps = [e["started"] - entry["ended"] for e in by_url[_key(entry)] if e["n"] > entry["n"]]
        if [e["status"] for e in by_url[_key(entry)]] == [429, 200]:
            waits.append(gaps[0])
            assert gaps[0] >= 1.0, f"{entry['path']} was retried {gaps[0]:.2f} s after a 429 with Retry-After: 1"
    assert len(waits) >= len(limited) // 2, (len(waits), len(limited))  # most 429s are judged strictly
    assert waits and max(waits) < 5, (
        f"the wait should follow Retry-After (1 s + 1 s of slack), not a long backoff: {max(waits):.1f} s"
    )


def test_5xx_every_7th_request_resets_and_read_timeouts_are_retried(emu, setup, baseline):
    emu.reset()
    emu.set_faults(
        server_error_every=7, server_error_statuses=[500, 502, 503], reset_every=11, slow_every=17, slow_seconds=4
    )
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="5xx", read_timeout=1.0)

    _assert_same_records(sync, baseline, setup["pks"])
    _assert_no_secret(sync)
    log = emu.requests
    faults = Counter(e["fault"] for e in log)
    assert faults["500"] and faults["502"] and faults["503"] and faults["reset"] and faults["slow"], faults
    for slow in (e for e in log if e["fault"] == "slow"):
        retry = [e for e in log if e["n"] > slow["n"] and _key(e) == _key(slow)]
        # the connector gave up on the hung request (read timeout) and asked again while the server still slept
        ended = slow["ended"] if slow["ended"] is not None else float("inf")  # None: the server still sleeps
        assert retry and retry[0]["started"] < ended, f"{slow['path']}: no retry before the slow answer"


# Lists that are never a parent: their responses are not in the CDK's request cache, so a retry asks OpenAI again.
UNCACHED_LISTS = [
    "/v1/organization/usage/",
    "/v1/organization/costs",
    "/v1/organization/audit_logs",
    "/v1/organization/invites",
    "/v1/organization/admin_api_keys",
    "/v1/organization/certificates",
    "/v1/organization/roles",
    "/v1/organization/spend_alerts",
    "/v1/organization/spend_limit",
    "/v1/organization/data_retention",
    "/v1/files",
    "/v1/batches",
    "/v1/assistants",
    "/v1/models",
    "/v1/videos",
]


def _uncached_lists(config) -> list:
    """UNCACHED_LISTS plus the Codex code-review endpoints of each workspace (the Codex usage pages are cached:
    the three usage streams share them)."""
    return UNCACHED_LISTS + [
        f"/codex/v1/analytics/codex/workspaces/{ws}/code_review" for ws in config["workspace_ids"].split(",")
    ]


def test_truncated_and_non_json_200_bodies_are_retried_never_emitted(emu, setup, baseline):
    emu.reset()
    emu.set_faults(truncate_every=2, truncate_mode="alternate", only_prefixes=_uncached_lists(setup["config"]))
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="truncate")

    _assert_same_records(sync, baseline, setup["pks"])
    _assert_no_secret(sync)
    faults = Counter(e["fault"] for e in emu.requests)
    assert faults["truncate"] >= 3 and faults["html"] >= 3 and faults["truncate"] + faults["html"] >= 10, faults


def test_an_unreadable_200_on_a_cached_parent_fails_that_family_loudly(emu, setup, baseline):
    """A parent list is kept in the CDK's request cache, which answers the retry with the same body (the connector
    does not patch the cache; docs/openai.md, "Unreadable responses"). The groups list fails after its retries with
    the reason, its children with it; every other stream is exact, and nothing is emitted from the bad body."""
    emu.reset()
    emu.set_faults(truncate_every=1, truncate_mode="truncate", only_prefixes=["/v1/organization/groups"])
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="truncate-parent")

    assert sync.returncode != 0
    messages = " ".join(e["message"] + (e.get("internal_message") or "") for e in sync.errors())
    assert "not complete JSON" in messages, messages[:500]
    records = h.by_key(sync.records, setup["pks"])
    failed = {"groups", "group_users", "group_roles"}
    expected = {k: v for k, v in baseline["records"].items() if k[0] not in failed}
    assert {k: v for k, v in records.items() if k[0] not in failed} == expected
    assert not any(k[0] in ("groups", "group_users", "group_roles") for k in records)
    _assert_no_secret(sync)


# One endpoint of each paging style repeats its first page forever (stuck_mode "repeat") or answers an empty page that
# says there is more ("empty"); users and groups are parents, read through the CDK's request cache.
STUCK = {
    "users": "/v1/organization/users",  # id cursor, cached parent of user_roles
    "groups": "/v1/organization/groups",  # next cursor, cached parent of group_users and group_roles
    "usage_completions": "/v1/organization/usage/completions",  # page token
    "fine_tuning_jobs": "/v1/fine_tuning/jobs",  # id cursor without last_id
}
STUCK_CHILDREN = {
    "user_roles",
    "group_users",
    "group_roles",
    "fine_tuning_job_events",
    "fine_tuning_job_checkpoints",
    "fine_tuning_checkpoint_permissions",
}


def _codex_stuck(config) -> Dict[str, str]:
    workspace = config["workspace_ids"].split(",")[0]
    return {"codex_code_reviews": f"/codex/v1/analytics/codex/workspaces/{workspace}/code_reviews"}  # Codex page token


@pytest.mark.parametrize("runtime", ["package", "manifest-only"])
@pytest.mark.parametrize("mode", ["repeat", "empty"])
def test_a_server_whose_paging_makes_no_progress_never_hangs_nor_duplicates(emu, setup, baseline, runtime, mode):
    emu.reset()
    stuck = dict(STUCK, **_codex_stuck(setup["config"]))
    emu.set_faults(stuck_prefixes=list(stuck.values()), stuck_mode=mode)
    sync = h.read(
        setup["dir"],
        setup["config"],
        setup["catalog"],
        name=f"stuck-{mode}-{runtime}",
        timeout=240,
        manifest_only=runtime == "manifest-only",
    )

    assert sync.returncode != 0, "the sync must end with the failure reported"
    assert sync.elapsed < 180, sync.elapsed
    messages = [e["message"] for e in sync.errors()]
    for stream, path in stuck.items():
        endpoint = path.split("/v1", 1)[-1] if "/codex/" not in path else path.split("/codex", 1)[-1]
        assert any(stream in m and endpoint in m and "made no progress" in m for m in messages), (stream, messages)
    # no record twice, on the stuck streams or anywhere else
    keys = [(stream, h.key_of(setup["pks"][stream], data)) for stream, data in sync.records]
    assert len(keys) == len(set(keys)), Counter(k for k in keys if keys.count(k) > 1).most_common(3)
    records = h.by_key(sync.records, setup["pks"])
    affected = set(stuck) | STUCK_CHILDREN
    # the stuck streams emitted at most their first page once, all of it true data
    for key, value in records.items():
        if key[0] in stuck:
            assert baseline["records"].get(key) == value, key
    # every other stream is exact (the stuck Codex workspace's other endpoints are whole too)
    expected = {k: v for k, v in baseline["records"].items() if k[0] not in affected}
    assert {k: v for k, v in records.items() if k[0] not in affected} == expected
    # each partition of a stuck endpoint is asked for its first page and at most once more, never again and again
    asked = Counter(
        (e["path"], json.dumps({k: v for k, v in e["query"].items() if k not in ("after", "page")}, sort_keys=True))
        for e in emu.requests
        if e["fault"] == "stuck"
    )
    assert asked and max(asked.values()) <= 2, asked.most_common(3)
    # nothing of a refused page reaches the logs (it holds data: here the users' e-mail addresses)
    emails = {d["email"] for s, d in baseline["sync"].records if s == "users" and d.get("email")}
    logged = sync.output_without_records()
    assert emails and not [e for e in emails if e in logged]
    _assert_no_secret(sync)


def test_requesters_time_out_a_hung_request():
    """The hook above only lowers a timeout the manifest sets; the CDK sets none by default."""
    from airbyte_cdk.sources.streams.http.http_client import HttpClient

    from source_openai import SourceOpenai

    seen = []
    original = HttpClient.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append((self._name, self._request_timeout))

    config = {
        "admin_api_key": h.ADMIN_KEY,
        "project_api_key": h.PROJECT_KEY,
        "codex_api_key": h.CODEX_KEY,
        "workspace_ids": "ws_1",
    }
    HttpClient.__init__ = spy
    try:
        streams = SourceOpenai(config=config).streams(config)
    finally:
        HttpClient.__init__ = original
    assert streams and len(seen) >= len(streams)  # one client per stream at least
    assert {timeout for _, timeout in seen} == {(30, 120)}


# ------------------------------------------------------------------------------------------- 403 families
def test_403_on_whole_families_skips_only_them_with_a_clear_message(emu, setup, baseline):
    project = emu.data.projects.item(1)["id"]
    workspace = emu.data.workspaces[1]
    emu.reset()
    emu.set_faults(
        forbidden_prefixes=[
            "/v1/organization/audit_logs",
            f"/v1/organization/projects/{project}/",
            f"/v1/projects/{project}/",
            f"/codex/v1/analytics/codex/workspaces/{workspace}/",
        ]
    )
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="403")

    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    _assert_no_secret(sync)

    def forbidden(stream: str, data: Mapping[str, Any]) -> bool:
        return (
            stream == "audit_logs"
            or (stream.startswith("project_") and data.get("project_id") == project)
            or (stream.startswith("codex_") and data.get("workspace_id") == workspace)
        )

    expected = {k: v for k, v in baseline["records"].items() if not forbidden(k[0], json.loads(v))}
    got = h.by_key(sync.records, setup["pks"])
    assert len(expected) < len(baseline["records"]) - 100  # the families are not empty
    assert got == expected, (sorted(set(expected) - set(got))[:5], sorted(set(got) - set(expected))[:5])
    assert {s for s, _ in got} >= {"projects", "codex_usage", "project_users"}  # only the part is missing

    logs = sync.logs()
    assert any("Skipping audit_logs" in m and "Audit logging" in m for m in logs)
    assert any(f"projects/{project}/users: OpenAI answered HTTP 403" in m for m in logs)
    assert any(
        f"Skipping Codex analytics of workspace {workspace}" in m and "codex.enterprise.analytics.read" in m
        for m in logs
    )


# ------------------------------------------------------------------------------------------- kill and resume
def _cursor_bounds(state_messages: List[Dict[str, Any]], catalog) -> Dict[str, Any]:
    """stream -> its saved cursor (a number), or a list of (partition, cursor) for per-partition state."""
    cursor_fields = {s["stream"]["name"]: s.get("cursor_field") for s in catalog["streams"]}
    bounds: Dict[str, Any] = {}
    for message in state_messages:
        name = message["stream"]["stream_descriptor"]["name"]
        state = message["stream"].get("stream_state") or {}
        field = (cursor_fields.get(name) or [None])[0]
        if not field:
            continue
        if "states" in state:
            bounds[name] = [
                (
                    {k: v for k, v in p["partition"].items() if not isinstance(v, (dict, list))},
                    float(p["cursor"][field]),
                )
                for p in state["states"]
                if field in (p.get("cursor") or {})
            ]
        elif field in state:
            bounds[name] = float(state[field])
    return bounds


@pytest.mark.parametrize("fraction", [0.05, 0.4, 0.8])
def test_kill_and_resume_loses_nothing_and_rereads_only_the_window(emu, setup, baseline, fraction):
    lookback_days = 1
    config = dict(setup["config"], lookback_window_days=lookback_days)
    catalog, pks = setup["catalog"], setup["pks"]
    kill_after = max(1, int(len(baseline["sync"].records) * fraction))
    emu.reset()
    first = h.read(setup["dir"], config, catalog, name=f"kill{fraction}", kill_after_records=kill_after)
    assert first.killed and first.returncode == -9, first.describe()
    assert kill_after <= len(first.records) < len(baseline["sync"].records)
    state = first.last_states()
    second = h.read(setup["dir"], config, catalog, state=state or None, name=f"resume{fraction}")
    assert second.returncode == 0 and not second.errors(), second.describe()
    _assert_no_secret(first)
    _assert_no_secret(second)

    union = h.by_key(first.records + second.records, pks)
    missing = set(baseline["records"]) - set(union)
    assert not missing, f"lost after resume: {Counter(k[0] for k in missing)}"
    assert union == baseline["records"]

    # Duplicates only inside the re-read window: an incremental stream resumes at its saved cursor (minus the
    # lookback, and the start of its bucket), so nothing older is read again.
    window = (lookback_days + 1) * 86400
    cursor_fields = {s["stream"]["name"]: (s.get("cursor_field") or [None])[0] for s in catalog["streams"]}
    outside = []
    for stream, bound in _cursor_bounds(state, catalog).items():
        field = cursor_fields[stream]
        for s, data in second.records:
            if s != stream or data.get(field) is None:
                continue
            value = float(data[field])
            if isinstance(bound, list):
                limits = [
                    c for partition, c in bound if all(data.get(k) == v for k, v in partition.items() if k in data)
                ]
                limit = min(limits) if limits else None
            else:
                limit = bound
            if limit is not None and value < limit - window:
                outside.append((stream, value, limit))
    assert not outside, f"{len(outside)} records re-read from before the saved cursor: {outside[:3]}"
    if fraction >= 0.8:
        incremental = {s["stream"]["name"] for s in catalog["streams"] if s["sync_mode"] == "incremental"}
        resumed = sum(1 for s, _ in second.records if s in incremental)
        total = sum(1 for s, _ in baseline["sync"].records if s in incremental)
        assert resumed < total, "the resumed sync read every incremental stream from the start"


# ------------------------------------------------------------------------------------------- secrets
def test_rejected_keys_never_reach_the_output(emu, setup):
    """The emulator answers an unknown key with 401 and echoes it masked (`sk-admi*****abcd`), as OpenAI does."""
    wrong = {
        "admin_api_key": "sk-admin-WRONGkV4rT8yU2iO6pA0sD",
        "project_api_key": "sk-proj-WRONGjB3nM7qW1eR5tY9uI",
        "codex_api_key": "sk-WRONGcX2vB6nM0lK4jH8gF3dS",
    }
    emu.reset()
    check = h.read(setup["dir"], dict(setup["config"], **wrong), None, command="check", name="check-wrong")
    statuses = [m["connectionStatus"] for m in check.messages if m["type"] == "CONNECTION_STATUS"]
    assert statuses and statuses[0]["status"] == "FAILED", check.describe()
    assert any(f"`{field}`" in statuses[0]["message"] for field in wrong), statuses
    echoed = [e for e in emu.requests if e["status"] == 401]
    assert echoed, "the emulator never answered 401"
    leaks = h.leaked_fragments(check.stdout + check.stderr, list(wrong.values()) + list(h.KEYS))
    assert not leaks, leaks

    emu.reset()
    catalog = {
        "streams": [s for s in setup["catalog"]["streams"] if s["stream"]["name"] in ("users", "files", "codex_usage")]
    }
    sync = h.read(setup["dir"], dict(setup["config"], **wrong), catalog, name="read-wrong")
    assert sync.returncode == 1 and any(e["failure_type"] == "config_error" for e in sync.errors()), sync.describe()
    assert len([e for e in emu.requests if e["status"] == 401]) >= 3  # each credential was tried and refused
    leaks = h.leaked_fragments(sync.stdout + sync.stderr, list(wrong.values()) + list(h.KEYS))
    assert not leaks, leaks
