"""The emulator's ChatGPT Enterprise Compliance API: log-file listings (paging on `after` / `last_end_time`, both
principal kinds, parameters), downloads through a 302 to pre-signed storage on another host name, the JSONL files,
the user rosters, key classes, the 403 / stuck / large-file knobs, the minimum-request counts and determinism."""

import hashlib
import http.client
import json
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from openai_emulator import ADMIN_KEY, CODEX_KEY, COMPLIANCE_KEY, PROJECT_KEY
from openai_emulator.data import DAY
from test_support.emulator_client import get, get_url
from test_support.minimum import count_by_template, minimum_requests, template_of

NOW = 1_795_000_000  # 2026-11-19 05:06:40 UTC, fixed
LOGS = "/compliance/{principal_kind}/{principal_id}/logs"
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


EMULATOR = {"seed": 3, "now": NOW}  # the module's `emu` (test_support.fixtures)


@pytest.fixture(autouse=True)
def _clean(emu):
    emu.reset()
    yield
    emu.reset()


def kind(principal_id):
    return "organizations" if principal_id.startswith("org-") else "workspaces"


def logs(emu, principal_id, params, key=COMPLIANCE_KEY, path_kind=None):
    return get(emu, f"/compliance/{path_kind or kind(principal_id)}/{principal_id}/logs", key, params, compliance=True)


def walk(emu, principal_id, event_type, limit=100, after=None, before=None):
    """Every descriptor of a listing, following `after` = `last_end_time`; (descriptors, pages)."""
    out, pages = [], 0
    params = {"event_type": event_type, "limit": limit}
    if after:
        params["after"] = after
    if before:
        params["before"] = before
    while True:
        status, body, _ = logs(emu, principal_id, params)
        assert status == 200, body
        pages += 1
        assert set(body) == {"object", "data", "has_more", "last_end_time"} and body["object"] == "list"
        out += body["data"]
        assert body["last_end_time"] == (body["data"][-1]["end_time"] if body["data"] else None)
        if not body["has_more"]:
            return out, pages
        assert pages < 100
        params["after"] = body["last_end_time"]


def assert_error(status, body, expected, param=None):
    assert status == expected, body
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    if param:
        assert body["error"]["param"] == param


def download(emu, principal_id, file_id, headers=None):
    """The API's answer (not followed), then the storage URL it names, fetched without Authorization."""
    status, _, hdrs = logs_get(emu, f"/compliance/{kind(principal_id)}/{principal_id}/logs/{file_id}")
    assert status == 302, status
    location = hdrs["Location"]
    return location, get_url(location, headers)


def logs_get(emu, path, key=COMPLIANCE_KEY):
    return get(emu, path, key, compliance=True)


# ---------------------------------------------------------------------------------------- listings


def test_principals_and_config(emu):
    ws0, ws1, org = emu.compliance_principals
    assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$", ws0) and ws0 != ws1
    assert org.startswith("org-") and org == emu.data.org_id
    assert emu.compliance_api_base_url == emu.base_url + "/chatgpt/v1"
    assert not any(k.startswith("compliance") for k in emu.connector_config())
    config = emu.connector_config(compliance=True)
    assert config["compliance_api_key"] == COMPLIANCE_KEY
    assert config["compliance_principal_ids"] == f"{ws0},{ws1},{org}"
    assert config["compliance_event_types"] == ["AUTH_LOG", "CONVERSATION_MESSAGE"]
    assert config["compliance_api_base_url"] == emu.compliance_api_base_url
    assert emu.describe()["compliance_api_base_url"] == emu.compliance_api_base_url


