"""Usage and costs streams: bucket flattening, the time range, group_by, paging, primary key and incremental state.

Every request is matched on its exact query parameters: a request the connector should not send fails the read.
"""

from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional

import jsonschema
import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import epoch as ts, usage_request
from .response_builder import bucket, page_token_page
from .source_runner import discover, final_state, read, records_of, stream_state
from .usage_streams import USAGE_STREAMS

pytestmark = pytest.mark.long(120)

DAY, HOUR, MINUTE = 86400, 3600, 60
WIDTH_SECONDS = {"1d": DAY, "1h": HOUR, "1m": MINUTE}

NOW = "2026-03-15T12:34:56Z"
NOW_TS = 1773578096  # NOW as Unix seconds


def completion(model: Optional[str], project: Optional[str], input_tokens: int, **extra: Any) -> Dict[str, Any]:
    row = {
        "object": "organization.usage.completions.result",
        "input_tokens": input_tokens,
        "output_tokens": input_tokens // 2,
        "num_model_requests": 1,
        "project_id": project,
        "user_id": None,
        "api_key_id": None,
        "model": model,
        "batch": None,
        "service_tier": None,
    }
    row.update(extra)
    return row


def schema_of(stream: str) -> Mapping[str, Any]:
    catalog = discover(ConfigBuilder().build()).catalog.catalog
    return next(s.json_schema for s in catalog.streams if s.name == stream)


# ------------------------------------------------------------------------------------------ flattening


@freeze_time(NOW)
def test_one_record_per_result_with_its_bucket_times_and_empty_buckets_yield_nothing() -> None:
    start = ts("2026-03-10T00:00:00Z")
    buckets = [
        bucket(start, DAY, [completion("gpt-4o", "proj_a", 100), completion("gpt-4o-mini", "proj_a", 40)]),
        bucket(start + DAY, DAY, []),
        bucket(start + 2 * DAY, DAY, [completion("gpt-4o", "proj_b", 7, input_cached_tokens=3)]),
        bucket(start + 3 * DAY, DAY, []),
    ]
    with HttpMocker() as http_mocker:
        request = usage_request("usage_completions", start, NOW_TS, group_by=["project_id", "model"]).build()
        http_mocker.get(request, page_token_page(buckets))
        output = read(
            ConfigBuilder()
            .with_start_date("2026-03-10T00:00:00Z")
            .with_fields(usage_group_by=["model", "project_id"])
            .build(),
            "usage_completions",
        )
        http_mocker.assert_number_of_calls(request, 1)

    records = records_of(output, "usage_completions")
    assert [
        (r["start_time"], r["end_time"], r.get("model"), r.get("project_id"), r["input_tokens"]) for r in records
    ] == [
        (start, start + DAY, "gpt-4o", "proj_a", 100),
        (start, start + DAY, "gpt-4o-mini", "proj_a", 40),
        (start + 2 * DAY, start + 3 * DAY, "gpt-4o", "proj_b", 7),
    ]
    assert records[2]["input_cached_tokens"] == 3
    assert "results" not in records[0] and records[0]["object"] == "organization.usage.completions.result"
    assert len({r["surrogate_key"] for r in records}) == 3
    schema = schema_of("usage_completions")
    for record in records:
        jsonschema.validate(record, schema)


