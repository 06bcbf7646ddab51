"""The 19 project-key streams, through the real manifest with mocked HTTP.

Covered for every stream: the exact query parameters (limit = the endpoint's maximum, order, after), paging over
two pages, the project key as Bearer; for the children: fan-out over parents, the parent id on each record, and a
403/404 on one parent skipping only that parent; for the append-only children: client-side incremental sync that
stops paging early, and a full read of a parent that has no saved cursor yet. Discover lists exactly these 19
streams, and only when `project_api_key` is set.
"""

from typing import Any, Dict, List, Optional

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker

from .config import ADMIN_KEY, FAKE_KEY_FRAGMENT, PROJECT_ID, PROJECT_KEY, ConfigBuilder
from .project_streams import CHILDREN, INCREMENTAL, NAMES, PROJECT_STREAMS, TOP_LEVEL, ProjectStream
from .request_builder import RequestBuilder, expect, project_request
from .response_builder import error_response, id_cursor_page, json_response
from .source_runner import discover, read, records_of, stream_state

pytestmark = pytest.mark.long(190)


@pytest.fixture(autouse=True)
def _fresh_request_cache(tmp_path, monkeypatch):
    # Parent streams use the CDK's request cache; without a path it is one in-memory database per process, so a
    # parent response of one test would answer the same request in the next test.
    monkeypatch.setenv("REQUEST_CACHE_PATH", str(tmp_path))


def _records(prefix: str, count: int, start: int = 0, created_at: int = 1_700_000_000, step: int = -10, **extra: Any):
    return [
        {"id": f"{prefix}{start + i}", "object": "x", "created_at": created_at + step * i, **extra}
        for i in range(count)
    ]


# ---------------------------------------------------------------------------------------------- discover
def test_discover_lists_the_project_streams_only_with_the_project_key():
    without = {s.name for s in discover(ConfigBuilder().build()).catalog.catalog.streams}
    with_key = discover(ConfigBuilder().with_project_key().build()).catalog.catalog.streams
    names = {s.name for s in with_key}
    assert not without & NAMES
    assert names - without == NAMES
    modes = {s.name: {m.value for m in s.supported_sync_modes} for s in with_key if s.name in NAMES}
    assert {name for name, m in modes.items() if "incremental" in m} == set(INCREMENTAL)
    for stream in with_key:
        if stream.name in INCREMENTAL:
            assert stream.default_cursor_field == [INCREMENTAL[stream.name]]


# ---------------------------------------------------------------------------------------------- top-level lists
@pytest.mark.parametrize("s", TOP_LEVEL, ids=[s.name for s in TOP_LEVEL])
def test_top_level_list_pages_with_the_maximum_limit(s: ProjectStream):
    stream, path, limit, order, with_ids = s.name, s.path, s.page_size, s.order, s.has_last_id
    first, second = _records("a", 3), _records("a", 2, start=3)
    with HttpMocker() as http:
        page1 = expect(
            http, project_request(path, limit, order), id_cursor_page(first, has_more=True, with_ids=with_ids)
        )
        # without last_id (fine-tuning) the cursor is the last record's id: a2 either way
        page2 = expect(
            http,
            project_request(path, limit, order, after="a2"),
            id_cursor_page(second, has_more=False, with_ids=with_ids),
        )
        out = read(ConfigBuilder().with_project_key().build(), stream)
        http.assert_number_of_calls(page1, 1)
        http.assert_number_of_calls(page2, 1)
    assert [r["id"] for r in records_of(out, stream)] == ["a0", "a1", "a2", "a3", "a4"]
    assert not out.errors


def test_models_is_one_unpaginated_request():
    models = [
        {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "system"},
        {"id": "ft:gpt-4o:org::abc", "object": "model", "created": 2, "owned_by": "org", "shutdown_date": None},
    ]
    with HttpMocker() as http:
        # exactly no query parameters
        request = expect(http, project_request("/models"), json_response({"object": "list", "data": models}))
        out = read(ConfigBuilder().with_project_key().build(), "models")
        http.assert_number_of_calls(request, 1)
    # every field arrives, plus the key's project; the CDK's message serializer omits top-level nulls
    expected = [{**{k: v for k, v in m.items() if v is not None}, "project_id": PROJECT_ID} for m in models]
    assert records_of(out, "models") == expected


