"""Custom components of source-openai: only what the manifest cannot say in YAML.

This module is loaded two ways and must work in both:
  * manifest-only mode: the CDK loads this file as `source_declarative_manifest.components` (Connector Builder,
    `source-declarative-manifest --components-path`, PyAirbyte `source_manifest=`);
  * package mode: `source_openai/__init__.py` registers `source_openai.components` under that same name.
The manifest therefore names every class `source_declarative_manifest.components.X`, the convention of Airbyte's
low-code connectors.

So it imports nothing from the rest of the package.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, MutableMapping, Optional
from urllib.parse import urlsplit

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
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
    if isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 0:
        problems.append("`lookback_window_days` must be a whole number of days, 0 or more.")
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
        normalized = normalize_config(config)
        config.clear()
        config.update(normalized)


@dataclass
class FullReadForNewPartitions(StateMigration):
    """Per-partition state migration: a parent that has no saved cursor yet is read in full.

    The CDK's per-partition cursor starts a partition that is missing from `states` at the stream-wide
    `state` (the newest cursor of any partition, minus the last sync's duration). For the append-only children
    (fine-tuning job events and checkpoints, eval run output items) that would skip the older records of a parent
    the previous sync did not read: a job or run listed for the first time, one that was skipped on a 403/404, or
    one dropped from the state. Removing the stream-wide fallback makes such a partition start from the cursor's
    start (all records), while every partition in `states` keeps its own cursor. The CDK writes the fallback again
    at the end of each sync; it is removed again on the next one. A state that already switched to one global
    cursor (more than 10,000 partitions) is left alone.
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
