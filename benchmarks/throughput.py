"""Measurement 2: records per second of a large sync (zero latency), against two baselines on the same pages.

* plain:  `requests` + `json` loop printing RECORD messages (benchmarks/plain_client.py), the physical reference;
* floor:  a bare airbyte-cdk manifest with DpathExtractors only (benchmarks/bare_source.py), the framework floor;
* connector: `main.py read`, the real entry point.

The emulator replays memoised response bytes (benchmarks/serve.py --memo) after a warm-up pass, so every run reads
identical pages and the emulator's data generation is not what is measured.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from .common import PYTHON, EmulatorProcess, configured_catalog, connector_read, discover_streams, run_and_count
from .endpoints import endpoints, stream_names


def _bare_catalog(bucket_width: str) -> Dict[str, Any]:
    streams = []
    for entry in endpoints(bucket_width):
        inc = entry["style"] == "buckets"
        streams.append(
            {
                "stream": {
                    "name": entry["stream"],
                    "json_schema": {"type": "object"},
                    "supported_sync_modes": ["full_refresh"] + (["incremental"] if inc else []),
                },
                "sync_mode": "incremental" if inc else "full_refresh",
                "destination_sync_mode": "append" if inc else "overwrite",
            }
        )
    return {"streams": streams}


def measure(
    scale: str = "large",
    bucket_width: str = "1h",
    runs: int = 1,
    period_days: Optional[int] = None,
    which: tuple = ("plain", "floor", "connector"),
) -> Dict[str, Any]:
    results: Dict[str, Any] = {"scale": scale, "bucket_width": bucket_width, "runs": {}}
    with EmulatorProcess(scale=scale, memo=True, log=False, period_days=period_days) as emu:
        config = emu.config
        config["usage_bucket_width"] = bucket_width
        catalog = configured_catalog(discover_streams(config), names=stream_names(bucket_width))
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "config.json"
            cfg.write_text(json.dumps(config))
            bare_cat = Path(tmp) / "bare_catalog.json"
            bare_cat.write_text(json.dumps(_bare_catalog(bucket_width)))
            commands = {
                "plain": ([PYTHON, "-m", "benchmarks.plain_client", str(cfg), bucket_width], {}),
                "floor": (
                    [PYTHON, "-m", "benchmarks.bare_source", "read", "--config", str(cfg), "--catalog", str(bare_cat)],
                    {"BUCKET_WIDTH": bucket_width},
                ),
            }
            warm = run_and_count(commands["plain"][0])  # fills the emulator's memo
            results["warmup_seconds"] = warm.seconds
            for _ in range(runs):
                for name in which:
                    before = emu.stats()["requests"]
                    if name == "connector":
                        res = connector_read(config, catalog)
                    else:
                        res = run_and_count(commands[name][0], env=commands[name][1])
                    sent = emu.stats()["requests"] - before
                    best = results["runs"].get(name)
                    entry = {
                        "seconds": res.seconds,
                        "records": res.records,
                        "requests": sent,
                        "records_per_s": res.records / res.seconds if res.seconds else 0.0,
                        "max_rss_mb": res.max_rss_mb,
                        "returncode": res.returncode,
                        "stderr": res.stderr_tail if res.returncode else "",
                    }
                    if best is None or entry["records_per_s"] > best["records_per_s"]:
                        results["runs"][name] = entry
    runs_ = results["runs"]
    if "connector" in runs_ and "floor" in runs_ and runs_["floor"]["records_per_s"]:
        results["connector_vs_floor"] = runs_["connector"]["records_per_s"] / runs_["floor"]["records_per_s"]
    if "connector" in runs_ and "plain" in runs_ and runs_["plain"]["records_per_s"]:
        results["connector_vs_plain"] = runs_["connector"]["records_per_s"] / runs_["plain"]["records_per_s"]
    if "floor" in runs_ and "plain" in runs_ and runs_["plain"]["records_per_s"]:
        results["floor_vs_plain"] = runs_["floor"]["records_per_s"] / runs_["plain"]["records_per_s"]
    return results


if __name__ == "__main__":
    import sys

    scale = sys.argv[1] if len(sys.argv) > 1 else "large"
    width = sys.argv[2] if len(sys.argv) > 2 else "1h"
    period = int(sys.argv[3]) if len(sys.argv) > 3 else None
    print(json.dumps(measure(scale, width, period_days=period), indent=1))