def _admin_list(path: str, items: List[Dict[str, Any]], **params: Any):
    builder = RequestBuilder.api(path).with_bearer(ADMIN_KEY).with_limit(100)
    for name, value in params.items():
        builder = builder.with_param(name, value)
    return builder.build(), id_cursor_page(items)


def test_without_project_id_the_project_is_looked_up_once_and_every_record_carries_it():
    """The Admin API's projects, then each project's API keys until one's redacted value shows the project key:
    proj_b holds it, so proj_c's keys are never asked. Two streams, one lookup; no key in the output or state."""
    shown = f"{PROJECT_KEY[:6]}...{PROJECT_KEY[-4:]}"
    projects = [{"id": p, "object": "organization.project"} for p in ("proj_a", "proj_b", "proj_c")]
    lookups = [_admin_list("/organization/projects", projects, include_archived="true")]
    for project, redacted in (("proj_a", ["sk-pro...0000"]), ("proj_b", ["sk-pro...1111", shown]), ("proj_c", [shown])):
        keys = [
            {"object": "organization.project.api_key", "id": f"key_{project}_{i}", "redacted_value": r}
            for i, r in enumerate(redacted)
        ]
        lookups.append(_admin_list(f"/organization/projects/{project}/api_keys", keys, owner_project_access="any"))
    with HttpMocker() as http:
        for request, response in lookups:
            http.get(request, response)
        batches = expect(http, project_request("/batches", 100), id_cursor_page(_records("batch_", 2)))
        files = expect(http, project_request("/files", 10000, "asc"), id_cursor_page(_records("file-", 1)))
        out = read(ConfigBuilder().with_project_key(project_id=None).build(), "batches", "files")
        for request, _ in lookups[:3]:
            http.assert_number_of_calls(request, 1)
        http.assert_number_of_calls(lookups[3][0], 0)
        http.assert_number_of_calls(batches, 1)
        http.assert_number_of_calls(files, 1)
    assert [r["project_id"] for r in records_of(out, "batches") + records_of(out, "files")] == ["proj_b"] * 3
    text = "\n".join(str(m) for m in out.logs + out.state_messages)
    assert FAKE_KEY_FRAGMENT not in text and PROJECT_KEY[-4:] not in text


def test_a_key_no_project_shows_fails_the_project_streams_naming_project_id():
    with HttpMocker() as http:
        request, response = _admin_list("/organization/projects", [{"id": "proj_a"}], include_archived="true")
        http.get(request, response)
        keys_request, keys = _admin_list(
            "/organization/projects/proj_a/api_keys",
            [{"id": "k", "redacted_value": "sk-pro...0000"}],
            owner_project_access="any",
        )
        http.get(keys_request, keys)
        http.get(RequestBuilder.api("/batches").with_limit(100).build(), id_cursor_page(_records("batch_", 1)))
        other_key = PROJECT_KEY.replace("project", "another")  # a lookup is kept for the process: a new key
        out = read(ConfigBuilder().with_project_key(other_key, project_id=None).build(), "batches", expect_error=True)
        http.assert_number_of_calls(keys_request, 1)
    assert records_of(out, "batches") == []
    messages = " ".join(e.trace.error.message or "" for e in out.errors)
    assert "Could not find the project of `project_api_key`" in messages and "`project_id`" in messages


def test_project_streams_send_the_project_key_not_the_admin_key():
    with HttpMocker() as http:
        http.get(
            RequestBuilder.api("/batches").with_limit(100).with_bearer(PROJECT_KEY).build(),
            id_cursor_page(_records("batch_", 1)),
        )
        out = read(ConfigBuilder().with_project_key().build(), "batches")
    assert len(records_of(out, "batches")) == 1
    assert ADMIN_KEY not in str([m for m in out.logs])


