"""Custom components of source-openai: only what the manifest cannot say in YAML.

This module is loaded two ways and must work in both:
  * manifest-only mode: the CDK loads this file as `source_declarative_manifest.components` (Connector Builder,
    `source-declarative-manifest --components-path`, PyAirbyte `source_manifest=`);
  * package mode: `source_openai/__init__.py` registers `source_openai.components` under that same name.
The manifest therefore names every class `source_declarative_manifest.components.X`, the convention of Airbyte's
low-code connectors.

So it imports nothing from the rest of the package. Nor does it use `from __future__ import annotations`: the
CDK runs an injected components.py (`__injected_components_py`: PyAirbyte `source_manifest=`, the Airbyte
platform) with `exec` before registering the module, and `@dataclass` cannot resolve string annotations of a
module that is not in `sys.modules` yet.
"""

import hashlib
import ipaddress
import json
import logging
import re
from collections import deque
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Generator, Iterable, List, Mapping, MutableMapping, Optional
from urllib.parse import urlsplit

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders.decoder import Decoder
from airbyte_cdk.sources.declarative.decoders.json_decoder import JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import (
    PaginationStrategy,
)
from airbyte_cdk.sources.declarative.transformations.transformation import RecordTransformation
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

DEFAULT_API_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CODEX_API_BASE_URL = "https://api.chatgpt.com/v1/analytics/codex"
BUCKET_WIDTHS = ("1d", "1h", "1m")
# Every group_by dimension any usage/costs endpoint accepts (per the OpenAPI description).
USAGE_DIMENSIONS = (
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
    "size",
    "source",
    "vector_store_id",
    "context_level",
    "line_item",
)
WORKSPACE_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# Only the public marker of a key may ever be printed: `sk-admin-`, `sk-proj-`, `sk-svcacct-`, `sk-`.
KEY_RE = re.compile(r"sk-[A-Za-z0-9_\-]{6,}")
KEY_MARKERS = ("sk-admin-", "sk-proj-", "sk-svcacct-", "sk-")
CHECK_STREAMS_KEY = "__airbyte_check_stream_names"


class ConfigError(AirbyteTracedException):
    """A configuration problem found before any request is sent."""

    def __init__(self, problems: List[str]) -> None:
        message = "Invalid configuration: " + " ".join(problems)
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)
        self.problems = problems


def redact(text: str) -> str:
    """Replace anything that looks like an OpenAI key with its public marker, e.g. `sk-admin-****`."""

    def _mask(match: "re.Match[str]") -> str:
        key = match.group(0)
        marker = next(m for m in KEY_MARKERS if key.startswith(m))
        return key if key == marker else marker + "****"

    return KEY_RE.sub(_mask, text)


KEY_SUFFIX_SHOWN = 4  # OpenAI's masked echo of a key shows its last 4 characters: `sk-admi*****wxyz`


