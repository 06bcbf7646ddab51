"""Custom components of source-openai: only what the manifest cannot say in YAML."""
# Each class, and why no built-in component does its job (the tests named show it):
#   * NormalizeConfig (spec `config_normalization_rules`): validates the whole config before any request, reporting
#     every problem at once, naming the field and never echoing a key, and fills defaults that depend on other fields.
#     JSON-schema `pattern`s cannot relate two fields and quote the offending value (a key).
#     test_config_validation.py
#   * UsageBucketsExtractor: the usage-bucket transformation the design names: one record per `data[].results[]` row
#     with its bucket's times and a hashed `surrogate_key`, which no interpolation filter computes.
#     test_usage_components.py
#   * WorkspacePartitionRouter: the ChatGPT-workspace partition router the design names.
#   * CodexAnalyticsExtractor: Codex row reshaping: a non-null `user_key`, and one record per `clients`/`models` element
#     with its position `index` (RecordExpander gives none, so two elements would share a key). test_codex_streams.py
#   * SharedCacheRequester: one response cache for the three Codex usage streams, which read the same pages; the
#     CDK names a cache after its stream only. unit_tests/runtimes/test_runtime_parity.py
#   * EachWorkspacePagination: `check` validates every workspace, but CheckStream reads one partition. test_check.py
#   * PagingProgressGuard: the error policy plus a paging guard; a stop_condition cannot fail, sees no earlier
#     cursor and runs after a page's records were emitted. test_paging_guard.py, test_faults.py
#   * FreshRetryBearer, Refetches: a retry of an unreadable page reaches OpenAI, not the CDK's response cache (the
#     authenticator is the only hook the CDK calls between two attempts). test_faults.py
#   * BoundedBackoff: bounded, logged waits; Retry-After up to a limit. test_error_policy.py
#   * SchemaDriftWarning: warns when records carry fields the schema lacks (no built-in does). test_schema_drift.py
#   * PartitionFields: a child record's parent id and other slice values, rendered once per slice; AddFields renders
#     and `ast`-parses every value for every record. test_partition_fields.py
#   * FullReadForNewPartitions, BucketCursorState: state migrations (see each). test_codex_streams.py,
#     test_usage_costs.py
#
# Loaded as `source_declarative_manifest.components` by the manifest-only runtime, and registered under that name by
# `source_openai/__init__.py` in package mode, so one manifest serves both. Hence it imports nothing from the package
# and has no `from __future__ import annotations` (the CDK `exec`s an injected components.py before registering it,
# and `@dataclass` cannot resolve string annotations of a module missing from `sys.modules`).

import hashlib
import ipaddress
import json
import logging
import re
import threading
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Dict, Iterable, List, Mapping, MutableMapping, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.declarative_authenticator import DeclarativeAuthenticator
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.extractors.type_transformer import TypeTransformer
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler, HttpResponseFilter
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.declarative.requesters.request_options import InterpolatedRequestOptionsProvider
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

LOGGER = logging.getLogger("airbyte")
DEFAULT_API_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CODEX_API_BASE_URL = "https://api.chatgpt.com/v1/analytics/codex"
DEFAULT_COMPLIANCE_API_BASE_URL = "https://api.chatgpt.com/v1"
EVENT_TYPE_RE = re.compile(r"^[A-Z][A-Z_]*$")
# ID lists: the field, the key that needs it, and what its IDs are
ID_LISTS = (
    ("workspace_ids", "codex_api_key", "ChatGPT workspace ID"),
    ("compliance_principal_ids", "compliance_api_key", "ChatGPT workspace ID or `org-…` organisation ID"),
)
BUCKET_SECONDS = {"1d": 86400, "1h": 3600, "1m": 60}
BUCKET_WIDTHS = tuple(BUCKET_SECONDS)
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
KEY_FIELDS = ("admin_api_key", "project_api_key", "codex_api_key", "compliance_api_key")
ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# Only the public marker of a key may ever be printed: `sk-admin-`, `sk-proj-`, `sk-svcacct-`, `sk-`.
KEY_RE = re.compile(r"sk-[A-Za-z0-9_\-]{6,}")
KEY_MARKERS = ("sk-admin-", "sk-proj-", "sk-svcacct-", "sk-")
KEY_SUFFIX_SHOWN = 4  # OpenAI's masked echo of a key shows its last 4 characters: `sk-admi*****wxyz`
CHECK_STREAMS_KEY = "__airbyte_check_stream_names"
# The defaults of the optional settings, in one place: `normalize_config` fills them before any component reads the
# config, so the manifest's expressions read `config[...]` without fallbacks, and the spec shows the same values
# (unit_tests/test_manifest_rules.py fails when they diverge). (default, minimum, maximum)
LOOKBACK_WINDOW_DAYS = (5, 0, 90)
NUM_WORKERS = (4, 1, 10)
INCLUDE_ARCHIVED_PROJECTS = True
HAS_MORE_RE = re.compile(rb'"has_more"\s*:\s*true')


# ------------------------------------------------------------------------------------------ configuration
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


# The CDK masks only whole secrets; OpenAI echoes a partly masked key in a 401 (`sk-admi*****wxyz`), so these fragments
# are registered as secrets too.
def key_fragments(config: Mapping[str, Any]) -> List[str]:
    """Every prefix of each key longer than its public marker and every suffix of 4+ characters, longest first."""
    fragments: List[str] = []
    for key in (config.get(name) for name in KEY_FIELDS):
        if not isinstance(key, str) or not key:
            continue
        marker = next((m for m in KEY_MARKERS if key.startswith(m)), "")
        shortest = len(marker) + 1 if marker else min(len(key), 6)
        fragments.extend(key[:end] for end in range(len(key), shortest - 1, -1))
        fragments.extend(key[-size:] for size in range(KEY_SUFFIX_SHOWN, len(key) - len(marker) + 1))
    return sorted(set(fragments), key=len, reverse=True)


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or host.endswith(".localhost") or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(name: str, value: Any, default: str, problems: List[str]) -> str:
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


def _key(name: str, value: Any, problems: List[str]) -> Optional[str]:
    """Validate a key's presence and class. Never echo the key itself."""
    if value is None or value == "":
        if name == "admin_api_key":
            problems.append(f"`{name}` is required." if value is None else f"`{name}` is empty or only whitespace.")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"`{name}` is empty or only whitespace.")
    elif any(c.isspace() for c in value):
        problems.append(f"`{name}` contains spaces or line breaks; paste the key alone.")
    elif name == "admin_api_key" and not value.startswith("sk-admin-"):
        kind = "a project key (sk-proj-…)" if value.startswith("sk-proj-") else "not an Admin API key"
        problems.append(
            f"`admin_api_key` is {kind}. It must be an Admin API key starting with `sk-admin-`: create a "
            "read-only one under Organization settings → Admin keys."
        )
    elif name == "project_api_key" and value.startswith("sk-admin-"):
        problems.append(
            "`project_api_key` holds an Admin API key (sk-admin-…), which cannot read project data. Use a "
            "project API key (sk-proj-…) from the project's Settings → API keys."
        )
    elif name == "codex_api_key" and value.startswith("sk-admin-"):
        problems.append(
            "`codex_api_key` holds an Admin API key (sk-admin-…). Use the Platform API key that OpenAI "
            "support granted the `codex.enterprise.analytics.read` scope."
        )
    else:
        return value
    return None


