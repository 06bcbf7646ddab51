"""The emulator in its own process, for benchmarks: `python -m benchmarks.serve --scale large ...`.

Prints one JSON line (the emulator's description and a connector config), then serves until stdin closes.

`--memo` keeps each 200 response body the first time it is built and replays the same bytes for the same request
(path, query, key), so that throughput runs measure the client, not the emulator's data generation. The request
log, latency and counters behave as usual.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any, Dict, Tuple

from openai_emulator import server
from openai_emulator.data import scale_from
from openai_emulator.faults import Faults
from openai_emulator.server import Emulator

_CACHE: Dict[Tuple[Any, ...], bytes] = {}
_CACHE_LOCK = threading.Lock()


def _install_memo() -> None:
    handler = server._Handler
    original_serve = handler._serve
    original_send = handler._send

    def _send(self, status, body, headers=None, raw=None, content_type="application/json"):  # type: ignore[no-untyped-def]
        key = getattr(self, "_memo_key", None)
        if key is not None and status == 200 and raw is not None and content_type == "application/json":
            with _CACHE_LOCK:
                _CACHE[key] = raw
        return original_send(self, status, body, headers, raw, content_type)

    def _serve(self, emu, entry, method, path, query):  # type: ignore[no-untyped-def]
        items = []
        for k, v in sorted(query.items()):
            if k == "end_time" and len(v) == 1 and v[0].isdigit() and int(v[0]) >= emu.data.now:
                v = ["now"]  # every end_time at or after the data's end reads the same buckets
            items.append((k, tuple(v)))
        key = (path, tuple(items), self.headers.get("Authorization", ""))
        faults = emu.faults
        plain = not (
            faults.rate_limit_every
            or faults.server_error_every
            or faults.truncate_every
            or faults.reset_every
            or faults.slow_every
            or faults.forbidden_prefixes
        )
        hit = _CACHE.get(key) if plain else None
        if hit is not None:
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000.0)
            original_send(self, 200, None, raw=hit)
            return 200
        self._memo_key = key if plain else None
        try:
            return original_serve(self, emu, entry, method, path, query)
        finally:
            self._memo_key = None

    handler._send = _send  # type: ignore[method-assign]
    handler._serve = _serve  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--now", type=int, required=True)
    parser.add_argument("--period-days", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--memo", action="store_true")
    parser.add_argument("--scale-overrides", default=None, help="JSON object of Scale fields to override")
    parser.add_argument("--no-log", action="store_true", help="keep no request log (counters only)")
    args = parser.parse_args()
    if args.memo:
        _install_memo()
    scale = args.scale
    if args.scale_overrides:
        scale = scale_from(args.scale, **json.loads(args.scale_overrides))
    emu = Emulator(
        scale=scale,
        seed=args.seed,
        now=args.now,
        period_days=args.period_days,
        faults=Faults(latency_ms=args.latency_ms),
        log_requests=not args.no_log,
    )
    emu.start()
    print(
        json.dumps({"describe": emu.describe(), "config": emu.connector_config(), "base_url": emu.base_url}), flush=True
    )
    sys.stdin.read()  # until the parent closes our stdin
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
