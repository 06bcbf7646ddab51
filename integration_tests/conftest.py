"""Start one OpenAI emulator for the acceptance suite and write the scenario configs that point at it; and the
fixtures of the fault-injection modules (test_faults.py, test_retry_*.py): per module, the config and catalog of
every stream and the fault-free baseline sync, against the module's `emu` (test_support.fixtures; those modules set
`EMULATOR = sync_harness.FAULT_EMULATOR`, an emulator that accepts the fake keys of sync_harness).

The configs named in acceptance-test-config.yml live in integration_tests/.emulator/ (git-ignored); the CDK's
standard suite reads them lazily, at test time, so writing them from a session fixture is enough.
"""

import json
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from openai_emulator import Emulator

from . import sync_harness as h

HERE = Path(__file__).resolve().parent
CONFIG_DIR = HERE / ".emulator"


def scenario_configs(emu: Emulator) -> Dict[str, Dict[str, Any]]:
    good = emu.connector_config(compliance=True)  # all four credentials
    invalid = json.loads((HERE / "invalid_config.json").read_text())
    invalid.update(api_base_url=emu.api_base_url, codex_api_base_url=emu.codex_api_base_url)
    return {
        "config.json": good,
        "config_admin_only.json": emu.connector_config(project=False, codex_analytics=False),
        # well-formed configs that the emulator rejects (401/404), so `check` must fail
        "invalid_admin_key.json": invalid,
        "invalid_project_key.json": dict(good, project_api_key="sk-proj-UNKNOWNprojectKEY00000000000000"),
        "invalid_codex_key.json": dict(good, codex_api_key="sk-UNKNOWNcodexKEY000000000000000000"),
        # first in the list: the foundation's check reads only the first workspace (issue 6 checks each one)
        "unknown_workspace.json": dict(good, workspace_ids="ws_does_not_exist," + good["workspace_ids"]),
    }


@pytest.fixture(scope="session", autouse=True)
def acceptance_emulator(session_emulator_factory: Callable[..., Emulator]) -> Emulator:
    emu = session_emulator_factory(scale="small", seed=0)
    CONFIG_DIR.mkdir(exist_ok=True)
    for name, config in scenario_configs(emu).items():
        (CONFIG_DIR / name).write_text(json.dumps(config, indent=2))
    return emu


# ------------------------------------------------------------------------------------------- fault modules
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
    h.assert_no_secret(sync)
    return {"sync": sync, "records": records, "requests": emu.requests}