def test_listing_pages_on_last_end_time_without_gaps_or_duplicates(emu):
    ws0 = emu.compliance_principals[0]
    start = emu.connector_config()["start_date"]
    files, pages = walk(emu, ws0, "AUTH_LOG", 100, after=start)
    assert pages >= 2 and len(files) > 100
    ends = [f["end_time"] for f in files]
    assert ends == sorted(ends) and len(set(ends)) == len(ends) and all(e > start for e in ends)
    assert len({f["id"] for f in files}) == len(files)
    small, small_pages = walk(emu, ws0, "AUTH_LOG", 7, after=start)
    assert small == files and small_pages == -(-len(files) // 7)
    # without `after`: from the oldest file kept, the same files
    assert walk(emu, ws0, "AUTH_LOG")[0] == files
    # resuming from a cursor in the middle gives exactly the rest
    assert walk(emu, ws0, "AUTH_LOG", 100, after=files[41]["end_time"])[0] == files[42:]
    # descriptors
    for f in files[:5]:
        assert set(f) == {
            "object",
            "id",
            "event_type",
            "file_name",
            "file_size",
            "file_sha256",
            "start_time",
            "end_time",
            "created_at",
        }
        assert (
            f["object"] == "compliance.log_file"
            and re.match(r"^logf_[0-9a-f]+$", f["id"])
            and f["event_type"] == "AUTH_LOG"
        )
        assert f["file_name"].startswith("AUTH_LOG-") and f["file_name"].endswith(".jsonl")
        assert re.match(r"^[0-9a-f]{64}$", f["file_sha256"]) and f["file_size"] > 0
        assert all(ISO_RE.match(f[k]) for k in ("start_time", "end_time", "created_at"))
        assert f["start_time"] < f["end_time"] < f["created_at"]


def test_both_principal_kinds_and_several_event_types(emu):
    ws0, ws1, org = emu.compliance_principals
    for principal in (ws0, ws1, org):
        for event_type in ("AUTH_LOG", "CONVERSATION_MESSAGE", "FILE_UPLOAD"):
            files, _ = walk(emu, principal, event_type)
            assert files and {f["event_type"] for f in files} == {event_type}
    ids = [f["id"] for p in (ws0, ws1, org) for f in walk(emu, p, "AUTH_LOG")[0]]
    assert len(ids) == len(set(ids))


def test_principal_kind_must_match_and_unknown_principals_are_404(emu):
    ws0, _, org = emu.compliance_principals
    params = {"event_type": "AUTH_LOG"}
    assert_error(*logs(emu, org, params, path_kind="workspaces")[:2], 404)
    assert_error(*logs(emu, ws0, params, path_kind="organizations")[:2], 404)
    assert_error(*logs(emu, "00000000-0000-4000-a000-000000000000", params)[:2], 404)
    assert_error(*logs(emu, "org-nope", params)[:2], 404)
    assert logs(emu, ws0, params, path_kind="teams")[0] == 404


def test_parameters(emu):
    ws0 = emu.compliance_principals[0]
    assert_error(*logs(emu, ws0, {})[:2], 400, "event_type")
    assert_error(*logs(emu, ws0, {"event_type": "auth_log"})[:2], 400, "event_type")
    for limit in (0, 101, -1):
        assert_error(*logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": limit})[:2], 400, "limit")
    assert len(logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": 1})[1]["data"]) == 1
    assert len(logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": 100})[1]["data"]) == 100
    assert len(logs(emu, ws0, {"event_type": "AUTH_LOG"})[1]["data"]) == 100  # default 100
    for bad in ("yesterday", "2026-11-28T00:00:00", "2026-11-28", "1794000000"):
        assert_error(*logs(emu, ws0, {"event_type": "AUTH_LOG", "after": bad})[:2], 400, "after")
        assert_error(*logs(emu, ws0, {"event_type": "AUTH_LOG", "before": bad})[:2], 400, "before")
    # offsets and fractions are ISO 8601 too
    files = walk(emu, ws0, "AUTH_LOG")[0]
    end = files[10]["end_time"]
    plus_one = end.replace("Z", "+01:00")  # an hour earlier in UTC: files[10] ends after it, files[9] does not
    assert logs(emu, ws0, {"event_type": "AUTH_LOG", "after": plus_one, "limit": 1})[1]["data"] == [files[10]]
    assert logs(emu, ws0, {"event_type": "AUTH_LOG", "after": end.replace("Z", ".5Z"), "limit": 1})[1]["data"] == [
        files[11]
    ]
    # an event type with no files: an empty list
    status, body, _ = logs(emu, ws0, {"event_type": "GPT_ACTION"})
    assert status == 200 and body == {"object": "list", "data": [], "has_more": False, "last_end_time": None}
    # after the last file: empty, no cursor
    status, body, _ = logs(emu, ws0, {"event_type": "AUTH_LOG", "after": files[-1]["end_time"]})
    assert status == 200 and body["data"] == [] and body["has_more"] is False and body["last_end_time"] is None


def test_before_bounds_the_listing(emu):
    ws0 = emu.compliance_principals[0]
    files = walk(emu, ws0, "AUTH_LOG")[0]
    before = files[120]["end_time"]
    bounded, pages = walk(emu, ws0, "AUTH_LOG", 100, before=before)
    assert bounded == files[:121] and pages == 2
    bounded, pages = walk(emu, ws0, "AUTH_LOG", 100, after=files[5]["end_time"], before=files[104]["end_time"])
    assert bounded == files[6:105] and pages == 1  # exactly 99: has_more is false
    assert walk(emu, ws0, "AUTH_LOG", 100, after=files[50]["end_time"], before=files[10]["end_time"]) == ([], 1)


# ---------------------------------------------------------------------------------------- downloads


def test_download_redirects_to_signed_storage_on_another_host(emu):
    ws0 = emu.compliance_principals[0]
    for f in walk(emu, ws0, "CONVERSATION_MESSAGE")[0][:3]:
        location, (status, raw, headers) = download(emu, ws0, f["id"])
        url = urlsplit(location)
        assert url.scheme == "http" and url.hostname == "localhost" and url.port == emu.port  # the API is 127.0.0.1
        assert url.path.startswith("/_storage/")
        query = parse_qs(url.query)
        assert re.match(r"^[0-9a-f]{64}$", query["X-Amz-Signature"][0]) and query["X-Amz-Expires"] == ["300"]
        assert status == 200 and headers["Content-Type"] == "application/jsonl"
        assert len(raw) == f["file_size"] == int(headers["Content-Length"])
        assert hashlib.sha256(raw).hexdigest() == f["file_sha256"]
        events = [json.loads(line) for line in raw.decode().splitlines()]
        assert 1 <= len(events) <= 20 and raw.endswith(b"\n")
    storage = [e for e in emu.requests if e["path"].startswith("/_storage/")]
    assert len(storage) == 3 and all(e["authorization"] is False and e["status"] == 200 for e in storage)
    assert all(e["host"] == f"localhost:{emu.port}" and e["key_class"] is None for e in storage)
    assert Counter(template_of(e["path"]) for e in emu.requests)["/_storage/{file}"] == 3


def test_the_other_host_name_redirects_back_to_127(emu):
    ws0 = emu.compliance_principals[0]
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    url = f"http://localhost:{emu.port}/chatgpt/v1/compliance/workspaces/{ws0}/logs/{f['id']}"
    status, _, headers = get_url(url, {"Authorization": f"Bearer {COMPLIANCE_KEY}"})
    assert status == 302 and urlsplit(headers["Location"]).hostname == "127.0.0.1"


def test_storage_logs_an_authorization_header_and_checks_the_signature(emu):
    ws0 = emu.compliance_principals[0]
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    location, (status, raw, _) = download(emu, ws0, f["id"], headers={"Authorization": f"Bearer {COMPLIANCE_KEY}"})
    assert status == 200 and hashlib.sha256(raw).hexdigest() == f["file_sha256"]
    assert [e["authorization"] for e in emu.requests if e["path"].startswith("/_storage/")] == [True]
    tampered = re.sub(r"X-Amz-Signature=[0-9a-f]", "X-Amz-Signature=g", location)
    assert get_url(tampered)[0] == 403
    assert get_url(location.split("?")[0])[0] == 403


def test_download_of_unknown_or_other_principals_file_is_404(emu):
    ws0, ws1, _ = emu.compliance_principals
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    assert logs_get(emu, f"/compliance/workspaces/{ws1}/logs/{f['id']}")[0] == 404
    assert logs_get(emu, f"/compliance/workspaces/{ws0}/logs/logf_0000")[0] == 404


def test_event_shapes_and_recognisable_content(emu):
    ws0, _, org = emu.compliance_principals

    def events(principal, event_type):
        f = walk(emu, principal, event_type)[0][0]
        raw = download(emu, principal, f["id"])[1][1]
        return [json.loads(line) for line in raw.splitlines()]

    for principal in (ws0, org):
        for e in events(principal, "AUTH_LOG"):
            assert set(e) == {"id", "type", "timestamp", "principal_id", "actor", "event", "ip_address", "user_agent"}
            assert e["type"] == "AUTH_LOG" and e["principal_id"] == principal and e["event"] in ("login", "logout")
            assert set(e["actor"]) == {"user_id", "email"} and e["actor"]["user_id"].startswith("user-")
            assert ISO_RE.match(e["timestamp"]) and e["id"].startswith("evt_")
    messages = events(ws0, "CONVERSATION_MESSAGE")
    for e in messages:
        assert set(e) == {"id", "type", "timestamp", "principal_id", "actor", "conversation_id", "message"}
        assert set(e["message"]) == {"id", "role", "content"} and e["message"]["role"] in ("user", "assistant")
        assert "SECRET-CONTENT-" in e["message"]["content"]["parts"][0]
    for e in events(ws0, "FILE_UPLOAD"):
        assert e["type"] == "FILE_UPLOAD" and set(e["file"]) == {"id", "name", "mime_type", "size_bytes"}
    # timestamps inside the file's window, ascending
    f = walk(emu, ws0, "CONVERSATION_MESSAGE")[0][0]
    stamps = [e["timestamp"] for e in messages]
    assert stamps == sorted(stamps) and f["start_time"] <= stamps[0] and stamps[-1] < f["end_time"]


# ---------------------------------------------------------------------------------------- rosters


def roster_walk(emu, path, limit):
    out, pages, params = [], 0, {"limit": limit}
    while True:
        status, body, _ = get(emu, path, COMPLIANCE_KEY, params, compliance=True)
        assert status == 200, body
        assert set(body) == {"object", "data", "first_id", "last_id", "has_more"}
        pages += 1
        out += body["data"]
        if not body["has_more"]:
            return out, pages
        params["after"] = body["last_id"]


def test_rosters(emu):
    ws0, ws1, org = emu.compliance_principals
    current, pages = roster_walk(emu, f"/manage/workspaces/{ws0}/users", 100)
    history, history_pages = roster_walk(emu, f"/compliance/workspaces/{ws0}/users", 100)
    assert pages >= 2 and history_pages >= 2
    assert len({u["id"] for u in history}) == len(history) and len({u["id"] for u in current}) == len(current)
    assert roster_walk(emu, f"/compliance/workspaces/{ws0}/users", 9)[0] == history
    removed = [u for u in history if u["status"] == "removed"]
    assert removed and all(u["removed_at"] for u in removed)
    assert {u["id"] for u in current} == {u["id"] for u in history if u["status"] == "active"}
    for u in current:
        assert set(u) == {"object", "id", "name", "email", "role", "seat_type", "is_scim_managed", "created_at"}
        assert (
            u["object"] == "workspace.user" and u["id"].startswith("user-") and isinstance(u["is_scim_managed"], bool)
        )
    assert {u["role"] for u in history} >= {"account-owner", "standard-user"}
    assert len(get(emu, f"/manage/workspaces/{ws0}/users", COMPLIANCE_KEY, compliance=True)[1]["data"]) == 20  # default
    assert roster_walk(emu, f"/manage/workspaces/{ws1}/users", 100)[1] == 1
    for path in (
        f"/manage/workspaces/{org}/users",
        f"/compliance/workspaces/{org}/users",
        f"/compliance/organizations/{org}/users",
        "/manage/workspaces/nope/users",
    ):
        assert logs_get(emu, path)[0] == 404
    for limit in (0, 101):
        assert_error(
            *get(emu, f"/manage/workspaces/{ws0}/users", COMPLIANCE_KEY, {"limit": limit}, compliance=True)[:2],
            400,
            "limit",
        )
    # AUTH_LOG actors of a workspace are its users
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    actors = {json.loads(line)["actor"]["user_id"] for line in download(emu, ws0, f["id"])[1][1].splitlines()}
    assert actors <= {u["id"] for u in history}


# ---------------------------------------------------------------------------------------- keys and knobs


def test_key_classes(emu):
    ws0 = emu.compliance_principals[0]
    path = f"/compliance/workspaces/{ws0}/logs"
    for key in (ADMIN_KEY, PROJECT_KEY, CODEX_KEY, "sk-compliance-unknown-00000000000000", None):
        assert_error(*get(emu, path, key, {"event_type": "AUTH_LOG"}, compliance=True)[:2], 401)
        assert_error(*get(emu, f"/manage/workspaces/{ws0}/users", key, compliance=True)[:2], 401)
    assert get(emu, path, COMPLIANCE_KEY, {"event_type": "AUTH_LOG"}, compliance=True)[0] == 200
    status, body, _ = get(emu, "/organization/users", COMPLIANCE_KEY)
    assert_error(status, body, 401)
    assert COMPLIANCE_KEY not in body["error"]["message"]
    assert_error(*get(emu, f"/workspaces/{emu.data.workspaces[0]}/usage", COMPLIANCE_KEY, codex=True)[:2], 401)
    assert {e["key_class"] for e in emu.requests} >= {"admin", "project", "codex", "compliance", "unknown", None}


def test_forbidden_prefix_on_one_principal(emu):
    ws0, ws1, org = emu.compliance_principals
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    emu.set_faults(forbidden_prefixes=[f"/chatgpt/v1/compliance/workspaces/{ws0}"])
    assert_error(*logs(emu, ws0, {"event_type": "AUTH_LOG"})[:2], 403)
    assert_error(*logs_get(emu, f"/compliance/workspaces/{ws0}/logs/{f['id']}")[:2], 403)
    assert_error(*logs_get(emu, f"/compliance/workspaces/{ws0}/users")[:2], 403)
    assert logs_get(emu, f"/manage/workspaces/{ws0}/users")[0] == 200
    for principal in (ws1, org):
        assert logs(emu, principal, {"event_type": "AUTH_LOG"})[0] == 200


@pytest.mark.parametrize("mode", ["repeat", "empty"])
def test_stuck_listing(emu, mode):
    ws0 = emu.compliance_principals[0]
    first_page = logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": 5})[1]
    emu.set_faults(stuck_prefixes=[f"/chatgpt/v1/compliance/workspaces/{ws0}/logs"], stuck_mode=mode)
    status, first, _ = logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": 5})
    assert status == 200 and first["has_more"] is True and first["last_end_time"] == first_page["last_end_time"]
    assert first["data"] == (first_page["data"] if mode == "repeat" else [])
    for _ in range(3):
        again = logs(emu, ws0, {"event_type": "AUTH_LOG", "limit": 5, "after": first["last_end_time"]})[1]
        assert again == first
    assert Counter(e["fault"] for e in emu.requests)["stuck"] == 4
    # another principal pages normally
    other = emu.compliance_principals[1]
    page = logs(emu, other, {"event_type": "AUTH_LOG", "limit": 5})[1]
    assert logs(emu, other, {"event_type": "AUTH_LOG", "limit": 5, "after": page["last_end_time"]})[1] != page


def test_large_file_knob(emu):
    ws0 = emu.compliance_principals[0]
    before = walk(emu, ws0, "AUTH_LOG")[0]
    emu.set_faults(compliance_large_file_mb=3)
    after = walk(emu, ws0, "AUTH_LOG")[0]
    big = after[0]
    assert big["id"] == before[0]["id"] and big["file_size"] == 3 * 1024 * 1024
    assert after[1:] == before[1:]
    _, (status, raw, headers) = download(emu, ws0, big["id"])
    assert status == 200 and len(raw) == big["file_size"] and hashlib.sha256(raw).hexdigest() == big["file_sha256"]
    lines = raw.splitlines(keepends=True)
    assert len(lines) == 3 * 1024 and {len(line) for line in lines} == {1024}
    assert all(json.loads(line)["type"] == "AUTH_LOG" for line in lines[::97])
    emu.set_faults(compliance_large_file_mb=0)
    assert walk(emu, ws0, "AUTH_LOG")[0] == before


def test_truncated_storage_body_stops_short(emu):
    ws0 = emu.compliance_principals[0]
    f = walk(emu, ws0, "AUTH_LOG")[0][0]
    emu.set_faults(truncate_every=1, only_prefixes=["/_storage/"])
    location = logs_get(emu, f"/compliance/workspaces/{ws0}/logs/{f['id']}")[2]["Location"]
    url = urlsplit(location)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", f"{url.path}?{url.query}")
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    conn.close()


# ---------------------------------------------------------------------------------------- minimum requests, determinism


def test_minimum_requests_and_templates(emu):
    config = emu.connector_config(compliance=True)
    start = emu.data.period_start
    minimum = minimum_requests(emu.data, start, with_compliance=True)
    assert minimum_requests(emu.data, start) == {
        k: v for k, v in minimum.items() if "compliance" not in k and "manage" not in k and "_storage" not in k
    }
    # a client that lists each partition at limit 100 from start_date and downloads every file once
    for principal in config["compliance_principal_ids"].split(","):
        for event_type in config["compliance_event_types"]:
            for f in walk(emu, principal, event_type, 100, after=config["start_date"])[0]:
                download(emu, principal, f["id"])
        if kind(principal) == "workspaces":
            roster_walk(emu, f"/manage/workspaces/{principal}/users", 100)
            roster_walk(emu, f"/compliance/workspaces/{principal}/users", 100)
    sent = count_by_template(emu.requests)
    assert sent == {k: v for k, v in minimum.items() if k in sent}
    assert set(sent) == {
        LOGS,
        LOGS + "/{log_file_id}",
        "/_storage/{file}",
        "/manage/workspaces/{workspace_id}/users",
        "/compliance/workspaces/{workspace_id}/users",
    }
    assert sent[LOGS] > 6  # some partitions need two pages
    only = minimum_requests(
        emu.data,
        start,
        with_compliance=True,
        compliance_principals=[emu.compliance_principals[2]],
        compliance_event_types=["FILE_UPLOAD"],
    )
    files = len(walk(emu, emu.compliance_principals[2], "FILE_UPLOAD", after=config["start_date"])[0])
    assert (
        only[LOGS] == 1 and only["/_storage/{file}"] == files and "/manage/workspaces/{workspace_id}/users" not in only
    )


def test_determinism_and_immutable_files(emulator_factory):
    a = emulator_factory(scale="small", seed=11, now=NOW)
    b = emulator_factory(scale="small", seed=11, now=NOW)
    c = emulator_factory(scale="small", seed=12, now=NOW)
    later = emulator_factory(scale="small", seed=11, now=NOW + DAY)
    assert a.compliance_principals == b.compliance_principals == later.compliance_principals != c.compliance_principals
    ws0 = a.compliance_principals[0]
    files_a, files_b, files_later = (walk(e, ws0, "CONVERSATION_MESSAGE")[0] for e in (a, b, later))
    assert files_a == files_b
    # a day later: the same files for the same windows (a day older ones may have aged out), and new ones
    same = {f["id"]: f for f in files_later}
    kept = [f for f in files_a if f["id"] in same]
    assert kept and all(same[f["id"]] == f for f in kept) and files_later[-1]["end_time"] > files_a[-1]["end_time"]
    f = files_a[0]
    assert download(a, ws0, f["id"])[1][1] == download(b, ws0, f["id"])[1][1]
    assert walk(c, c.compliance_principals[0], "CONVERSATION_MESSAGE")[0] != files_a
    assert (
        get(a, f"/compliance/workspaces/{ws0}/users", COMPLIANCE_KEY, compliance=True)[1]
        == get(b, f"/compliance/workspaces/{ws0}/users", COMPLIANCE_KEY, compliance=True)[1]
    )