@freeze_time(NOW)
def test_costs_flatten_amount_and_keep_line_item_quantity_and_units() -> None:
    start = ts("2026-03-14T00:00:00Z")
    results = [
        {
            "object": "organization.costs.result",
            "amount": {"value": 0.0123456789, "currency": "usd"},
            "line_item": "gpt-4o, input",
            "project_id": "proj_a",
            "api_key_id": "key_1",
            "quantity": 1200.0,
            "quantity_unit": "tokens",
        },
        {
            "object": "organization.costs.result",
            "amount": {"value": 12.5, "currency": "usd"},
            "line_item": "web search",
            "project_id": "proj_a",
            "api_key_id": None,
            "quantity": None,
            "quantity_unit": None,
        },
    ]
    with HttpMocker() as http_mocker:
        # costs is daily whatever usage_bucket_width says, with up to 180 buckets per request
        request = usage_request("costs", start, NOW_TS, width="1d").build()
        http_mocker.get(request, page_token_page([bucket(start, DAY, results), bucket(start + DAY, DAY, [])]))
        output = read(
            ConfigBuilder().with_start_date("2026-03-14T08:00:00Z").with_fields(usage_bucket_width="1h").build(),
            "costs",
        )
        http_mocker.assert_number_of_calls(request, 1)

    records = records_of(output, "costs")
    # (the CDK's message serializer omits null values from record data, hence .get)
    assert [
        (r["amount_value"], r["amount_currency"], r["line_item"], r.get("quantity"), r.get("quantity_unit"))
        for r in records
    ] == [
        (0.0123456789, "usd", "gpt-4o, input", 1200.0, "tokens"),
        (12.5, "usd", "web search", None, None),
    ]
    assert records[0]["amount"] == {"value": 0.0123456789, "currency": "usd"}
    assert records[0]["api_key_id"] == "key_1" and records[0]["project_id"] == "proj_a"
    assert records[0]["start_time"] == start and records[0]["end_time"] == start + DAY
    schema = schema_of("costs")
    for record in records:
        jsonschema.validate(record, schema)


# ------------------------------------------------------------------------------------------ time range


