"""Measurement 4: wall time of a full sync of every stream with 100 ms of emulator latency per request, at
num_workers 1, 2, 4 and 8, and the requests each sent.

The organisation is the `small` scale with 20 projects, 20 users, 10 groups and 10 of each project resource (about
500 requests), so that the sync, not the connector's ~4 s start-up (mostly importing the CDK), dominates the wall
time.

The sync's network span (first request start to last request end, from the emulator's request log) is what
concurrency can shorten; the process wall time adds the connector's start-up (manifest parsing, about 2 s).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional

from .common import EmulatorProcess, configured_catalog, connector_read, discover_streams

OVERRIDES = {"projects": 20, "users": 20, "groups": 10, "project_resources": 10}


def measure(
    scale: str = "small",
    workers: Iterable[int] = (1, 2, 4, 8),
    latency_ms: float = 100.0,
    bucket_width: str = "1d",
    overrides: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    overrides = OVERRIDES if overrides is None else overrides
    out: Dict[str, Any] = {"scale": scale, "overrides": dict(overrides), "latency_ms": latency_ms, "runs": {}}
    with EmulatorProcess(scale=scale, latency_ms=latency_ms, overrides=overrides) as emu:
        config = emu.config
        config["usage_bucket_width"] = bucket_width
        catalog = configured_catalog(discover_streams(config))
        for n in workers:
            emu.reset()  # clears the log and the in-flight high-water mark, and the faults: set the latency again
            emu.control("faults", {"latency_ms": latency_ms})
            res = connector_read(dict(config, num_workers=n), catalog)
            log = emu.requests()
            span = (max(e["ended"] or e["started"] for e in log) - min(e["started"] for e in log)) if log else 0.0
            out["runs"][n] = {
                "seconds": res.seconds,
                "span": span,
                "requests": len(log),
                "records": res.records,
                "max_in_flight": emu.stats()["max_in_flight"],
                "returncode": res.returncode,
            }
    base = out["runs"].get(1)
    if base:
        for n, run in out["runs"].items():
            run["speedup"] = base["span"] / run["span"] if run["span"] else None
            run["speedup_wall"] = base["seconds"] / run["seconds"] if run["seconds"] else None
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(sys.argv[1] if len(sys.argv) > 1 else "small"), indent=1))