def key_fragments(config: Mapping[str, Any]) -> List[str]:
    """Every prefix of each configured key that is longer than its public marker, and every suffix of 4 or more
    characters, longest first.

    The CDK masks only whole secrets in logs and traces. OpenAI (or a proxy) echoes a partly masked key in an
    error body, e.g. `sk-admi*****wxyz` in a 401; registering these fragments as secrets masks such echoes too
    (`sk-admi*****` + `****`), so no output ever shows more of a key than its public marker.
    """
    fragments: List[str] = []
    for name in ("admin_api_key", "project_api_key", "codex_api_key"):
        key = config.get(name)
        if not isinstance(key, str) or not key:
            continue
        marker = next((m for m in KEY_MARKERS if key.startswith(m)), "")
        shortest = len(marker) + 1 if marker else min(len(key), 6)
        fragments.extend(key[:end] for end in range(len(key), shortest - 1, -1))
        fragments.extend(key[-size:] for size in range(KEY_SUFFIX_SHOWN, len(key) - len(marker) + 1))
    return sorted(set(fragments), key=len, reverse=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(name: str, value: Any, default: str, problems: List[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if not isinstance(value, str):
        problems.append(f"`{name}` must be a URL string.")
        return default
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"`{name}` must be an https:// URL (got a value without scheme or host).")
    elif parts.scheme == "http" and not _is_loopback(parts.hostname):
        problems.append(
            f"`{name}` uses plain http:// to {parts.hostname}; keys must not travel unencrypted. Use https://, "
            "or a loopback address (localhost, 127.0.0.1, ::1) for a local emulator."
        )
    return url


def _check_key(name: str, value: Any, required: bool, problems: List[str]) -> Optional[str]:
    """Validate a key's presence and class. Never echo the key itself."""
    if value is None:
        if required:
            problems.append(f"`{name}` is required.")
        return None
    if not isinstance(value, str) or not value.strip():
        if required or (isinstance(value, str) and value != ""):
            problems.append(f"`{name}` is empty or only whitespace.")
        return None
    if value != value.strip() or any(c.isspace() for c in value):
        problems.append(f"`{name}` contains spaces or line breaks; paste the key alone.")
        return None
    if name == "admin_api_key" and not value.startswith("sk-admin-"):
        kind = "a project key (sk-proj-…)" if value.startswith("sk-proj-") else "not an Admin API key"
        problems.append(
            f"`admin_api_key` is {kind}. It must be an Admin API key starting with `sk-admin-`: create a "
            "read-only one under Organization settings → Admin keys."
        )
        return None
    if name == "project_api_key" and value.startswith("sk-admin-"):
        problems.append(
            "`project_api_key` holds an Admin API key (sk-admin-…), which cannot read project data. Use a project "
            "API key (sk-proj-…) from the project's Settings → API keys."
        )
        return None
    if name == "codex_api_key" and value.startswith("sk-admin-"):
        problems.append(
            "`codex_api_key` holds an Admin API key (sk-admin-…). Use the Platform API key that OpenAI support "
            "granted the `codex.enterprise.analytics.read` scope."
        )
        return None
    return value


def parse_workspace_ids(raw: Any) -> List[str]:
    """Split, trim and de-duplicate a comma-separated list of workspace IDs (order kept). Raises ConfigError."""
    if raw is None:
        return []
    if isinstance(raw, list):
        items = [str(x) for x in raw]
    elif isinstance(raw, str):
        items = raw.split(",")
    else:
        raise ConfigError(["`workspace_ids` must be a comma-separated string of ChatGPT workspace IDs."])
    seen: List[str] = []
    bad: List[str] = []
    for item in items:
        ws = item.strip()
        if not ws:
            continue
        if not WORKSPACE_ID_RE.match(ws):
            bad.append(ws)
        elif ws not in seen:
            seen.append(ws)
    if bad:
        shown = ", ".join(repr(redact(b))[:60] for b in bad[:5])
        raise ConfigError(
            [
                f"`workspace_ids` has malformed ID(s): {shown}. Workspace IDs use only letters, digits, '-' and '_'; "
                "separate several with commas."
            ]
        )
    return seen


def _parse_start_date(raw: Any, problems: List[str]) -> Optional[datetime]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        problems.append("`start_date` must be an ISO 8601 date-time string such as 2024-01-01T00:00:00Z.")
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"`start_date` {raw.strip()[:40]!r} is not an ISO 8601 date-time such as 2024-01-01T00:00:00Z.")
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value > datetime.now(timezone.utc):
        problems.append(f"`start_date` {value.strftime('%Y-%m-%dT%H:%M:%SZ')} is in the future.")
        return None
    return value


def default_start_date(bucket_width: str, now: Optional[datetime] = None) -> datetime:
    """Full history at daily buckets; a bounded window at finer buckets, where full history costs many requests."""
    now = now or datetime.now(timezone.utc)
    if bucket_width == "1h":
        start = now - timedelta(days=90)
        return start.replace(minute=0, second=0, microsecond=0)
    if bucket_width == "1m":
        start = now - timedelta(days=3)
        return start.replace(second=0, microsecond=0)
    return datetime(2023, 1, 1, tzinfo=timezone.utc)


def normalize_config(config: Mapping[str, Any]) -> Dict[str, Any]:
    """Validate a user config and return it normalised. Raises ConfigError listing every problem.

    Sends no request. Never includes a key in a message.
    """
    problems: List[str] = []
    out: Dict[str, Any] = dict(config)

    admin = _check_key("admin_api_key", config.get("admin_api_key"), True, problems)
    project = _check_key("project_api_key", config.get("project_api_key"), False, problems)
    codex = _check_key("codex_api_key", config.get("codex_api_key"), False, problems)
    if admin:
        out["admin_api_key"] = admin
    for name, value in (("project_api_key", project), ("codex_api_key", codex)):
        if value:
            out[name] = value
        else:
            out.pop(name, None)

    try:
        workspaces = parse_workspace_ids(config.get("workspace_ids"))
    except ConfigError as error:
        problems.extend(error.problems)
        workspaces = []
    if codex and not workspaces and not any("workspace_ids" in p for p in problems):
        problems.append("`workspace_ids` is required when `codex_api_key` is set: list at least one ChatGPT workspace ID.")
    if workspaces:
        out["workspace_ids"] = ",".join(workspaces)
    else:
        out.pop("workspace_ids", None)

    width = config.get("usage_bucket_width") or "1d"
    if width not in BUCKET_WIDTHS:
        problems.append(f"`usage_bucket_width` must be one of 1d, 1h, 1m (got {str(width)[:10]!r}).")
        width = "1d"
    out["usage_bucket_width"] = width

    group_by = config.get("usage_group_by")
    if group_by is not None:
        if isinstance(group_by, str):
            group_by = [g.strip() for g in group_by.split(",") if g.strip()]
        if not isinstance(group_by, list):
            problems.append("`usage_group_by` must be a list of dimension names.")
        else:
            unknown = [str(g)[:30] for g in group_by if g not in USAGE_DIMENSIONS]
            if unknown:
                problems.append(
                    f"`usage_group_by` has unknown dimension(s) {', '.join(unknown)}; allowed: {', '.join(USAGE_DIMENSIONS)}."
                )
            else:
                out["usage_group_by"] = list(dict.fromkeys(group_by))

    start = _parse_start_date(config.get("start_date"), problems)
    if start is None:
        start = default_start_date(width)
    out["start_date"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")

    lookback = config.get("lookback_window_days", 5)
    if lookback is None:
        lookback = 5
    if isinstance(lookback, bool) or not isinstance(lookback, int) or not 0 <= lookback <= 90:
        problems.append("`lookback_window_days` must be a whole number of days from 0 to 90.")
        lookback = 5
    out["lookback_window_days"] = lookback

    workers = config.get("num_workers", 4)
    if workers is None:
        workers = 4
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 10:
        problems.append("`num_workers` must be a whole number from 1 to 10.")
        workers = 4
    out["num_workers"] = workers

    include_archived = config.get("include_archived_projects", True)
    out["include_archived_projects"] = include_archived is not False

    out["api_base_url"] = _check_base_url("api_base_url", config.get("api_base_url"), DEFAULT_API_BASE_URL, problems)
    out["codex_api_base_url"] = _check_base_url(
        "codex_api_base_url", config.get("codex_api_base_url"), DEFAULT_CODEX_API_BASE_URL, problems
    )

    if problems:
        raise ConfigError(problems)

    # One check stream per credential that was given (see `check` in the manifest).
    check_streams = ["check_admin_api_key"]
    if project:
        check_streams.append("check_project_api_key")
    if codex and workspaces:
        check_streams.append("check_codex_api_key")
    out[CHECK_STREAMS_KEY] = check_streams
    return out


@dataclass
class NormalizeConfig(ConfigTransformation):
    """Spec-level config transformation: validates the config and fills defaults before any request."""

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None

    def transform(self, config: MutableMapping[str, Any]) -> None:
        if all(str(key).startswith("__injected") for key in config):
            # Only what a manifest runner injects (the manifest, components.py), no user config: PyAirbyte's
            # `source_manifest=` builds the source like this for `spec`. Nothing to validate yet.
            return
        normalized = normalize_config(config)
        config.clear()
        config.update(normalized)


# ------------------------------------------------------------------------------------------ per-partition state


@dataclass
class FullReadForNewPartitions(StateMigration):
    """Per-partition state migration: a partition that has no saved cursor yet is read in full.

    The CDK's per-partition cursor starts a partition that is missing from `states` at the stream-wide `state` (the
    newest cursor of any partition, minus the last sync's duration). That would silently skip history:
      * Codex analytics: a workspace added to `workspace_ids` between syncs would start at the other workspaces'
        cursor instead of backfilling from `start_date`;
      * append-only project children (fine-tuning job events and checkpoints, eval run output items): a job or run
        listed for the first time, skipped on a 403/404, or dropped from the state would lose its older records.
    Removing the stream-wide fallback makes such a partition start from the cursor's start, while every partition in
    `states` keeps its own cursor. Cursors of partitions no longer listed stay, unused and harmless. The CDK writes the
    fallback again at the end of each sync; it is removed again on the next one. A state that already switched to
    one global cursor (more than 10,000 partitions) is left alone.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None
    declarative_stream: Any = None

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return (
            isinstance(stream_state, Mapping)
            and "states" in stream_state
            and not stream_state.get("use_global_cursor")
            and ("state" in stream_state or "lookback_window" in stream_state)
        )

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return {key: value for key, value in stream_state.items() if key not in ("state", "lookback_window")}


# ------------------------------------------------------------------------------------------ usage, costs, audit logs
BUCKET_SECONDS = {"1d": 86400, "1h": 3600, "1m": 60}
LOGGER = logging.getLogger("airbyte")
# Canonical JSON of a row's identity (compact, ASCII): one reusable encoder keeps the per-record cost down.
_KEY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str)


def _bucket_width(setting: Optional[str], config: Mapping[str, Any]) -> Optional[str]:
    """`config` means the connection's `usage_bucket_width`; `none` (or empty) means no bucket alignment."""
    if setting in (None, "", "none"):
        return None
    if setting == "config":
        width = config.get("usage_bucket_width") or "1d"
        return width if width in BUCKET_SECONDS else "1d"
    if setting not in BUCKET_SECONDS:
        raise ValueError(f"unknown bucket width {setting!r}")
    return setting


@dataclass
class _UsageRowSettings:
    """What UsageRecord and UsageBucketsExtractor need to finish a row: the stream (`$parameters.name`), the
    bucket width, the endpoint's group-by dimensions (`$parameters.group_by_allowed`) and `flatten_amount`."""

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Optional[Mapping[str, Any]]] = None
    bucket_width: Optional[str] = "config"
    flatten_amount: bool = False

    def __post_init__(self, parameters: Optional[Mapping[str, Any]]) -> None:
        parameters = parameters or {}
        self._stream = str(parameters.get("name", ""))
        self._dimensions = tuple(parameters.get("group_by_allowed") or ())
        self._width = _bucket_width(self.bucket_width, self.config or {}) or ""


@dataclass
class UsageRecord(_UsageRowSettings, RecordTransformation):
    """Finishes one flattened usage/costs row (a `results[]` element that already carries its bucket's
    `start_time`/`end_time`).

    * `surrogate_key`: the primary key. A row of the usage API has no id, and the dimensions that were not grouped
      by are null, so the key is an MD5 of the canonical JSON of [stream, bucket width, bucket start_time, the
      values of every dimension the endpoint can group by]. Identical for the same bucket and group on every
      re-read (revised numbers upsert), different for every row of one response.
    * costs (`flatten_amount: true`): `amount_value` and `amount_currency` from the nested `amount` object, which
      is kept as well.

    Runs once per record, so it does the minimum: one JSON dump and one MD5.
    """

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
    ) -> None:
        finish_usage_row(record, self._stream, self._width, self._dimensions, self.flatten_amount)


