"""Fault injection: latency, 429/5xx every Nth request, truncated or non-JSON 200 bodies, connection resets,
403 per path prefix, stuck paging, schema drift. Counting is over API and storage requests (never /_emulator/...),
starting at 1.

The knobs (`Faults`) and what they do to a request, in the order the server asks: `wait` (latency), `take` (the
request's fault, logged), `before_serving` (reset, 429, 5xx, slow, 403: in the host's `Wording`), then, for API
lists, `first_page_query` and `alter` (stuck, drift), and `body` (truncate, html).

Set them with `Emulator(faults=Faults(...))`, `emulator.set_faults(...)`, the CLI (`--latency-ms`, ...), the
environment (`OPENAI_EMULATOR_FAULTS='{"rate_limit_every": 5}'`) or `POST /_emulator/faults` with a JSON object.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .common import ApiError

# The body of an "html" fault: a proxy's error page, answered with HTTP 200.
HTML_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


class Reset(Exception):
    """Raised for a "reset" fault: the server resets the connection (TCP RST) and answers nothing."""


@dataclass(frozen=True)
class Wording:
    """How a host words the errors a fault injects: (message, type, code) of its 403, 429 and 5xx bodies."""

    forbidden: Tuple[str, str, Optional[str]]
    rate_limited: Tuple[str, str, Optional[str]]
    server_error: Tuple[str, str, Optional[str]]

    def error(self, fault: Optional[str], retry_after: Optional[int]) -> Optional[ApiError]:
        """The error answer of fault "403", "429" (with Retry-After unless None) or "5xx", or None."""
        if fault == "403":
            message, kind, code = self.forbidden
            return ApiError(403, message, type=kind, code=code)
        if fault == "429":
            message, kind, code = self.rate_limited
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return ApiError(429, message, type=kind, code=code, headers=headers)
        if fault and fault.isdigit() and fault.startswith("5"):
            message, kind, code = self.server_error
            return ApiError(int(fault), message, type=kind, code=code)
        return None


API_WORDING = Wording(  # OpenAI's
    forbidden=(
        "You have insufficient permissions for this operation.",
        "invalid_request_error",
        "insufficient_permissions",
    ),
    rate_limited=("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    server_error=("The server had an error while processing your request. Sorry about that!", "server_error", None),
)
STORAGE_WORDING = Wording(  # S3's, for the pre-signed storage of compliance log files
    forbidden=("Access Denied", "AccessDenied", "AccessDenied"),
    rate_limited=("Please reduce your request rate.", "SlowDown", "SlowDown"),
    server_error=("We encountered an internal error. Please try again.", "InternalError", "InternalError"),
)


@dataclass
class Faults:
    latency_ms: float = 0.0  # added to every API request (after it counts as in flight)
    rate_limit_every: int = 0  # every Nth request: 429 with Retry-After
    retry_after: Optional[int] = 1  # seconds in Retry-After; None: a 429 without the header
    server_error_every: int = 0  # every Nth request: a 5xx, cycling through server_error_statuses
    server_error_statuses: List[int] = field(default_factory=lambda: [500, 502, 503])
    truncate_every: int = 0  # every Nth request: HTTP 200 whose body is cut in half (or not JSON at all)
    truncate_mode: str = "truncate"  # truncate | html | alternate
    reset_every: int = 0  # every Nth request: the connection is reset (TCP RST) before any response
    slow_every: int = 0  # every Nth request: wait slow_seconds before answering (for client read timeouts)
    slow_seconds: float = 0.0
    slow_at: List[int] = field(default_factory=list)  # these request numbers (1-based) are slow too
    truncate_first: List[str] = field(default_factory=list)  # exact paths: their first request is cut off
    forbidden_prefixes: List[str] = field(default_factory=list)  # full paths, e.g. "/v1/organization/audit_logs"
    only_prefixes: List[str] = field(default_factory=list)  # if set, the *_every faults hit only these paths
    # A server whose paging makes no progress: every list request to these path prefixes is answered with the first
    # page (its `after`/`page` cursor ignored), `has_more: true` and the first page's cursor, forever
    # (stuck_mode "repeat"), with an empty page that says there is more (stuck_mode "empty"), or with the first page
    # and no cursor (stuck_mode "no_cursor").
    stuck_prefixes: List[str] = field(default_factory=list)
    stuck_mode: str = "repeat"  # repeat | empty | no_cursor (has_more: true, the cursor null)
    # Schema drift: every item of a list (and every row of a usage bucket) under these path prefixes carries a field
    # that the OpenAPI description does not have, as when OpenAI adds a field.
    drift_prefixes: List[str] = field(default_factory=list)
    drift_field: str = "added_by_openai"
    # ChatGPT compliance logs: the first AUTH_LOG file of the first workspace is this many MiB (1 KiB lines), for
    # memory tests; 0 = its ordinary size. Its descriptor (file_size, file_sha256) follows.
    compliance_large_file_mb: float = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: Optional["Faults"] = None) -> "Faults":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"reset"}
        if unknown:
            raise ValueError(f"unknown fault knobs: {', '.join(sorted(unknown))}")
        current = asdict(base or cls()) if not data.get("reset") else asdict(cls())
        current.update({k: v for k, v in data.items() if k in known})
        return cls(**current)

    @classmethod
    def from_env(cls) -> "Faults":
        raw = os.environ.get("OPENAI_EMULATOR_FAULTS")
        return cls.from_mapping(json.loads(raw)) if raw else cls()

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def __post_init__(self) -> None:
        self.first_cut: set = set()  # the truncate_first paths already cut off (not a knob)
        self.lock = threading.Lock()

    def _applies(self, path: str) -> bool:
        return not self.only_prefixes or any(path.startswith(p) for p in self.only_prefixes)

    def stuck(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.stuck_prefixes)

    def decide(self, n: int, path: str) -> Optional[str]:
        """The fault for API request number n (1-based) on `path`, or None."""
        if any(path.startswith(p) for p in self.forbidden_prefixes):
            return "403"
        if path in self.truncate_first:
            with self.lock:
                if path not in self.first_cut:
                    self.first_cut.add(path)
                    return "truncate"
        if not self._applies(path):
            return None
        if self.reset_every and n % self.reset_every == 0:
            return "reset"
        if self.rate_limit_every and n % self.rate_limit_every == 0:
            return "429"
        if self.server_error_every and n % self.server_error_every == 0:
            statuses = self.server_error_statuses or [500]
            return str(statuses[(n // self.server_error_every - 1) % len(statuses)])
        if self.truncate_every and n % self.truncate_every == 0:
            mode = self.truncate_mode
            if mode == "alternate":
                mode = "truncate" if (n // self.truncate_every) % 2 else "html"
            return mode
        if (self.slow_every and n % self.slow_every == 0) or n in self.slow_at:
            return "slow"
        return None

    # ------------------------------------------------------------------ what the faults do to a request
    def wait(self) -> None:
        """The latency every request waits first (latency_ms)."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)

    def take(self, entry: Dict[str, Any], path: str) -> Optional[str]:
        """The fault of a request (`entry`: its log entry, numbered), recorded in the entry."""
        fault = self.decide(entry["n"], path)
        entry["fault"] = fault
        return fault

    def before_serving(self, fault: Optional[str], wording: Wording, forbidden: bool = True) -> None:
        """What a fault does before the request is served: raise Reset, or its 429, 5xx and (unless `forbidden` is
        False: the API checks the key first, then calls `forbid`) 403 in the host's wording; a slow one waits
        slow_seconds."""
        if fault == "reset":
            raise Reset()
        error = wording.error(fault, self.retry_after) if forbidden or fault != "403" else None
        if error is not None:
            raise error
        if fault == "slow":
            time.sleep(self.slow_seconds)

    def forbid(self, fault: Optional[str], wording: Wording) -> None:
        """Raise the 403 of a "403" fault."""
        if fault == "403":
            raise wording.error(fault, self.retry_after)  # type: ignore[misc]

    def first_page_query(self, path: str, query: Dict[str, List[str]]) -> Dict[str, List[str]]:
        """The query a list request is served with: on a stuck path, without its `after` and `page` cursors (every
        page request is answered as the first one)."""
        if not self.stuck(path):
            return query
        return {name: values for name, values in query.items() if name not in ("after", "page")}

    def alter(self, entry: Dict[str, Any], path: str, body: Any) -> Any:
        """A served body as the faults change it: a stuck list's page says there is more without moving on (the
        entry's fault becomes "stuck"); under drift_prefixes every item (every row of a usage bucket) gains
        drift_field."""
        if self.stuck(path) and isinstance(body, dict) and isinstance(body.get("data"), list):
            entry["fault"] = "stuck"
            body = stuck_page(body, self.stuck_mode)
        if any(path.startswith(p) for p in self.drift_prefixes) and isinstance(body, dict):
            for item in body.get("data") if isinstance(body.get("data"), list) else [body]:
                for row in item.get("results", [item]) if isinstance(item, dict) else []:
                    row[self.drift_field] = {"new": True}
        return body

    @staticmethod
    def body(fault: Optional[str], payload: bytes) -> Tuple[bytes, str]:
        """The bytes and content type of a JSON answer: cut in half ("truncate": a shorter, complete response) or a
        proxy's HTML page ("html"); else the payload."""
        if fault == "truncate":
            return payload[: max(1, len(payload) // 2)], "application/json"
        if fault == "html":
            return HTML_PAGE, "text/html"
        return payload, "application/json"


def stuck_page(body: Dict[str, Any], mode: str) -> Dict[str, Any]:
    """The first page of a list, made to say there is more without moving on: `has_more: true` and the page's own
    cursor (`next_page`, `next`, `last_id` or `last_end_time`, whichever the style has; a filler where the first page
    had none); in mode "empty", no records at all; in mode "no_cursor", the cursor null (an `after` list can still go
    on from its last item's id)."""
    body = dict(body, has_more=True)
    if mode == "empty":
        body["data"] = []
    last = body["data"][-1].get("id") if body["data"] and isinstance(body["data"][-1], dict) else None
    for name, filler in (
        ("next_page", "page_stuck"),
        ("next", "cursor_stuck"),
        ("last_id", last or "id_stuck"),
        ("last_end_time", "1970-01-01T00:00:00Z"),
    ):
        if name in body:
            body[name] = None if mode == "no_cursor" else body[name] or filler
    if "first_id" in body and mode == "empty":
        body["first_id"] = None
    return body