def parse_id_list(raw: Any, name: str = "workspace_ids") -> List[str]:
    """Split, trim and de-duplicate a comma-separated list of IDs (order kept). Raises ConfigError."""
    if raw is None:
        return []
    if not isinstance(raw, (str, list)):
        raise ConfigError([f"`{name}` must be a comma-separated string of IDs."])
    items = [str(x).strip() for x in (raw.split(",") if isinstance(raw, str) else raw)]
    bad = [ws for ws in items if ws and not ID_RE.match(ws)]
    if bad:
        shown = ", ".join(repr(redact(b))[:60] for b in bad[:5])
        raise ConfigError(
            [
                f"`{name}` has malformed ID(s): {shown}. IDs use only letters, digits, '-' and '_'; "
                "separate several with commas."
            ]
        )
    return list(dict.fromkeys(ws for ws in items if ws))


def _start_date(raw: Any, problems: List[str]) -> Optional[datetime]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00") if isinstance(raw, str) else ""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(
            f"`start_date` {str(raw).strip()[:40]!r} is not an ISO 8601 date-time such as 2024-01-01T00:00:00Z."
        )
        return None
    value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if value > datetime.now(timezone.utc):
        problems.append(f"`start_date` {value.strftime('%Y-%m-%dT%H:%M:%SZ')} is in the future.")
        return None
    return value


def default_start_date(bucket_width: str) -> datetime:
    """Full history at daily buckets; a bounded window at finer buckets, where full history costs many requests."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return {"1h": now.replace(minute=0) - timedelta(days=90), "1m": now - timedelta(days=3)}.get(
        bucket_width, datetime(2023, 1, 1, tzinfo=timezone.utc)
    )


def _whole_number(
    config: Mapping[str, Any], name: str, default: int, low: int, high: int, problems: List[str], unit: str
) -> int:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"`{name}` must be a whole number{unit} from {low} to {high}.")
        return default
    return value


def _boolean(config: Mapping[str, Any], name: str, default: bool, problems: List[str]) -> bool:
    """A true/false field; the strings "true"/"false" (any case) too, since a hand-written config may quote them."""
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        problems.append(f"`{name}` must be true or false.")
        return default
    return value


def _chat_completions_filters(config: Mapping[str, Any], problems: List[str]) -> None:
    """`chat_completions_metadata`: an object of string keys to string values (sent as metadata[key]=value);
    `chat_completions_model`: a model name."""
    metadata = config.get("chat_completions_metadata")
    if metadata is not None and not (
        isinstance(metadata, Mapping)
        and all(
            isinstance(k, str) and k.strip() and isinstance(v, (str, int, float)) and not isinstance(v, bool)
            for k, v in metadata.items()
        )
    ):
        problems.append(
            "`chat_completions_metadata` must be an object of key → value pairs (text or numbers), "
            'such as {"team": "search"}.'
        )
    model = config.get("chat_completions_model")
    if model is not None and not (
        isinstance(model, str) and re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._:-]*)?", model.strip())
    ):
        problems.append(
            "`chat_completions_model` must be a model name such as gpt-4o-mini (letters, digits, '.', '-', '_', ':')."
        )


def normalize_config(config: Mapping[str, Any]) -> Dict[str, Any]:
    """Validate a user config and return it normalised; ConfigError lists every problem. Never echoes a key."""
    problems: List[str] = []
    keys = {name: _key(name, config.get(name), problems) for name in KEY_FIELDS}
    out: Dict[str, Any] = {
        **{k: v for k, v in config.items() if k not in KEY_FIELDS},
        **{k: v for k, v in keys.items() if v},
    }

    for ids_field, key_field, what in ID_LISTS:
        try:
            ids = parse_id_list(config.get(ids_field), ids_field)
        except ConfigError as error:
            problems.extend(error.problems)
            ids = []
        if keys[key_field] and not ids and not any(f"`{ids_field}`" in p for p in problems):
            problems.append(f"`{ids_field}` is required when `{key_field}` is set: list at least one {what}.")
        out.pop(ids_field, None)
        out.update({ids_field: ",".join(ids)} if ids else {})
    event_types = config.get("compliance_event_types") or ["AUTH_LOG"]
    if not isinstance(event_types, list) or not all(isinstance(e, str) and EVENT_TYPE_RE.match(e) for e in event_types):
        problems.append(
            "`compliance_event_types` must be a list of event type names in upper-case letters and `_`, "
            "such as AUTH_LOG."
        )
    out["compliance_event_types"] = list(dict.fromkeys(event_types)) if isinstance(event_types, list) else ["AUTH_LOG"]

    width = config.get("usage_bucket_width") or "1d"
    if width not in BUCKET_WIDTHS:
        problems.append(f"`usage_bucket_width` must be one of 1d, 1h, 1m (got {str(width)[:10]!r}).")
        width = "1d"
    out["usage_bucket_width"] = width

    group_by = config.get("usage_group_by")
    if isinstance(group_by, str):
        group_by = [g.strip() for g in group_by.split(",") if g.strip()]
    if group_by is not None and not isinstance(group_by, list):
        problems.append("`usage_group_by` must be a list of dimension names.")
    elif group_by is not None:
        unknown = [str(g)[:30] for g in group_by if g not in USAGE_DIMENSIONS]
        if unknown:
            problems.append(
                f"`usage_group_by` has unknown dimension(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(USAGE_DIMENSIONS)}."
            )
        out["usage_group_by"] = list(dict.fromkeys(group_by))

    start = _start_date(config.get("start_date"), problems) or default_start_date(width)
    out["start_date"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    out["lookback_window_days"] = _whole_number(
        config, "lookback_window_days", *LOOKBACK_WINDOW_DAYS, problems, " of days"
    )
    out["num_workers"] = _whole_number(config, "num_workers", *NUM_WORKERS, problems, "")
    out["include_archived_projects"] = _boolean(
        config, "include_archived_projects", INCLUDE_ARCHIVED_PROJECTS, problems
    )
    project_id = config.get("project_id")
    if project_id is not None and not (
        isinstance(project_id, str) and PROJECT_ID_RE.match(project_id.strip() or "proj_")
    ):
        problems.append(
            "`project_id` must be a project ID such as proj_abc123 (`proj_`, then letters, digits, '-' or '_')."
        )
    out.pop("project_id", None)
    out.update({"project_id": project_id.strip()} if isinstance(project_id, str) and project_id.strip() else {})
    _chat_completions_filters(config, problems)
    out["api_base_url"] = _base_url("api_base_url", config.get("api_base_url"), DEFAULT_API_BASE_URL, problems)
    for name, default in (
        ("codex_api_base_url", DEFAULT_CODEX_API_BASE_URL),
        ("compliance_api_base_url", DEFAULT_COMPLIANCE_API_BASE_URL),
    ):
        out[name] = _base_url(name, config.get(name), default, problems)
    if problems:
        raise ConfigError(problems)

    # One check stream per credential that was given (see `check` in the manifest), and one for `project_id`.
    out[CHECK_STREAMS_KEY] = [f"check_{name}" for name, value in keys.items() if value]
    if keys["project_api_key"] and out.get("project_id"):
        out[CHECK_STREAMS_KEY].append("check_project_id")
    return out


@dataclass
class NormalizeConfig(ConfigTransformation):
    """Spec-level config transformation (`config_normalization_rules`): validates the config and fills the defaults
    before any request (`normalize_config`).

    Why not the spec's JSON schema alone: a `pattern` cannot relate two fields (`workspace_ids` is required only with
    `codex_api_key`), cannot report every problem at once, and quotes the offending value, which may be a key. This
    names each field, never echoes a key, and fills defaults that depend on other fields (`start_date` by bucket width).
    Test: unit_tests/test_config_validation.py.
    """

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


# ------------------------------------------------------------------------------------------ state
def _parse_cursor(value: Any) -> Optional[datetime]:
    """A saved cursor: epoch seconds (int, float or digit string, as this connector writes it) or ISO 8601."""
    if isinstance(value, bool) or value is None:
        return None
    try:
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
    epoch = int(value.timestamp())
    return datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS[width], tz=timezone.utc)


def _stream_width(parameters: Mapping[str, Any], config: Mapping[str, Any], setting: Optional[str] = None) -> str:
    """A stream's `$parameters.bucket_width` (costs: 1d), else `usage_bucket_width`; "" for `none` (audit logs)."""
    width = setting or parameters.get("bucket_width") or config.get("usage_bucket_width") or "1d"
    return "" if width == "none" else width


