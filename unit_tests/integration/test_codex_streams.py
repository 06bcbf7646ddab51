"""Codex Enterprise Analytics streams, through the real manifest with mocked HTTP.

Time is frozen at 2026-01-10T12:00Z, so "today" is 2026-01-10 and the exclusive `end_time` of the last window is
2026-01-11T00:00Z.
"""

import json
from functools import partial
from typing import Any, Dict, List, Mapping, Optional
from unittest.mock import patch

import pytest
from airbyte_cdk.models import Status, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from source_openai.components import (
    ConfigError,
    FullReadForNewPartitions,
    WorkspacePartitionRouter,
    normalize_config,
)

from .config import CODEX_KEY, ConfigBuilder
from .request_builder import RequestBuilder, codex_check_request, codex_request, epoch as ts, expect
from .response_builder import error_response, page_token_page
from .source_runner import check, discover, read, records_of, stream_state

NOW = "2026-01-10T12:00:00Z"
DAY = 86400


JAN_01, JAN_11 = ts("2026-01-01"), ts("2026-01-11")
CODEX_STREAMS = [
    "codex_usage",
    "codex_usage_clients",
    "codex_usage_models",
    "codex_code_reviews",
    "codex_code_review_responses",
]


# A workspace's usage page over this module's window (JAN_01 to JAN_11).
usage_request = partial(codex_request, "usage", start=JAN_01, end=JAN_11, group="user")


def usage_row(
    day: int, user: Optional[str], clients: Optional[List[Mapping[str, Any]]] = None, models: Any = None
) -> Dict[str, Any]:
    return {
        "object": "codex.usage",
        "start_time": day,
        "end_time": day + DAY,
        "user_id": user,
        "actor": {"type": "user", "user_id": user, "email": None} if user else None,
        "totals": {"threads": 1, "turns": 2, "credits": 0.5},
        "clients": clients if clients is not None else [],
        "models": models,
        "code_attribution": None,
    }


def usage_states(output, stream: str = "codex_usage") -> Dict[str, str]:
    state = output.most_recent_state.stream_state.__dict__
    return {item["partition"]["workspace_id"]: item["cursor"]["start_time"] for item in state["states"]}


# ------------------------------------------------------------------------------------------ discover / config


def test_discover_lists_codex_streams_only_with_key_and_workspaces():
    with_codex = {
        s.name for s in discover(normalize_config(ConfigBuilder().with_codex().build())).catalog.catalog.streams
    }
    assert set(CODEX_STREAMS) <= with_codex
    without = {s.name for s in discover(normalize_config(ConfigBuilder().build())).catalog.catalog.streams}
    assert not without & set(CODEX_STREAMS)
    assert "users" in without


def test_discover_primary_keys_and_cursor():
    streams = {
        s.name: s for s in discover(normalize_config(ConfigBuilder().with_codex().build())).catalog.catalog.streams
    }
    assert streams["codex_usage"].source_defined_primary_key == [["workspace_id"], ["start_time"], ["user_key"]]
    assert streams["codex_usage_clients"].source_defined_primary_key == [
        ["workspace_id"],
        ["start_time"],
        ["user_key"],
        ["index"],
    ]
    assert streams["codex_code_reviews"].default_cursor_field == ["start_time"]
    assert SyncMode.incremental in streams["codex_code_review_responses"].supported_sync_modes


@pytest.mark.parametrize("raw", ["ws 1", "ws_1;ws_2", "ws_1,ws/2", "wsé"])
def test_malformed_workspace_ids_are_refused_before_any_request(raw):
    with pytest.raises(ConfigError) as info:
        normalize_config(ConfigBuilder().with_codex(raw).build())
    assert "`workspace_ids` has malformed ID(s)" in info.value.message
    # The router validates on its own too (e.g. in the Connector Builder, where the spec transformation may not run).
    with pytest.raises(ConfigError):
        list(WorkspacePartitionRouter(config={"workspace_ids": raw}, parameters={}).stream_slices())


