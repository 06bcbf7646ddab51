"""Stored chat completions, their messages, voice consents and checkpoint permissions (HttpMocker): exact query
parameters over two pages, the client-side incremental cursor of chat_completions, the messages fan-out and the
two-key discovery rule of the checkpoint permissions."""

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import ADMIN_KEY, PROJECT_KEY, ConfigBuilder
from .request_builder import RequestBuilder
from .response_builder import error_response, id_cursor_page
from .source_runner import discover, read, records_of, stream_state

NOW = "2026-03-01T00:00:00Z"
NOW_TS = 1772323200


def completion(n: int, created: int):
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": created,
        "model": "gpt-4o-mini",
        "choices": [],
        "metadata": {"team": "search"},
    }


def completions(after=None, **params) -> RequestBuilder:
    builder = (
        RequestBuilder.api("/chat/completions").with_bearer(PROJECT_KEY).with_param("order", "desc").with_limit(100)
    )
    for name, value in params.items():
        builder = builder.with_param(name, value)
    return builder.with_after(after) if after else builder


def messages(completion_id: str, after=None) -> RequestBuilder:
    builder = (
        RequestBuilder.api(f"/chat/completions/{completion_id}/messages")
        .with_bearer(PROJECT_KEY)
        .with_param("order", "asc")
        .with_limit(100)
    )
    return builder.with_after(after) if after else builder


@freeze_time(NOW)
def test_completions_two_pages_newest_first_with_metadata_and_model_filters():
    config = (
        ConfigBuilder()
        .with_project_key()
        .with_fields(chat_completions_metadata={"team": "search", "env": "prod"}, chat_completions_model="gpt-4o-mini")
        .build()
    )
    filters = {"metadata[team]": "search", "metadata[env]": "prod", "model": "gpt-4o-mini"}
    with HttpMocker() as http:
        first, second = completions(**filters).build(), completions(after="chatcmpl-2", **filters).build()
        http.get(first, id_cursor_page([completion(3, NOW_TS - 10), completion(2, NOW_TS - 20)], has_more=True))
        http.get(second, id_cursor_page([completion(1, NOW_TS - 30)]))
        output = read(config, "chat_completions", mode=SyncMode.incremental)
        http.assert_number_of_calls(first, 1)
        http.assert_number_of_calls(second, 1)
    assert [r["id"] for r in records_of(output, "chat_completions")] == ["chatcmpl-3", "chatcmpl-2", "chatcmpl-1"]
    assert output.most_recent_state.stream_state.__dict__["created"] == str(NOW_TS - 10)


@freeze_time(NOW)
def test_a_later_sync_stops_at_the_cursor_minus_the_lookback():
    config = ConfigBuilder().with_project_key().build()
    state = stream_state("chat_completions", {"created": str(NOW_TS - 7200)})
    with HttpMocker() as http:
        first = completions().build()
        # newest first: one new completion, one inside the hour of lookback, then older ones: no second page
        http.get(
            first,
            id_cursor_page(
                [completion(9, NOW_TS - 60), completion(8, NOW_TS - 7200 - 600), completion(7, NOW_TS - 7200 - 7200)],
                has_more=True,
            ),
        )
        output = read(config, "chat_completions", mode=SyncMode.incremental, state=state)
        http.assert_number_of_calls(first, 1)
    assert [r["id"] for r in records_of(output, "chat_completions")] == ["chatcmpl-9", "chatcmpl-8"]


@freeze_time(NOW)
def test_messages_fan_out_per_completion_over_two_pages_with_the_completion_id():
    config = ConfigBuilder().with_project_key().build()
    with HttpMocker() as http:
        http.get(completions().build(), id_cursor_page([completion(2, NOW_TS - 10), completion(1, NOW_TS - 20)]))
        page1, page2 = messages("chatcmpl-2").build(), messages("chatcmpl-2", after="m2").build()
        http.get(
            page1,
            id_cursor_page(
                [{"id": "m1", "role": "user", "content": "hi"}, {"id": "m2", "role": "assistant", "content": "yo"}],
                has_more=True,
            ),
        )
        http.get(page2, id_cursor_page([{"id": "m3", "role": "user", "content": "?"}]))
        http.get(messages("chatcmpl-1").build(), id_cursor_page([{"id": "m1", "role": "user", "content": "x"}]))
        output = read(config, "chat_completion_messages", mode=SyncMode.incremental)
        http.assert_number_of_calls(page2, 1)
    rows = sorted(
        (r["completion_id"], r["id"], r["completion_created"]) for r in records_of(output, "chat_completion_messages")
    )
    assert rows == [
        ("chatcmpl-1", "m1", NOW_TS - 20),
        ("chatcmpl-2", "m1", NOW_TS - 10),
        ("chatcmpl-2", "m2", NOW_TS - 10),
        ("chatcmpl-2", "m3", NOW_TS - 10),
    ]


