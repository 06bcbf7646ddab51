"""The CDK's standard acceptance suite (spec, check, discover, basic_read, full_refresh, bad catalog) against the
local OpenAI emulator, plus the checks the 7.39.1 suite no longer collects (abnormal state)."""

import json
import time
from pathlib import Path

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from airbyte_cdk.test.models.scenario import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from source_openai import SourceOpenai

pytestmark = pytest.mark.long(170)

HERE = Path(__file__).resolve().parent


class TestSourceOpenaiAcceptance(SourceTestSuiteBase):
    """Scenarios come from acceptance-test-config.yml; the connector is built with each scenario's config."""

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceOpenai:
        config = (
            scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
            if scenario
            else {}
        )
        return SourceOpenai(config=config)


def _config():
    return json.loads((HERE / ".emulator" / "config.json").read_text())


def test_configured_catalog_lists_every_discovered_stream():
    """basic_read reads integration_tests/configured_catalog.json: it must cover the whole catalog.
    Regenerate it with `python scripts/gen_catalog.py` after adding streams."""
    discovered = {s.name for s in discover(SourceOpenai(config=_config()), _config()).catalog.catalog.streams}
    configured = {s["stream"]["name"] for s in json.loads((HERE / "configured_catalog.json").read_text())["streams"]}
    assert configured == discovered


def test_abnormal_state_does_not_re_emit_history():
    """A state from the future (abnormal_state.json) cannot be valid: the connector pulls it back to the current
    bucket (with a warning) and re-reads only the lookback window, so it neither re-emits history nor stays stuck
    until the future date. Audit logs, filtered server-side at the saved time, return nothing."""
    config = _config()
    state = json.loads((HERE / "abnormal_state.json").read_text())
    streams = {s.name: s for s in discover(SourceOpenai(config=config), config).catalog.catalog.streams}
    named = [e["stream"]["stream_descriptor"]["name"] for e in state]
    incremental = [n for n in named if n in streams and SyncMode.incremental in streams[n].supported_sync_modes]
    assert incremental, "abnormal_state.json names no incremental stream of the catalog"
    from airbyte_cdk.models import AirbyteStateMessageSerializer

    messages = [AirbyteStateMessageSerializer.load(e) for e in state]
    builder = CatalogBuilder()
    for name in incremental:
        builder = builder.with_stream(name, SyncMode.incremental)
    catalog = builder.build()
    output = read(SourceOpenai(catalog=catalog, config=config, state=messages), config, catalog, messages)
    assert not output.errors
    # the lookback window is re-read: every bucketed stream of the state emits records again (none: a failure)
    emitted = {message.record.stream for message in output.records}
    assert emitted and emitted == set(incremental) - {"audit_logs"}, f"streams with records: {sorted(emitted)}"
    lookback_start = time.time() - (config.get("lookback_window_days", 5) + 1) * 86400
    for message in output.records:
        data = message.record.data
        assert message.record.stream != "audit_logs", "audit logs after a future cursor must be empty"
        assert data["start_time"] >= lookback_start, f"{message.record.stream} re-emitted history: {data['start_time']}"
    assert output.is_in_logs("future"), "the connector must warn about the future state"