def test_router_trims_and_deduplicates():
    router = WorkspacePartitionRouter(config={"workspace_ids": " ws_1, ws_2 ,ws_1,, "}, parameters={})
    assert [s.partition for s in router.stream_slices()] == [{"workspace_id": "ws_1"}, {"workspace_id": "ws_2"}]


def test_codex_key_without_workspaces_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        normalize_config(ConfigBuilder().with_codex("").build())
    assert "`workspace_ids` is required" in info.value.message


# ------------------------------------------------------------------------------------------ read


@freeze_time(NOW)
def test_two_workspaces_with_interleaved_pages_and_exact_params():
    with HttpMocker() as http:
        requests = [
            expect(http, usage_request("ws_1"), page_token_page([usage_row(JAN_01, "u1")], next_page="p2")),
            expect(http, usage_request("ws_2"), page_token_page([usage_row(JAN_01, "u9")], next_page="p2")),
            expect(
                http, usage_request("ws_1", page="p2"), page_token_page([usage_row(JAN_01 + DAY, "u1")], next_page="p3")
            ),
            expect(http, usage_request("ws_2", page="p2"), page_token_page([usage_row(JAN_01 + 3 * DAY, "u9")])),
            expect(http, usage_request("ws_1", page="p3"), page_token_page([usage_row(JAN_01 + 2 * DAY, "u2")])),
        ]
        output = read(ConfigBuilder().with_codex().build(), "codex_usage", mode=SyncMode.incremental)
        for request in requests:
            http.assert_number_of_calls(request, 1)

    assert not output.errors
    rows = sorted((r["workspace_id"], r["user_key"], r["start_time"]) for r in records_of(output, "codex_usage"))
    assert rows == [
        ("ws_1", "u1", JAN_01),
        ("ws_1", "u1", JAN_01 + DAY),
        ("ws_1", "u2", JAN_01 + 2 * DAY),
        ("ws_2", "u9", JAN_01),
        ("ws_2", "u9", JAN_01 + 3 * DAY),
    ]
    assert usage_states(output) == {"ws_1": str(JAN_01 + 2 * DAY), "ws_2": str(JAN_01 + 3 * DAY)}


@freeze_time(NOW)
def test_long_history_is_read_in_90_day_windows_with_exclusive_day_aligned_ends():
    start = ts("2025-09-01")
    windows = [(start, start + 90 * DAY), (start + 90 * DAY, JAN_11)]
    assert start + 90 * DAY < JAN_11 <= start + 180 * DAY  # two windows: 90 days, then up to tomorrow 00:00
    with HttpMocker() as http:
        requests = [
            expect(http, codex_request("code_reviews", "ws_1", lower, upper), page_token_page([]))
            for lower, upper in windows
        ]
        output = read(
            ConfigBuilder().with_codex("ws_1").with_start_date("2025-09-01T15:30:00Z").build(),
            "codex_code_reviews",
            mode=SyncMode.incremental,
        )
        for request in requests:
            http.assert_number_of_calls(request, 1)
    assert not output.errors