# ---------------------------------------------------------------------------------------------- children
@pytest.mark.parametrize("s", CHILDREN, ids=[s.name for s in CHILDREN])
def test_child_fans_out_over_parents_pages_and_skips_a_forbidden_or_missing_parent(s: ProjectStream):
    stream, c_path, field, limit, order = s.name, s.path, s.parent_id_field, s.page_size, s.order
    parent = s.parent_stream
    p_path, p_limit, p_order = parent.path, parent.page_size, parent.order
    parents = [{"id": pid, "object": "parent", "created_at": 1} for pid in ("p1", "p2", "p3", "p4")]
    with HttpMocker() as http:
        # the parent list itself pages too
        http.get(
            project_request(p_path, p_limit, p_order).build(),
            id_cursor_page(parents[:2], has_more=True, with_ids=parent.has_last_id),
        )
        http.get(
            project_request(p_path, p_limit, p_order, after="p2").build(),
            id_cursor_page(parents[2:], with_ids=parent.has_last_id),
        )
        # p1: two pages; p2: 404 (deleted); p3: 403; p4: one page
        requests = [
            expect(
                http,
                project_request(c_path.format("p1"), limit, order),
                id_cursor_page(_records("c", 2), has_more=True, with_ids=s.has_last_id),
            ),
            expect(
                http,
                project_request(c_path.format("p1"), limit, order, after="c1"),
                id_cursor_page(_records("c", 1, start=2, created_at=1_699_999_980), with_ids=s.has_last_id),
            ),
            expect(http, project_request(c_path.format("p2"), limit, order), error_response(404, "No such object")),
            expect(http, project_request(c_path.format("p3"), limit, order), error_response(403, "Forbidden")),
            expect(
                http,
                project_request(c_path.format("p4"), limit, order),
                id_cursor_page(_records("d", 1), with_ids=s.has_last_id),
            ),
        ]
        out = read(ConfigBuilder().with_project_key().build(), stream)
        for request in requests:
            http.assert_number_of_calls(request, 1)
    got = sorted((r[field], r["id"]) for r in records_of(out, stream))
    assert got == [("p1", "c0"), ("p1", "c1"), ("p1", "c2"), ("p4", "d0")]
    assert not out.errors
    messages = " ".join(log.log.message for log in out.logs)
    assert "HTTP 404" in messages and "HTTP 403" in messages


def test_a_child_keeps_a_native_parent_id_and_adds_a_missing_one():
    # skill versions carry skill_id in the API; fine-tuning events carry no job id: both end up with the parent id
    with HttpMocker() as http:
        http.get(project_request("/skills", 100, "asc").build(), id_cursor_page([{"id": "skill_1"}]))
        http.get(
            project_request("/skills/skill_1/versions", 100, "asc").build(),
            id_cursor_page([{"id": "skillver_1", "skill_id": "skill_1", "version": "1", "created_at": 5}]),
        )
        http.get(project_request("/fine_tuning/jobs", 100).build(), id_cursor_page([{"id": "ftjob-1"}], with_ids=False))
        http.get(
            project_request("/fine_tuning/jobs/ftjob-1/events", 100).build(),
            id_cursor_page([{"id": "ftevent-1", "created_at": 5, "level": "info", "message": "m"}], with_ids=False),
        )
        out = read(ConfigBuilder().with_project_key().build(), "skill_versions", "fine_tuning_job_events")
    assert records_of(out, "skill_versions")[0]["skill_id"] == "skill_1"
    assert records_of(out, "fine_tuning_job_events")[0]["fine_tuning_job_id"] == "ftjob-1"


# ---------------------------------------------------------------------------------------------- eval run output items
def _mock_evals_and_runs(http: HttpMocker) -> None:
    http.get(project_request("/evals", 100, "asc").build(), id_cursor_page([{"id": "eval_1"}, {"id": "eval_2"}]))
    http.get(
        project_request("/evals/eval_1/runs", 100, "asc").build(),
        id_cursor_page([{"id": "run_1", "eval_id": "eval_1"}, {"id": "run_2", "eval_id": "eval_1"}]),
    )
    http.get(
        project_request("/evals/eval_2/runs", 100, "asc").build(),
        id_cursor_page([{"id": "run_3", "eval_id": "eval_2"}]),
    )


def _items(path_run: str) -> str:
    eval_id = "eval_2" if path_run == "run_3" else "eval_1"
    return f"/evals/{eval_id}/runs/{path_run}/output_items"