@dataclass
class BucketCursorState(StateMigration):
    """Makes an incoming usage/costs/audit-log state safe before the cursor reads it. Runs on every sync.

    State: `{"start_time": "1767225600", "bucket_width": "1d"}` (epoch seconds as a string, and the width).
      * The cursor is re-aligned down to the start of its bucket at the *current* width, so a bucket is never
        requested from its middle (a `1m` state read at `1d` restarts at that day's 00:00 UTC).
      * A future cursor (clock skew, a hand-edited state) is pulled back to the start of the current bucket (to now
        for audit logs), so the sync goes on instead of stalling; the lookback then applies.
      * An unparsable cursor is dropped (the stream restarts from `start_date`) with a warning.
    Why not the DatetimeBasedCursor alone: it reads a saved cursor as it is, so a changed bucket width would request a
    bucket from its middle, and a future or corrupt cursor would stall or fail the stream. Test:
    unit_tests/integration/test_usage_costs.py.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None
    cursor_field: str = "start_time"
    bucket_width: Optional[str] = None
    # Per-partition streams (audit_logs: one cursor per `tenant_only`): the partition a flat state of an earlier
    # version belongs to. That state becomes the partition's cursor; the other partitions have none yet, so they are
    # read from start_date (FullReadForNewPartitions keeps the CDK from starting them at the newest cursor).
    flat_state_partition: Optional[Mapping[str, Any]] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        parameters = parameters or {}
        self.stream_name = str(parameters.get("name", ""))
        self.width = _stream_width(parameters, self.config or {}, self.bucket_width)

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return not (stream_state and "state_type" in stream_state)  # a concurrent (slices) state is read as is

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        if self.flat_state_partition is None:
            return self._migrate_cursor(stream_state)
        state: Dict[str, Any] = dict(stream_state or {})
        if "states" not in state:  # 0.2.x: one flat cursor, of the partition it was read from
            flat = {k: v for k, v in state.items() if k == self.cursor_field}
            state = {"states": [{"partition": dict(self.flat_state_partition), "cursor": flat}]} if flat else {}
        entries = [
            {**entry, "cursor": self._migrate_cursor(entry.get("cursor") or {})}
            for entry in state.get("states") or []
            if isinstance(entry, Mapping)
        ]
        state["states"] = [entry for entry in entries if self.cursor_field in entry["cursor"]]
        return state

    def _migrate_cursor(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        state: Dict[str, Any] = dict(stream_state or {})
        previous_width = state.get("bucket_width")
        if self.width:
            state["bucket_width"] = self.width
        if self.cursor_field not in state:
            return state
        cursor = _parse_cursor(state[self.cursor_field])
        if cursor is None:
            LOGGER.warning(
                f"{self.stream_name}: ignoring the saved cursor {str(state[self.cursor_field])[:40]!r}, "
                "which is not a time; reading again from start_date."
            )
            del state[self.cursor_field]
            return state
        aligned = floor_to_bucket(min(cursor, datetime.now(timezone.utc)), self.width)
        if cursor > datetime.now(timezone.utc):
            LOGGER.warning(
                f"{self.stream_name}: the saved cursor {cursor.strftime('%Y-%m-%dT%H:%M:%SZ')} is in the "
                f"future; resuming from {aligned.strftime('%Y-%m-%dT%H:%M:%SZ')} instead."
            )
        if previous_width and self.width and previous_width != self.width:
            LOGGER.warning(
                f"{self.stream_name}: the state was written at bucket width {previous_width} and the connection now "
                f"uses {self.width}; resuming from {aligned.strftime('%Y-%m-%dT%H:%M:%SZ')}. Rows of the old "
                "width stay in the destination under their own keys: refresh the stream to keep one grain."
            )
        state[self.cursor_field] = str(int(aligned.timestamp()))
        return state


@dataclass
class FullReadForNewPartitions(StateMigration):
    """Per-partition state migration: a partition that has no saved cursor yet is read in full.

    Why: the CDK's per-partition cursor starts a partition missing from `states` at the stream-wide `state` (the
    newest cursor of any partition), so a workspace added to `workspace_ids`, or a fine-tuning job or eval run listed
    for the first time, would silently skip its history. Without that fallback such a partition starts from the
    beginning, while every partition in `states` keeps its cursor. A global-cursor state (over 10,000 partitions)
    stays as it is. Test: unit_tests/integration/test_codex_streams.py.
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


