"""BucketCursorState and UsageRecord in isolation (components.py)."""
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from source_openai.components import BucketCursorState, UsageRecord, floor_to_bucket


def migrate(state, width="1d", config_width="1h", cursor_field="start_time"):
    migration = BucketCursorState(
        config={"usage_bucket_width": config_width}, parameters={"name": "s"}, cursor_field=cursor_field, bucket_width=width
    )
    assert migration.should_migrate(state)
    return migration.migrate(state)


@freeze_time("2026-03-15T12:34:56Z")
def test_state_is_aligned_stamped_and_clamped() -> None:
    assert migrate({}) == {"bucket_width": "1d"}
    assert migrate({}, width="config") == {"bucket_width": "1h"}
    assert migrate({"start_time": "1773578096"}, width="config") == {"start_time": "1773576000", "bucket_width": "1h"}
    assert migrate({"start_time": "2026-03-10T13:47:00Z"}) == {"start_time": "1773100800", "bucket_width": "1d"}  # ISO
    assert migrate({"start_time": 4102444800}) == {"start_time": "1773532800", "bucket_width": "1d"}  # 2100 -> today
    assert migrate({"effective_at": "4102444800"}, width="none", cursor_field="effective_at") == {"effective_at": "1773578096"}
    assert migrate({"effective_at": "1773000000"}, width="none", cursor_field="effective_at") == {"effective_at": "1773000000"}


def test_unparsable_cursor_restarts_from_start_date() -> None:
    assert migrate({"start_time": "yesterday", "bucket_width": "1d"}) == {"bucket_width": "1d"}


def test_concurrent_state_is_left_to_the_cdk() -> None:
    migration = BucketCursorState(config={}, parameters={}, bucket_width="1d")
    assert not migration.should_migrate({"state_type": "date-range", "slices": []})


@pytest.mark.parametrize("width, expected", [("1d", "2026-03-15T00:00:00"), ("1h", "2026-03-15T12:00:00"), ("1m", "2026-03-15T12:34:00")])
def test_floor_to_bucket(width: str, expected: str) -> None:
    value = datetime(2026, 3, 15, 12, 34, 56, tzinfo=timezone.utc)
    assert floor_to_bucket(value, width) == datetime.fromisoformat(expected + "+00:00")


def test_costs_amount_flattening_tolerates_a_missing_amount() -> None:
    transformation = UsageRecord(config={}, parameters={"name": "costs", "group_by_allowed": ["line_item"]}, bucket_width="1d", flatten_amount=True)
    record = {"start_time": 0, "line_item": "x"}
    transformation.transform(record)
    assert record["amount_value"] is None and record["amount_currency"] is None and len(record["surrogate_key"]) == 32