def surrogate_key(identity: List[Any]) -> str:
    """MD5 of the compact, ASCII-only JSON of `identity` (see UsageRecord).

    orjson writes the same bytes as `json` (compact separators, ensure_ascii) whenever its output is plain ASCII
    without escapes, which is every id and model name OpenAI uses; anything else takes the `json` encoder, so the key
    never depends on which encoder ran.
    """
    try:
        canonical = orjson.dumps(identity)
    except TypeError:
        canonical = b"\\"
    if not canonical.isascii() or b"\\" in canonical:
        canonical = _KEY_ENCODER.encode(identity).encode("ascii")
    return hashlib.md5(canonical).hexdigest()


def finish_usage_row(record: Dict[str, Any], stream: str, width: str, dimensions: tuple, flatten_amount: bool) -> None:
    """Add `surrogate_key` (and for costs `amount_value`/`amount_currency`) to one usage/costs row, in place."""
    if flatten_amount:
        amount = record.get("amount")
        if isinstance(amount, Mapping):
            record["amount_value"] = amount.get("value")
            record["amount_currency"] = amount.get("currency")
        else:
            record["amount_value"] = None
            record["amount_currency"] = None
    identity = [stream, width, record.get("start_time")]
    identity.extend([record.get(name) for name in dimensions])
    record["surrogate_key"] = surrogate_key(identity)