@freeze_time(NOW)
def test_state_per_workspace_lookback_and_a_workspace_added_between_syncs():
    """ws_1/ws_2 resume from their own cursors minus the 5-day lookback; ws_3, added later, backfills from
    start_date."""
    start = ts("2025-12-01")
    cfg = ConfigBuilder().with_codex("ws_1,ws_2,ws_3").with_start_date("2025-12-01T00:00:00Z").build()
    # The state a previous sync (with ws_1, ws_2 and a since-removed ws_old) left, including the CDK's global cursor.
    state = stream_state(
        "codex_code_review_responses",
        {
            "use_global_cursor": False,
            "states": [
                {"partition": {"workspace_id": "ws_1"}, "cursor": {"start_time": str(ts("2026-01-08"))}},
                {"partition": {"workspace_id": "ws_2"}, "cursor": {"start_time": str(ts("2026-01-05"))}},
                {"partition": {"workspace_id": "ws_old"}, "cursor": {"start_time": str(ts("2026-01-09"))}},
            ],
            "state": {"start_time": str(ts("2026-01-09"))},
            "lookback_window": 12,
        },
    )
    endpoint = "code_review_responses"
    row = {
        "object": "codex.code_review_responses",
        "pull_request_reviews": 3,
        "comments": 4,
        "replies": 1,
        "reactions": 2,
        "reaction_details": {"upvotes": 2, "downvotes": 0, "other": 0},
    }
    with HttpMocker() as http:
        requests = [
            expect(
                http,
                codex_request(endpoint, "ws_1", ts("2026-01-03"), JAN_11),
                page_token_page([{**row, "start_time": ts("2026-01-09"), "end_time": ts("2026-01-10")}]),
            ),
            expect(http, codex_request(endpoint, "ws_2", ts("2025-12-31"), JAN_11), page_token_page([])),
            # ws_3 is new: from start_date, in 90-day windows (here one: 2025-12-01 .. tomorrow).
            expect(
                http,
                codex_request(endpoint, "ws_3", start, JAN_11),
                page_token_page([{**row, "start_time": start, "end_time": start + DAY}], next_page="n"),
            ),
            expect(
                http,
                codex_request(endpoint, "ws_3", start, JAN_11, page="n"),
                page_token_page([{**row, "start_time": ts("2026-01-02"), "end_time": ts("2026-01-03")}]),
            ),
        ]
        output = read(cfg, "codex_code_review_responses", mode=SyncMode.incremental, state=state)
        for request in requests:
            http.assert_number_of_calls(request, 1)

    assert not output.errors
    records = records_of(output, "codex_code_review_responses")
    assert sorted((r["workspace_id"], r["start_time"]) for r in records) == [
        ("ws_1", ts("2026-01-09")),
        ("ws_3", start),
        ("ws_3", ts("2026-01-02")),
    ]
    assert all(r["user_key"] == "workspace" for r in records)
    states = usage_states(output)
    assert states["ws_1"] == str(ts("2026-01-09"))
    assert states["ws_2"] == str(ts("2026-01-05"))  # nothing new: the cursor stays
    assert states["ws_3"] == str(ts("2026-01-02"))
    assert states["ws_old"] == str(ts("2026-01-09"))  # a removed workspace's cursor is kept, unused


@freeze_time(NOW)
@pytest.mark.parametrize("status", [403, 404])
def test_a_failing_workspace_is_skipped_and_the_others_complete(status):
    with HttpMocker() as http:
        http.get(usage_request("ws_1").build(), page_token_page([usage_row(JAN_01, "u1")]))
        http.get(usage_request("ws_bad").build(), error_response(status, "Workspace not found"))
        http.get(usage_request("ws_3").build(), page_token_page([usage_row(JAN_01, "u3")], next_page="p2"))
        http.get(usage_request("ws_3", page="p2").build(), page_token_page([usage_row(JAN_01 + DAY, "u3")]))
        output = read(ConfigBuilder().with_codex("ws_1,ws_bad,ws_3").build(), "codex_usage", mode=SyncMode.incremental)

    assert not output.errors
    assert sorted((r["workspace_id"], r["start_time"]) for r in records_of(output, "codex_usage")) == [
        ("ws_1", JAN_01),
        ("ws_3", JAN_01),
        ("ws_3", JAN_01 + DAY),
    ]
    assert output.is_in_logs("Skipping Codex analytics of workspace ws_bad")
    assert output.is_in_logs("codex.enterprise.analytics.read")
    assert not output.is_in_logs("workspace ws_1 ")
    # The skipped workspace did not advance: once fixed, it backfills from start_date.
    assert usage_states(output)["ws_bad"] == str(JAN_01)