# ------------------------------------------------------------------------------------------ paging, retries and waits
# The cursor each paging style follows (the retriever's `$parameters.paging` names the style; the manifest's
# paginators read the same fields). An `id_cursor` page without `last_id` (fine-tuning) goes on from its last item.
PAGING_CURSORS = {
    "id_cursor": "last_id",
    "next_cursor": "next",
    "page_token": "next_page",
    "last_end_time": "last_end_time",
}
REFETCH_HEADER = "X-Source-OpenAI-Refetch"


class Refetches:
    """Per sync: the request URLs whose HTTP 200 could not be read, and the generation of their next fetch.

    The CDK keeps the responses of a parent list in a response cache (requests-cache) whose key covers every request
    header. A cut-off 200 is cached like any other 200, so a plain retry would be answered by the cache with the same
    cut-off body (for up to 8 retries with exponential backoff: about 17 minutes, then the family failed).
    `PagingProgressGuard` notes such a URL here; `FreshRetryBearer`, which the CDK calls again before every retry,
    then sends that URL with the header `X-Source-OpenAI-Refetch: <generation>`, a new cache key, so OpenAI answers.
    A later reader of the same URL (a child stream's partition router) sends the same header and gets the fresh page
    from the cache, so the list is still requested once plus its retries. Nothing is sent unless a page was
    unreadable. Scoped per sync like `SchemaDriftWarning` (by the identity of the source's config object).
    """

    per_sync: ClassVar[Dict[int, "Refetches"]] = {}
    lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.generation: Dict[str, int] = {}
        self.cached_answers: Dict[Any, int] = {}

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> "Refetches":
        with cls.lock:
            return cls.per_sync.setdefault(id(config), cls())

    def header_for(self, url: str) -> Dict[str, str]:
        generation = self.generation.get(url)
        return {REFETCH_HEADER: str(generation)} if generation else {}

    def unreadable(self, url: str, sent: int, from_cache: bool) -> bool:
        """Note an unreadable 200 of `url` that was requested with generation `sent`. False when the cache has
        answered that same request with it before: the retries do not get past the cache, so waiting is pointless."""
        with self.lock:
            self.generation[url] = max(self.generation.get(url, 0), sent + 1)
            if not from_cache:
                return True
            seen = self.cached_answers.get((url, sent), 0) + 1
            self.cached_answers[(url, sent)] = seen
            return seen < 2


def api_path(response_or_exception: Any) -> str:
    """The API path a response or exception belongs to: never the query string, nor a storage redirect's URL."""
    response = response_or_exception if isinstance(response_or_exception, requests.Response) else None
    request = getattr(response_or_exception, "request", None)
    if response is not None and response.history:
        request = response.history[0].request
    return urlsplit(str(getattr(request, "url", "") or "")).path or "(unknown endpoint)"


