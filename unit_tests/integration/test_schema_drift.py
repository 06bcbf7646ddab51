"""Schema drift is visible: when OpenAI adds a field, records still carry it (schemas stay open) and the sync logs
one warning per stream naming it (components.SchemaDriftWarning). Against the emulator, which adds a field to the
chosen endpoints; in package mode and in the manifest-only runtime."""

import pytest

from integration_tests import sync_harness as h

STREAMS = ["invites", "usage_completions", "files", "spend_limit", "users", "user_roles", "projects"]


EMULATOR = {"seed": 3, **h.emulator_keys()}  # the module's `emu` (test_support.fixtures)


@pytest.mark.parametrize("manifest_only", [False, True], ids=["package", "manifest-only"])
def test_a_field_openai_adds_is_synced_and_named_once_per_stream(emu, tmp_path, manifest_only):
    config = emu.connector_config(codex_analytics=False)
    catalog = {"streams": [s for s in h.catalog_for(config)["streams"] if s["stream"]["name"] in STREAMS]}
    emu.reset()
    emu.set_faults(
        drift_prefixes=[
            "/v1/organization/invites",
            "/v1/organization/usage/completions",
            "/v1/files",
            "/v1/organization/spend_limit",
            "/v1/organization/users",
        ]
    )
    sync = h.read(tmp_path, config, catalog, name="drift", manifest_only=manifest_only)
    assert sync.returncode == 0 and not sync.errors(), sync.describe()

    records = {}
    for stream, data in sync.records:
        records.setdefault(stream, []).append(data)
    assert set(records) == set(STREAMS)
    drifted = ["files", "invites", "spend_limit", "usage_completions", "user_roles", "users"]
    for stream in drifted:  # the field reaches the destination
        assert all(r["added_by_openai"] == {"new": True} for r in records[stream]), stream
    assert not any("added_by_openai" in r for r in records["projects"])

    warnings = [m for m in sync.logs("WARN") if "does not declare" in m]
    named = sorted(m.split(":")[0] for m in warnings)
    # once per stream, though `users` is read twice (by its stream and as the parent of user_roles); none for projects
    assert named == drifted, warnings
    assert all("added_by_openai" in m for m in warnings)