@dataclass
class UsageBucketsExtractor(_UsageRowSettings, RecordExtractor):
    """The rows of a usage or costs page: one record per `data[].results[]` element, finished in the same pass.

    Each row gets its bucket's `start_time` and `end_time`, then `surrogate_key` (and for costs, with
    `flatten_amount: true`, `amount_value`/`amount_currency`) exactly as UsageRecord computes them. An empty bucket
    yields nothing. This is what a DpathExtractor + RecordExpander (`parent_fields`) + UsageRecord transformation
    would do, in one loop instead of three generic layers: these streams carry most of a sync's records, and the
    generic path cost a third of the connector's time per record (see benchmarks/). The page is read through
    iter_page_items (a large page as a stream), not through the retriever's decoder.
    """

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        # A page can hold 10,000+ rows. Buckets come one at a time (iter_page_items: a large page is read as a
        # stream) and rows are taken out of their bucket as they are handed on, so with several workers each on a
        # page the memory held is about the pages' bytes, not their rows as Python objects.
        stream, width, dimensions, flatten = self._stream, self._width, self._dimensions, self.flatten_amount
        for bucket in iter_page_items(response):
            if not isinstance(bucket, Mapping):
                continue
            results = bucket.get("results")
            if not isinstance(results, list):
                continue
            start_time, end_time = bucket.get("start_time"), bucket.get("end_time")
            del bucket
            results.reverse()
            while results:
                row = results.pop()
                if not isinstance(row, dict):
                    continue
                row["start_time"] = start_time
                row["end_time"] = end_time
                finish_usage_row(row, stream, width, dimensions, flatten)
                yield row