@dataclass
class FreshRetryBearer(DeclarativeAuthenticator):
    """`Authorization: Bearer <api_token>`, plus the refetch header on a request whose page could not be read.

    Why not `BearerAuthenticator`: a retry of a parent list's cut-off page must reach OpenAI, not the CDK's response
    cache (see `Refetches`). The HttpClient prepares each retry by calling the session's authenticator again, which is
    the only hook that runs between two attempts of one request, and requests-cache takes every request header into
    its key; so the authenticator adds the header that sends the retry past the cache. No CDK or requests-cache
    internals are touched. Test: integration_tests/test_faults.py (cut-off pages of cached parents, exact records).
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    api_token: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.interpolated_token = InterpolatedString.create(self.api_token, parameters=parameters or {})
        self.refetches = Refetches.of(self.config)
        self._bearer: Optional[str] = None  # rendered on the first request: the config does not change in a sync

    @property
    def auth_header(self) -> str:
        return "Authorization"

    @property
    def token(self) -> str:
        if self._bearer is None:
            self._bearer = f"Bearer {self.interpolated_token.eval(self.config)}"
        return self._bearer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.get_auth_header())
        request.headers.update(self.refetches.header_for(str(request.url)))
        return request


def retry_after_seconds(response: Optional[requests.Response]) -> Optional[float]:
    """OpenAI's `retry-after-ms` or `Retry-After` (seconds or an HTTP date), else None."""
    headers = response.headers if response is not None else {}
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = str(headers.get("retry-after") or "").strip()
        if not value:
            return None
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return float(value)
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass
class BoundedBackoff(BackoffStrategy):
    """How long to wait before a retry: every wait bounded, every wait over 10 s logged.

    Why not `WaitTimeFromHeader` + `ExponentialBackoffStrategy`: their waits doubled up to 512 s (about 17 minutes of
    silence for 8 retries), `WaitTimeFromHeader` reads neither `retry-after-ms` nor an HTTP date, and neither says
    in the log which stream and endpoint it waits for. Here:
      * `Retry-After` (or `retry-after-ms`) is honoured up to `max_retry_after_seconds`; a longer one fails the
        request at once with the number in the message, instead of a silent wait;
      * a 429 without it waits 5, 10, 20, 40, then 60 s; a 5xx, timeout, dropped connection or cut-off body 1, 2, 4,
        8, 16, then 30 s;
      * each wait over 10 s is logged (stream, endpoint, status, seconds); the CDK adds 1 s to every wait.
    With the error handlers' `max_retries: 10` and `max_time: 240`, docs/openai.md ("Retries and waits") states the
    longest time one request can spend in retries for each fault. Test: unit_tests/integration/test_error_policy.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    max_retry_after_seconds: float = 60
    log_waits_over_seconds: ClassVar[float] = 10

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream_name = str((parameters or {}).get("name", ""))
        self.longest = float(self.max_retry_after_seconds)

    def backoff_time(self, response_or_exception: Any, attempt_count: int) -> Optional[float]:
        response = response_or_exception if isinstance(response_or_exception, requests.Response) else None
        status = str(response.status_code) if response is not None else type(response_or_exception).__name__
        asked = retry_after_seconds(response)
        step = max(1, attempt_count) - 1
        if asked is not None and asked > self.longest:
            message = (
                f"{self.stream_name}: OpenAI asked to wait {asked:.0f} s before retrying "
                f"{api_path(response_or_exception)} (HTTP {status}), longer than the {self.longest:.0f} s this "
                "connector waits. The stream stops here instead of sitting silent; sync again later."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            )
        if asked is not None:
            wait = asked
        elif status == "429":
            wait = min(5.0 * 2**step, 60.0)
        else:
            wait = min(2.0**step, 30.0)
        if wait > self.log_waits_over_seconds:
            LOGGER.info(
                f"{self.stream_name}: waiting {wait:.0f} s before retrying {api_path(response_or_exception)} "
                f"(HTTP {status}, attempt {attempt_count})."
            )
        return max(wait, 0.01)  # 0 would make the CDK fall back to its own, longer backoff


@dataclass
class PagingProgressGuard(DefaultErrorHandler):
    """The shared error policy (the manifest's response filters) that also refuses a page whose paging cannot go on,
    and sends the retry of an unreadable page past the response cache.

    Why not the CDK's own means: a paginator's `stop_condition` sees neither the cursors already used nor the request,
    stops silently, and only runs after the page's records were emitted (a repeated page would be emitted twice, and a
    page that says `has_more` without a cursor would end its stream quietly, losing the pages after it). Here a page
    that says `has_more: true` is refused when
      * its cursor (the field its paginator follows: `$parameters.paging`, see PAGING_CURSORS) is missing,
      * that cursor was already requested in this partition (a cycle of any length: a partition is the request
        without its `after`/`page` cursor), or
      * it holds no records.
    The partition fails before any record of that page is emitted, with the stream, the endpoint and the reason in the
    message and nothing of the page (it holds data: e-mails, prompts; the HttpClient would log a FAIL's body, hence
    the raise). The other partitions and streams go on, and the sync ends with the failure.

    A 200 that the policy retries (a body that is not complete JSON) is noted in `Refetches`, so that the retry reaches
    OpenAI even on a cached parent list; if the cache still answers it, the stream fails at once instead of waiting.
    Tests: unit_tests/integration/test_paging_guard.py, integration_tests/test_faults.py.
    """

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.response_filters = list(self.response_filters or []) + [
            HttpResponseFilter(config=self.config, parameters={})
        ]
        super().__post_init__(parameters)
        self.stream_name = str((parameters or {}).get("name", ""))
        self.paging = str((parameters or {}).get("paging") or "none")
        if self.paging != "none" and self.paging not in PAGING_CURSORS:
            raise ValueError(f"{self.stream_name}: unknown `paging` {self.paging!r}; one of {sorted(PAGING_CURSORS)}")
        self.cursors_used: Dict[str, set] = {}
        self.lock = threading.Lock()
        self.refetches = Refetches.of(self.config)

    def interpret_response(self, response_or_exception: Any = None) -> ErrorResolution:
        resolution = super().interpret_response(response_or_exception)
        if not isinstance(response_or_exception, requests.Response):
            return resolution
        problem = None
        if resolution.response_action == ResponseAction.RETRY and response_or_exception.ok:
            problem = self.cached_unreadable(response_or_exception)
        elif resolution.response_action == ResponseAction.SUCCESS and self.paging != "none":
            problem = self.paging_problem(response_or_exception)
        if problem:  # raised, not a FAIL resolution: the HttpClient logs a FAIL's response body (a page of data)
            raise AirbyteTracedException(
                message=problem, internal_message=problem, failure_type=FailureType.system_error
            )
        return resolution

    def cached_unreadable(self, response: requests.Response) -> Optional[str]:
        request = response.request
        url = str(getattr(request, "url", "") or "")
        try:
            sent = int((getattr(request, "headers", None) or {}).get(REFETCH_HEADER) or 0)
        except ValueError:
            sent = 0
        if self.refetches.unreadable(url, sent, bool(getattr(response, "from_cache", False))):
            return None
        message = (
            f"{self.stream_name}: OpenAI answered {api_path(response)} with a body that is not complete JSON, and the "
            "sync's response cache answered the retry with the same body. The stream stops now instead of retrying "
            "for minutes; the other streams go on. Sync again."
        )
        return message

    def paging_problem(self, response: requests.Response) -> Optional[str]:
        if not HAS_MORE_RE.search(response.content or b""):  # a last page (most pages) needs no parse
            return None
        try:
            body = orjson.loads(response.content)
        except (orjson.JSONDecodeError, requests.RequestException):
            return None
        if not isinstance(body, dict) or body.get("has_more") is not True or response.request is None:
            return None
        data = body.get("data") if isinstance(body.get("data"), list) else []
        last = data[-1] if data and isinstance(data[-1], Mapping) else {}
        field_name = PAGING_CURSORS[self.paging]
        following = body.get(field_name) or (last.get("id") if self.paging == "id_cursor" else None)
        url = urlsplit(str(response.request.url))
        if data and not following:
            missing = f"`{field_name}`" + (" nor an `id` on its last record" if self.paging == "id_cursor" else "")
            message = (
                f"{self.stream_name}: OpenAI's page of {url.path} says there are more records (has_more: true) but "
                f"carries no {missing}, the cursor of the next page, so the rest of this partition cannot be read. "
                "It was stopped before any record of that page was emitted; the other partitions and streams go on. "
                "Sync again later; if it persists, please report it."
            )
            return message
        query = parse_qsl(url.query, keep_blank_values=True)
        cursor = dict(query).get("page") or dict(query).get("after")
        partition = url.path + "?" + urlencode(sorted(item for item in query if item[0] not in ("after", "page")))
        with self.lock:
            used = self.cursors_used.setdefault(partition, set())
            used.add(cursor)
            repeated = following in used
        if data and not repeated:
            return None
        why = (
            f"the next cursor {str(following)[:80]!r} was already requested in this partition"
            if data
            else "a page with no records says there are more (has_more: true)"
        )
        message = (
            f"{self.stream_name}: OpenAI's paging made no progress on {url.path}: {why}. This partition was stopped "
            "before any record of that page was emitted; the other partitions and streams go on. It is usually a "
            "passing fault of the API: sync again later."
        )
        return message


# ------------------------------------------------------------------------------------------ schema drift
@dataclass
class SchemaDriftWarning(TypeTransformer):
    """Warns once per stream and sync of (up to 10) top-level fields its schema lacks; records are left as they are.

    Why: no built-in says that a schema is behind the API. Schemas stay open, so a field OpenAI adds still reaches the
    destination; this names it. Only the first `sample` records of a stream are looked at, so later records cost one
    comparison. Scoped per sync by the identity of the source's config object (a parent list is read by its children
    too). Test: unit_tests/integration/test_schema_drift.py.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None
    sample: int = 1000

    # streams already named, per sync (per source's config object): a parent list is read by its children too
    warned_per_sync: ClassVar[Dict[int, set]] = {}

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream_name, self.seen = str((parameters or {}).get("name", "")), 0
        self.warned = self.warned_per_sync.setdefault(id(self.config), set())

    def transform(self, record: Dict[str, Any], schema: Mapping[str, Any]) -> None:
        if self.seen >= self.sample or "properties" not in schema or self.stream_name in self.warned:
            return
        self.seen += 1
        new = set(record) - set(schema["properties"])
        if new:
            self.warned.add(self.stream_name)
            LOGGER.warning(
                f"{self.stream_name}: records carry field(s) its schema does not declare: "
                f"{', '.join(sorted(new)[:10])}. They are synced as they are; the connector's schema is "
                "behind OpenAI's API (refresh the source schema after upgrading the connector)."
            )


