"""audit_logs: incremental on effective_at (server-side `effective_at[gte]`), after=last_id paging, every event
type kept whole, and the 403 that means audit logging is off."""

from typing import Any, Dict, Optional

import jsonschema
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .request_builder import RequestBuilder
from .response_builder import bucket, error_response, id_cursor_page, page_token_page
from .source_runner import read, records_of
from .test_usage_costs import NOW, NOW_TS, config, final_state, schema_of, state_of, ts, usage_request

START = "2026-03-01T00:00:00Z"


def audit_request(gte: int, after: Optional[str] = None) -> RequestBuilder:
    request = RequestBuilder.api("/organization/audit_logs").with_limit(100).with_param("effective_at[gte]", gte)
    return request.with_after(after) if after else request


def event(event_id: str, effective_at: int, event_type: str = "project.created", **details: Any) -> Dict[str, Any]:
    record: Dict[str, Any] = {
        "id": event_id,
        "type": event_type,
        "effective_at": effective_at,
        "project": {"id": "proj_1", "name": "Main"},
        "actor": {
            "type": "session",
            "session": {"user": {"id": "user_1", "email": "a@example.com"}, "ip_address": "10.0.0.1"},
        },
    }
    record.update(details)
    return record


@freeze_time(NOW)
def test_first_sync_filters_from_start_date_pages_with_last_id_and_saves_the_newest_effective_at() -> None:
    # newest first, as OpenAI appears to return them; the state must not depend on that order
    page1 = [event(f"audit_log-{i}", ts("2026-03-14T00:00:00Z") - i * 3600) for i in range(100)]
    page2 = [event("audit_log-100", ts("2026-03-02T00:00:00Z")), event("audit_log-101", ts(START))]
    with HttpMocker() as http_mocker:
        first = audit_request(ts(START)).build()
        second = audit_request(ts(START), after="audit_log-99").build()
        http_mocker.get(first, id_cursor_page(page1, has_more=True))
        http_mocker.get(second, id_cursor_page(page2, has_more=False))
        output = read(config(start_date=START), "audit_logs", mode=SyncMode.incremental)
        http_mocker.assert_number_of_calls(first, 1)
        http_mocker.assert_number_of_calls(second, 1)
    records = records_of(output, "audit_logs")
    assert len(records) == 102 and len({r["id"] for r in records}) == 102
    assert final_state(output, "audit_logs") == {"effective_at": str(ts("2026-03-14T00:00:00Z"))}
    assert records[0]["actor"]["session"]["user"]["email"] == "a@example.com"
    assert records[0]["project"] == {"id": "proj_1", "name": "Main"}


@freeze_time(NOW)
def test_second_sync_filters_server_side_from_the_state() -> None:
    saved = ts("2026-03-14T09:30:00Z")
    with HttpMocker() as http_mocker:
        request = audit_request(saved).build()
        http_mocker.get(request, id_cursor_page([event("audit_log-b", saved + 60), event("audit_log-a", saved)]))
        output = read(
            config(start_date=START),
            "audit_logs",
            mode=SyncMode.incremental,
            state=state_of("audit_logs", {"effective_at": str(saved)}),
        )
        http_mocker.assert_number_of_calls(request, 1)
    assert [r["id"] for r in records_of(output, "audit_logs")] == ["audit_log-b", "audit_log-a"]
    assert final_state(output, "audit_logs") == {"effective_at": str(saved + 60)}


def test_a_future_state_does_not_stall_audit_logs() -> None:
    state = state_of("audit_logs", {"effective_at": str(ts("2099-01-01T00:00:00Z"))})
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            output = read(config(start_date=START), "audit_logs", mode=SyncMode.incremental, state=state)
    # pulled back to now: nothing to read yet, and the cursor is now a real time
    assert final_state(output, "audit_logs") == {"effective_at": str(NOW_TS)}
    assert any("is in the future" in m.log.message for m in output.logs)
    later = state_of("audit_logs", final_state(output, "audit_logs"))
    with freeze_time("2026-03-16T00:00:00Z"):
        with HttpMocker() as http_mocker:
            request = audit_request(NOW_TS).build()
            http_mocker.get(request, id_cursor_page([event("audit_log-n", NOW_TS + 100)]))
            output = read(config(start_date=START), "audit_logs", mode=SyncMode.incremental, state=later)
            http_mocker.assert_number_of_calls(request, 1)
    assert [r["id"] for r in records_of(output, "audit_logs")] == ["audit_log-n"]


@freeze_time(NOW)
def test_every_event_type_keeps_its_detail_object_whole_even_without_a_schema_property() -> None:
    known = event(
        "audit_log-1",
        ts("2026-03-10T00:00:00Z"),
        "api_key.created",
        **{"api_key.created": {"id": "key_1", "data": {"scopes": ["api.model.read"]}}},
    )
    unknown = event(
        "audit_log-2",
        ts("2026-03-11T00:00:00Z"),
        "tenant.sso.configured",
        **{
            "tenant.sso.configured": {"id": "tenant_1", "changes": {"idp": "okta", "nested": [1, {"x": None}]}},
            "brand_new_top_level": 7,
        },
    )
    with HttpMocker() as http_mocker:
        http_mocker.get(audit_request(ts(START)).build(), id_cursor_page([unknown, known]))
        output = read(config(start_date=START), "audit_logs", mode=SyncMode.incremental)
    records = {r["id"]: r for r in records_of(output, "audit_logs")}
    assert records["audit_log-1"]["api_key.created"] == {"id": "key_1", "data": {"scopes": ["api.model.read"]}}
    assert records["audit_log-2"]["tenant.sso.configured"] == {
        "id": "tenant_1",
        "changes": {"idp": "okta", "nested": [1, {"x": None}]},
    }
    assert records["audit_log-2"]["brand_new_top_level"] == 7
    schema = schema_of("audit_logs")
    assert "tenant.sso.configured" not in schema["properties"] and schema["additionalProperties"] is True
    for record in records.values():
        jsonschema.validate(record, schema)


@freeze_time(NOW)
def test_403_skips_audit_logs_with_how_to_enable_it_and_the_other_streams_go_on() -> None:
    today = ts("2026-03-15T00:00:00Z")
    with HttpMocker() as http_mocker:
        audit = audit_request(ts("2026-03-15T00:00:00Z")).build()
        http_mocker.get(audit, error_response(403, "Audit logging is not enabled for this organization."))
        usage = usage_request("usage_embeddings", today, NOW_TS).build()
        http_mocker.get(usage, page_token_page([bucket(today, 86400, [{"input_tokens": 3, "num_model_requests": 1}])]))
        output = read(
            config(start_date="2026-03-15T00:00:00Z"), "audit_logs", "usage_embeddings", mode=SyncMode.incremental
        )
        http_mocker.assert_number_of_calls(audit, 1)
    assert not output.errors
    assert records_of(output, "audit_logs") == []
    assert [r["input_tokens"] for r in records_of(output, "usage_embeddings")] == [3]
    messages = [m.log.message for m in output.logs]
    skip = [m for m in messages if "audit logging is not enabled" in m]
    assert skip, messages
    assert "Organization settings → Data controls → Audit logging" in skip[0]
    assert "cannot be turned off" in skip[0]


@freeze_time(NOW)
def test_401_on_audit_logs_is_a_config_error_naming_the_admin_key() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.get(audit_request(ts(START)).build(), error_response(401, "bad key"))
        output = read(config(start_date=START), "audit_logs", mode=SyncMode.incremental, expect_error=True)
    assert any("admin_api_key" in (e.trace.error.message or "") for e in output.errors)
