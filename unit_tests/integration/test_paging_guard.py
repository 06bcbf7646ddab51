"""The paging progress guard (components.PagingProgressGuard, on every requester's error policy): a page that says
`has_more` but makes no progress fails its partition before any of its records is emitted, naming the stream, the
endpoint and the cursor; everything else goes on and the sync reports the failure. One test per paging style, plus
a two-page cycle, an empty page, a parent read from the request cache and a list without `last_id`.

A stop_condition could not do this: it sees no earlier cursor, cannot fail, and runs after the page's records were
emitted, so a repeated page would be emitted twice (the first test shows those records come out once).
"""

import json
from typing import List

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from .admin_streams import page, request, sample_record
from .config import ConfigBuilder
from .request_builder import RequestBuilder, codex_request, epoch, expect, usage_request
from .response_builder import (
    bucket,
    error_response,
    id_cursor_page,
    last_end_time_page,
    next_cursor_page,
    page_token_page,
)
from .source_runner import all_output_text, read, records_of

DAY = 86400
NOW, NOW_TS = "2026-03-15T12:34:56Z", epoch("2026-03-15T12:34:56Z")  # usage tests freeze time here
JAN_01, JAN_11 = epoch("2026-01-01"), epoch("2026-01-11")  # the Codex test's window (time frozen on 2026-01-10)

INVITES = [sample_record("invites", id=f"invite_{n}") for n in range(1, 5)]


def _errors(output) -> List[str]:
    return [e.trace.error.message for e in output.errors]


def _assert_guarded(output, stream: str, path: str, cursor: str) -> None:
    messages = [m for m in _errors(output) if "made no progress" in m and m.startswith(f"{stream}:")]
    assert messages, _errors(output)
    assert stream in messages[0] and path in messages[0] and cursor in messages[0], messages[0]


def test_id_cursor_a_repeated_page_fails_the_stream_and_is_not_emitted_again():
    with HttpMocker() as http:
        first, second = request("invites").build(), request("invites", after="invite_2").build()
        http.get(first, page("invites", INVITES[:2], next_token="invite_2"))
        http.get(second, page("invites", INVITES[:2], next_token="invite_2"))  # the first page again
        http.get(request("certificates").build(), page("certificates", [sample_record("certificates")]))
        output = read(ConfigBuilder().build(), "invites", "certificates", expect_error=True)
        http.assert_number_of_calls(second, 1)  # stopped at once, not retried
    assert [r["id"] for r in records_of(output, "invites")] == ["invite_1", "invite_2"]  # once each
    assert len(records_of(output, "certificates")) == 1  # the other stream finished
    _assert_guarded(output, "invites", "/organization/invites", "'invite_2'")


def test_nothing_of_a_refused_page_is_logged():
    """The page holds data (e-mails, stored prompts): the failure names stream, endpoint and cursor, never its content.
    The CDK's HttpClient logs the response body of a FAIL resolution, so the guard raises its own error instead."""
    invites = [dict(invite, email=f"person{n}@example.org") for n, invite in enumerate(INVITES[:2])]
    chat = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "SECRET ANSWER"}}
        ],
    }
    stored = RequestBuilder.api("/chat/completions").with_param("order", "desc").with_limit(100)
    with HttpMocker() as http:
        http.get(request("invites").build(), page("invites", invites, next_token="x"))
        http.get(request("invites", after=invites[1]["id"]).build(), page("invites", invites, next_token="x"))
        http.get(stored.build(), id_cursor_page([chat], has_more=True))
        http.get(
            RequestBuilder.api("/chat/completions")
            .with_param("order", "desc")
            .with_limit(100)
            .with_after("chatcmpl-1")
            .build(),
            id_cursor_page([chat], has_more=True),
        )
        output = read(ConfigBuilder().with_project_key().build(), "invites", "chat_completions", expect_error=True)
    _assert_guarded(output, "invites", "/organization/invites", repr(invites[1]["id"]))
    _assert_guarded(output, "chat_completions", "/chat/completions", "'chatcmpl-1'")
    assert len(records_of(output, "invites")) == 2 and len(records_of(output, "chat_completions")) == 1
    logged = "\n".join(line for line in all_output_text(output).splitlines() if '"type":"RECORD"' not in line)
    assert "made no progress" in logged
    assert "@example.org" not in logged and "SECRET ANSWER" not in logged


def test_a_cycle_of_two_pages_is_caught_when_a_cursor_comes_back():
    with HttpMocker() as http:
        http.get(request("invites").build(), page("invites", INVITES[:1], next_token="x"))
        http.get(request("invites", after="invite_1").build(), page("invites", INVITES[1:2], next_token="x"))
        # the third page points back at invite_1's page: its records must not be emitted
        http.get(
            request("invites", after="invite_2").build(),
            HttpResponse(
                json.dumps(
                    {
                        "object": "list",
                        "data": INVITES[2:3],
                        "first_id": "invite_3",
                        "last_id": "invite_1",
                        "has_more": True,
                    }
                )
            ),
        )
        output = read(ConfigBuilder().build(), "invites", expect_error=True)
    assert [r["id"] for r in records_of(output, "invites")] == ["invite_1", "invite_2"]
    _assert_guarded(output, "invites", "/organization/invites", "'invite_1'")


