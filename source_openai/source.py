from pathlib import Path
from typing import Any, List, Mapping, Optional

import yaml
from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

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