# ------------------------------------------------------------------------------------------ usage and costs
# Canonical JSON of a row's identity (compact, ASCII): the primary-key contract, pinned by literal hashes in tests.
_KEY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str)


def surrogate_key(identity: List[Any]) -> str:
    """MD5 of the compact, ASCII-only JSON of `identity` (see UsageBucketsExtractor)."""
    return hashlib.md5(_KEY_ENCODER.encode(identity).encode("ascii")).hexdigest()


@dataclass
class UsageBucketsExtractor(RecordExtractor):
    """The rows of a usage or costs page, one record each.

    One record per `data[].results[]` element, with its bucket's `start_time` and `end_time` (an empty bucket yields
    nothing) and `surrogate_key`, the primary key: a usage row has no id and its ungrouped dimensions are null, so the
    key is an MD5 of [stream, bucket width, bucket start, the value of every dimension the endpoint can group by
    (`$parameters.group_by_allowed`)]: the same on every re-read of a bucket (revised numbers upsert), different for
    every row of a response. Costs (`flatten_amount`) also get `amount_value` and `amount_currency` from `amount`.
    Why not a DpathExtractor with a RecordExpander: it can carry the bucket's times, but no interpolation filter
    computes the hashed key. Test: unit_tests/test_usage_components.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    flatten_amount: bool = False
    decoder: Decoder = field(default_factory=lambda: JsonDecoder(parameters={}))

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        parameters = parameters or {}
        self.stream_name = str(parameters.get("name", ""))
        self.dimensions = tuple(parameters.get("group_by_allowed") or ())
        self.width = _stream_width(parameters, self.config or {})

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        # Buckets and rows leave the parsed page as they are handed on, so a page is not held twice (parsed, and as
        # the records queued for the destination) while a worker reads it.
        for body in self.decoder.decode(response):
            buckets = body.get("data") if isinstance(body, dict) and isinstance(body.get("data"), list) else []
            buckets.reverse()
            while buckets:
                bucket = buckets.pop()
                results = (
                    bucket.get("results")
                    if isinstance(bucket, dict) and isinstance(bucket.get("results"), list)
                    else []
                )
                results.reverse()
                while results:
                    row = results.pop()
                    if isinstance(row, dict):
                        yield self.finish(row, bucket.get("start_time"), bucket.get("end_time"))

    def finish(self, row: Dict[str, Any], start_time: Any, end_time: Any) -> Dict[str, Any]:
        row["start_time"], row["end_time"] = start_time, end_time
        if self.flatten_amount:
            amount = row.get("amount") if isinstance(row.get("amount"), Mapping) else {}
            row["amount_value"], row["amount_currency"] = amount.get("value"), amount.get("currency")
        identity = [self.stream_name, self.width, start_time] + [row.get(name) for name in self.dimensions]
        row["surrogate_key"] = surrogate_key(identity)
        return row


# ------------------------------------------------------------------------------------------ Codex analytics
@dataclass
class WorkspacePartitionRouter(PartitionRouter):
    """One partition `{"workspace_id": <id>}` per configured ChatGPT workspace (`workspace_ids`).

    Why not a ListPartitionRouter: the design names this router, and it parses `workspace_ids` exactly as the config
    validation does (trimmed, de-duplicated, order kept). The ID goes into the URL path; an incremental stream keeps
    one cursor per workspace. Test: unit_tests/integration/test_codex_streams.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def stream_slices(self) -> Iterable[StreamSlice]:
        for workspace_id in parse_id_list(self.config.get("workspace_ids")):
            yield StreamSlice(partition={"workspace_id": workspace_id}, cursor_slice={})

    def get_stream_state(self) -> Optional[Mapping[str, Any]]:
        return None  # no parent stream: nothing to checkpoint besides the per-workspace cursors

    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    get_request_headers = get_request_body_data = get_request_body_json = get_request_params


# The row's `user_id`; else the actor's user_id or e-mail, or the legacy `email`; else `workspace` (a workspace-level
# row, or one not attributed to a user).
def codex_user_key(row: Mapping[str, Any]) -> str:
    """A non-null stand-in for a Codex row's user, for primary keys (see the comment above)."""
    actor = row.get("actor") if isinstance(row.get("actor"), Mapping) else {}
    for value in (row.get("user_id"), actor.get("user_id"), actor.get("email"), row.get("email")):
        if value not in (None, ""):
            return str(value)
    return "workspace"


@dataclass
class CodexAnalyticsExtractor(RecordExtractor):
    """Rows of a Codex Analytics page (`data[]`) as sent, plus `user_key`; with `expand` (clients, models) one record
    per element of that array, with the row's start_time, end_time, user_id, user_key and the element's `index`.

    Why not a RecordExpander: it gives an element no position, so two elements of one row would share a key, and no
    interpolation yields a non-null stand-in for a row without a user (`codex_user_key`). The manifest adds
    `workspace_id`. Test: unit_tests/integration/test_codex_streams.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    expand: Optional[str] = None
    decoder: Decoder = field(default_factory=lambda: JsonDecoder(parameters={}))

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        for body in self.decoder.decode(response):
            rows = body.get("data") if isinstance(body, Mapping) else None
            for row in rows if isinstance(rows, list) else ():
                if not isinstance(row, Mapping):
                    continue
                user_key = codex_user_key(row)
                if not self.expand:
                    yield {**row, "user_key": user_key}
                    continue
                elements = row.get(self.expand)
                for index, element in enumerate(elements if isinstance(elements, list) else ()):
                    child: Dict[str, Any] = dict(element) if isinstance(element, Mapping) else {"value": element}
                    child.update(
                        start_time=row.get("start_time"),
                        end_time=row.get("end_time"),
                        user_id=row.get("user_id"),
                        user_key=user_key,
                        index=index,
                    )
                    yield child


@dataclass
class SharedCacheRequester(HttpRequester):
    """An HttpRequester whose response cache is shared by every stream naming the same `cache_name`.

    Why not HttpRequester: the CDK names a requester's cache after its `name` ("only used for request/response
    caching", says HttpRequester), which the factory sets to the stream's. The three Codex usage streams read the same
    pages, one after the other (stream_groups): with one cache each page is requested once, in both runtimes. A custom
    component cannot declare the built-in request options in YAML, hence `request_parameters`. Test:
    unit_tests/runtimes/test_runtime_parity.py.
    """

    cache_name: Optional[str] = None
    request_parameters: Optional[Mapping[str, Any]] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        if self.cache_name:
            self.name, self.use_cache = self.cache_name, True
        if self.request_parameters:
            self.request_options_provider = InterpolatedRequestOptionsProvider(
                config=self.config, request_parameters=self.request_parameters, parameters=parameters
            )
        super().__post_init__(parameters)


@dataclass
class EachWorkspacePagination(PaginationStrategy):
    """Walks the configured workspaces (or principals) one request each, for `check`.

    Why: CheckStream reads a single partition, but `check` must validate every ID of `ids_field` (`workspace_ids`,
    `compliance_principal_ids`). So each ID is one "page": the token is the next ID, which the check stream's URL
    uses, and a 403/404 on any ID fails the check. Test: unit_tests/integration/test_check.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    ids_field: str = "workspace_ids"

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
        ids = parse_id_list(self.config.get(self.ids_field), self.ids_field)
        position = ids.index(last_page_token_value) + 1 if last_page_token_value in ids else 1 if ids else 0
        return ids[position] if position < len(ids) else None

    def get_page_size(self) -> Optional[int]:
        return None


