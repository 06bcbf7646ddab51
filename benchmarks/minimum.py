"""The theoretical minimum number of requests of a full sync: computed in test_support/minimum.py (from the
emulator's data alone; the tests use it too) and re-exported here, plus the minimum for an emulator process.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from openai_emulator.data import DAY, Dataset
from test_support.minimum import (  # noqa: F401  (re-exported for the benchmarks)
    MAX_LIMIT,
    MAX_LIMIT_NOTES,
    PROJECT_SINGLETONS,
    SINGLETONS,
    USAGE_BUCKETS,
    minimum_requests,
    pages,
)


def minimum_for(emulator_info: Mapping[str, Any], bucket_width: str, sync_now: Optional[int] = None) -> Dict[str, int]:
    """The minimum for an emulator process started by benchmarks.common.EmulatorProcess, for a sync that started at
    `sync_now` (its usage range ends at that clock)."""
    d = emulator_info["describe"]
    period_days = (d["now"] // DAY) - (d["period_start"] // DAY)
    ds = Dataset(d["scale"], seed=d["seed"], now=d["now"], period_days=period_days)
    return minimum_requests(
        ds, start_date=d["period_start"], bucket_width=bucket_width, with_stored_completions=True, sync_now=sync_now
    )
