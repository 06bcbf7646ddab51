"""The source class of package mode: the packaged manifest, bound to the config."""

# Plus two safety nets that need the whole config and catalog at once: a catalog naming a stream this config lacks
# is a config error, and partial key echoes (`sk-admi*****wxyz`) are masked.
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional, Sequence

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
# CPython releases whose `ast` module can fail when two threads parse at once (CPython gh-106905): the CDK's Jinja
# interpolation parses every rendered value, in its worker threads. (major, minor) -> the first release with the fix.
AST_RACE_FIXED_IN = {(3, 11): 8, (3, 12): 2}


def load_manifest() -> Mapping[str, Any]:
    """The packaged manifest, read by path (not relative to the working directory)."""
    with MANIFEST_PATH.open() as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def python_warning(version: Sequence[int] = tuple(sys.version_info[:3])) -> Optional[str]:
    """A warning for a Python whose parser can fail a sync (3.11.0–3.11.7, 3.12.0–3.12.1), else None."""
    major, minor, micro = version[:3]
    fixed = AST_RACE_FIXED_IN.get((major, minor))
    if fixed is None or micro >= fixed:
        return None
    message = (
        f"This connector runs on Python {major}.{minor}.{micro}, whose parser can fail a stream with "
        "'SystemError: AST constructor recursion depth mismatch' when two threads parse at once (CPython gh-106905, "
        f"fixed in {major}.{minor}.{fixed}). It is rare (the connector parses once per page, not per record); to "
        f"rule it out, run the connector on Python {major}.{minor}.{fixed} or later."
    )
    return message


# The CDK masks log lines, but the trace it emits for a failed stream carries the raw error (including the API's error
# text, which may echo a key) in `internal_message` and `stack_trace`.
def sanitized(message: AirbyteMessage) -> AirbyteMessage:
    """Mask keys in the text of a log, error trace or connection status (records are left alone)."""
    error = message.trace.error if message.type == Type.TRACE and message.trace else None
    if error is not None:  # a new message with the texts masked (the CDK's objects are left as they are)
        masked = {
            name: filter_secrets(getattr(error, name))
            for name in ("message", "internal_message", "stack_trace")
            if getattr(error, name)
        }
        return replace(message, trace=replace(message.trace, error=replace(error, **masked)))
    if message.type == Type.LOG and message.log is not None:
        return replace(message, log=replace(message.log, message=filter_secrets(message.log.message)))
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

    # The entrypoint registers the configured keys as secrets right before it calls check/discover/read (and
    # replaces any earlier registration), so the key fragments are added at the start of each command.
    @staticmethod
    def mask_key_fragments(config: Mapping[str, Any]) -> None:
        for fragment in key_fragments(config or {}):
            add_to_secrets(fragment)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        self.mask_key_fragments(config)
        status = super().check(logger, config)
        return replace(status, message=filter_secrets(status.message)) if status.message else status

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        self.mask_key_fragments(config)
        return super().discover(logger, config)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        self.mask_key_fragments(config)
        # A catalog that names a stream this config does not have is a config error, before any request (the CDK
        # would only mark that stream INCOMPLETE, without a word, and sync the rest).
        available = {stream.name for stream in self.streams(config)}
        unknown = [c.stream.name for c in catalog.streams if c.stream.name not in available]
        if unknown:
            names = ", ".join(repr(name[:80]) for name in unknown[:10]) + (
                f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            )
            raise ConfigError(
                [
                    "The configured catalog selects stream(s) that this source does not have with this config: "
                    f"{names}. Refresh the source schema (discover) and select from its streams; the project streams "
                    "need `project_api_key`, the Codex and compliance streams their key and IDs (`workspace_ids`, "
                    "`compliance_principal_ids`)."
                ]
            )
        warning = python_warning()
        if warning:
            logger.warning(warning)
        for message in super().read(logger, config, catalog, state):
            yield sanitized(message)