def _parse_cursor(value: Any) -> Optional[datetime]:
    """A saved cursor: epoch seconds (int, float or digit string, as this connector writes it) or ISO 8601."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        text = str(value).strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), tz=timezone.utc)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def floor_to_bucket(value: datetime, width: Optional[str]) -> datetime:
    """The start of the UTC bucket of `width` that contains `value` (buckets are aligned to the Unix epoch)."""
    if not width:
        return value
    seconds = BUCKET_SECONDS[width]
    epoch = int(value.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


@dataclass
class BucketCursorState(StateMigration):
    """Makes an incoming usage/costs/audit-log state safe before the cursor reads it. Runs on every sync.

    State format (sequential, epoch seconds as a string, plus the width it was written at):
        {"start_time": "1767225600", "bucket_width": "1d"}
    * The cursor is re-aligned down to the start of its bucket at the *current* width: a state written at `1m` and
      read at `1d` restarts at that day's 00:00 UTC, so a bucket is never requested from its middle.
    * A cursor in the future (clock skew, a hand-edited state) is pulled back to the start of the current bucket
      (to now for audit logs), so the sync goes on instead of stalling until that date; the lookback then applies.
    * Unparsable cursors are dropped (the stream restarts from `start_date`) with a warning.
    * `bucket_width` is stamped into the state so that a later version can tell which grain the cursor was written
      at (not for audit logs, which have no buckets).
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None
    cursor_field: str = "start_time"
    bucket_width: Optional[str] = "config"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._stream = str((parameters or {}).get("name", ""))
        self._width = _bucket_width(self.bucket_width, self.config or {})

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        if stream_state and "state_type" in stream_state:
            return False  # a concurrent (slices) state: the CDK reads it as is
        return True

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        state: Dict[str, Any] = dict(stream_state or {})
        previous_width = state.get("bucket_width")
        if self._width:
            state["bucket_width"] = self._width
        if self.cursor_field not in state:
            return state
        raw = state[self.cursor_field]
        cursor = _parse_cursor(raw)
        if cursor is None:
            LOGGER.warning(
                f"{self._stream}: ignoring the saved cursor {str(raw)[:40]!r}, which is not a time; "
                "reading again from start_date."
            )
            del state[self.cursor_field]
            return state
        now = datetime.now(timezone.utc)
        if cursor > now:
            future = cursor
            cursor = now
        aligned = floor_to_bucket(cursor, self._width)
        if cursor is now:
            LOGGER.warning(
                f"{self._stream}: the saved cursor {future.strftime('%Y-%m-%dT%H:%M:%SZ')} is in the future; "
                f"resuming from {aligned.strftime('%Y-%m-%dT%H:%M:%SZ')} instead."
            )
        if previous_width and self._width and previous_width != self._width:
            LOGGER.warning(
                f"{self._stream}: the state was written at bucket width {previous_width} and the connection now "
                f"uses {self._width}; resuming from {aligned.strftime('%Y-%m-%dT%H:%M:%SZ')}. Rows of the old "
                "width stay in the destination under their own keys: refresh the stream to keep one grain."
            )
        state[self.cursor_field] = str(int(aligned.timestamp()))
        return state


# ------------------------------------------------------------------------------------------ Codex Enterprise Analytics