def test_eval_run_output_items_fan_out_over_evals_and_runs_newest_first():
    with HttpMocker() as http:
        _mock_evals_and_runs(http)
        requests = [
            expect(
                http, project_request(_items("run_1"), 100, "desc"), id_cursor_page(_records("oi_a", 2), has_more=True)
            ),
            expect(
                http,
                project_request(_items("run_1"), 100, "desc", after="oi_a1"),
                id_cursor_page(_records("oi_a", 1, start=2, created_at=1_699_999_980)),
            ),
            expect(http, project_request(_items("run_2"), 100, "desc"), error_response(404, "run deleted")),
            expect(http, project_request(_items("run_3"), 100, "desc"), id_cursor_page(_records("oi_c", 1))),
        ]
        out = read(ConfigBuilder().with_project_key().build(), "eval_run_output_items")
        for request in requests:
            http.assert_number_of_calls(request, 1)
    got = sorted((r["eval_id"], r["run_id"], r["id"]) for r in records_of(out, "eval_run_output_items"))
    assert got == [
        ("eval_1", "run_1", "oi_a0"),
        ("eval_1", "run_1", "oi_a1"),
        ("eval_1", "run_1", "oi_a2"),
        ("eval_2", "run_3", "oi_c0"),
    ]
    assert not out.errors


def _partition_state(stream: str, states: List[Dict[str, Any]], global_cursor: Optional[int] = None):
    blob: Dict[str, Any] = {"use_global_cursor": False, "states": states, "lookback_window": 1}
    if global_cursor is not None:
        blob["state"] = {"created_at": str(global_cursor)}
    return stream_state(stream, blob)


def test_eval_run_output_items_stop_paging_at_the_saved_cursor():
    state = _partition_state(
        "eval_run_output_items",
        [
            {
                "partition": {"run_id": "run_1", "parent_slice": {"eval_id": "eval_1", "parent_slice": {}}},
                "cursor": {"created_at": "1000"},
            },
            {
                "partition": {"run_id": "run_2", "parent_slice": {"eval_id": "eval_1", "parent_slice": {}}},
                "cursor": {"created_at": "1000"},
            },
            {
                "partition": {"run_id": "run_3", "parent_slice": {"eval_id": "eval_2", "parent_slice": {}}},
                "cursor": {"created_at": "1000"},
            },
        ],
        global_cursor=1000,
    )
    with HttpMocker() as http:
        _mock_evals_and_runs(http)
        # run_1: page 1 all new, page 2 ends past the cursor (995 < 1000): no third request, 995 not emitted
        run1 = [
            expect(
                http,
                project_request(_items("run_1"), 100, "desc"),
                id_cursor_page(_records("n", 2, created_at=1030), has_more=True),
            ),
            expect(
                http,
                project_request(_items("run_1"), 100, "desc", after="n1"),
                id_cursor_page(_records("n", 2, start=2, created_at=1005), has_more=True),
            ),
        ]
        never = [
            expect(http, project_request(_items("run_1"), 100, "desc", after="n3"), id_cursor_page(_records("old", 1)))
        ]
        # run_2: nothing new: one request
        run2 = expect(
            http,
            project_request(_items("run_2"), 100, "desc"),
            id_cursor_page(_records("o", 2, created_at=990), has_more=True),
        )
        never.append(
            expect(
                http, project_request(_items("run_2"), 100, "desc", after="o1"), id_cursor_page(_records("older", 1))
            )
        )
        # run_3: the record at exactly the cursor is kept (inclusive), older ones are not
        run3 = expect(
            http,
            project_request(_items("run_3"), 100, "desc"),
            id_cursor_page([{"id": "eq", "created_at": 1000}, {"id": "lt", "created_at": 999}], has_more=True),
        )
        never.append(
            expect(
                http, project_request(_items("run_3"), 100, "desc", after="lt"), id_cursor_page(_records("older", 1))
            )
        )
        out = read(
            ConfigBuilder().with_project_key().build(), "eval_run_output_items", mode=SyncMode.incremental, state=state
        )
        for request in run1 + [run2, run3]:
            http.assert_number_of_calls(request, 1)
        for request in never:
            http.assert_number_of_calls(request, 0)
    got = sorted((r["run_id"], r["id"], r["created_at"]) for r in records_of(out, "eval_run_output_items"))
    assert got == [("run_1", "n0", 1030), ("run_1", "n1", 1020), ("run_1", "n2", 1005), ("run_3", "eq", 1000)]
    final = out.most_recent_state.stream_state.__dict__
    cursors = {s["partition"]["run_id"]: s["cursor"]["created_at"] for s in final["states"]}
    assert cursors == {"run_1": "1030", "run_2": "1000", "run_3": "1000"}