# ------------------------------------------------------------------------------------------ ChatGPT compliance logs
@dataclass
class JsonlLinesExtractor(RecordExtractor):
    """One record per line of a JSONL body read as a stream (never whole), the event kept whole, with `line_number`.

    Why not a JsonlDecoder: it gives no line number, and the key (log_file_id, line_number) needs it, so that a
    re-listed file upserts instead of duplicating. Never logs a line (events hold content). A body that breaks off
    while it streams (the connection drops, a line is cut) comes after the error policy saw the response, so it fails
    the file with a message naming its API path (never the storage URL and its signature) and what was read; the
    state does not pass the file. Test: integration_tests/test_compliance.py.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        number = 0
        try:
            for number, line in enumerate(response.iter_lines(chunk_size=1 << 20), start=1):
                event = orjson.loads(line) if line.strip() else None
                if event is not None:
                    yield (
                        dict(event, line_number=number)
                        if isinstance(event, dict)
                        else {"value": event, "line_number": number}
                    )
        except (requests.RequestException, orjson.JSONDecodeError) as error:
            message = (
                f"The compliance log file {urlsplit((response.history or [response])[0].url).path} broke off at "
                f"line {number} ({type(error).__name__}); the lines before it were synced. Sync again to read it whole."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            ) from None


# ------------------------------------------------------------------------------------------ project of the project key
REDACTION_RE = re.compile(r"\.{3}|…|\*{3,}")
PROJECT_ID_RE = re.compile(r"^proj_[A-Za-z0-9_-]+$")
_PROJECT_LOOKUPS: Dict[str, Any] = {}  # digest of (base URL, keys, project_id) -> project id, or the error it raised
_PROJECT_LOOKUP_LOCK = threading.Lock()


def key_matches_redacted(key: str, redacted_value: Any) -> bool:
    """Whether `redacted_value` (OpenAI's `sk-abc...def`: the key's start, `...`, its end) can show `key`."""
    parts = REDACTION_RE.split(redacted_value, maxsplit=1) if isinstance(redacted_value, str) else []
    if len(parts) != 2:
        return False
    head, tail = parts[0], parts[1].lstrip(".*…")
    return (
        len(head) >= 3
        and len(tail) >= 3
        and len(key) > len(head) + len(tail)
        and key.startswith(head)
        and key.endswith(tail)
    )


def _lookup_error(message: str, failure_type: FailureType = FailureType.config_error) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=failure_type)


def _admin_pages(session: requests.Session, url: str, params: Mapping[str, Any], what: str) -> Iterable[Dict[str, Any]]:
    """Every item of an Admin API list (after=last_id paging), a few retries on 429/5xx/network errors. Raises a
    traced error naming `what` on anything else; never prints a key, a query string or a response body."""
    after: Optional[str] = None
    # the connector's own wait policy: Retry-After up to 60 s; else 5, 10, 20, 40 s after a 429 and 1, 2, 4, 8 s
    # after a 5xx or a network error; a wait over 10 s is logged
    waits = BoundedBackoff(config={}, parameters={"name": "project_id lookup"})
    while True:
        query = dict(params, **({"after": after} if after else {}))
        for attempt in range(1, 6):
            try:
                response, network_error = session.get(url, params=query, timeout=(30, 60)), None
            except requests.RequestException as error:
                response, network_error = None, error
            if response is not None and response.status_code < 400:
                break
            status = response.status_code if response is not None else None
            if status is not None and status not in (408, 429) and status < 500:
                kind = FailureType.config_error if status in (401, 403, 404) else FailureType.system_error
                raise _lookup_error(f"{what}: OpenAI answered {urlsplit(url).path} with HTTP {status}.", kind)
            if attempt == 5:
                raise _lookup_error(
                    f"{what}: OpenAI did not answer {urlsplit(url).path} after 5 attempts (HTTP {status or 'none'}).",
                    FailureType.transient_error,
                )
            threading.Event().wait(waits.backoff_time(response if response is not None else network_error, attempt))
        try:
            body = response.json()
        except ValueError:
            body = {}
        items = body.get("data") if isinstance(body, dict) else None
        yield from (item for item in items or [] if isinstance(item, dict))
        after = body.get("last_id") or (items[-1].get("id") if items else None)
        if not body.get("has_more") or not after:
            return


def project_of_key(config: Mapping[str, Any]) -> str:
    """The ID of the project `project_api_key` belongs to, learned once per process (sync) and shared by every
    stream: `project_id` as configured, verified against that project's API keys only in `check`; otherwise the
    first project (projects listed with `include_archived=true`, in the API's order) one of whose API keys
    (`owner_project_access=any`) has a `redacted_value` that shows the key. Costs: with `project_id`, nothing in a
    sync (one Admin request in `check`); without, the projects' pages up to the key's project plus each listed
    project's key pages up to it, once per sync. Neither the key nor anything derived from it is logged or kept
    beyond this process."""
    if config.get("__check_mode"):  # check verifies (or looks up) every time it runs
        return _look_up_project(config)
    if config.get("project_id"):
        return str(config["project_id"])
    digest = hashlib.sha256(
        "\n".join(
            str(config.get(n) or "") for n in ("api_base_url", "admin_api_key", "project_api_key", "project_id")
        ).encode()
    ).hexdigest()
    with _PROJECT_LOOKUP_LOCK:
        if digest not in _PROJECT_LOOKUPS:
            try:
                _PROJECT_LOOKUPS[digest] = _look_up_project(config)
            except AirbyteTracedException as error:
                if error.failure_type != FailureType.config_error:
                    raise  # a passing fault: the next stream tries again
                _PROJECT_LOOKUPS[digest] = error
        found = _PROJECT_LOOKUPS[digest]
    if isinstance(found, AirbyteTracedException):
        raise found
    return str(found)


def _look_up_project(config: Mapping[str, Any]) -> str:
    base, key, configured = (
        config.get("api_base_url") or DEFAULT_API_BASE_URL,
        config["project_api_key"],
        config.get("project_id"),
    )
    keys_params = {"limit": 100, "owner_project_access": "any"}
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {config['admin_api_key']}"
        if configured:
            what = f"`project_id` {configured}"
            keys = _admin_pages(session, f"{base}/organization/projects/{configured}/api_keys", keys_params, what)
            if any(key_matches_redacted(key, k.get("redacted_value")) for k in keys):
                return str(configured)
            raise _lookup_error(
                f"`project_id` {configured} is not the project of `project_api_key`: none of that project's API keys "
                "matches it. Enter the ID of the key's project (Settings → Project → General, `proj_…`), or clear "
                "`project_id` to have it looked up."
            )
        what = "Looking up the project of `project_api_key` (set `project_id` to skip it)"
        projects = _admin_pages(
            session, f"{base}/organization/projects", {"limit": 100, "include_archived": "true"}, what
        )
        count = 0
        for project in projects:
            count += 1
            url = f"{base}/organization/projects/{project.get('id')}/api_keys"
            if any(
                key_matches_redacted(key, k.get("redacted_value"))
                for k in _admin_pages(session, url, keys_params, what)
            ):
                return str(project["id"])
    raise _lookup_error(
        f"Could not find the project of `project_api_key` among the API keys of the organisation's {count} "
        "project(s): the key may belong to another organisation than `admin_api_key`, or be a key OpenAI does not "
        "list. Set `project_id` to the key's project (Settings → Project → General, `proj_…`)."
    )


@dataclass
class ProjectIdField(RecordTransformation):
    """Adds `project_id`, the project of `project_api_key`, to every record of the project-key streams (and, on the
    `check_project_id` stream, verifies a configured `project_id` by the same lookup).

    Why not AddFields alone: the value is `config['project_id']` when it is set, and otherwise has to be learned from
    the Admin API by matching the key against the redacted values of the projects' API keys, with early stop once
    found. No interpolation can compare a secret with `sk-abc...def`, a parent stream would read every project's
    keys for every project stream (and put the project into their partitions and state), and a config
    transformation runs when the source is built, so `spec`/`discover` would pay for it. This resolves it at the
    first record, once per sync for all streams (`project_of_key`). Test:
    unit_tests/integration/test_project_streams.py, unit_tests/runtimes/test_runtime_parity.py.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        record["project_id"] = project_of_key(config or self.config)


@dataclass
class PartitionFields(RecordTransformation):
    """Adds to every record the fields that come from its slice: the parent's id (`stream_partition[...]`), a
    parent's extra field (`stream_slice.extra_fields[...]`), or an expression of them (`fields`: name → template).

    Why not AddFields: it renders its Jinja template and parses the result with `ast.literal_eval` again for every
    record, although these values are the same for every record of a slice. That was three quarters of all the
    interpolation of a full sync (27,614 of 37,340 parses against the emulator), and on CPython 3.11.0–3.11.7 and
    3.12.0–3.12.1 concurrent `ast` parses in the CDK's worker threads can fail a stream with `SystemError: AST
    constructor recursion depth mismatch` (CPython gh-106905, fixed in 3.11.8 and 3.12.2). This renders each template
    with the CDK's own `InterpolatedString`, as AddFields does (so the values are the same, typed the same way), once
    per slice, and copies them into each record. A template may read `config`, `stream_partition` and `stream_slice`,
    not `record`. Test: unit_tests/test_partition_fields.py, test_manifest_rules.py; every child stream's records in
    the integration tests.
    """

    fields: Mapping[str, str]
    parameters: InitVar[Mapping[str, Any]]
    config: Mapping[str, Any] = field(default_factory=dict)
    # slices whose values are kept: more than the partitions read at once (at most `num_workers`, 10)
    RECENT_SLICES: ClassVar[int] = 32

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._templates = {
            name: InterpolatedString.create(template, parameters=parameters or {})
            for name, template in self.fields.items()
        }
        self._lock = threading.Lock()
        # id(slice) -> (the slice, its values); holding the slice keeps its id from being reused while it is here
        self._recent: Dict[int, Any] = {}

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        record.update(self.values_for(stream_slice, config if config is not None else self.config))

    def values_for(self, stream_slice: Optional[StreamSlice], config: Mapping[str, Any]) -> Dict[str, Any]:
        """The fields' values for this slice, rendered on its first record."""
        with self._lock:
            kept = self._recent.get(id(stream_slice))
        if kept is not None and kept[0] is stream_slice:
            return kept[1]
        values = {name: template.eval(config, stream_slice=stream_slice) for name, template in self._templates.items()}
        with self._lock:
            self._recent[id(stream_slice)] = (stream_slice, values)
            while len(self._recent) > self.RECENT_SLICES:
                del self._recent[next(iter(self._recent))]
        return values


# ------------------------------------------------------------------------------------------ compliance retention
COMPLIANCE_RETENTION_DAYS = 30


@dataclass
class ComplianceRetentionWarning(StateMigration):
    """Warns when a saved compliance cursor is older than the about 30 days OpenAI keeps compliance log files: the
    files between that cursor and the oldest file still kept are gone, and the API says nothing of it. Leaves the
    state as it is (`should_migrate` is always false).

    Why not a built-in: no declarative component looks at the age of an incoming state. Test:
    unit_tests/test_usage_components.py.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    parameters: InitVar[Mapping[str, Any]] = None
    cursor_field: str = "end_time"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream_name = str((parameters or {}).get("name", ""))

    def _cursors(self, state: Any) -> Iterable[datetime]:
        if isinstance(state, Mapping):
            for key, value in state.items():
                if key == self.cursor_field:
                    parsed = _parse_cursor(value)
                    if parsed is not None:
                        yield parsed
                else:
                    yield from self._cursors(value)
        elif isinstance(state, list):
            for item in state:
                yield from self._cursors(item)

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        limit = datetime.now(timezone.utc) - timedelta(days=COMPLIANCE_RETENTION_DAYS)
        stale = sorted(cursor for cursor in self._cursors(stream_state) if cursor < limit)
        if stale:
            LOGGER.warning(
                f"{self.stream_name}: {len(stale)} saved compliance cursor(s) are older than the about "
                f"{COMPLIANCE_RETENTION_DAYS} days OpenAI keeps compliance log files (the oldest is "
                f"{stale[0].strftime('%Y-%m-%dT%H:%M:%SZ')}): files written between it and the oldest file still kept "
                "are gone and cannot be synced. Sync the compliance streams at least every few weeks."
            )
        return False

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return stream_state
