"""Load: a long sync of every stream at 1-minute usage buckets completes with stable memory, and the connector never
has more than `num_workers` requests in flight (the emulator's concurrent-request high-water mark).

`test_load_reduced` runs by default (small organisation, 12 hours of minute buckets, ~15 s).
`test_load_full` is marked `slow` and runs only with RUN_SLOW_TESTS=1: a medium organisation enlarged to ~25,000
pages plus 6 hours of minute buckets (about 8 minutes on 2 cores):

    RUN_SLOW_TESTS=1 .venv/bin/python -m pytest integration_tests/test_load.py -s
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from openai_emulator import Emulator
from openai_emulator.data import scale_from

from . import sync_harness as h

pytestmark = pytest.mark.faults


def _sync(tmp_path, scale, hours: int, workers: int, latency_ms: float):
    with Emulator(scale=scale, seed=3, faults=None, **h.emulator_keys()) as emu:
        emu.set_faults(latency_ms=latency_ms)
        start = (emu.data.now // 3600 - hours) * 3600
        config = emu.connector_config(usage_bucket_width="1m", num_workers=workers,
                                      start_date=datetime.fromtimestamp(start, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        catalog = h.catalog_for(config)
        emu.reset()
        emu.set_faults(latency_ms=latency_ms)
        sync = h.read(tmp_path, config, catalog, sample_rss=True, timeout=3600)
        return sync, emu.stats(), emu.requests


def _assert_stable(sync, stats, requests, workers: int, min_requests: int) -> None:
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    assert not h.leaked_fragments(sync.stdout + sync.stderr)
    assert stats["requests"] >= min_requests, stats
    # never more than num_workers requests at once, and the workers were all busy at some point
    assert stats["max_in_flight"] == workers, stats
    minute_paths = [e for e in requests if "/organization/usage/" in e["path"] and e["query"].get("bucket_width") == ["1m"]]
    assert minute_paths, "no 1-minute usage request"
    rss = sync.rss_kib
    assert len(rss) >= 20, rss
    # after start-up (imports, building 63 streams): the resident size at 40 % of the run against the largest
    # one in its last 30 %
    settled = rss[int(len(rss) * 0.4)]
    late = max(rss[int(len(rss) * 0.7):])
    print(f"\nload: {stats['requests']} requests, {len(sync.records)} records in {sync.elapsed:.0f} s; "
          f"RSS at 40 % {settled // 1024} MiB, max of the last 30 % {late // 1024} MiB, max {max(rss) // 1024} MiB")
    assert late <= settled * 1.3 + 32 * 1024, f"memory grew from {settled // 1024} MiB to {late // 1024} MiB"
    assert max(rss) < 1024 * 1024, f"{max(rss) // 1024} MiB"


def test_load_reduced(tmp_path):
    sync, stats, requests = _sync(tmp_path, "small", hours=12, workers=3, latency_ms=25)
    _assert_stable(sync, stats, requests, workers=3, min_requests=150)
    assert len(sync.records) > 1_000


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RUN_SLOW_TESTS") != "1", reason="slow: set RUN_SLOW_TESTS=1 (about 8 minutes)")
def test_load_full(tmp_path):
    scale = scale_from("medium", projects=500, users=500, groups=4000)
    sync, stats, requests = _sync(tmp_path, scale, hours=6, workers=4, latency_ms=2)
    _assert_stable(sync, stats, requests, workers=4, min_requests=20_000)
