import logging
from pathlib import Path
from typing import Any, Iterator, List, Mapping, MutableMapping, Optional

import yaml
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    Type,
)
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

from .components import ConfigError, key_fragments

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")


def load_manifest() -> Mapping[str, Any]:
    """The packaged manifest, read by path (not relative to the working directory)."""
    with MANIFEST_PATH.open() as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def sanitized(message: AirbyteMessage) -> AirbyteMessage:
    """Mask keys in the text of a log, error trace or connection status (records are left alone).

    The CDK masks log lines, but the trace it emits for a failed stream carries the raw error (including the
    API's error text, which may echo a key) in `internal_message` and `stack_trace`.
    """
    if message.type == Type.TRACE and message.trace is not None and message.trace.error is not None:
        error = message.trace.error
        error.message = filter_secrets(error.message) if error.message else error.message
        error.internal_message = filter_secrets(error.internal_message) if error.internal_message else error.internal_message
        error.stack_trace = filter_secrets(error.stack_trace) if error.stack_trace else error.stack_trace
    elif message.type == Type.LOG and message.log is not None:
        message.log.message = filter_secrets(message.log.message)
    elif message.type == Type.CONNECTION_STATUS and message.connectionStatus is not None and message.connectionStatus.message:
        message.connectionStatus.message = filter_secrets(message.connectionStatus.message)
    return message


class SourceOpenai(ConcurrentDeclarativeSource):
    """The declarative source, built from the packaged manifest. The config is bound at construction."""

    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(catalog=catalog, config=config, state=state, source_config=dict(load_manifest()), **kwargs)
        self._bound_record_queue()

    # The CDK buffers up to 10,000 records between the workers and the thread that writes them. A usage record is
    # about 2 KB, so a full buffer is ~20 MB on top of the pages the workers hold; the writer drains 1,000 in well
    # under a tenth of a second, which is all the buffer needs to cover. `Queue.put` reads `maxsize` on every call.
    RECORD_QUEUE_SIZE = 1_000

    def _bound_record_queue(self) -> None:
        queue = getattr(getattr(self, "_concurrent_source", None), "_queue", None)
        if queue is not None and getattr(queue, "maxsize", 0) > self.RECORD_QUEUE_SIZE:
            queue.maxsize = self.RECORD_QUEUE_SIZE

    # The entrypoint registers the configured keys as secrets right before it calls check/discover/read (and
    # replaces any earlier registration), so the key prefixes are added here, at the start of each command.
    def _mask_key_fragments(self) -> None:
        for fragment in key_fragments(self._config or {}):
            add_to_secrets(fragment)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        self._mask_key_fragments()
        status = super().check(logger, config)
        if status.message:
            status.message = filter_secrets(status.message)
        return status

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        self._mask_key_fragments()
        return super().discover(logger, config)

    def _select_streams(self, streams: List[Any], configured_catalog: ConfiguredAirbyteCatalog) -> List[Any]:
        """A catalog that names a stream this config does not have is a config error, before any request (the CDK
        would only mark that stream INCOMPLETE, without a word, and sync the rest)."""
        available = {stream.name for stream in streams}
        unknown = [c.stream.name for c in configured_catalog.streams if c.stream.name not in available]
        if unknown:
            names = ", ".join(repr(name[:80]) for name in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            raise ConfigError(
                [
                    f"The configured catalog selects stream(s) that this source does not have with this config: {names}. "
                    "Refresh the source schema (discover) and select from its streams; the project streams need "
                    "`project_api_key`, the Codex streams need `codex_api_key` and `workspace_ids`."
                ]
            )
        return super()._select_streams(streams, configured_catalog)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        self._mask_key_fragments()
        for message in super().read(logger, config, catalog, state):
            yield sanitized(message)