# ---------------------------------------------------------------------------------------------- fine-tuning incremental
@pytest.mark.parametrize(
    "stream,suffix", [("fine_tuning_job_events", "events"), ("fine_tuning_job_checkpoints", "checkpoints")]
)
def test_fine_tuning_children_stop_early_and_read_a_new_job_in_full(stream, suffix):
    # job_old has a saved cursor at 1000; job_new was never read and all its records are older than every saved
    # cursor: it must still be read in full.
    state = _partition_state(
        stream,
        [{"partition": {"fine_tuning_job_id": "job_old", "parent_slice": {}}, "cursor": {"created_at": "1000"}}],
        global_cursor=1000,
    )
    old, new = f"/fine_tuning/jobs/job_old/{suffix}", f"/fine_tuning/jobs/job_new/{suffix}"
    with HttpMocker() as http:
        http.get(
            project_request("/fine_tuning/jobs", 100).build(),
            id_cursor_page([{"id": "job_new"}, {"id": "job_old"}], with_ids=False),
        )
        # no last_id in fine-tuning lists: the next page starts after the last record
        read_once = [
            expect(
                http,
                project_request(old, 100),
                id_cursor_page(_records("e", 2, created_at=1020), has_more=True, with_ids=False),
            ),
            expect(
                http,
                project_request(old, 100, after="e1"),
                id_cursor_page(_records("e", 2, start=2, created_at=1000), has_more=True, with_ids=False),
            ),
            expect(
                http,
                project_request(new, 100),
                id_cursor_page(_records("n", 2, created_at=500), has_more=True, with_ids=False),
            ),
            expect(
                http,
                project_request(new, 100, after="n1"),
                id_cursor_page(_records("n", 1, start=2, created_at=400), with_ids=False),
            ),
        ]
        # page 2 of job_old ends at 990 < 1000: no third page
        never = expect(
            http,
            project_request(old, 100, after="e3"),
            id_cursor_page(_records("x", 1, created_at=900), with_ids=False),
        )
        out = read(ConfigBuilder().with_project_key().build(), stream, mode=SyncMode.incremental, state=state)
        for request in read_once:
            http.assert_number_of_calls(request, 1)
        http.assert_number_of_calls(never, 0)
    got = sorted((r["fine_tuning_job_id"], r["id"]) for r in records_of(out, stream))
    assert got == [
        ("job_new", "n0"),
        ("job_new", "n1"),
        ("job_new", "n2"),
        ("job_old", "e0"),
        ("job_old", "e1"),
        ("job_old", "e2"),
    ]
    final = out.most_recent_state.stream_state.__dict__
    cursors = {s["partition"]["fine_tuning_job_id"]: s["cursor"]["created_at"] for s in final["states"]}
    assert cursors == {"job_old": "1020", "job_new": "500"}


def test_a_first_incremental_sync_reads_every_page():
    with HttpMocker() as http:
        http.get(project_request("/fine_tuning/jobs", 100).build(), id_cursor_page([{"id": "job_1"}], with_ids=False))
        http.get(
            project_request("/fine_tuning/jobs/job_1/events", 100).build(),
            id_cursor_page(_records("e", 2, created_at=30), has_more=True, with_ids=False),
        )
        http.get(
            project_request("/fine_tuning/jobs/job_1/events", 100, after="e1").build(),
            id_cursor_page(_records("e", 2, start=2, created_at=10), with_ids=False),
        )
        out = read(ConfigBuilder().with_project_key().build(), "fine_tuning_job_events", mode=SyncMode.incremental)
    assert [r["id"] for r in records_of(out, "fine_tuning_job_events")] == ["e0", "e1", "e2", "e3"]
    final = out.most_recent_state.stream_state.__dict__
    assert final["states"] == [
        {"partition": {"fine_tuning_job_id": "job_1", "parent_slice": {}}, "cursor": {"created_at": "30"}}
    ]


