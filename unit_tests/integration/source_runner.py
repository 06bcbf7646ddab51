"""Run the real connector (the packaged manifest) through the CDK's entrypoint wrapper."""
import json
import tempfile
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, _run_command, discover as _discover, read as _read
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from source_openai import SourceOpenai


def catalog(*streams: str, mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for stream in streams:
        builder = builder.with_stream(stream, mode)
    return builder.build()


def read(
    config: Mapping[str, Any],
    *streams: str,
    mode: SyncMode = SyncMode.full_refresh,
    state: Optional[List[Any]] = None,
    expect_error: bool = False,
) -> EntrypointOutput:
    cat = catalog(*streams, mode=mode)
    source = SourceOpenai(catalog=cat, config=config, state=state)
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_error else None
    return _read(source, config, cat, state, expected_outcome=outcome)


def discover(config: Mapping[str, Any]) -> EntrypointOutput:
    return _discover(SourceOpenai(config=config), config)


def check(config: Mapping[str, Any]) -> EntrypointOutput:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    return _run_command(SourceOpenai(config=config), ["check", "--config", handle.name])


def records_of(output: EntrypointOutput, stream: str) -> List[Mapping[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def all_output_text(output: EntrypointOutput) -> str:
    """Everything the connector printed (records, logs, traces, state), for secret scans."""
    return "\n".join(str(m) for m in output._messages) if hasattr(output, "_messages") else ""
