"""The manifest-only runtime is the reference: package mode must behave exactly like it.

For every stream discover returns (incremental where supported), one first sync and one incremental sync from its
final state run in each runtime against the same emulator:
  * package mode: `python main.py read` (what the Docker image, PyAirbyte's `local_executable` and the acceptance
    tests run);
  * manifest-only: `source-declarative-manifest` with manifest.yaml and components.py copied away from the package
    and `source_openai` unimportable (what the Connector Builder and the Airbyte UI's low-code path run).
Both must emit the same records (data compared whole, in order within a stream), the same final state per
stream, and the same requests, each endpoint at the minimum the emulator's data needs.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.sync_harness import catalog_for
from openai_emulator.audit import audit_events, is_tenant
from test_support.minimum import count_by_template, minimum_requests

from .conftest import ROOT, Run, clean_env, run

pytestmark = [pytest.mark.runtimes, pytest.mark.long(100)]

MANIFEST_ONLY = [
    sys.executable,
    "-c",
    "import sys; sys.modules['source_openai'] = None; "
    "from airbyte_cdk.cli.source_declarative_manifest import run; run()",
]
PACKAGE = [sys.executable, str(ROOT / "main.py")]


def _records(result: Run) -> Dict[str, List[str]]:
    by_stream: Dict[str, List[str]] = defaultdict(list)
    for message in result.of_type("RECORD"):
        by_stream[message["record"]["stream"]].append(json.dumps(message["record"]["data"], sort_keys=True))
    return {stream: sorted(rows) for stream, rows in by_stream.items()}


def _without_durations(value: Any) -> Any:
    """`lookback_window` (how long the last sync took, which the CDK's per-partition cursor stores, also inside a
    child's `parent_state`) is a duration of the run, not data."""
    if isinstance(value, dict):
        return {k: _without_durations(v) for k, v in value.items() if k != "lookback_window"}
    return [_without_durations(v) for v in value] if isinstance(value, list) else value


def _final_states(result: Run) -> Dict[str, Any]:
    """The last state of each stream, durations left out."""
    return {
        state["stream"]["stream_descriptor"]["name"]: _without_durations(state["stream"].get("stream_state") or {})
        for state in result.states
    }


def _requests(emulator) -> Counter:
    return Counter(count_by_template(emulator.requests))


def _audit_event_ids(emulator, since: int | None = None) -> Dict[str, str]:
    """id -> type of every audit event the emulator holds at or after `since` (default: its period start)."""
    events = audit_events(emulator.data)
    since = emulator.data.period_start if since is None else since
    items = [events.item(i) for i in range(events.count)]
    return {e["id"]: e["type"] for e in items if e["effective_at"] >= since}


def _manifest_args(folder: Path) -> List[str]:
    """manifest.yaml and components.py copied away from the package, as the Connector Builder exports them."""
    export = folder / "builder_export"
    export.mkdir()
    for name in ("manifest.yaml", "components.py"):
        shutil.copy(ROOT / "source_openai" / name, export / name)
    return ["--manifest-path", str(export / "manifest.yaml"), "--components-path", str(export / "components.py")]


def _read(
    emulator, runner: List[str], folder: Path, name: str, catalog: Path, state: Dict[str, Any] | None, extra: List[str]
) -> Tuple[Run, Counter]:
    emulator.reset()
    argv = runner + ["read", "--config", folder / "config.json", "--catalog", catalog]
    if state is not None:
        builder = StateBuilder()
        for stream, value in state.items():
            builder = builder.with_stream_state(stream, value)
        path = folder / f"{name}-state.json"
        path.write_text(json.dumps([AirbyteStateMessageSerializer.dump(message) for message in builder.build()]))
        argv += ["--state", path]
    result = run(argv + extra, cwd=folder, env=clean_env(AIRBYTE_ENABLE_UNSAFE_CODE="true"), timeout=600)
    assert result.returncode == 0 and not result.errors, f"{name}: {result.describe()}"
    return result, _requests(emulator)


def test_package_and_manifest_only_emit_the_same_records_state_and_requests(emulator, tmp_path):
    config = emulator.connector_config(compliance=True)  # all four credentials
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = catalog_for(config)
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    manifest_args = _manifest_args(tmp_path)
    streams = {entry["stream"]["name"] for entry in catalog["streams"]}

    sync_now = int(time.time())
    package, package_requests = _read(emulator, PACKAGE, tmp_path, "package", catalog_path, None, [])
    manifest, manifest_requests = _read(
        emulator, MANIFEST_ONLY, tmp_path, "manifest-only", catalog_path, None, manifest_args
    )

    assert set(_records(package)) == streams, streams - set(_records(package))  # every stream has records
    assert _records(package) == _records(manifest)
    # audit_logs: the regular and the tenant-scoped events (tenant_only=true), each once
    expected = _audit_event_ids(emulator)
    assert any(is_tenant(t) for t in expected.values()) and any(not is_tenant(t) for t in expected.values())
    audit = [json.loads(row) for row in _records(package)["audit_logs"]]
    assert sorted(e["id"] for e in audit) == sorted(expected)
    assert _final_states(package) == _final_states(manifest)
    assert package_requests == manifest_requests
    minimum = minimum_requests(
        emulator.data,
        start_date=emulator.data.period_start,
        with_compliance=True,
        with_stored_completions=True,
        compliance_principals=config["compliance_principal_ids"].split(","),
        compliance_event_types=config["compliance_event_types"],
        sync_now=sync_now,
    )
    assert dict(package_requests) == minimum
    # Codex usage: the three usage streams share one response cache, so each window and page is read once
    assert minimum["/workspaces/{workspace_id}/usage"] >= 2

    # One null-field behaviour for both: the CDK's message serializer omits a top-level field whose value is null
    # (docs/openai.md, "Null fields"); nested nulls stay.
    for result in (package, manifest):
        rows = [m["record"]["data"] for m in result.of_type("RECORD")]
        assert not any(value is None for row in rows for value in row.values())

    # An incremental sync from each runtime's final state: again the same records, state and requests.
    state = _final_states(package)
    package2, package2_requests = _read(emulator, PACKAGE, tmp_path, "package2", catalog_path, state, [])
    manifest2, manifest2_requests = _read(
        emulator, MANIFEST_ONLY, tmp_path, "manifest2", catalog_path, state, manifest_args
    )
    assert _records(package2) == _records(manifest2)
    assert _final_states(package2) == _final_states(manifest2)
    assert package2_requests == manifest2_requests
    assert sum(package2_requests.values()) < sum(package_requests.values())


@pytest.mark.parametrize("runtime", ["package", "manifest-only"])
def test_a_0_2_audit_logs_state_keeps_its_cursor_and_reads_the_tenant_events_once(emulator, tmp_path, runtime):
    """0.2.x saved one flat `effective_at` (it read the regular events only). 0.3.0 keeps it as the cursor of the
    regular events and reads the tenant-scoped ones once from start_date: no event lost, none re-read before the
    saved cursor, one request per list page."""
    config = emulator.connector_config()
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = {
        "streams": [entry for entry in catalog_for(config)["streams"] if entry["stream"]["name"] == "audit_logs"]
    }
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    events = _audit_event_ids(emulator)
    coll = audit_events(emulator.data)
    items = [coll.item(i) for i in range(coll.count)]
    saved = sorted(e["effective_at"] for e in items if not is_tenant(e["type"]))[len(items) // 2]
    runner, extra = (PACKAGE, []) if runtime == "package" else (MANIFEST_ONLY, _manifest_args(tmp_path))
    result, requests = _read(
        emulator, runner, tmp_path, runtime, catalog_path, {"audit_logs": {"effective_at": str(saved)}}, extra
    )
    got = [json.loads(row)["id"] for row in _records(result).get("audit_logs", [])]
    newer = _audit_event_ids(emulator, since=saved)
    want = {i for i, t in newer.items() if not is_tenant(t)} | {i for i, t in events.items() if is_tenant(t)}
    assert sorted(got) == sorted(want) and len(got) == len(set(got))
    state = _final_states(result)["audit_logs"]
    assert {entry["partition"]["tenant_only"] for entry in state["states"]} == {"false", "true"}
    tenant_count = sum(is_tenant(t) for t in events.values())
    regular_count = len(want) - tenant_count
    assert requests["/organization/audit_logs"] == max(1, -(-regular_count // 100)) + max(1, -(-tenant_count // 100))


@pytest.mark.parametrize("runtime", ["package", "manifest-only"])
def test_project_records_carry_the_project_of_the_key_looked_up_once(emulator, tmp_path, runtime):
    """Without `project_id`, the project of `project_api_key` is learned once per sync from the Admin API (its
    projects' API keys, matched against their redacted values); every project-stream record carries it, and
    neither the key nor anything of it reaches the output."""
    config = emulator.connector_config(codex_analytics=False, project_id=False)
    (tmp_path / "config.json").write_text(json.dumps(config))
    wanted = {"files", "models", "batches", "skill_versions", "chat_completions"}
    catalog = {"streams": [e for e in catalog_for(config)["streams"] if e["stream"]["name"] in wanted]}
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    runner, extra = (PACKAGE, []) if runtime == "package" else (MANIFEST_ONLY, _manifest_args(tmp_path))
    result, requests = _read(emulator, runner, tmp_path, runtime, catalog_path, None, extra)
    project_id = emulator.project_keys[config["project_api_key"]]
    records = _records(result)
    assert set(records) == wanted
    assert {json.loads(row)["project_id"] for rows in records.values() for row in rows} == {project_id}
    # the key's project is the emulator's first: one page of projects, one page of its API keys
    assert requests["/organization/projects"] == 1
    assert requests["/organization/projects/{project_id}/api_keys"] == 1
    # the key in logs and state: neither it nor its redacted form (records hold IDs, which may end like it)
    key, shown = config["project_api_key"], f"{config['project_api_key'][:6]}..."
    logs_and_state = result.stderr + "".join(
        line for line in result.stdout.splitlines() if '"type":"RECORD"' not in line
    )
    assert key[8:20] not in logs_and_state and shown not in logs_and_state and key[-4:] not in logs_and_state
