"""The exact requests of the compliance streams over two pages (HttpMocker; the emulator-based suite is
integration_tests/test_compliance.py): list parameters, the `after` cursor from `last_end_time`, the download URL of
each listed file per principal kind, the roster paging, and 401/403 handling."""

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from .config import COMPLIANCE_BASE as BASE, COMPLIANCE_KEY as KEY, ConfigBuilder
from .request_builder import RequestBuilder, compliance_logs_request as logs
from .response_builder import error_response, id_cursor_page, last_end_time_page
from .source_runner import read, records_of

WS, ORG = "7f1d2c3b-0000-4a5b-9c8d-1234567890ab", "org-FAKEorg123"
START = "2026-11-01T00:00:00Z"


def descriptor(n: int, hour: int):
    return {
        "object": "compliance.log_file",
        "id": f"logf_{n}",
        "event_type": "AUTH_LOG",
        "file_name": f"f{n}.jsonl",
        "file_size": 10,
        "file_sha256": "ab",
        "start_time": f"2026-11-02T{hour - 1:02d}:00:00Z",
        "end_time": f"2026-11-02T{hour:02d}:00:00Z",
        "created_at": f"2026-11-02T{hour:02d}:05:00Z",
    }


@freeze_time("2026-11-03T00:00:00Z")
def test_log_files_two_pages_per_principal_kind_with_exact_parameters():
    with HttpMocker() as http:
        first = logs("workspaces", WS, "2026-11-01T00:00:00Z").build()
        second = logs("workspaces", WS, "2026-11-02T02:00:00Z").build()  # page 2: after = last_end_time, not the window
        org = logs("organizations", ORG, "2026-11-01T00:00:00Z").build()
        http.get(first, last_end_time_page([descriptor(1, 1), descriptor(2, 2)], has_more=True))
        http.get(second, last_end_time_page([descriptor(3, 3)], has_more=False))
        http.get(org, last_end_time_page([descriptor(4, 4)], has_more=False))
        output = read(
            ConfigBuilder().with_compliance(f"{WS},{ORG}").with_start_date(START).build(),
            "compliance_log_files",
            mode=SyncMode.incremental,
        )
        for request in (first, second, org):
            http.assert_number_of_calls(request, 1)
    records = records_of(output, "compliance_log_files")
    assert sorted((r["id"], r["principal_id"], r["principal_type"], r["event_type"]) for r in records) == [
        ("logf_1", WS, "workspace", "AUTH_LOG"),
        ("logf_2", WS, "workspace", "AUTH_LOG"),
        ("logf_3", WS, "workspace", "AUTH_LOG"),
        ("logf_4", ORG, "organization", "AUTH_LOG"),
    ]
    state = output.most_recent_state.stream_state.__dict__
    assert {(s["partition"]["principal_id"], s["cursor"]["end_time"]) for s in state["states"]} == {
        (WS, "2026-11-02T03:00:00Z"),
        (ORG, "2026-11-02T04:00:00Z"),
    }


@freeze_time("2026-11-03T00:00:00Z")
def test_each_listed_file_is_downloaded_once_and_numbered_by_line():
    with HttpMocker() as http:
        http.get(
            logs("workspaces", WS, "2026-11-01T00:00:00Z").build(),
            last_end_time_page([descriptor(1, 1)], has_more=False),
        )
        http.get(
            logs("organizations", ORG, "2026-11-01T00:00:00Z").build(),
            last_end_time_page([descriptor(2, 2)], has_more=False),
        )
        ws_file = RequestBuilder(BASE, f"/compliance/workspaces/{WS}/logs/logf_1").with_bearer(KEY).build()
        org_file = RequestBuilder(BASE, f"/compliance/organizations/{ORG}/logs/logf_2").with_bearer(KEY).build()
        http.get(ws_file, HttpResponse('{"id": "e1", "type": "AUTH_LOG"}\n\n{"id": "e2", "type": "AUTH_LOG"}\n'))
        http.get(org_file, HttpResponse('{"id": "e3", "type": "AUTH_LOG"}\n'))
        output = read(
            ConfigBuilder().with_compliance(f"{WS},{ORG}").with_start_date(START).build(),
            "compliance_log_events",
            mode=SyncMode.incremental,
        )
        http.assert_number_of_calls(ws_file, 1)
        http.assert_number_of_calls(org_file, 1)
    events = sorted(
        (r["log_file_id"], r["line_number"], r["id"], r["principal_id"])
        for r in records_of(output, "compliance_log_events")
    )
    assert events == [
        ("logf_1", 1, "e1", WS),
        ("logf_1", 3, "e2", WS),
        ("logf_2", 1, "e3", ORG),
    ]  # a blank line keeps its number


def test_rosters_page_per_workspace_only_and_401_names_the_key():
    users = [{"object": "workspace.user", "id": f"user-{n}", "email": f"u{n}@example.com"} for n in range(3)]
    with HttpMocker() as http:
        page1 = RequestBuilder(BASE, f"/manage/workspaces/{WS}/users").with_bearer(KEY).with_limit(100).build()
        page2 = (
            RequestBuilder(BASE, f"/manage/workspaces/{WS}/users")
            .with_bearer(KEY)
            .with_limit(100)
            .with_after("user-1")
            .build()
        )
        http.get(page1, id_cursor_page(users[:2], has_more=True))
        http.get(page2, id_cursor_page(users[2:]))
        output = read(
            ConfigBuilder().with_compliance(f"{WS},{ORG}").with_start_date(START).build(), "chatgpt_workspace_users"
        )
    assert [(r["id"], r["workspace_id"]) for r in records_of(output, "chatgpt_workspace_users")] == [
        ("user-0", WS),
        ("user-1", WS),
        ("user-2", WS),
    ]  # the org principal has no roster

    with HttpMocker() as http:
        http.get(
            RequestBuilder(BASE, f"/compliance/workspaces/{WS}/users").with_limit(100).build(),
            error_response(401, "Incorrect API key provided: sk-FAKE*****cdef"),
        )
        output = read(
            ConfigBuilder().with_compliance(f"{WS},{ORG}").with_start_date(START).build(),
            "chatgpt_workspace_users_history",
            expect_error=True,
        )
    messages = [e.trace.error.message for e in output.errors]
    assert any("`compliance_api_key`" in m and "HTTP 401" in m for m in messages), messages
