"""Measurement 3: peak RSS of the connector process for the same sync at 1x and 10x the data.

10x is the throughput sync (scale `large`, 1h buckets over 90 days, the list streams of benchmarks/endpoints.py);
1x is the same organisation with a tenth of everything: 9 days of usage and audit logs, a tenth of the users,
projects, groups, files and project resources. Peak RSS comes from wait4() on the connector process.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from openai_emulator.data import SCALES

from .common import EmulatorProcess, configured_catalog, connector_read, discover_streams
from .endpoints import stream_names

LIST_FIELDS = ("projects", "users", "invites", "admin_api_keys", "certificates", "groups", "roles", "spend_alerts",
               "audit_logs", "project_resources", "files")


def tenth(scale: str = "large") -> Dict[str, int]:
    base = SCALES[scale]
    return {name: max(1, getattr(base, name) // 10) for name in LIST_FIELDS}


def sync_rss(scale: str, bucket_width: str, period_days: Optional[int], overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    with EmulatorProcess(scale=scale, memo=False, log=False, period_days=period_days, overrides=overrides) as emu:
        config = emu.config
        config["usage_bucket_width"] = bucket_width
        catalog = configured_catalog(discover_streams(config), names=stream_names(bucket_width))
        res = connector_read(config, catalog)
    return {"records": res.records, "max_rss_mb": res.max_rss_mb, "seconds": res.seconds, "returncode": res.returncode,
            "stderr": res.stderr_tail if res.returncode else ""}


def measure(ten_x: Optional[Dict[str, Any]] = None, bucket_width: str = "1h") -> Dict[str, Any]:
    one = sync_rss("large", bucket_width, period_days=SCALES["large"].period_days // 10, overrides=tenth("large"))
    ten = ten_x or sync_rss("large", bucket_width, period_days=SCALES["large"].period_days)
    return {"1x": one, "10x": ten, "ratio": ten["max_rss_mb"] / one["max_rss_mb"] if one["max_rss_mb"] else None}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
