"""Fault injection: latency, 429/5xx every Nth request, truncated or non-JSON 200 bodies, connection resets,
403 per path prefix. Counting is over API requests only (never /_emulator/...), starting at 1.

Set them with `Emulator(faults=Faults(...))`, `emulator.set_faults(...)`, the CLI (`--latency-ms`, ...), the
environment (`OPENAI_EMULATOR_FAULTS='{"rate_limit_every": 5}'`) or `POST /_emulator/faults` with a JSON object.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional


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
