"""BucketCursorState, UsageBucketsExtractor and surrogate_key in isolation (components.py)."""

import json
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import requests_mock
from freezegun import freeze_time

from source_openai.components import (
    BucketCursorState,
    ComplianceRetentionWarning,
    UsageBucketsExtractor,
    floor_to_bucket,
    surrogate_key,
)


def migrate(state, width="1d", config_width="1h", cursor_field="start_time"):
    migration = BucketCursorState(
        config={"usage_bucket_width": config_width},
        parameters={"name": "s"},
        cursor_field=cursor_field,
        bucket_width=width,
    )
    assert migration.should_migrate(state)
    return migration.migrate(state)


@freeze_time("2026-03-15T12:34:56Z")
def test_state_is_aligned_stamped_and_clamped() -> None:
    assert migrate({}) == {"bucket_width": "1d"}
    assert migrate({}, width=None) == {"bucket_width": "1h"}
    assert migrate({"start_time": "1773578096"}, width=None) == {"start_time": "1773576000", "bucket_width": "1h"}
    assert migrate({"start_time": "2026-03-10T13:47:00Z"}) == {"start_time": "1773100800", "bucket_width": "1d"}  # ISO
    assert migrate({"start_time": 4102444800}) == {"start_time": "1773532800", "bucket_width": "1d"}  # 2100 -> today
    assert migrate({"effective_at": "4102444800"}, width="none", cursor_field="effective_at") == {
        "effective_at": "1773578096"
    }
    assert migrate({"effective_at": "1773000000"}, width="none", cursor_field="effective_at") == {
        "effective_at": "1773000000"
    }


def test_unparsable_cursor_restarts_from_start_date() -> None:
    assert migrate({"start_time": "yesterday", "bucket_width": "1d"}) == {"bucket_width": "1d"}


def test_concurrent_state_is_left_to_the_cdk() -> None:
    migration = BucketCursorState(config={}, parameters={}, bucket_width="1d")
    assert not migration.should_migrate({"state_type": "date-range", "slices": []})


@pytest.mark.parametrize(
    "width, expected", [("1d", "2026-03-15T00:00:00"), ("1h", "2026-03-15T12:00:00"), ("1m", "2026-03-15T12:34:00")]
)
def test_floor_to_bucket(width: str, expected: str) -> None:
    value = datetime(2026, 3, 15, 12, 34, 56, tzinfo=timezone.utc)
    assert floor_to_bucket(value, width) == datetime.fromisoformat(expected + "+00:00")


def _page(body: Any) -> requests.Response:
    """A usage/costs page as the extractor receives it (status 200, JSON body)."""
    url = "https://api.openai.com/v1/organization/usage/completions"
    with requests_mock.Mocker() as mocker:
        mocker.get(url, text=json.dumps(body), headers={"Content-Type": "application/json; charset=utf-8"})
        return requests.get(url)


def _rows(
    body: Any, name: str, group_by_allowed: list, usage_bucket_width: str = "1d", flatten_amount: bool = False
) -> list:
    """The records UsageBucketsExtractor makes of one page, for a stream at the connection's bucket width."""
    extractor = UsageBucketsExtractor(
        config={"usage_bucket_width": usage_bucket_width},
        parameters={"name": name, "group_by_allowed": group_by_allowed},
        flatten_amount=flatten_amount,
    )
    return list(extractor.extract_records(_page(body)))


# The primary key of every usage and costs record. These hashes were computed once and are pinned: a change here
# changes the primary key of every such record already synced, so it must never happen silently.
@pytest.mark.parametrize(
    "identity, key",
    [
        (
            ["usage_completions", "1d", 1767225600, "proj_1", None, "key_1", "gpt-4o", True, "default"],
            "d1a6ff765b599efc07738069ee82412a",
        ),
        (["costs", "1h", 1767225600, "proj_1", "gpt-4o, input", None], "f8ecf558077793d82d94bbf476c54825"),
        (
            ["usage_images", "1d", 1767225600, "prój", 'quote"and\\slash', "tab\t", 1.5],
            "17aea041dd0b9c31f16d5b2224ef4a29",
        ),  # non-ASCII, escapes
        (
            ["usage_embeddings", "1m", 1767225600, None, None, None, None],
            "369f9bbb93a3f6207117ce5ac5cf7afd",
        ),  # all dimensions null
    ],
)
def test_the_surrogate_key_is_pinned(identity, key) -> None:
    assert surrogate_key(list(identity)) == key