def test_voice_consents_two_pages():
    with HttpMocker() as http:
        base = RequestBuilder.api("/audio/voice_consents").with_bearer(PROJECT_KEY).with_limit(100)
        http.get(base.build(), id_cursor_page([{"object": "audio.voice_consent", "id": "vc_1"}], has_more=True))
        http.get(
            RequestBuilder.api("/audio/voice_consents")
            .with_bearer(PROJECT_KEY)
            .with_limit(100)
            .with_after("vc_1")
            .build(),
            id_cursor_page([{"object": "audio.voice_consent", "id": "vc_2"}]),
        )
        output = read(ConfigBuilder().with_project_key().build(), "voice_consents")
    assert [r["id"] for r in records_of(output, "voice_consents")] == ["vc_1", "vc_2"]


def test_checkpoint_permissions_need_both_keys_and_use_the_admin_key_per_checkpoint():
    admin_only = {s.name for s in discover(ConfigBuilder().build()).catalog.catalog.streams}
    both = {s.name for s in discover(ConfigBuilder().with_project_key().build()).catalog.catalog.streams}
    assert "fine_tuning_checkpoint_permissions" not in admin_only and "fine_tuning_checkpoint_permissions" in both
    job = {"object": "fine_tuning.job", "id": "ftjob_1", "created_at": 1}
    checkpoints = [
        {
            "object": "fine_tuning.job.checkpoint",
            "id": f"ftckpt_{n}",
            "created_at": n,
            "fine_tuned_model_checkpoint": f"ft:gpt:ckpt-{n}",
            "fine_tuning_job_id": "ftjob_1",
        }
        for n in (1, 2)
    ]
    with HttpMocker() as http:
        http.get(
            RequestBuilder.api("/fine_tuning/jobs").with_bearer(PROJECT_KEY).with_limit(100).build(),
            id_cursor_page([job], with_ids=False),
        )
        http.get(
            RequestBuilder.api("/fine_tuning/jobs/ftjob_1/checkpoints")
            .with_bearer(PROJECT_KEY)
            .with_limit(100)
            .build(),
            id_cursor_page(checkpoints, with_ids=False),
        )
        first = (
            RequestBuilder.api("/fine_tuning/checkpoints/ft:gpt:ckpt-1/permissions")
            .with_bearer(ADMIN_KEY)
            .with_param("order", "ascending")
            .with_limit(100)
            .build()
        )
        http.get(
            first,
            id_cursor_page(
                [{"object": "checkpoint.permission", "id": "cp_1", "created_at": 1, "project_id": "proj_1"}]
            ),
        )
        http.get(
            RequestBuilder.api("/fine_tuning/checkpoints/ft:gpt:ckpt-2/permissions")
            .with_bearer(ADMIN_KEY)
            .with_param("order", "ascending")
            .with_limit(100)
            .build(),
            error_response(404, "gone"),
        )
        output = read(ConfigBuilder().with_project_key().build(), "fine_tuning_checkpoint_permissions")
    assert not output.errors
    assert [
        (r["id"], r["fine_tuned_model_checkpoint"], r["fine_tuning_job_id"])
        for r in records_of(output, "fine_tuning_checkpoint_permissions")
    ] == [("cp_1", "ft:gpt:ckpt-1", "ftjob_1")]


@freeze_time(NOW)
def test_a_refused_limit_is_halved_and_the_read_goes_on():
    from unittest.mock import patch

    refusal = error_response(400, "Invalid 'limit': integer must be between 1 and 50.")
    with HttpMocker() as http, patch("airbyte_cdk.sources.declarative.retrievers.page_size_reducer.time.sleep"):
        first = completions().build()
        http.get(first, refusal)
        halved = (
            RequestBuilder.api("/chat/completions")
            .with_bearer(PROJECT_KEY)
            .with_param("order", "desc")
            .with_limit(50)
            .build()
        )
        http.get(halved, id_cursor_page([completion(1, NOW_TS - 10)]))
        output = read(ConfigBuilder().with_project_key().build(), "chat_completions", mode=SyncMode.incremental)
        http.assert_number_of_calls(halved, 1)
    assert not output.errors and [r["id"] for r in records_of(output, "chat_completions")] == ["chatcmpl-1"]