@dataclass
class WorkspacePartitionRouter(PartitionRouter):
    """One partition `{"workspace_id": ...}` per ChatGPT workspace listed in `config['workspace_ids']`.

    normalize_config has already trimmed, de-duplicated and validated the list; it is parsed again here with the
    same function so the router is safe on its own (e.g. in the Connector Builder, which may skip the spec
    transformation). The workspace ID goes into the URL path (the requester fills `{workspace_id}` from the
    partition), so the router adds no request option. With an incremental stream the CDK keeps one cursor per
    partition (ConcurrentPerPartitionCursor), i.e. per workspace.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._parameters = parameters

    def workspace_ids(self) -> List[str]:
        return parse_workspace_ids(self.config.get("workspace_ids"))

    def stream_slices(self) -> Iterable[StreamSlice]:
        for workspace_id in self.workspace_ids():
            yield StreamSlice(partition={"workspace_id": workspace_id}, cursor_slice={})

    def get_stream_state(self) -> Optional[Mapping[str, Any]]:
        return None  # no parent stream: nothing to checkpoint besides the per-workspace cursors

    def get_request_params(self, *, stream_state=None, stream_slice=None, next_page_token=None) -> Mapping[str, Any]:
        return {}

    def get_request_headers(self, *, stream_state=None, stream_slice=None, next_page_token=None) -> Mapping[str, Any]:
        return {}

    def get_request_body_data(self, *, stream_state=None, stream_slice=None, next_page_token=None) -> Mapping[str, Any]:
        return {}

    def get_request_body_json(self, *, stream_state=None, stream_slice=None, next_page_token=None) -> Mapping[str, Any]:
        return {}


def codex_user_key(row: Mapping[str, Any]) -> str:
    """A non-null stand-in for a usage row's user, for primary keys.

    `user_id` when present; else the actor's user_id or e-mail, or the legacy `email`; else `workspace` for a
    workspace-level row (`group=workspace`, or a row the API could not attribute to a user).
    """
    actor = row.get("actor") if isinstance(row.get("actor"), Mapping) else {}
    for value in (row.get("user_id"), actor.get("user_id"), actor.get("email"), row.get("email")):
        if value not in (None, ""):
            return str(value)
    return "workspace"


@dataclass
class CodexAnalyticsExtractor(RecordExtractor):
    """Rows of a Codex Analytics response (`data[]`), or the elements of one nested array of each row.

    * `expand` empty: each row as the API sends it (nested arrays kept), plus `user_key` (see codex_user_key).
    * `expand: clients` / `expand: models`: one record per element of that array, carrying the parent row's key
      (`start_time`, `end_time`, `user_id`, `user_key`) and the element's position `index`, so that
      (workspace_id, start_time, user_key, index) is unique. A row whose array is missing or null yields nothing.
    `workspace_id` is added from the partition by the manifest.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    expand: Optional[str] = None
    decoder: Decoder = field(default_factory=lambda: ParsedBodyDecoder())

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._parameters = parameters

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        for body in self.decoder.decode(response):
            rows = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(rows, list):
                continue
            for row in rows:
                if not isinstance(row, Mapping):
                    continue
                user_key = codex_user_key(row)
                if not self.expand:
                    yield {**row, "user_key": user_key}
                    continue
                elements = row.get(self.expand)
                if not isinstance(elements, list):
                    continue
                for index, element in enumerate(elements):
                    child: Dict[str, Any] = dict(element) if isinstance(element, Mapping) else {"value": element}
                    child.update(
                        {
                            "start_time": row.get("start_time"),
                            "end_time": row.get("end_time"),
                            "user_id": row.get("user_id"),
                            "user_key": user_key,
                            "index": index,
                        }
                    )
                    yield child