@pytest.mark.parametrize("width", ["1d", "1h", "1m"])
def test_the_range_is_bucket_aligned_one_partition_with_the_maximum_buckets_per_page(width: str) -> None:
    """The whole range from the bucket of start_date to now is one partition: the first request asks for the maximum
    buckets and `next_page` walks on (no time windows, which the CDK would read in parallel, one page each in
    memory)."""
    size = WIDTH_SECONDS[width]
    span = USAGE_STREAMS["usage_embeddings"].max_buckets[width] * size
    aligned_start = ts("2026-01-01T00:00:00Z")
    now = aligned_start + 2 * span + 5 * size + 17  # two full pages of buckets, then a partial one ending now
    # start_date falls inside a bucket (and inside a minute): the range starts at that bucket's start
    start_date = datetime.fromtimestamp(aligned_start + size - 1, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with freeze_time(datetime.fromtimestamp(now, tz=timezone.utc)):
        with HttpMocker() as http_mocker:
            pages = [
                (None, aligned_start, "page_2"),
                ("page_2", aligned_start + span, "page_3"),
                ("page_3", aligned_start + 2 * span, None),
            ]
            requests = [
                usage_request("usage_embeddings", aligned_start, now, width=width, page=token).build()
                for token, _, _ in pages
            ]
            for (_, first_bucket, following), request in zip(pages, requests):
                http_mocker.get(
                    request,
                    page_token_page(
                        [bucket(first_bucket, size, [{"input_tokens": 1, "num_model_requests": 1}])],
                        next_page=following,
                    ),
                )
            output = read(
                ConfigBuilder().with_start_date(start_date).with_fields(usage_bucket_width=width).build(),
                "usage_embeddings",
                mode=SyncMode.incremental,
            )
            for request in requests:
                http_mocker.assert_number_of_calls(request, 1)
    assert not output.errors
    assert [r["start_time"] for r in records_of(output, "usage_embeddings")] == [p[1] for p in pages]
    assert final_state(output, "usage_embeddings") == {
        "start_time": str(aligned_start + 2 * span),
        "bucket_width": width,
    }


@freeze_time(NOW)
def test_next_page_is_followed_with_the_same_range() -> None:
    start = ts("2026-03-14T00:00:00Z")
    with HttpMocker() as http_mocker:
        first = usage_request("usage_images", start, NOW_TS).build()
        second = usage_request("usage_images", start, NOW_TS, page="page_AAA").build()
        third = usage_request("usage_images", start, NOW_TS, page="page_BBB").build()
        image = {
            "object": "organization.usage.images.result",
            "images": 2,
            "num_model_requests": 1,
            "source": "image.generation",
            "size": "1024x1024",
        }
        http_mocker.get(
            first, page_token_page([bucket(start, DAY, [dict(image, project_id="p1")])], next_page="page_AAA")
        )
        http_mocker.get(
            second, page_token_page([bucket(start, DAY, [dict(image, project_id="p2")])], next_page="page_BBB")
        )
        http_mocker.get(third, page_token_page([bucket(start + DAY, DAY, [dict(image, project_id="p1")])]))
        output = read(ConfigBuilder().with_start_date("2026-03-14T00:00:00Z").build(), "usage_images")
        for request in (first, second, third):
            http_mocker.assert_number_of_calls(request, 1)
    records = records_of(output, "usage_images")
    assert [(r["start_time"], r["project_id"]) for r in records] == [(start, "p1"), (start, "p2"), (start + DAY, "p1")]
    assert len({r["surrogate_key"] for r in records}) == 3


# ------------------------------------------------------------------------------------------ group_by


@pytest.mark.parametrize(
    "chosen",
    [None, [], ["model", "project_id", "line_item", "vector_store_id"], ["size", "context_level"]],
    ids=["unset-means-all", "empty-means-all", "intersection", "some-empty"],
)
@freeze_time(NOW)
def test_group_by_is_the_intersection_with_each_endpoints_allowed_set(chosen: Optional[List[str]]) -> None:
    """All eleven endpoints in one read; each must send exactly its own intersection (none when it is empty)."""
    start = ts("2026-03-15T00:00:00Z")
    fields: Dict[str, Any] = {"start_date": "2026-03-15T00:00:00Z"}
    if chosen is not None:
        fields["usage_group_by"] = chosen
    expected = {
        name: list(s.group_by) if not chosen else [g for g in s.group_by if g in chosen]
        for name, s in USAGE_STREAMS.items()
    }
    with HttpMocker() as http_mocker:
        requests = {}
        for stream in USAGE_STREAMS:
            requests[stream] = usage_request(stream, start, NOW_TS, group_by=expected[stream]).build()
            http_mocker.get(requests[stream], page_token_page([]))
        output = read(ConfigBuilder().with_fields(**fields).build(), *USAGE_STREAMS)
        for request in requests.values():
            http_mocker.assert_number_of_calls(request, 1)
    assert not output.errors
    if chosen == ["size", "context_level"]:
        assert not expected["usage_completions"]  # the request matched above carries no group_by at all


# ------------------------------------------------------------------------------------------ primary key


def test_primary_key_is_stable_across_rereads_of_a_revised_bucket() -> None:
    start = ts("2026-03-14T00:00:00Z")
    cfg = (
        ConfigBuilder()
        .with_start_date("2026-03-14T00:00:00Z")
        .with_fields(usage_group_by=["project_id", "model"], lookback_window_days=1)
        .build()
    )
    first_read = [completion("gpt-4o", "p1", 10), completion("gpt-4o", None, 3), completion(None, "p1", 1)]
    revised = [completion(None, "p1", 2), completion("gpt-4o", None, 5), completion("gpt-4o", "p1", 99)]

    with freeze_time("2026-03-14T10:00:00Z"):
        with HttpMocker() as http_mocker:
            http_mocker.get(
                usage_request("usage_completions", start, start + 10 * HOUR, group_by=["project_id", "model"]).build(),
                page_token_page([bucket(start, DAY, first_read)]),
            )
            output1 = read(cfg, "usage_completions", mode=SyncMode.incremental)
    state = final_state(output1, "usage_completions")
    assert state == {"start_time": str(start), "bucket_width": "1d"}

    with freeze_time("2026-03-15T10:00:00Z"):
        with HttpMocker() as http_mocker:
            # the lookback (1 day) stops at start_date, which is the revised bucket's start
            request = usage_request(
                "usage_completions", start, ts("2026-03-15T10:00:00Z"), group_by=["project_id", "model"]
            ).build()
            http_mocker.get(request, page_token_page([bucket(start, DAY, revised), bucket(start + DAY, DAY, [])]))
            output2 = read(
                cfg, "usage_completions", mode=SyncMode.incremental, state=stream_state("usage_completions", state)
            )
            http_mocker.assert_number_of_calls(request, 1)

    def keyed(output: Any) -> Dict[Any, Dict[str, Any]]:
        records = records_of(output, "usage_completions")
        keys = [r["surrogate_key"] for r in records]
        assert all(isinstance(k, str) and k for k in keys) and len(set(keys)) == len(keys)
        return {(r.get("model"), r.get("project_id")): r for r in records}

    before, after = keyed(output1), keyed(output2)
    assert set(before) == set(after)
    for group in before:
        assert before[group]["surrogate_key"] == after[group]["surrogate_key"]
    assert after[("gpt-4o", "p1")]["input_tokens"] == 99  # the revised number arrives under the same key


def test_primary_key_differs_between_streams_widths_and_buckets() -> None:
    from source_openai.components import UsageBucketsExtractor

    def key(stream: str, width: str, start_time: int, **dims: Any) -> str:
        extractor = UsageBucketsExtractor(
            config={"usage_bucket_width": width},
            parameters={"name": stream, "group_by_allowed": ["project_id", "model"]},
        )
        return extractor.finish(dict(dims), start_time, start_time + 1)["surrogate_key"]

    base = key("usage_completions", "1d", 0, project_id="p", model="m")
    assert base == key("usage_completions", "1d", 0, model="m", project_id="p", input_tokens=5)  # metrics do not matter
    others = {
        key("usage_embeddings", "1d", 0, project_id="p", model="m"),
        key("usage_completions", "1h", 0, project_id="p", model="m"),
        key("usage_completions", "1d", 86400, project_id="p", model="m"),
        key("usage_completions", "1d", 0, project_id="p", model=None),
        key("usage_completions", "1d", 0, project_id=None, model="m"),
        key("usage_completions", "1d", 0, project_id="m", model="p"),
    }
    assert base not in others and len(others) == 6


# ------------------------------------------------------------------------------------------ incremental


def test_first_sync_starts_at_start_date_and_saves_the_newest_bucket_start() -> None:
    start = ts("2026-02-01T00:00:00Z")
    now = ts("2026-03-05T06:00:00Z")
    with freeze_time("2026-03-05T06:00:00Z"):
        with HttpMocker() as http_mocker:
            first = usage_request("usage_moderations", start, now).build()
            last = usage_request("usage_moderations", start, now, page="page_2").build()
            row = {"object": "organization.usage.moderations.result", "input_tokens": 1, "num_model_requests": 1}
            http_mocker.get(first, page_token_page([bucket(start + 3 * DAY, DAY, [row])], next_page="page_2"))
            # the still-open bucket of today has data
            http_mocker.get(last, page_token_page([bucket(ts("2026-03-05T00:00:00Z"), DAY, [row])]))
            output = read(
                ConfigBuilder().with_start_date("2026-02-01T00:00:00Z").build(),
                "usage_moderations",
                mode=SyncMode.incremental,
            )
            http_mocker.assert_number_of_calls(first, 1)
            http_mocker.assert_number_of_calls(last, 1)
    # the cursor is the start of the newest bucket read, i.e. the open bucket: it is read again next time
    assert final_state(output, "usage_moderations") == {
        "start_time": str(ts("2026-03-05T00:00:00Z")),
        "bucket_width": "1d",
    }


def test_open_bucket_is_read_again_even_without_lookback() -> None:
    today = ts("2026-03-05T00:00:00Z")
    with freeze_time("2026-03-05T18:00:00Z"):
        with HttpMocker() as http_mocker:
            request = usage_request("usage_moderations", today, ts("2026-03-05T18:00:00Z")).build()
            http_mocker.get(
                request, page_token_page([bucket(today, DAY, [{"input_tokens": 5, "num_model_requests": 2}])])
            )
            output = read(
                ConfigBuilder().with_start_date("2026-01-01T00:00:00Z").with_fields(lookback_window_days=0).build(),
                "usage_moderations",
                mode=SyncMode.incremental,
                state=stream_state("usage_moderations", {"start_time": str(today), "bucket_width": "1d"}),
            )
            http_mocker.assert_number_of_calls(request, 1)
    assert [r["input_tokens"] for r in records_of(output, "usage_moderations")] == [5]
    assert final_state(output, "usage_moderations")["start_time"] == str(today)


def test_second_sync_rereads_the_lookback_window_before_the_state() -> None:
    state_start = ts("2026-03-10T00:00:00Z")
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            request = usage_request("usage_audio_speeches", state_start - 5 * DAY, NOW_TS).build()
            row = {"object": "organization.usage.audio_speeches.result", "characters": 10, "num_model_requests": 1}
            http_mocker.get(
                request,
                page_token_page(
                    [bucket(state_start - 4 * DAY, DAY, [row]), bucket(ts("2026-03-15T00:00:00Z"), DAY, [row])]
                ),
            )
            output = read(
                ConfigBuilder().with_start_date("2026-01-01T00:00:00Z").build(),  # lookback_window_days defaults to 5
                "usage_audio_speeches",
                mode=SyncMode.incremental,
                state=stream_state("usage_audio_speeches", {"start_time": str(state_start), "bucket_width": "1d"}),
            )
            http_mocker.assert_number_of_calls(request, 1)
    assert len(records_of(output, "usage_audio_speeches")) == 2
    assert final_state(output, "usage_audio_speeches")["start_time"] == str(ts("2026-03-15T00:00:00Z"))


def test_lookback_never_reaches_before_start_date() -> None:
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            request = usage_request("usage_vector_stores", ts("2026-03-12T00:00:00Z"), NOW_TS).build()
            http_mocker.get(request, page_token_page([]))
            read(
                ConfigBuilder().with_start_date("2026-03-12T00:00:00Z").with_fields(lookback_window_days=30).build(),
                "usage_vector_stores",
                mode=SyncMode.incremental,
                state=stream_state("usage_vector_stores", {"start_time": str(ts("2026-03-13T00:00:00Z"))}),
            )
            http_mocker.assert_number_of_calls(request, 1)


def test_a_future_state_resumes_from_the_current_bucket_instead_of_stalling() -> None:
    today = ts("2026-03-15T00:00:00Z")
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            request = usage_request("usage_audio_transcriptions", today - 2 * DAY, NOW_TS).build()
            row = {"object": "organization.usage.audio_transcriptions.result", "seconds": 60, "num_model_requests": 1}
            http_mocker.get(request, page_token_page([bucket(today - DAY, DAY, [row])]))
            output = read(
                ConfigBuilder().with_start_date("2026-01-01T00:00:00Z").with_fields(lookback_window_days=2).build(),
                "usage_audio_transcriptions",
                mode=SyncMode.incremental,
                state=stream_state(
                    "usage_audio_transcriptions", {"start_time": str(ts("2099-01-01T00:00:00Z")), "bucket_width": "1d"}
                ),
            )
            http_mocker.assert_number_of_calls(request, 1)
    assert not output.errors
    assert [r["seconds"] for r in records_of(output, "usage_audio_transcriptions")] == [60]
    assert int(final_state(output, "usage_audio_transcriptions")["start_time"]) <= NOW_TS
    assert any("in the future" in m.log.message for m in output.logs)


@pytest.mark.parametrize(
    "old_width, old_cursor, new_width, expected_start",
    [
        ("1m", "2026-03-10T13:47:00Z", "1d", "2026-03-10T00:00:00Z"),  # re-aligned down to the day
        ("1h", "2026-03-15T09:00:00Z", "1m", "2026-03-15T09:00:00Z"),  # already a minute boundary
        ("1d", "2026-03-15T00:00:00Z", "1h", "2026-03-15T00:00:00Z"),
    ],
)
def test_state_from_another_bucket_width_is_realigned_to_the_new_width(
    old_width: str, old_cursor: str, new_width: str, expected_start: str
) -> None:
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            request = usage_request(
                "usage_code_interpreter_sessions", ts(expected_start), NOW_TS, width=new_width
            ).build()
            row = {
                "object": "organization.usage.code_interpreter_sessions.result",
                "num_sessions": 1,
                "project_id": "p1",
            }
            http_mocker.get(request, page_token_page([bucket(ts(expected_start), WIDTH_SECONDS[new_width], [row])]))
            output = read(
                ConfigBuilder()
                .with_start_date("2026-03-01T00:00:00Z")
                .with_fields(usage_bucket_width=new_width, lookback_window_days=0)
                .build(),
                "usage_code_interpreter_sessions",
                mode=SyncMode.incremental,
                state=stream_state(
                    "usage_code_interpreter_sessions", {"start_time": str(ts(old_cursor)), "bucket_width": old_width}
                ),
            )
            http_mocker.assert_number_of_calls(request, 1)
    assert not output.errors
    assert final_state(output, "usage_code_interpreter_sessions") == {
        "start_time": str(ts(expected_start)),
        "bucket_width": new_width,
    }
    assert any(f"written at bucket width {old_width}" in m.log.message for m in output.logs)


@freeze_time(NOW)
def test_a_state_without_width_from_an_older_version_is_read() -> None:
    with HttpMocker() as http_mocker:
        request = usage_request("usage_web_search_calls", ts("2026-03-13T00:00:00Z"), NOW_TS).build()
        http_mocker.get(request, page_token_page([]))
        output = read(
            ConfigBuilder().with_start_date("2026-01-01T00:00:00Z").with_fields(lookback_window_days=1).build(),
            "usage_web_search_calls",
            mode=SyncMode.incremental,
            state=stream_state("usage_web_search_calls", {"start_time": 1773446400}),  # 2026-03-14, as an int
        )
        http_mocker.assert_number_of_calls(request, 1)
    assert final_state(output, "usage_web_search_calls") == {"start_time": "1773446400", "bucket_width": "1d"}


@freeze_time(NOW)
def test_file_search_calls_full_refresh_reads_everything_from_start_date() -> None:
    start = ts("2026-03-15T00:00:00Z")
    with HttpMocker() as http_mocker:
        request = usage_request("usage_file_search_calls", start, NOW_TS).build()
        row = {"object": "organization.usage.file_searches.result", "num_requests": 4, "vector_store_id": "vs_1"}
        http_mocker.get(request, page_token_page([bucket(start, DAY, [row])]))
        output = read(ConfigBuilder().with_start_date("2026-03-15T00:00:00Z").build(), "usage_file_search_calls")
        http_mocker.assert_number_of_calls(request, 1)
    assert [r["num_requests"] for r in records_of(output, "usage_file_search_calls")] == [4]


def test_discover_lists_the_usage_streams_as_incremental_on_start_time() -> None:
    catalog = discover(ConfigBuilder().build()).catalog.catalog
    by_name = {s.name: s for s in catalog.streams}
    for name in USAGE_STREAMS:
        stream = by_name[name]
        assert SyncMode.incremental in stream.supported_sync_modes
        assert stream.default_cursor_field == ["start_time"]
        assert stream.source_defined_primary_key == [["surrogate_key"]]
    audit = by_name["audit_logs"]
    assert audit.default_cursor_field == ["effective_at"] and audit.source_defined_primary_key == [["id"]]
