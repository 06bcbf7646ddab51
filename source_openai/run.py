"""Entry point of `source-openai` and `python main.py`.

The CDK binds config, catalog and state when the source is constructed, so they are read from argv first.
A bad config is reported as a clear config error (a failed connection status for `check`) before any request,
without a traceback and without any key in the output.
"""
import ctypes
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional

import orjson
import requests.models as requests_models
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.sources.types import StreamSlice
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
    _emit(
        AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=now,
                error=AirbyteErrorTraceMessage(message=message, internal_message=message, failure_type=FailureType.config_error),
            ),
        )
    )
    if command == "check":
        _emit(AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=message)))
        return 0
    return 1


def _read_json_arg(kind: str, reader: Any, path: Optional[str]) -> Any:
    if not path:
        return None
    try:
        return reader(path)
    except Exception as error:  # unreadable or corrupt file: say which, not how
        raise ConfigError(
            [f"The {kind} file {path!r} could not be read: it is not valid JSON or not a valid {kind} ({type(error).__name__})."]
        ) from None


_CDK_MESSAGE_TO_STRING = AirbyteEntrypoint.airbyte_message_to_string


def record_message_to_string(message: AirbyteMessage) -> str:
    """Serialise a RECORD message with orjson directly, keeping every field of the record's data, nulls included.

    The CDK's serializer (`AirbyteMessageSerializer`, omit_none) drops top-level null fields from record data, so a
    field OpenAI returns as null would vanish from the output; it is also the costliest step per record. Records
    are written as {"type": "RECORD", "record": {"namespace"?, "stream", "data", "emitted_at"}}. Records with `meta`
    or a file reference (this connector has none), data orjson cannot encode, and every other message type keep
    the CDK's path.
    """
    record = message.record
    if message.type != Type.RECORD or record is None or record.meta is not None or record.file_reference is not None:
        return _CDK_MESSAGE_TO_STRING(message)
    body: Dict[str, Any] = {"stream": record.stream, "data": record.data, "emitted_at": record.emitted_at}
    if record.namespace is not None:
        body = {"namespace": record.namespace, **body}
    try:
        return orjson.dumps({"type": "RECORD", "record": body}).decode()
    except TypeError:
        return _CDK_MESSAGE_TO_STRING(message)


def install_record_serializer() -> None:
    """Make the CDK entrypoint use `record_message_to_string` (it calls the class attribute for every message)."""
    AirbyteEntrypoint.airbyte_message_to_string = staticmethod(record_message_to_string)  # type: ignore[method-assign]


# Streams whose requests are identical to another stream's, so they share its request cache. The CDK names a
# stream's cache file after the stream (`<name>.sqlite` under the entrypoint's REQUEST_CACHE_PATH), which keeps
# them apart; the three Codex usage streams read the same usage pages (their requester has `use_cache: true` and
# a stream group runs them one after the other), so they use one file.
SHARED_REQUEST_CACHES = {"codex_usage_clients": "codex_usage", "codex_usage_models": "codex_usage"}


def install_shared_request_caches() -> None:
    def cache_filename(self: HttpClient) -> str:
        return f"{SHARED_REQUEST_CACHES.get(self._name, self._name)}.sqlite"

    HttpClient.cache_filename = property(cache_filename)  # type: ignore[assignment, method-assign]


def _cached_slice_hash(self: StreamSlice) -> int:
    try:
        return self.__dict__["_openai_hash"]  # type: ignore[no-any-return]
    except KeyError:
        value = _CDK_SLICE_HASH(self)
        self.__dict__["_openai_hash"] = value
        return value


_CDK_SLICE_HASH = StreamSlice.__hash__