def test_an_empty_page_that_says_there_is_more_fails():
    with HttpMocker() as http:
        http.get(request("invites").build(), page("invites", INVITES[:2], next_token="x"))
        http.get(request("invites", after="invite_2").build(), id_cursor_page([], has_more=True))
        output = read(ConfigBuilder().build(), "invites", expect_error=True)
    assert len(records_of(output, "invites")) == 2
    assert any("no records says there are more" in m and "/organization/invites" in m for m in _errors(output)), (
        _errors(output)
    )


def test_next_cursor_on_a_cached_parent_list():
    """`groups` is the parent of group_users/group_roles, so its pages go through the CDK's request cache."""
    groups = [sample_record("groups", id="group_1"), sample_record("groups", id="group_2")]
    with HttpMocker() as http:
        http.get(request("groups").build(), next_cursor_page(groups, "cursor_A"))
        http.get(request("groups", after="cursor_A").build(), next_cursor_page(groups, "cursor_A"))
        output = read(ConfigBuilder().build(), "groups", expect_error=True)
    assert [r["id"] for r in records_of(output, "groups")] == ["group_1", "group_2"]
    _assert_guarded(output, "groups", "/organization/groups", "'cursor_A'")


def test_a_list_without_last_id_uses_the_last_items_id():
    jobs = [
        {"object": "fine_tuning.job", "id": "ftjob_1", "created_at": 1},
        {"object": "fine_tuning.job", "id": "ftjob_2", "created_at": 2},
    ]
    base = RequestBuilder.api("/fine_tuning/jobs").with_limit(100)
    with HttpMocker() as http:
        http.get(base.build(), id_cursor_page(jobs, has_more=True, with_ids=False))
        http.get(
            RequestBuilder.api("/fine_tuning/jobs").with_limit(100).with_after("ftjob_2").build(),
            id_cursor_page(jobs, has_more=True, with_ids=False),
        )
        output = read(ConfigBuilder().with_project_key().build(), "fine_tuning_jobs", expect_error=True)
    assert [r["id"] for r in records_of(output, "fine_tuning_jobs")] == ["ftjob_1", "ftjob_2"]
    _assert_guarded(output, "fine_tuning_jobs", "/fine_tuning/jobs", "'ftjob_2'")


@freeze_time(NOW)
def test_page_token_usage_pages():
    start = epoch("2026-03-14T00:00:00Z")
    row = {"object": "organization.usage.images.result", "images": 2, "num_model_requests": 1, "project_id": "p1"}
    with HttpMocker() as http:
        first = usage_request("usage_images", start, NOW_TS).build()
        again = usage_request("usage_images", start, NOW_TS, page="page_AAA").build()
        http.get(first, page_token_page([bucket(start, DAY, [row])], next_page="page_AAA"))
        http.get(again, page_token_page([bucket(start, DAY, [row])], next_page="page_AAA"))
        output = read(
            ConfigBuilder().with_start_date("2026-03-14T00:00:00Z").build(), "usage_images", expect_error=True
        )
        http.assert_number_of_calls(again, 1)
    assert len(records_of(output, "usage_images")) == 1
    _assert_guarded(output, "usage_images", "/organization/usage/images", "'page_AAA'")


@freeze_time("2026-01-10T12:00:00Z")
def test_codex_pages_one_workspace_stuck_the_other_completes():
    review = {
        "object": "codex.code_review",
        "start_time": JAN_01,
        "end_time": JAN_01 + DAY,
        "user_id": "u1",
        "reviews": 1,
    }
    with HttpMocker() as http:
        expect(http, codex_request("code_reviews", "ws_1", JAN_01, JAN_11), page_token_page([review], next_page="p2"))
        expect(
            http,
            codex_request("code_reviews", "ws_1", JAN_01, JAN_11, page="p2"),
            page_token_page([review], next_page="p2"),
        )
        expect(
            http, codex_request("code_reviews", "ws_2", JAN_01, JAN_11), page_token_page([dict(review, user_id="u2")])
        )
        output = read(
            ConfigBuilder().with_codex("ws_1,ws_2").build(),
            "codex_code_reviews",
            mode=SyncMode.incremental,
            expect_error=True,
        )
    records = records_of(output, "codex_code_reviews")
    assert sorted((r["workspace_id"], r["user_id"]) for r in records) == [("ws_1", "u1"), ("ws_2", "u2")]
    _assert_guarded(output, "codex_code_reviews", "/workspaces/ws_1/code_reviews", "'p2'")


def test_a_last_page_or_an_error_is_left_to_the_error_policy():
    """No false alarm: `has_more: false` ends the stream, and a 403 is still skipped."""
    with HttpMocker() as http:
        http.get(request("invites").build(), page("invites", INVITES[:2]))
        http.get(request("certificates").build(), error_response(403, "no"))
        output = read(ConfigBuilder().build(), "invites", "certificates")
    assert not output.errors and len(records_of(output, "invites")) == 2


