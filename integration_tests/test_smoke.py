"""scripts/smoke.py (the smoke command for the first run with real keys) against the emulator: one table with every
discovered stream, the statuses, counts and names the emulator's data and faults imply, and nothing of the data,
keys or URL queries in stdout, stderr or the JSON file."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from airbyte_cdk.test.entrypoint_wrapper import discover

from integration_tests.sync_harness import leaked_fragments
from source_openai import SourceOpenai
from source_openai.components import KEY_FIELDS
from test_support.emulator_client import get

pytestmark = pytest.mark.long(170)

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ["/v1/organization/audit_logs", "/codex/v1/analytics/codex/workspaces/ws_emulator_2"]
DRIFTING = "/v1/organization/users"  # users and user_roles (/organization/users/{id}/roles)


def values(items: List[Dict[str, Any]]) -> List[str]:
    """The ids, names and e-mail addresses of API items: values that must never reach the smoke output."""
    return [str(item[f]) for item in items for f in ("id", "name", "email", "user_id") if item.get(f)]


def test_smoke_prints_one_table_of_every_stream_and_nothing_of_the_data(emulator, tmp_path):
    emulator.set_faults(forbidden_prefixes=FORBIDDEN, drift_prefixes=[DRIFTING])
    config = emulator.connector_config(compliance=True)
    config_file, output = tmp_path / "config.json", tmp_path / "out" / "smoke.json"
    config_file.write_text(json.dumps(config))
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke.py"), "--config", str(config_file), "--output", str(output)]
        + ["--parallel", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(output.read_text())
    rows = {row["stream"]: row for row in report["streams"]}

    # one table: every stream that discover lists, once, in the printed table and in the JSON file
    discovered = [s.name for s in discover(SourceOpenai(config=config), config).catalog.catalog.streams]
    assert [row["stream"] for row in report["streams"]] == discovered
    printed = re.findall(r"^\| (\w+) \| (ok|skipped|error)", run.stdout, re.M)
    assert printed == [(row["stream"], row["status"]) for row in report["streams"]]
    # check reads every workspace: the refused one fails it, named by field and status only
    assert run.stdout.startswith("check: failed (codex_api_key, HTTP 403)\n")

    # the faults: audit logs refused entirely (skipped), one Codex workspace refused (ok, the 403 named by template)
    assert rows["audit_logs"]["status"] == "skipped"
    assert rows["audit_logs"]["http"] == {"403": 2}  # the regular and the tenant-scoped list, each refused
    assert rows["audit_logs"]["refused"] == ["403 /v1/organization/audit_logs"]
    assert rows["codex_code_reviews"]["status"] == "ok" and rows["codex_code_reviews"]["records"] > 0
    assert rows["codex_code_reviews"]["refused"] == ["403 /codex/v1/analytics/codex/workspaces/{id}/code_reviews"]
    others = {name: row["status"] for name, row in rows.items() if name != "audit_logs"}
    assert set(others.values()) == {"ok"}, others

    # counts and names the emulator's data implies: every project and user on one page (small scale)
    admin_key = config["admin_api_key"]
    _, projects, _ = get(emulator, "/organization/projects", admin_key, {"limit": 100, "include_archived": "true"})
    _, users, _ = get(emulator, "/organization/users", admin_key, {"limit": 100})
    assert (rows["projects"]["records"], rows["projects"]["pages"]) == (len(projects["data"]), 1)
    assert (rows["users"]["records"], rows["users"]["pages"]) == (len(users["data"]), 1)
    assert rows["projects"]["http"] == {"200": 1}
    assert rows["users"]["drift"] == rows["user_roles"]["drift"] == ["added_by_openai"]
    assert rows["projects"]["drift"] == [] and "added_by_openai" not in rows["projects"]["never_seen"]
    # a parent with 3 partitions sampled: project_users reads the project list, then one page per project
    assert rows["project_users"]["pages"] == report["limits"]["partitions"] == 3
    assert rows["project_users"]["http"] == {"200": 4}

    # nothing of the data, no key, no URL query
    everything = run.stdout + run.stderr + output.read_text()
    secrets = [config[name] for name in KEY_FIELDS if config.get(name)]
    assert len(secrets) == 4 and [key for key in secrets if key in everything] == []
    # the emulator's compliance key holds the word of the stream names compliance_log_*: those pieces are no leak
    assert [piece for piece in leaked_fragments(everything, secrets) if piece not in "compliance_log_"] == []
    data = values(projects["data"]) + values(users["data"])
    _, roster, _ = get(
        emulator,
        f"/manage/workspaces/{emulator.compliance_principals[0]}/users",
        compliance=True,
        key=config["compliance_api_key"],
    )
    data += values(roster["data"])
    assert len(data) > 20 and [v for v in data if v in everything] == []
    assert "@" not in everything and "?" not in everything and "ws_emulator" not in everything
