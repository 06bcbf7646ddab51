"""Bad input to the real entry point (`python main.py read`): each is a clear config error naming the field, the
process exits 1 without a traceback, shows no key, and sends no request (the emulator's request log is empty).

The full table of bad configs runs in-process for check, discover and read in unit_tests/integration/
test_entrypoint.py (BAD_CONFIGS: empty/whitespace/wrong-class keys, junk workspace IDs, future or malformed
start_date, unknown usage_group_by, http:// to a remote host) and unit_tests/test_config_validation.py. Here a few
representative ones, and the catalog naming an unknown stream, run as a subprocess against the emulator with
every credential set, so "no request" and "no traceback" are observed on the real process.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from . import sync_harness as h

pytestmark = pytest.mark.faults
EMULATOR = h.emulator_keys()  # the module's `emu` (test_support.fixtures), used by `runs`

STREAM = {
    "stream": {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
    "sync_mode": "full_refresh",
    "destination_sync_mode": "overwrite",
}
UNKNOWN = {
    "stream": {"name": "realtime_sessions", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
    "sync_mode": "full_refresh",
    "destination_sync_mode": "overwrite",
}

# name -> (config changes, catalog streams, state, words the error must contain)
CASES = {
    "empty admin key": ({"admin_api_key": ""}, None, None, "`admin_api_key` is empty or only whitespace"),
    "unknown group_by dimension": (
        {"usage_group_by": ["model", "colour"]},
        None,
        None,
        "`usage_group_by` has unknown dimension(s) colour",
    ),
    "unknown stream in the catalog": ({}, [STREAM, UNKNOWN], None, "'realtime_sessions'"),
}


@pytest.fixture(scope="module")
def runs(emu, tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad_input")
    good = emu.connector_config()

    def run(name):
        changes, streams, state, _ = CASES[name]
        config = dict(good, **changes)
        slug = name.replace(" ", "_")
        return h.read(directory, config, {"streams": streams or [STREAM]}, state=state, name=slug)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(CASES, pool.map(run, CASES)))
    requests = emu.requests
    return results, requests


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_a_clear_error_before_any_request(runs, name):
    results, requests = runs
    sync = results[name]
    errors = sync.errors()
    assert sync.returncode == 1, sync.describe()
    assert errors and errors[0]["failure_type"] == "config_error", sync.describe()
    assert CASES[name][3] in errors[0]["message"], errors[0]["message"]
    assert "Traceback" not in sync.stdout + sync.stderr, (sync.stdout + sync.stderr)[-1500:]
    assert not h.leaked_fragments(sync.stdout + sync.stderr)
    assert not [m for m in sync.messages if m["type"] == "RECORD"]
    assert not requests, f"{len(requests)} request(s) sent, e.g. {requests[0]['path']}"


def test_workspace_ids_with_spaces_and_duplicates_are_normalised(emulator_factory, tmp_path):
    emu = emulator_factory(scale="small", **h.emulator_keys())
    config = emu.connector_config(workspace_ids=" ws_emulator_2 ,ws_emulator_1,, ws_emulator_2 ")
    catalog = {
        "streams": [
            {
                "stream": {
                    "name": "codex_code_reviews",
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        ]
    }
    sync = h.read(tmp_path, config, catalog)
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    sent = sorted((e["path"].split("/workspaces/")[1], e["query"]["limit"][0]) for e in emu.requests)
    # each workspace once, at the connector's Codex page size (500, the emulator's cap)
    assert sent == [("ws_emulator_1/code_reviews", "500"), ("ws_emulator_2/code_reviews", "500")], sent
    assert {data["workspace_id"] for _, data in sync.records} == {"ws_emulator_1", "ws_emulator_2"}