@freeze_time(NOW)
def test_nested_arrays_become_child_records_with_parent_keys():
    rows = [
        usage_row(
            JAN_01,
            "u1",
            clients=[
                {"client_id": "cli", "threads": 1, "turns": 3, "credits": 1.25},
                {"client_id": "ide", "threads": 2},
            ],
            models=[
                {"model": "gpt-5-codex", "credits": 1.0, "speed": None},
                {"model": "gpt-5-codex", "credits": 0.25, "speed": "fast"},
            ],
        ),
        # A workspace-level row (no user): keyed by the stand-in "workspace"; null models yield no child.
        usage_row(JAN_01, None, clients=[{"client_id": "web", "turns": 1}], models=None),
    ]
    with HttpMocker() as http:
        for stream in ("codex_usage", "codex_usage_clients", "codex_usage_models"):
            http.get(usage_request("ws_1").build(), page_token_page(rows))
            output = read(ConfigBuilder().with_codex("ws_1").build(), stream, mode=SyncMode.incremental)
            assert not output.errors
            if stream == "codex_usage":
                parents = records_of(output, stream)
                assert [(p["user_key"], p.get("user_id")) for p in parents] == [("u1", "u1"), ("workspace", None)]
                assert parents[0]["clients"] == rows[0]["clients"]  # the parent keeps the API row whole
            elif stream == "codex_usage_clients":
                assert records_of(output, stream) == [
                    {
                        "client_id": "cli",
                        "threads": 1,
                        "turns": 3,
                        "credits": 1.25,
                        "start_time": JAN_01,
                        "end_time": JAN_01 + DAY,
                        "user_id": "u1",
                        "user_key": "u1",
                        "index": 0,
                        "workspace_id": "ws_1",
                    },
                    {
                        "client_id": "ide",
                        "threads": 2,
                        "start_time": JAN_01,
                        "end_time": JAN_01 + DAY,
                        "user_id": "u1",
                        "user_key": "u1",
                        "index": 1,
                        "workspace_id": "ws_1",
                    },
                    # (the CDK leaves null fields out of emitted records: user_id is null here)
                    {
                        "client_id": "web",
                        "turns": 1,
                        "start_time": JAN_01,
                        "end_time": JAN_01 + DAY,
                        "user_key": "workspace",
                        "index": 0,
                        "workspace_id": "ws_1",
                    },
                ]
            else:
                models = records_of(output, stream)
                assert [(m["model"], m.get("speed"), m["user_key"], m["index"], m["workspace_id"]) for m in models] == [
                    ("gpt-5-codex", None, "u1", 0, "ws_1"),
                    ("gpt-5-codex", "fast", "u1", 1, "ws_1"),
                ]
            http.clear_all_matchers()


@freeze_time(NOW)
def test_a_refused_limit_is_halved_and_the_read_goes_on():
    refusal = error_response(400, "limit must be less than or equal to 250", code="invalid_value")
    with (
        HttpMocker() as http,
        patch("airbyte_cdk.sources.declarative.retrievers.page_size_reducer.time.sleep") as sleep,
    ):
        first = expect(http, usage_request("ws_1"), refusal)
        retry = expect(
            http, usage_request("ws_1", limit=250), page_token_page([usage_row(JAN_01, "u1")], next_page="p2")
        )
        second = expect(
            http, usage_request("ws_1", limit=250, page="p2"), page_token_page([usage_row(JAN_01 + DAY, "u1")])
        )
        output = read(ConfigBuilder().with_codex("ws_1").build(), "codex_usage", mode=SyncMode.incremental)
        http.assert_number_of_calls(first, 1)
        http.assert_number_of_calls(retry, 1)
        http.assert_number_of_calls(second, 1)  # the reduced size is kept for the following pages
    assert not output.errors
    assert [r["start_time"] for r in records_of(output, "codex_usage")] == [JAN_01, JAN_01 + DAY]
    assert sleep.called


