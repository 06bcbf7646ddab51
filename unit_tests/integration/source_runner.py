"""Run the real connector (the packaged manifest) through the CDK's entrypoint wrapper.

Only public CDK API is used: `read`/`discover` of the entrypoint wrapper, and for `check` (which the wrapper
does not offer) the public `AirbyteEntrypoint` with the root logger captured, as the wrapper does.
"""

import logging
import re
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import AirbyteLogFormatter
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, discover as _discover, make_file, read as _read
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

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
    """`check --config <file>` through the CDK's entrypoint; its messages plus the log lines it wrote."""
    source = SourceOpenai(config=config)
    log_buffer = StringIO()
    handler = logging.StreamHandler(log_buffer)
    handler.setLevel(logging.INFO)
    handler.setFormatter(AirbyteLogFormatter())
    root = logging.getLogger("")
    root.addHandler(handler)
    try:
        with tempfile.TemporaryDirectory() as directory:
            args = AirbyteEntrypoint.parse_args(
                ["check", "--config", make_file(Path(directory) / "config.json", config)]
            )
            messages = list(AirbyteEntrypoint(source).run(args))
    finally:
        root.removeHandler(handler)
    return EntrypointOutput(messages=messages + log_buffer.getvalue().splitlines())


def records_of(output: EntrypointOutput, stream: str) -> List[Mapping[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def retry_waits(output: EntrypointOutput) -> List[float]:
    """The seconds the HTTP client waited before each retry, in order, from the line the CDK logs for each wait
    (the connector's wait plus the CDK's fixed 1 s)."""
    waits = (re.search(r"Retrying in ([0-9.]+) seconds", m.log.message) for m in output.logs)
    return [float(match.group(1)) for match in waits if match]


def all_output_text(output: EntrypointOutput) -> str:
    """Everything the connector printed (records, logs, traces, state, connection status), one serialised message
    a line, for secret scans. Fails rather than return nothing to scan."""
    lines = [orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() for m in output.get_message_iterator()]
    assert lines, "the connector produced no output to scan"
    return "\n".join(lines)


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


def stream_state(stream: str, value: Mapping[str, Any]) -> List[Any]:
    """An incoming state of one stream, built with the CDK's StateBuilder."""
    return StateBuilder().with_stream_state(stream, dict(value)).build()


def final_state(output: EntrypointOutput, stream: str) -> Dict[str, Any]:
    """The last state a read emitted for `stream`."""
    states = [
        m.state.stream.stream_state for m in output.state_messages if m.state.stream.stream_descriptor.name == stream
    ]
    assert states, f"no state for {stream}"
    return dict(states[-1].__dict__)