# ------------------------------------------------------------------------------------------- a page without a cursor
def _assert_no_cursor(output, stream: str, path: str, field_name: str) -> None:
    messages = [m for m in _errors(output) if m.startswith(f"{stream}:") and "has_more: true" in m]
    assert messages, _errors(output)
    assert path in messages[0] and f"carries no {field_name}" in messages[0], messages[0]


def test_next_cursor_a_page_with_more_but_no_next_fails_instead_of_ending_quietly():
    """Before, `/organization/roles` with `has_more: true, next: null` ended the stream after one page, losing the
    rest without a word. Now the stream fails naming `next`; the other streams go on."""
    roles = [sample_record("roles", id="role_1")]
    with HttpMocker() as http:
        http.get(request("roles").build(), next_cursor_page(roles, None, has_more=True))
        http.get(request("invites").build(), page("invites", INVITES[:2]))
        output = read(ConfigBuilder().build(), "roles", "invites", expect_error=True)
    assert not records_of(output, "roles")  # nothing of the refused page
    assert len(records_of(output, "invites")) == 2
    _assert_no_cursor(output, "roles", "/organization/roles", "`next`")


@freeze_time(NOW)
def test_page_token_a_usage_page_with_more_but_no_next_page_fails():
    start = epoch("2026-03-14T00:00:00Z")
    row = {"object": "organization.usage.images.result", "images": 2, "num_model_requests": 1, "project_id": "p1"}
    with HttpMocker() as http:
        http.get(
            usage_request("usage_images", start, NOW_TS).build(),
            page_token_page([bucket(start, DAY, [row])], None, has_more=True),
        )
        output = read(
            ConfigBuilder().with_start_date("2026-03-14T00:00:00Z").build(), "usage_images", expect_error=True
        )
    _assert_no_cursor(output, "usage_images", "/organization/usage/images", "`next_page`")


def test_id_cursor_a_page_with_more_but_neither_last_id_nor_an_item_id_fails():
    jobs = [{"object": "fine_tuning.job", "created_at": 1}]
    with HttpMocker() as http:
        http.get(
            RequestBuilder.api("/fine_tuning/jobs").with_limit(100).build(),
            id_cursor_page(jobs, has_more=True, with_ids=False),
        )
        output = read(ConfigBuilder().with_project_key().build(), "fine_tuning_jobs", expect_error=True)
    _assert_no_cursor(output, "fine_tuning_jobs", "/fine_tuning/jobs", "`last_id` nor an `id` on its last record")


@freeze_time("2026-11-03T00:00:00Z")
def test_last_end_time_a_compliance_page_with_more_but_no_last_end_time_fails():
    from .request_builder import compliance_logs_request as logs
    from .test_compliance_requests import ORG, START, WS, descriptor

    with HttpMocker() as http:
        http.get(
            logs("workspaces", WS, "2026-11-01T00:00:00Z").build(),
            last_end_time_page([descriptor(1, 1)], has_more=True, last_end_time=None),
        )
        http.get(
            logs("organizations", "org-FAKEorg123", "2026-11-01T00:00:00Z").build(),
            last_end_time_page([descriptor(2, 2)], has_more=False),
        )
        output = read(
            ConfigBuilder().with_compliance(f"{WS},{ORG}").with_start_date(START).build(),
            "compliance_log_files",
            mode=SyncMode.incremental,
            expect_error=True,
        )
    assert [r["id"] for r in records_of(output, "compliance_log_files")] == ["logf_2"]  # the other principal
    _assert_no_cursor(output, "compliance_log_files", f"/compliance/workspaces/{WS}/logs", "`last_end_time`")


def test_every_stream_names_the_cursor_its_paginator_follows():
    """The guard and the paginators agree stream by stream: the retriever's `$parameters.paging` names the style whose
    cursor field (PAGING_CURSORS) the stream's paginator reads, and `none` goes with an unpaged stream."""
    from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
    from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

    from source_openai.components import PAGING_CURSORS
    from source_openai.source import load_manifest

    manifest = ManifestReferenceResolver().preprocess_manifest(load_manifest())
    manifest = ManifestComponentTransformer().propagate_types_and_parameters("", manifest, {})

    def streams(entries):
        for entry in entries:
            yield from streams(entry["streams"]) if entry.get("type") == "ConditionalStreams" else [entry]

    seen = {}
    for stream in streams(manifest["streams"]):
        retriever = stream["retriever"]
        paging = retriever["requester"]["error_handler"]["$parameters"].get("paging")
        strategy = retriever["paginator"].get("pagination_strategy") or {}
        cursor_value = strategy.get("cursor_value")
        if cursor_value is None:  # NoPagination, or check's one-request-per-workspace walk
            assert paging == "none", (stream["name"], paging)
        else:
            assert paging in PAGING_CURSORS, (stream["name"], paging)
            assert f"response.get('{PAGING_CURSORS[paging]}')" in cursor_value, (stream["name"], paging, cursor_value)
        seen[paging] = seen.get(paging, 0) + 1
    assert set(seen) == set(PAGING_CURSORS) | {"none"}, seen  # every style is in use