@dataclass
class EachWorkspacePagination(PaginationStrategy):
    """`check` only: walks through every workspace of `workspace_ids`, one "page" per workspace.

    `CheckStream` reads a single partition, so a partition router cannot make it validate every workspace.
    Instead the check stream has no partition and this strategy turns each workspace into the next page: the
    token is the workspace ID, which the check stream's URL uses. A 403/404 on any workspace fails the check.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._parameters = parameters

    @property
    def initial_token(self) -> Optional[Any]:
        return None  # the first request uses the first workspace

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Any],
        last_page_token_value: Optional[Any] = None,
        **kwargs: Any,
    ) -> Optional[Any]:
        workspaces = parse_workspace_ids(self.config.get("workspace_ids"))
        if not workspaces:
            return None
        current = last_page_token_value or workspaces[0]
        position = workspaces.index(current) if current in workspaces else len(workspaces)
        return workspaces[position + 1] if position + 1 < len(workspaces) else None

    def get_page_size(self) -> Optional[int]:
        return None


# ------------------------------------------------------------------------------------------ unreadable bodies


_PARSED_BODY = "_source_openai_body"
_READABLE = "_source_openai_readable"
_NOT_PARSED = object()
UNREADABLE = object()  # parsed_body's answer for a body that is not complete JSON

# Bodies at least this large are checked and read as a stream (ijson's C parser, a dependency of the CDK) instead
# of being parsed into one object tree: a week of hourly usage is ~10,000 rows, 6 MB of JSON and 18 MB as Python
# objects, and with several workers each holding such a page that tree set the connector's peak memory.
STREAM_MIN_BYTES = 512 * 1024
try:  # pragma: no branch
    import ijson as _ijson

    if getattr(_ijson, "backend", "") != "yajl2_c":  # the pure-Python backend is ten times slower: not worth it
        _ijson = None
except ImportError:  # pragma: no cover
    _ijson = None
_DATA_ARRAY = re.compile(rb'(?<!\\)"data"\s*:\s*\[')


def _set(response: requests.Response, name: str, value: Any) -> None:
    try:
        setattr(response, name, value)
    except AttributeError:  # a response type without a __dict__: computed again next time
        pass


def _to_stream(response: requests.Response, body: bytes) -> bool:
    """Whether this body is to be checked and read as a stream: large enough, ijson's C parser at hand, and not
    already parsed (a parse already made is used instead)."""
    return (_ijson is not None and len(body) >= STREAM_MIN_BYTES
            and getattr(response, _PARSED_BODY, _NOT_PARSED) is _NOT_PARSED)


def parsed_body(response: requests.Response) -> Any:
    """The JSON body of a response, parsed once per response and kept on it; `UNREADABLE` if it is not JSON.

    Without this a page was parsed three times: by the unreadable-body check of the error handler, by the record
    extractor and by the paginator (which reads `has_more`/`last_id`/`next_page` from the body). orjson reads the
    bytes directly: no decoded copy of the body either. A usage page read as a stream (iter_page_items) leaves
    only its envelope here, without the rows.
    """
    value = getattr(response, _PARSED_BODY, _NOT_PARSED)
    if value is not _NOT_PARSED:
        return value
    try:
        body = response.content
        value = orjson.loads(body) if body else UNREADABLE
    except (orjson.JSONDecodeError, requests.RequestException, TypeError):
        value = UNREADABLE
    if value is None:  # a body of `null` carries nothing
        value = UNREADABLE
    _set(response, _PARSED_BODY, value)
    return value


def _stream_is_complete_json(body: bytes) -> bool:
    """Whether a large body is one complete JSON value (not `null`), checked as a stream: no object tree."""
    try:
        events = _ijson.basic_parse(body)  # type: ignore[union-attr]
        first = next(events, None)
        if first is None or first[0] == "null":
            return False
        deque(events, maxlen=0)
        return True
    except Exception:  # ijson.JSONError and IncompleteJSONError: cut off, not JSON, trailing garbage
        return False


def body_is_readable(response: requests.Response) -> bool:
    """False for an HTTP 200 whose body is not complete JSON (empty, cut off, an HTML page from a proxy).

    The verdict is kept on the response. A small body is checked by parsing it (parsed_body), and that parse is
    then shared by the extractor and the paginator; a large one is checked as a stream, so no object tree of the
    whole page is built just to check it."""
    if getattr(response, "status_code", 200) != 200:
        return True
    verdict = getattr(response, _READABLE, None)
    if verdict is None:
        try:
            body = response.content
        except requests.RequestException:
            body = b""
        if body and _to_stream(response, body):
            verdict = _stream_is_complete_json(body)
            if not verdict:
                _set(response, _PARSED_BODY, UNREADABLE)
        else:
            verdict = parsed_body(response) is not UNREADABLE
        _set(response, _READABLE, verdict)
    return verdict


def page_envelope(body: bytes) -> Optional[Dict[str, Any]]:
    """A list page without its rows: the body with `"data": [...]` read as `"data": []`, or None if that cannot
    be cut out safely (then the caller parses the whole body). Only called on a body already known to be complete
    JSON; the cut is from the first `"data":[` to the last `]`, and the result must be an object whose `data` is
    the empty list, so a `]` or `"data":[` inside a string makes it fail (and fall back), never misread."""
    match = _DATA_ARRAY.search(body)
    end = body.rfind(b"]")
    if match is None or end < match.end():
        return None
    try:
        envelope = orjson.loads(body[: match.end()] + body[end:])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(envelope, dict) or envelope.get("data") != []:
        return None
    return envelope


def iter_page_items(response: requests.Response) -> Iterable[Any]:
    """The elements of a page's top-level `data` array, one at a time.

    A large body is read as a stream: each element is built when it is reached and dropped once handed on, so a
    page costs its bytes plus one element, whatever its number of rows; once done, only the envelope is kept on
    the response for the paginator. A small body (or one whose envelope cannot be cut out) uses the shared parse,
    with elements taken out of it as they are handed on."""
    body = response.content
    if body and _to_stream(response, body) and body_is_readable(response):
        envelope = page_envelope(body)
        if envelope is not None:
            yield from _ijson.items(body, "data.item", use_float=True)  # type: ignore[union-attr]
            _set(response, _PARSED_BODY, envelope)
            if type(response) is requests.Response:
                # Everything the page holds has been handed on and the paginator reads the envelope kept above, so
                # the body's bytes go now rather than when the worker's next page has arrived (the CDK keeps the
                # old response until then, which doubled the bytes held per worker).
                response._content = b""
            return
    value = parsed_body(response)
    items = value.pop("data", None) if isinstance(value, dict) else None
    if not isinstance(items, list):
        return
    items.reverse()
    while items:
        yield items.pop()


class ParsedBodyDecoder(JsonDecoder):
    """The manifest's decoder (every retriever): the CDK's JsonDecoder behaviour on the shared parse.

    Like JsonDecoder: a JSON object is yielded as is, the elements of a JSON array one by one, and an unreadable,
    empty or empty-array body as a single `{}`. A JsonDecoder subclass because the CDK's paginators accept only
    JSON decoders."""

    def __init__(self, parameters: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(parameters=parameters or {})

    def decode(self, response: requests.Response) -> Generator[MutableMapping[str, Any], None, None]:
        value = parsed_body(response)
        if isinstance(value, list):
            if not value:
                yield {}
            else:
                yield from value
        elif value is UNREADABLE:
            yield {}
        else:
            yield value


def _keep_unreadable_bodies_out_of_the_response_cache() -> None:
    """The CDK caches the responses of parent streams (users, projects, groups, evals, …) in a requests-cache
    session, and a retry of the same request is answered from that cache. An unreadable 200 would then be replayed
    on every retry and the stream would fail. Every cached session gets a filter (requests-cache's `filter_fn`)
    that neither keeps nor replays such a response, so the retry goes to OpenAI again. Applied once, at import."""
    from airbyte_cdk.sources.streams.http.http_client import HttpClient

    if getattr(HttpClient._request_session, "_source_openai_filter", False):
        return
    original = HttpClient._request_session

    def _request_session(self: Any) -> requests.Session:
        session = original(self)
        settings = getattr(session, "settings", None)
        if settings is not None and hasattr(settings, "filter_fn"):
            settings.filter_fn = body_is_readable
        return session

    _request_session._source_openai_filter = True  # type: ignore[attr-defined]
    HttpClient._request_session = _request_session  # type: ignore[method-assign]


_keep_unreadable_bodies_out_of_the_response_cache()


@dataclass
class RetryUnreadableBody(ErrorHandler):
    """Retries an HTTP 200 whose body is not complete JSON (a truncated body, an HTML page from a proxy).

    The CDK's JSON decoder turns such a body into an empty page: no records, no `has_more`, so the stream would
    end early and the sync would succeed with data silently missing. This handler is the first of a
    `CompositeErrorHandler` (see `definitions.error_handlers` in the manifest): for an unreadable 200 it answers
    RETRY, so the page is requested again with the shared backoff (from OpenAI, not from the CDK's response cache:
    see `_keep_unreadable_bodies_out_of_the_response_cache`), and nothing of it is emitted; for anything else it
    has no opinion (None) and the next handler, the shared error policy, decides.
    `max_retries` is the composite's retry budget (the CDK takes it from the first handler).
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    max_retries: Optional[int] = 8
    max_time: Optional[int] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.max_retries = int(self.max_retries) if self.max_retries is not None else None

    def interpret_response(self, response_or_exception: Any = None) -> Optional[ErrorResolution]:  # type: ignore[override]
        if not isinstance(response_or_exception, requests.Response) or body_is_readable(response_or_exception):
            return None
        url = (response_or_exception.url or "").split("?")[0]
        content_type = response_or_exception.headers.get("Content-Type", "no content type")
        return ErrorResolution(
            response_action=ResponseAction.RETRY,
            failure_type=FailureType.transient_error,
            error_message=(
                f"OpenAI answered HTTP 200 for {url} with a body that is not complete JSON "
                f"({len(response_or_exception.content)} bytes, {content_type}); nothing of it is used, the page is "
                "requested again."
            ),
        )