def test_the_fallback_cursor_is_dropped_only_from_per_partition_state():
    from source_openai.components import FullReadForNewPartitions

    migration = FullReadForNewPartitions()
    per_partition = {
        "use_global_cursor": False,
        "states": [],
        "state": {"created_at": "5"},
        "lookback_window": 3,
        "parent_state": {},
    }
    assert migration.should_migrate(per_partition)
    assert migration.migrate(per_partition) == {"use_global_cursor": False, "states": [], "parent_state": {}}
    assert not migration.should_migrate({"use_global_cursor": True, "states": [], "state": {"created_at": "5"}})
    assert not migration.should_migrate({"created_at": "5"})
    assert not migration.should_migrate({})


# ---------------------------------------------------------------------------------------------- whole project
@pytest.mark.parametrize("order", ["discover", "alphabetical"])
def test_a_sync_of_all_19_streams_sends_each_request_once(order):
    # Parent lists are read by the parent stream and by its children's partition generation (the evals also by
    # the output items'): the request cache plus the blocking groups make each of them one request, in a catalog
    # ordered as discover lists the streams or alphabetically.
    # the 19 list streams here; stored completions, voice consents and checkpoint permissions:
    # test_stored_completions.py
    nineteen = {s.name for s in PROJECT_STREAMS.values() if s.tested_in is None}
    assert nineteen == NAMES - {
        "voice_consents",
        "chat_completions",
        "chat_completion_messages",
        "fine_tuning_checkpoint_permissions",
    }
    discovered = [
        s.name
        for s in discover(ConfigBuilder().with_project_key().build()).catalog.catalog.streams
        if s.name in nineteen
    ]
    streams = discovered if order == "discover" else sorted(nineteen)
    one_page = lambda prefix, with_ids=True: id_cursor_page(_records(prefix, 1), with_ids=with_ids)  # noqa: E731
    with HttpMocker() as http:
        requests = [
            expect(http, project_request("/files", 10000, "asc"), one_page("file_")),
            expect(http, project_request("/skills", 100, "asc"), id_cursor_page([{"id": "skill_1"}])),
            expect(http, project_request("/skills/skill_1/versions", 100, "asc"), one_page("skillver_")),
            expect(http, project_request("/batches", 100), one_page("batch_")),
            expect(http, project_request("/evals", 100, "asc"), id_cursor_page([{"id": "eval_1"}])),
            expect(
                http,
                project_request("/evals/eval_1/runs", 100, "asc"),
                id_cursor_page([{"id": "run_1", "eval_id": "eval_1"}]),
            ),
            expect(http, project_request("/evals/eval_1/runs/run_1/output_items", 100, "desc"), one_page("oi_")),
            expect(
                http, project_request("/fine_tuning/jobs", 100), id_cursor_page([{"id": "ftjob-1"}], with_ids=False)
            ),
            expect(http, project_request("/fine_tuning/jobs/ftjob-1/events", 100), one_page("ftevent-", False)),
            expect(http, project_request("/fine_tuning/jobs/ftjob-1/checkpoints", 100), one_page("ftckpt_")),
            expect(http, project_request("/vector_stores", 100, "asc"), id_cursor_page([{"id": "vs_1"}])),
            expect(http, project_request("/vector_stores/vs_1/files", 100, "asc"), one_page("file-")),
            expect(http, project_request("/assistants", 100, "asc"), one_page("asst_")),
            expect(http, project_request("/models"), json_response({"object": "list", "data": [{"id": "gpt-4o"}]})),
            expect(http, project_request("/containers", 100, "asc"), id_cursor_page([{"id": "cntr_1"}])),
            expect(http, project_request("/containers/cntr_1/files", 100, "asc"), one_page("cfile_")),
            expect(http, project_request("/chatkit/threads", 100, "asc"), id_cursor_page([{"id": "cthr_1"}])),
            expect(http, project_request("/chatkit/threads/cthr_1/items", 100, "asc"), one_page("cthi_")),
            expect(http, project_request("/videos", 100, "asc"), one_page("video_")),
        ]
        out = read(ConfigBuilder().with_project_key().build(), *streams)
        for request in requests:
            http.assert_number_of_calls(request, 1)
    assert {m.record.stream for m in out.records} == nineteen
    assert not out.errors
