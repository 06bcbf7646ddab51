"""ChatGPT Enterprise compliance logs and workspace rosters against the emulator (its compliance routes), through the
real entry point (`python main.py read`) and, where stated, the manifest-only runtime.

What the issue asks of these streams: every file and every line exactly once with the minimum list and download
requests over a first and an incremental sync, one cursor per principal × event type (an added principal backfills),
a principal answering 403 skipped while the others complete, resume after a kill mid-file without loss, no key, event
content or signed storage URL in any output, no Authorization header sent to the storage host, and a large file that
does not raise peak memory.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List

import pytest

from test_support.minimum import count_by_template, minimum_requests

from . import sync_harness as h

pytestmark = pytest.mark.long(340)

STREAMS = [
    "compliance_log_files",
    "compliance_log_events",
    "chatgpt_workspace_users",
    "chatgpt_workspace_users_history",
]
LIST = "/compliance/{principal_kind}/{principal_id}/logs"
DOWNLOAD = "/compliance/{principal_kind}/{principal_id}/logs/{log_file_id}"


EMULATOR = {"seed": 11, **h.emulator_keys()}  # the module's `emu` (test_support.fixtures)


def _config(emu, **overrides: Any) -> Dict[str, Any]:
    return emu.connector_config(project=False, codex_analytics=False, compliance=True, **overrides)


def _catalog(config) -> Dict[str, Any]:
    return {"streams": [s for s in h.catalog_for(config)["streams"] if s["stream"]["name"] in STREAMS]}


def _by_stream(sync: h.Sync) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    for stream, data in sync.records:
        out.setdefault(stream, []).append(data)
    return out


def _expected(emu, config) -> Dict[str, Dict[str, Any]]:
    """Every descriptor the emulator lists for the config (by id), read from its API."""
    from test_support.emulator_client import get

    files: Dict[str, Dict[str, Any]] = {}
    for principal in config["compliance_principal_ids"].split(","):
        kind = "organizations" if principal.startswith("org-") else "workspaces"
        for event_type in config["compliance_event_types"]:
            after = config["start_date"]
            while True:
                status, body, _ = get(
                    emu,
                    f"/compliance/{kind}/{principal}/logs",
                    config["compliance_api_key"],
                    {"event_type": event_type, "limit": 100, "after": after},
                    compliance=True,
                )
                assert status == 200, body
                for descriptor in body["data"]:
                    files[descriptor["id"]] = dict(descriptor, principal_id=principal)
                if not body["has_more"]:
                    break
                after = body["last_end_time"]
    return files


def _read_with_faults(emu, tmp_path, config, catalog, name: str, **faults: Any) -> h.Sync:
    """One sync with these emulator faults set (and cleared afterwards, whatever happens)."""
    emu.reset()
    emu.set_faults(**faults)
    try:
        return h.read(tmp_path, config, catalog, name=name)
    finally:
        emu.reset()


def _assert_secret_free(sync: h.Sync, config) -> None:
    """No key fragment anywhere; no event content, e-mail address or signed storage URL outside the records."""
    records = [m for m in sync.messages if m["type"] == "RECORD"]
    emails = {
        str(m["record"]["data"].get("email") or (m["record"]["data"].get("actor") or {}).get("email")) for m in records
    } - {"None"}
    text = sync.output_without_records()
    assert "SECRET-CONTENT" not in text, "event content in the logs"
    assert "X-Amz-Signature" not in text and "/_storage/" not in text, "a signed storage URL in the logs"
    assert emails and not [e for e in emails if e in text], "an e-mail address in the logs"
    h.assert_no_secret(sync, list(h.KEYS) + [config["compliance_api_key"]])


def test_first_and_incremental_sync_read_every_file_and_line_once_with_the_fewest_requests(emu, tmp_path):
    config = _config(emu)
    catalog = _catalog(config)
    files = _expected(emu, config)
    emu.reset()
    first = h.read(tmp_path, config, catalog, name="first")
    assert first.returncode == 0 and not first.errors(), first.describe()
    records = _by_stream(first)

    # every descriptor once, with its principal and event type
    listed = {r["id"]: r for r in records["compliance_log_files"]}
    assert len(listed) == len(records["compliance_log_files"]) == len(files)
    for file_id, record in listed.items():
        assert record["principal_id"] == files[file_id]["principal_id"]
        assert record["principal_type"] == (
            "organization" if record["principal_id"].startswith("org-") else "workspace"
        )
        assert (
            record["event_type"] == files[file_id]["event_type"]
            and record["file_sha256"] == files[file_id]["file_sha256"]
        )
    # every line of every file once, numbered from 1, with its file's keys
    events = records["compliance_log_events"]
    keys = Counter((e["log_file_id"], e["line_number"]) for e in events)
    assert keys and max(keys.values()) == 1
    per_file = Counter(e["log_file_id"] for e in events)
    assert set(per_file) == set(files)
    for file_id, count in per_file.items():
        assert sorted(e["line_number"] for e in events if e["log_file_id"] == file_id) == list(range(1, count + 1))
    assert all(
        e["principal_id"] == files[e["log_file_id"]]["principal_id"]
        and e["event_type"] == files[e["log_file_id"]]["event_type"]
        for e in events
    )
    assert all("timestamp" in e and "actor" in e for e in events)  # kept whole
    # rosters: workspace principals only
    workspaces = {p for p in config["compliance_principal_ids"].split(",") if not p.startswith("org-")}
    assert {u["workspace_id"] for u in records["chatgpt_workspace_users"]} == workspaces
    assert len(records["chatgpt_workspace_users_history"]) > len(records["chatgpt_workspace_users"])

    # the fewest requests: one per list page, one per file (and its storage redirect), no Authorization on storage
    sent = count_by_template(emu.requests)
    minimum = minimum_requests(
        emu.data,
        start_date=emu.data.period_start,
        with_project=False,
        with_codex=False,
        with_compliance=True,
        compliance_principals=config["compliance_principal_ids"].split(","),
        compliance_event_types=config["compliance_event_types"],
    )
    for template in (
        LIST,
        DOWNLOAD,
        "/_storage/{file}",
        "/manage/workspaces/{workspace_id}/users",
        "/compliance/workspaces/{workspace_id}/users",
    ):
        assert sent.get(template) == minimum.get(template), (template, sent.get(template), minimum.get(template))
    storage = [e for e in emu.requests if e["path"].startswith("/_storage/")]
    assert storage and not any(e.get("authorization") for e in storage)
    _assert_secret_free(first, config)

    # incremental: nothing new since, so one list request per principal × event type and no download
    state = first.last_states()
    emu.reset()
    second = h.read(tmp_path, config, catalog, state=state, name="second")
    assert second.returncode == 0 and not second.errors(), second.describe()
    assert not _by_stream(second).get("compliance_log_files") and not _by_stream(second).get("compliance_log_events")
    sent = count_by_template(emu.requests)
    assert sent.get(LIST) == len(config["compliance_principal_ids"].split(",")) * len(config["compliance_event_types"])
    assert DOWNLOAD not in sent
    # one cursor per principal × event type
    files_state = next(
        s for s in second.last_states() if s["stream"]["stream_descriptor"]["name"] == "compliance_log_files"
    )
    partitions = {
        (p["partition"]["principal_id"], p["partition"]["event_type"])
        for p in files_state["stream"]["stream_state"]["states"]
    }
    assert len(partitions) == sent[LIST]


@pytest.mark.parametrize("manifest_only", [False, True], ids=["package", "manifest-only"])
def test_an_added_principal_backfills_while_the_others_resume(emu, tmp_path, manifest_only):
    config = _config(emu)
    principals = config["compliance_principal_ids"].split(",")
    catalog = _catalog(config)
    first = h.read(
        tmp_path, dict(config, compliance_principal_ids=principals[0]), catalog, name="one", manifest_only=manifest_only
    )
    assert first.returncode == 0, first.describe()
    emu.reset()
    second = h.read(tmp_path, config, catalog, state=first.last_states(), name="all", manifest_only=manifest_only)
    assert second.returncode == 0 and not second.errors(), second.describe()
    read_now = {r["principal_id"] for r in _by_stream(second)["compliance_log_files"]}
    assert read_now == set(principals[1:])  # the new ones from start_date; the first resumes with nothing new
    afters = [
        e["query"]["after"][0] for e in emu.requests if e["path"].endswith("/logs") and principals[0] in e["path"]
    ]
    assert len(afters) == len(config["compliance_event_types"]) and min(afters) > config["start_date"]  # resumed
    files = _expected(emu, config)
    both = {r["id"] for r in _by_stream(first)["compliance_log_files"] + _by_stream(second)["compliance_log_files"]}
    assert both == set(files)


def test_a_principal_answering_403_is_skipped_and_named_and_the_others_complete(emu, tmp_path):
    config = _config(emu)
    blocked = config["compliance_principal_ids"].split(",")[1]
    sync = _read_with_faults(
        emu,
        tmp_path,
        config,
        _catalog(config),
        "forbidden",
        forbidden_prefixes=[f"/chatgpt/v1/compliance/workspaces/{blocked}", f"/chatgpt/v1/manage/workspaces/{blocked}"],
    )
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    records = _by_stream(sync)
    assert blocked not in {r["principal_id"] for r in records["compliance_log_files"]}
    assert len({r["principal_id"] for r in records["compliance_log_files"]}) == 2
    assert any(blocked in m and "403/404" in m for m in sync.logs()), "the skipped principal is named"


def test_a_refused_download_skips_that_file_and_names_it(emu, tmp_path):
    """The API refuses the downloads of one principal, and storage refuses every other download: each file is skipped
    with a message naming it (or the storage host, whose URL is never printed); the sync succeeds."""
    config = _config(emu)
    principal = config["compliance_principal_ids"].split(",")[0]
    sync = _read_with_faults(
        emu,
        tmp_path,
        config,
        _catalog(config),
        "refused-downloads",
        forbidden_prefixes=[f"/chatgpt/v1/compliance/workspaces/{principal}/logs/", "/_storage/"],
    )
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    records = _by_stream(sync)
    assert records["compliance_log_files"] and not records.get("compliance_log_events")
    logs = [m for m in sync.logs() if m.startswith("Skipping ChatGPT compliance log file")]
    assert len(logs) == len(records["compliance_log_files"])
    refused_by_api = {r["id"] for r in records["compliance_log_files"] if r["principal_id"] == principal}
    assert refused_by_api and {m.split()[5].rstrip(":") for m in logs if "OpenAI answered" in m} == refused_by_api
    assert sum("the storage host it was redirected to answered HTTP" in m for m in logs) == len(logs) - len(
        refused_by_api
    )
    _assert_secret_free(sync, config)


def test_a_kill_mid_file_resumes_without_losing_a_line(emu, tmp_path):
    config = _config(emu)
    catalog = _catalog(config)
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "compliance_log_events"]
    emu.reset()
    killed = h.read(tmp_path, config, catalog, name="killed", kill_after_records=1500)
    assert killed.killed
    resumed = h.read(tmp_path, config, catalog, state=killed.last_states() or None, name="resumed")
    assert resumed.returncode == 0 and not resumed.errors(), resumed.describe()
    union = {
        (e["log_file_id"], e["line_number"])
        for e in _by_stream(killed).get("compliance_log_events", []) + _by_stream(resumed)["compliance_log_events"]
    }
    full = h.read(tmp_path, config, catalog, name="full")
    assert union == {(e["log_file_id"], e["line_number"]) for e in _by_stream(full)["compliance_log_events"]}


def test_a_download_that_breaks_off_fails_that_file_clearly_and_the_next_sync_reads_it(emu, tmp_path):
    """Every 5th storage body is cut in half while it streams: those files fail with a message naming the file's API
    path (not the signed storage URL), the sync reports it, and a sync from its state reads every line."""
    config = _config(emu)
    catalog = _catalog(config)
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "compliance_log_events"]
    emu.reset()
    full = h.read(tmp_path, config, catalog, name="whole")
    cut = _read_with_faults(emu, tmp_path, config, catalog, "cut", truncate_every=5, only_prefixes=["/_storage/"])
    assert cut.returncode != 0
    messages = [e["message"] for e in cut.errors()]
    broke = [m for m in messages if "broke off at line" in m]
    assert broke and all("/compliance/" in m and "/logs/" in m for m in broke), messages[:3]
    assert not any("unexpected error" in m for m in messages), messages[:3]
    _assert_secret_free(cut, config)
    resumed = h.read(tmp_path, config, catalog, state=cut.last_states() or None, name="after-cut")
    assert resumed.returncode == 0 and not resumed.errors(), resumed.describe()
    keys = lambda sync: {  # noqa: E731
        (e["log_file_id"], e["line_number"]) for e in _by_stream(sync).get("compliance_log_events", [])
    }
    assert keys(cut) | keys(resumed) == keys(full) and keys(cut) < keys(full)


def test_a_large_file_is_streamed_not_held(emu, tmp_path):
    config = _config(emu, compliance_event_types=["AUTH_LOG"])
    config["compliance_principal_ids"] = config["compliance_principal_ids"].split(",")[0]
    catalog = _catalog(config)
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "compliance_log_events"]
    emu.reset()
    small = h.read(tmp_path, config, catalog, name="small-files")
    emu.set_faults(compliance_large_file_mb=120)
    try:
        large = h.read(tmp_path, config, catalog, name="large-file", timeout=600)
    finally:
        emu.reset()
    assert small.returncode == 0 and large.returncode == 0, large.describe()
    assert len(large.records) > len(small.records) + 100_000  # the 120 MB file was read whole
    assert small.max_rss_kib and large.max_rss_kib
    assert large.max_rss_kib < small.max_rss_kib + 60 * 1024, (small.max_rss_kib, large.max_rss_kib)  # not held


def test_paging_that_makes_no_progress_stops_one_partition(emu, tmp_path):
    config = _config(emu)
    principal = config["compliance_principal_ids"].split(",")[0]
    emu.reset()
    emu.set_faults(stuck_prefixes=[f"/chatgpt/v1/compliance/workspaces/{principal}/logs"])
    try:
        sync = h.read(tmp_path, config, _catalog(config), name="stuck", timeout=240)
    finally:
        emu.reset()
    assert sync.returncode != 0
    assert any("compliance_log_files" in e["message"] and "made no progress" in e["message"] for e in sync.errors())
    ids = [r["id"] for r in _by_stream(sync).get("compliance_log_files", [])]
    assert len(ids) == len(set(ids))
    assert {r["principal_id"] for r in _by_stream(sync)["compliance_log_files"]} >= set(
        config["compliance_principal_ids"].split(",")[1:]
    )


def test_check_sends_one_request_per_principal_and_names_a_refused_one(emu, tmp_path):
    config = _config(emu)
    principals = config["compliance_principal_ids"].split(",")
    emu.reset()
    ok = h.read(tmp_path, config, None, command="check", name="check-ok")
    status = [m for m in ok.messages if m["type"] == "CONNECTION_STATUS"]
    assert status and status[-1]["connectionStatus"]["status"] == "SUCCEEDED", ok.describe()
    assert sum(1 for e in emu.requests if e["path"].endswith("/logs")) == len(principals)
    emu.set_faults(forbidden_prefixes=[f"/chatgpt/v1/compliance/workspaces/{principals[1]}"])
    try:
        bad = h.read(tmp_path, config, None, command="check", name="check-bad")
    finally:
        emu.reset()
    status = [m for m in bad.messages if m["type"] == "CONNECTION_STATUS"][-1]["connectionStatus"]
    assert (
        status["status"] == "FAILED"
        and "compliance_principal_ids" in status["message"]
        and principals[1] in status["message"]
    )
