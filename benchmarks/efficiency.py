"""Measurement 1: requests of a full sync of every stream against the theoretical minimum, per endpoint."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from .common import EmulatorProcess, configured_catalog, connector_read, count_by_template, discover_streams
from .minimum import MAX_LIMIT_NOTES, minimum_for

# Why a ratio above 1.00 is expected on an endpoint, where the connector deliberately sends more (none today; the
# notes of minimum.MAX_LIMIT_NOTES are shown as well).
EXPLAINED: Dict[str, str] = {}


def measure(scale: str, bucket_width: str, now: Optional[int] = None) -> Dict[str, Any]:
    with EmulatorProcess(scale=scale, now=now) as emu:
        config = emu.config
        config["usage_bucket_width"] = bucket_width
        streams = discover_streams(config)
        catalog = configured_catalog(streams)
        emu.reset()
        sync_now = int(time.time())
        result = connector_read(config, catalog, per_stream=True)
        counts = count_by_template(emu.requests())
        stats = emu.stats()
        # the same sync in the manifest-only runtime (the reference), against the same emulator
        emu.reset()
        manifest = connector_read(config, catalog, per_stream=True, manifest_only=True)
        manifest_counts = count_by_template(emu.requests())
        minimum = minimum_for(emu.info, bucket_width, sync_now)
    rows: List[Dict[str, Any]] = []
    for template in sorted(set(minimum) | set(counts) | set(manifest_counts)):
        sent, least = counts.get(template, 0), minimum.get(template, 0)
        rows.append(
            {
                "endpoint": template,
                "sent": sent,
                "sent_manifest_only": manifest_counts.get(template, 0),
                "minimum": least,
                "ratio": (sent / least) if least else float("inf"),
                "note": EXPLAINED.get(template, "") or MAX_LIMIT_NOTES.get(template, ""),
            }
        )
    return {
        "scale": scale,
        "bucket_width": bucket_width,
        "rows": rows,
        "records": result.records,
        "seconds": result.seconds,
        "returncode": result.returncode,
        "errors": result.errors,
        "per_stream": result.per_stream,
        "total_sent": sum(counts.values()),
        "total_minimum": sum(minimum.values()),
        "total_sent_manifest_only": sum(manifest_counts.values()),
        "records_manifest_only": manifest.records,
        "seconds_manifest_only": manifest.seconds,
        "returncode_manifest_only": manifest.returncode,
        "errors_manifest_only": manifest.errors,
        "max_in_flight": stats.get("max_in_flight"),
        "stderr": result.stderr_tail if result.returncode else "",
    }


if __name__ == "__main__":
    import sys

    out = measure(sys.argv[1] if len(sys.argv) > 1 else "small", sys.argv[2] if len(sys.argv) > 2 else "1d")
    for row in out["rows"]:
        flag = "" if row["sent"] == row["minimum"] else "  <--"
        print(f"{row['endpoint']:60s} {row['sent']:6d} {row['minimum']:6d} {row['ratio']:.2f}{flag}")
    print({k: v for k, v in out.items() if k not in ("rows", "per_stream")})
