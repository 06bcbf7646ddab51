"""Entry point of the `source-openai-org` console script and `python main.py`."""

# The CDK binds config, catalog and state when the source is constructed, so they are read from argv first.
# A bad config is reported as a clear config error (a failed connection status for `check`) before any request,
# without a traceback and without any key in the output. Everything else is the CDK's own `launch`.
import sys
from datetime import datetime, timezone
from typing import Any, List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    Status,
    TraceType,
    Type,
)

from source_openai.components import ConfigError, normalize_config, redact
from source_openai.source import SourceOpenai


def _emit(message: AirbyteMessage) -> None:
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def _config_error(command: Optional[str], message: str) -> int:
    message = redact(message)
    now = int(datetime.now(timezone.utc).timestamp() * 1000)
    error = AirbyteErrorTraceMessage(message=message, internal_message=message, failure_type=FailureType.config_error)
    _emit(AirbyteMessage(type=Type.TRACE, trace=AirbyteTraceMessage(type=TraceType.ERROR, emitted_at=now, error=error)))
    if command == "check":
        _emit(
            AirbyteMessage(
                type=Type.CONNECTION_STATUS,
                connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=message),
            )
        )
        return 0
    return 1


def _read_json_arg(kind: str, reader: Any, path: Optional[str]) -> Any:
    try:
        return reader(path) if path else None
    except Exception as error:  # unreadable or corrupt file: say which, not how
        raise ConfigError(
            [
                f"The {kind} file {path!r} could not be read: it is not valid JSON or not a valid {kind} "
                f"({type(error).__name__})."
            ]
        ) from None


def get_source(args: List[str]) -> "SourceOpenai | int":
    command = args[0] if args else None
    config_path = AirbyteEntrypoint.extract_config(args)
    try:
        config = _read_json_arg("config", SourceOpenai.read_config, config_path)
        if config is not None:
            normalize_config(config)  # fail fast, before the CDK builds anything
        catalog = _read_json_arg("catalog", SourceOpenai.read_catalog, AirbyteEntrypoint.extract_catalog(args))
        state = _read_json_arg("state", SourceOpenai.read_state, AirbyteEntrypoint.extract_state(args))
        return SourceOpenai(catalog, config, state, config_path=config_path)
    except ConfigError as error:
        return _config_error(command, error.message or "Invalid configuration.")
    except Exception as error:  # anything else while building the source: one clean line, no traceback
        return _config_error(command, f"Could not start the connector: {type(error).__name__}: {error}")


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    source = get_source(args)
    if isinstance(source, int):
        sys.exit(source)
    try:
        launch(source, args)
    except ConfigError as error:  # found while the command runs (e.g. a catalog naming an unknown stream)
        sys.exit(_config_error(args[0] if args else None, error.message or "Invalid configuration."))


if __name__ == "__main__":
    run()