def test_the_extractor_flattens_buckets_and_keys_each_row_by_stream_width_start_and_dimensions() -> None:
    body = {
        "object": "page",
        "has_more": False,
        "next_page": None,
        "data": [
            {
                "object": "bucket",
                "start_time": 100,
                "end_time": 200,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 1.5, "currency": "usd"},
                        "project_id": "p",
                        "line_item": None,
                        "api_key_id": None,
                    },
                    {
                        "object": "organization.costs.result",
                        "amount": None,
                        "project_id": "q",
                        "line_item": "x",
                        "api_key_id": "k",
                    },
                ],
            },
            {"object": "bucket", "start_time": 200, "end_time": 300, "results": []},
        ],
    }
    rows = _rows(body, "costs", ["project_id", "line_item", "api_key_id"], flatten_amount=True)

    assert rows == [
        {
            "object": "organization.costs.result",
            "amount": {"value": 1.5, "currency": "usd"},
            "project_id": "p",
            "line_item": None,
            "api_key_id": None,
            "start_time": 100,
            "end_time": 200,
            "amount_value": 1.5,
            "amount_currency": "usd",
            "surrogate_key": "f38d93e19fb945b7f582074cbec7eb49",
        },
        {
            "object": "organization.costs.result",
            "amount": None,
            "project_id": "q",
            "line_item": "x",
            "api_key_id": "k",
            "start_time": 100,
            "end_time": 200,
            "amount_value": None,
            "amount_currency": None,
            "surrogate_key": "2cb49823850f530f7fdcc657bcf48f9f",
        },
    ]
    # the key is the surrogate_key of [stream, bucket width, bucket start, each group_by dimension in order]
    assert rows[0]["surrogate_key"] == surrogate_key(["costs", "1d", 100, "p", None, None])
    assert rows[1]["surrogate_key"] == surrogate_key(["costs", "1d", 100, "q", "x", "k"])


def test_costs_amount_flattening_tolerates_a_missing_amount() -> None:
    body = {
        "object": "page",
        "data": [{"object": "bucket", "start_time": 0, "end_time": 86400, "results": [{"line_item": "x"}]}],
    }
    [record] = _rows(body, "costs", ["line_item"], flatten_amount=True)
    assert record["amount_value"] is None and record["amount_currency"] is None
    assert record["surrogate_key"] == "64a72a281f0ecb999bba143d6d2a9ab4" == surrogate_key(["costs", "1d", 0, "x"])


@freeze_time("2026-03-15T00:00:00Z")
@pytest.mark.parametrize(
    "end_time, warned", [("2026-02-01T00:00:00Z", True), ("2026-02-20T00:00:00Z", False), (None, False)]
)
def test_a_compliance_cursor_older_than_the_retention_is_warned_about_and_kept(caplog, end_time, warned) -> None:
    """Per-partition state of compliance_log_files, also nested as the parent state of compliance_log_events."""
    files = {
        "states": [{"partition": {"principal_id": "ws", "event_type": "AUTH_LOG"}, "cursor": {"end_time": end_time}}]
    }
    for name, state in (
        ("compliance_log_files", files),
        ("compliance_log_events", {"parent_state": {"compliance_log_files": files}}),
    ):
        caplog.clear()
        migration = ComplianceRetentionWarning(parameters={"name": name}, cursor_field="end_time")
        assert migration.should_migrate(state) is False  # the state is kept as it is
        messages = [r.getMessage() for r in caplog.records if "compliance log files" in r.getMessage()]
        assert bool(messages) is warned, messages
        if warned:
            assert messages[0].startswith(f"{name}: 1 saved compliance cursor(s) are older than the about 30 days")
            assert "2026-02-01T00:00:00Z" in messages[0]
