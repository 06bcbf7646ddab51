import logging
from pathlib import Path
from typing import Any, Iterator, List, Mapping, MutableMapping, Optional

import yaml
from airbyte_cdk.models import AirbyteCatalog, AirbyteConnectionStatus, AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets

from .components import key_fragments

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")


def load_manifest() -> Mapping[str, Any]:
    """The packaged manifest, read by path (not relative to the working directory)."""
    with MANIFEST_PATH.open() as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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

    # The entrypoint registers the configured keys as secrets right before it calls check/discover/read (and
    # replaces any earlier registration), so the key prefixes are added here, at the start of each command.
    def _mask_key_fragments(self) -> None:
        for fragment in key_fragments(self._config or {}):
            add_to_secrets(fragment)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        self._mask_key_fragments()
        return super().check(logger, config)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        self._mask_key_fragments()
        return super().discover(logger, config)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        self._mask_key_fragments()
        yield from super().read(logger, config, catalog, state)
