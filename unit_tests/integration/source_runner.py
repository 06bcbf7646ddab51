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


_SCHEMAS: dict = {}


def discovered_schemas(config: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """json_schema of every discovered stream, by name (discovered once per test session)."""
    if not _SCHEMAS:
        output = discover(config)
        _SCHEMAS.update({s.name: s.json_schema for s in output.catalog.catalog.streams})
    return _SCHEMAS


def assert_records_match_schema(config: Mapping[str, Any], stream: str, records: List[Mapping[str, Any]]) -> None:
    """Each record validates against the discovered schema, and the schema declares every field it carries."""
    import jsonschema

    schema = discovered_schemas(config)[stream]
    validator = jsonschema.Draft7Validator(schema)
    declared = set(schema.get("properties", {}))
    assert records, f"{stream}: no records to validate"
    for record in records:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, f"{stream}: record does not match its schema: {errors}"
        undeclared = set(record) - declared
        assert not undeclared, f"{stream}: fields missing from the schema: {sorted(undeclared)}"
