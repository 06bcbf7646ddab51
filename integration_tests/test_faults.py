"""Fault injection: the real connector (`python main.py read`, every stream, all three credentials) against the
emulator with faults switched on. Whatever the fault, the final records (by primary key, with their values) must
equal those of the fault-free sync, and no key may appear in stdout or stderr.

The fault-free baseline is computed once per module. Every scenario runs at real speed, with the connector's real
waits and timeouts (nothing in the connector or the CDK is patched), and asserts them on the emulator's request
timestamps. See README "Reliability: the fault-injection suite".
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List, Mapping

import pytest

from openai_emulator.server import CODEX_PREFIX, COMPLIANCE_PREFIX

from . import sync_harness as h

pytestmark = [pytest.mark.faults, pytest.mark.long(300)]
EMULATOR = h.FAULT_EMULATOR  # the module's `emu` (test_support.fixtures)


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
    h.assert_no_secret(sync)


# One list of each paging style answers its first page with `has_more: true` and its cursor null (stuck_mode
# "no_cursor"). Before, a missing `next`/`next_page`/`last_end_time` ended the stream quietly after that page; now the
# partition fails with the field named. An `after` list goes on from its last item's id (OpenAI's own rule), so its
# stuck server is caught as a page that makes no progress instead.
NO_CURSOR = {
    "groups": ("/v1/organization/groups", "`next`"),  # next cursor, cached parent
    "usage_completions": ("/v1/organization/usage/completions", "`next_page`"),  # page token
    "users": ("/v1/organization/users", "made no progress"),  # id cursor: the last item's id, then a repeat
}


@pytest.mark.parametrize("runtime", ["package", "manifest-only"])
def test_a_page_that_says_there_is_more_without_a_cursor_fails_its_stream_by_name(emu, setup, baseline, runtime):
    config = emu.connector_config(compliance=True)
    principal = config["compliance_principal_ids"].split(",")[0]
    workspace = config["workspace_ids"].split(",")[0]
    broken = dict(
        NO_CURSOR,
        compliance_log_files=(
            f"{COMPLIANCE_PREFIX}/compliance/workspaces/{principal}/logs",
            "`last_end_time`",
        ),
        codex_code_reviews=(f"{CODEX_PREFIX}/workspaces/{workspace}/code_reviews", "`next_page`"),
    )
    emu.reset()
    emu.set_faults(stuck_prefixes=[path for path, _ in broken.values()], stuck_mode="no_cursor")
    sync = h.read(
        setup["dir"],
        config,
        h.catalog_for(config),
        name=f"no-cursor-{runtime}",
        manifest_only=runtime == "manifest-only",
    )

    assert sync.returncode != 0, "the sync must end with the failure reported"
    messages = [e["message"] for e in sync.errors()]
    for stream, (path, why) in broken.items():
        endpoint = path.split("/v1", 1)[-1]
        assert any(m.startswith(f"{stream}:") and endpoint in m and why in m for m in messages), (stream, messages)
    keys = [(stream, h.key_of(setup["pks"].get(stream) or [["id"]], data)) for stream, data in sync.records]
    assert len(keys) == len(set(keys)), "a record was emitted twice"
    # every stream that reads none of the broken lists is exact
    affected = set(broken) | {"user_roles", "group_users", "group_roles", "compliance_log_events"}
    records = h.by_key([(s, d) for s, d in sync.records if s in setup["pks"]], setup["pks"])
    expected = {k: v for k, v in baseline["records"].items() if k[0] not in affected}
    assert {k: v for k, v in records.items() if k[0] not in affected} == expected
    h.assert_no_secret(sync)


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
    h.assert_no_secret(sync)

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
    h.assert_no_secret(first)
    h.assert_no_secret(second)

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