@freeze_time(NOW)
def test_a_fastapi_style_limit_refusal_is_understood_too():
    refusal = HttpResponse(
        json.dumps({"detail": [{"loc": ["query", "limit"], "msg": "ensure this value is <= 100"}]}), 422
    )
    with HttpMocker() as http, patch("airbyte_cdk.sources.declarative.retrievers.page_size_reducer.time.sleep"):
        http.get(usage_request("ws_1").build(), refusal)
        http.get(usage_request("ws_1", limit=250).build(), refusal)
        http.get(usage_request("ws_1", limit=125).build(), refusal)
        http.get(usage_request("ws_1", limit=62).build(), page_token_page([usage_row(JAN_01, "u1")]))
        output = read(ConfigBuilder().with_codex("ws_1").build(), "codex_usage", mode=SyncMode.incremental)
    assert not output.errors
    assert len(records_of(output, "codex_usage")) == 1


@freeze_time(NOW)
def test_another_bad_request_fails_with_the_api_message_and_the_url():
    with HttpMocker() as http:
        http.get(usage_request("ws_1").build(), error_response(400, "Unknown parameter: group"))
        output = read(
            ConfigBuilder().with_codex("ws_1").build(), "codex_usage", mode=SyncMode.incremental, expect_error=True
        )
    messages = " ".join(e.trace.error.message for e in output.errors)
    assert "Unknown parameter: group" in messages
    assert "/workspaces/ws_1/usage" in messages
    assert CODEX_KEY not in str([m for m in output.errors])


@freeze_time(NOW)
def test_401_is_a_config_error_naming_the_codex_key():
    with HttpMocker() as http:
        http.get(usage_request("ws_1").build(), error_response(401, "Incorrect API key"))
        output = read(
            ConfigBuilder().with_codex("ws_1").build(), "codex_usage", mode=SyncMode.incremental, expect_error=True
        )
    assert any("`codex_api_key`" in e.trace.error.message for e in output.errors)


# ------------------------------------------------------------------------------------------ state migration


def test_state_migration_drops_only_the_global_cursor():
    migration = FullReadForNewPartitions(config={}, parameters={})
    per_partition = {
        "states": [{"partition": {"workspace_id": "a"}, "cursor": {"start_time": "1"}}],
        "use_global_cursor": False,
    }
    state = {**per_partition, "state": {"start_time": "9"}, "lookback_window": 3}
    assert migration.should_migrate(state)
    assert migration.migrate(state) == per_partition
    assert not migration.should_migrate(per_partition)
    assert not migration.should_migrate({})
    assert not migration.should_migrate({"start_time": "5"})  # a hand-written global state still applies to all


# ------------------------------------------------------------------------------------------ check


def _mock_admin_check(http: HttpMocker) -> None:
    http.get(RequestBuilder.api("/organization/projects").with_limit(1).build(), page_token_page([]))


@freeze_time(NOW)
def test_check_validates_every_workspace():
    with HttpMocker() as http:
        _mock_admin_check(http)
        requests = [
            expect(http, codex_check_request(ws), page_token_page([usage_row(JAN_01, "u1")]))
            for ws in ("ws_1", "ws_2", "ws_3")
        ]
        output = check(normalize_config(ConfigBuilder().with_codex("ws_1,ws_2,ws_3").build()))
        for request in requests:
            http.assert_number_of_calls(request, 1)
    assert output.connection_status_messages[-1].connectionStatus.status == Status.SUCCEEDED


@freeze_time(NOW)
@pytest.mark.parametrize("bad_position", [0, 1, 2])
def test_check_fails_on_one_bad_workspace_among_good_ones(bad_position):
    workspaces = ["ws_1", "ws_2", "ws_3"]
    bad = workspaces[bad_position]
    with HttpMocker() as http:
        _mock_admin_check(http)
        for workspace in workspaces:
            response = error_response(404, "not found") if workspace == bad else page_token_page([])
            http.get(codex_check_request(workspace).build(), response)
        output = check(normalize_config(ConfigBuilder().with_codex(",".join(workspaces)).build()))
    status = output.connection_status_messages[-1].connectionStatus
    assert status.status == Status.FAILED
    assert f"/workspaces/{bad}/usage" in status.message
    assert "codex.enterprise.analytics.read" in status.message
