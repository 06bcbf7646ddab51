"""Load: a long sync of every stream at 1-minute usage buckets completes with every record once, exactly the minimum
number of requests, never more than `num_workers` requests in flight (the emulator's high-water mark, and the same
from its request log) and a bounded peak memory.

Every assertion is on behaviour, none on timing: the outcome is the same on a slow or a loaded machine.

`test_load_reduced` runs by default (small organisation, 12 hours of minute buckets).
`test_load_full` is marked `slow` and runs only with RUN_SLOW_TESTS=1: a medium organisation enlarged to ~25,000
pages plus 6 hours of minute buckets (minutes, depending on the machine):

    RUN_SLOW_TESTS=1 .venv/bin/python -m pytest integration_tests/test_load.py -s
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest

from openai_emulator.data import scale_from
from test_support.minimum import count_by_template, minimum_requests

from . import sync_harness as h

pytestmark = pytest.mark.faults

PEAK_RSS_LIMIT_KIB = 1024 * 1024  # 1 GiB


def _sync(start_emulator, tmp_path, scale, hours: int, workers: int, latency_ms: float):
    emu = start_emulator(scale=scale, seed=3, faults=None, **h.emulator_keys())
    start = (emu.data.now // 3600 - hours) * 3600
    config = emu.connector_config(
        usage_bucket_width="1m",
        num_workers=workers,
        start_date=datetime.fromtimestamp(start, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    catalog = h.catalog_for(config)
    emu.reset()
    emu.set_faults(latency_ms=latency_ms)
    sync_now = int(time.time())
    sync = h.read(tmp_path, config, catalog, timeout=3600)
    minimum = minimum_requests(
        emu.data, start_date=start, bucket_width="1m", with_stored_completions=True, sync_now=sync_now
    )
    return sync, catalog, emu.stats(), emu.requests, minimum


def _in_flight_high_water_mark(log: List[Dict[str, Any]]) -> int:
    """The most requests the log shows open at once: starts and ends in order (an end before a start at a tie)."""
    events = sorted([(e["started"], 1) for e in log] + [(e["ended"], -1) for e in log if e["ended"] is not None])
    open_now = high = 0
    for _, change in events:
        open_now += change
        high = max(high, open_now)
    return high


def _assert_complete_and_bounded(sync, catalog, stats, requests, minimum, workers: int) -> None:
    assert sync.returncode == 0 and not sync.errors(), sync.describe()
    h.assert_no_secret(sync)

    # every record once: no primary key twice, and the sync reached every endpoint the data needs
    pks = h.primary_keys(catalog)
    keyed = h.by_key(sync.records, pks)
    assert len(keyed) == len(sync.records), [
        k for k, n in Counter((s, h.key_of(pks[s], d)) for s, d in sync.records).items() if n > 1
    ][:5]
    assert {s for s, _ in sync.records} >= {"usage_completions", "costs", "users", "projects"}

    # exactly the minimum number of requests, endpoint by endpoint (every request is in the log)
    assert stats["requests"] == len(requests)
    assert count_by_template(requests) == minimum
    assert all(e["status"] == 200 for e in requests), Counter(e["status"] for e in requests)
    minute_pages = [
        e for e in requests if "/organization/usage/" in e["path"] and e["query"].get("bucket_width") == ["1m"]
    ]
    assert len(minute_pages) == sum(n for template, n in minimum.items() if template.startswith("/organization/usage/"))

    # never more than num_workers requests at once: the emulator's counter and its request log agree
    assert 1 <= stats["max_in_flight"] <= workers, stats
    assert 1 <= _in_flight_high_water_mark(requests) <= workers

    # bounded memory: the peak resident size of the whole run (the kernel's count, not samples)
    if sync.max_rss_kib is not None:
        print(f"\nload: {len(requests)} requests, {len(sync.records)} records, peak RSS {sync.max_rss_kib // 1024} MiB")
        assert sync.max_rss_kib < PEAK_RSS_LIMIT_KIB, f"{sync.max_rss_kib // 1024} MiB"


def test_load_reduced(emulator_factory, tmp_path):
    sync, catalog, stats, requests, minimum = _sync(
        emulator_factory, tmp_path, "small", hours=12, workers=3, latency_ms=25
    )
    _assert_complete_and_bounded(sync, catalog, stats, requests, minimum, workers=3)
    assert len(sync.records) > 1_000


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RUN_SLOW_TESTS") != "1", reason="slow: set RUN_SLOW_TESTS=1 (several minutes)")
def test_load_full(emulator_factory, tmp_path):
    scale = scale_from("medium", projects=500, users=500, groups=4000)
    sync, catalog, stats, requests, minimum = _sync(emulator_factory, tmp_path, scale, hours=6, workers=4, latency_ms=2)
    _assert_complete_and_bounded(sync, catalog, stats, requests, minimum, workers=4)
    assert sum(minimum.values()) >= 20_000, sum(minimum.values())
