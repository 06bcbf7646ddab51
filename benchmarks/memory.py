"""Measurement 3: peak RSS of the connector process for the same sync at 1x and 10x the data.

10x is the throughput sync (scale `large`, 1h buckets over 90 days, the list streams of benchmarks/endpoints.py);
1x is the same organisation with a tenth of everything: 9 days of usage and audit logs, a tenth of the users,
projects, groups, files and project resources. Peak RSS comes from wait4() on each process. The two baselines of
the throughput measurement (bare CDK manifest, plain requests+json loop) are measured side by side on the same
emulator, so the connector's ratio can be read against the framework's own.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from openai_emulator.data import SCALES

from .common import PYTHON, EmulatorProcess, configured_catalog, connector_read, discover_streams, run_and_count
from .endpoints import stream_names
from .throughput import _bare_catalog

CLIENTS = ("connector", "floor", "plain")

LIST_FIELDS = (
    "projects",
    "users",
    "invites",
    "admin_api_keys",
    "certificates",
    "groups",
    "roles",
    "spend_alerts",
    "audit_logs",
    "project_resources",
    "files",
)


def tenth(scale: str = "large") -> Dict[str, int]:
    base = SCALES[scale]
    return {name: max(1, getattr(base, name) // 10) for name in LIST_FIELDS}


def _entry(res: Any) -> Dict[str, Any]:
    return {
        "records": res.records,
        "max_rss_mb": res.max_rss_mb,
        "seconds": res.seconds,
        "returncode": res.returncode,
        "stderr": res.stderr_tail if res.returncode else "",
    }


def sync_rss(
    scale: str,
    bucket_width: str,
    period_days: Optional[int],
    overrides: Optional[Mapping[str, Any]] = None,
    which: tuple = CLIENTS,
) -> Dict[str, Dict[str, Any]]:
    """Peak RSS of each client for one sync. The emulator replays memoised pages after a warm-up pass, exactly as
    in the throughput measurement (whose runs are the 10x row), so 1x and 10x are read under the same conditions:
    pages arrive as fast as the clients ask for them."""
    out: Dict[str, Dict[str, Any]] = {}
    with EmulatorProcess(scale=scale, memo=True, log=False, period_days=period_days, overrides=overrides) as emu:
        config = emu.config
        config["usage_bucket_width"] = bucket_width
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "config.json"
            cfg.write_text(json.dumps(config))
            bare = Path(tmp) / "bare_catalog.json"
            bare.write_text(json.dumps(_bare_catalog(bucket_width)))
            run_and_count([PYTHON, "-m", "benchmarks.plain_client", str(cfg), bucket_width])  # fills the memo
            if "connector" in which:
                catalog = configured_catalog(discover_streams(config), names=stream_names(bucket_width))
                out["connector"] = _entry(connector_read(config, catalog))
            if "floor" in which:
                out["floor"] = _entry(
                    run_and_count(
                        [PYTHON, "-m", "benchmarks.bare_source", "read", "--config", str(cfg), "--catalog", str(bare)],
                        env={"BUCKET_WIDTH": bucket_width},
                    )
                )
            if "plain" in which:
                out["plain"] = _entry(run_and_count([PYTHON, "-m", "benchmarks.plain_client", str(cfg), bucket_width]))
    return out


def measure(ten_x: Optional[Dict[str, Dict[str, Any]]] = None, bucket_width: str = "1h") -> Dict[str, Any]:
    """`ten_x`: the throughput measurement's runs ({client: run}), reused for the 10x row when given."""
    one = sync_rss("large", bucket_width, period_days=SCALES["large"].period_days // 10, overrides=tenth("large"))
    ten = {name: run for name, run in (ten_x or {}).items() if name in CLIENTS}
    missing = tuple(name for name in CLIENTS if name not in ten)
    if missing:
        ten.update(sync_rss("large", bucket_width, period_days=SCALES["large"].period_days, which=missing))
    ratios = {name: ten[name]["max_rss_mb"] / one[name]["max_rss_mb"] for name in CLIENTS if one[name]["max_rss_mb"]}
    return {
        "1x": one["connector"],
        "10x": ten["connector"],
        "ratio": ratios.get("connector"),
        "clients": {name: {"1x": one[name], "10x": ten[name], "ratio": ratios.get(name)} for name in CLIENTS},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