def install_slice_hash_cache() -> None:
    """Compute a StreamSlice's hash once instead of on every lookup.

    The CDK's concurrent cursor looks up the record's slice in a dict twice per record (`ConcurrentCursor.observe`),
    and `StreamSlice.__hash__` serialises the slice to sorted JSON and SHA-256s it each time: about a tenth of the
    connector's time per usage record. A StreamSlice is immutable (its `__setitem__` raises), so its hash can be
    kept on the instance.
    """
    StreamSlice.__hash__ = _cached_slice_hash  # type: ignore[method-assign, assignment]


# requests reads a (non-streamed) body as `b"".join(iter_content(CONTENT_CHUNK_SIZE))`, 10 KB at a time by default
BODY_READ_BYTES = 16 * 1024 * 1024


def install_single_read_bodies() -> None:
    """Read a response body in one piece instead of 10 KB chunks joined at the end.

    A 6 MB usage page was held twice while it arrived (640 chunks, then their join) and the chunks were carved out of
    the heap; read in one piece (a body under 16 MB is one chunk, and joining one chunk is no copy) it is held once.
    Only how `Response.content` is read changes: the bytes are the same."""
    requests_models.CONTENT_CHUNK_SIZE = BODY_READ_BYTES


@contextmanager
def speedups() -> Iterator[None]:
    """The package-mode speed-ups, installed for one run of the entrypoint and removed afterwards (so a caller
    that runs `run()` in-process, such as a test, leaves the CDK as it found it)."""
    saved = (AirbyteEntrypoint.__dict__["airbyte_message_to_string"], StreamSlice.__dict__["__hash__"],
             HttpClient.__dict__["cache_filename"])
    chunk = requests_models.CONTENT_CHUNK_SIZE
    install_record_serializer()
    install_slice_hash_cache()
    install_shared_request_caches()
    install_single_read_bodies()
    try:
        yield
    finally:
        AirbyteEntrypoint.airbyte_message_to_string, StreamSlice.__hash__, HttpClient.cache_filename = saved  # type: ignore[method-assign, assignment]
        requests_models.CONTENT_CHUNK_SIZE = chunk


# glibc's mallopt parameter, and the size from which a block gets its own mapping (glibc's initial default is 128 KiB)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


def return_freed_pages_to_the_os() -> bool:
    """Make blocks of 256 KiB and more (response bodies: a usage page is several MB) always get their own memory
    mapping, which goes back to the OS when the page is done.

    glibc's default raises this threshold each time such a block is freed, up to 32 MB, so after the first few
    pages the bodies are carved out of the heap, and a heap only shrinks from its top: a long sync kept the
    high-water mark of its largest pages (benchmark 3, peak RSS 10x/1x data: 1.30 with glibc's default, 1.14 with
    the fixed threshold). Linux/glibc only; a no-op elsewhere, and
    when the operator has set MALLOC_MMAP_THRESHOLD_ themselves. Returns whether the setting was applied.
    """
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def get_source(args: List[str]) -> "SourceOpenai | int":
    command = args[0] if args else None
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        config = _read_json_arg("config", SourceOpenai.read_config, config_path)
        if config is not None:
            normalize_config(config)  # fail fast, before the CDK builds anything
        catalog = _read_json_arg("catalog", SourceOpenai.read_catalog, catalog_path)
        state = _read_json_arg("state", SourceOpenai.read_state, state_path)
        return SourceOpenai(catalog, config, state, config_path=config_path)
    except ConfigError as error:
        return _config_error(command, error.message or "Invalid configuration.")
    except Exception as error:  # anything else while building the source: one clean line, no traceback
        return _config_error(command, f"Could not start the connector: {type(error).__name__}: {error}")


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    return_freed_pages_to_the_os()
    source = get_source(args)
    if isinstance(source, int):
        sys.exit(source)
    try:
        with speedups():
            launch(source, args)
    except ConfigError as error:  # found while the command runs (e.g. a catalog naming an unknown stream)
        sys.exit(_config_error(args[0] if args else None, error.message or "Invalid configuration."))


if __name__ == "__main__":
    run()
