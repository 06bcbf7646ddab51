"""audit_logs: two partitions (`tenant_only=false`: the regular events; `tenant_only=true`: the tenant-scoped ones,
which OpenAI returns only with it), each incremental on effective_at (server-side `effective_at[gte]`) with its own
cursor, after=last_id paging, every event type kept whole, a 0.2.x state migrated, and the 403 that means audit
logging is off."""

from typing import Any, Dict, Mapping, Optional

import jsonschema
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import audit_request, epoch as ts, usage_request
from .response_builder import bucket, error_response, id_cursor_page, page_token_page
from .source_runner import discovered_schemas, final_state, read, records_of, stream_state

START = "2026-03-01T00:00:00Z"


NOW, NOW_TS = "2026-03-15T12:34:56Z", 1773578096  # time is frozen here (NOW_TS: NOW in Unix seconds)


def partition_state(regular: Optional[int], tenant: Optional[int]) -> Dict[str, Any]:
    """The per-partition state of audit_logs, as the CDK writes it (only the partitions that have a cursor)."""
    states = [
        {"partition": {"tenant_only": name}, "cursor": {"effective_at": str(value)}}
        for name, value in (("false", regular), ("true", tenant))
        if value is not None
    ]
    return {"states": states}


def cursors(state: Mapping[str, Any]) -> Dict[str, str]:
    """tenant_only -> saved effective_at of a final audit_logs state."""
    return {entry["partition"]["tenant_only"]: entry["cursor"]["effective_at"] for entry in state["states"]}


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


def tenant_event(event_id: str, effective_at: int, event_type: str = "role.bound_to_resource") -> Dict[str, Any]:
    """A tenant-scoped event: not project-scoped, so no `project`."""
    record = event(event_id, effective_at, event_type, **{event_type: {"id": "role_1", "resource_id": "ws_1"}})
    del record["project"]
    return record


@freeze_time(NOW)
def test_first_sync_reads_regular_and_tenant_events_each_with_its_own_cursor() -> None:
    # newest first, as OpenAI appears to return them; the state must not depend on that order
    page1 = [event(f"audit_log-{i}", ts("2026-03-14T00:00:00Z") - i * 3600) for i in range(100)]
    page2 = [event("audit_log-100", ts("2026-03-02T00:00:00Z")), event("audit_log-101", ts(START))]
    tenant = [tenant_event("audit_log-t2", ts("2026-03-10T00:00:00Z"), "role.unbound_from_resource")]
    tenant.append(tenant_event("audit_log-t1", ts("2026-03-05T00:00:00Z")))
    with HttpMocker() as http_mocker:
        first = audit_request(ts(START)).build()
        second = audit_request(ts(START), after="audit_log-99").build()
        tenant_request = audit_request(ts(START), tenant=True).build()
        http_mocker.get(first, id_cursor_page(page1, has_more=True))
        http_mocker.get(second, id_cursor_page(page2, has_more=False))
        http_mocker.get(tenant_request, id_cursor_page(tenant, has_more=False))
        output = read(ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental)
        for request in (first, second, tenant_request):
            http_mocker.assert_number_of_calls(request, 1)
    records = records_of(output, "audit_logs")
    assert len(records) == 104 and len({r["id"] for r in records}) == 104
    by_id = {r["id"]: r for r in records}
    assert by_id["audit_log-t1"]["role.bound_to_resource"] == {"id": "role_1", "resource_id": "ws_1"}
    assert by_id["audit_log-t2"]["type"] == "role.unbound_from_resource" and "project" not in by_id["audit_log-t2"]
    assert cursors(final_state(output, "audit_logs")) == {
        "false": str(ts("2026-03-14T00:00:00Z")),
        "true": str(ts("2026-03-10T00:00:00Z")),
    }
    assert by_id["audit_log-0"]["actor"]["session"]["user"]["email"] == "a@example.com"
    assert by_id["audit_log-0"]["project"] == {"id": "proj_1", "name": "Main"}


@freeze_time(NOW)
def test_an_organisation_without_tenant_events_costs_exactly_one_request_more() -> None:
    with HttpMocker() as http_mocker:
        regular = audit_request(ts(START)).build()
        tenant_request = audit_request(ts(START), tenant=True).build()
        http_mocker.get(regular, id_cursor_page([event("audit_log-a", ts("2026-03-02T00:00:00Z"))]))
        http_mocker.get(tenant_request, id_cursor_page([]))
        output = read(ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental)
        http_mocker.assert_number_of_calls(regular, 1)
        http_mocker.assert_number_of_calls(tenant_request, 1)
    assert [r["id"] for r in records_of(output, "audit_logs")] == ["audit_log-a"]
    # the empty partition keeps its start as cursor: the next sync asks from there again, still one request
    assert cursors(final_state(output, "audit_logs")) == {
        "false": str(ts("2026-03-02T00:00:00Z")),
        "true": str(ts(START)),
    }


@freeze_time(NOW)
def test_second_sync_filters_each_partition_server_side_from_its_own_cursor() -> None:
    saved, saved_tenant = ts("2026-03-14T09:30:00Z"), ts("2026-03-12T00:00:00Z")
    with HttpMocker() as http_mocker:
        regular = audit_request(saved).build()
        tenant_request = audit_request(saved_tenant, tenant=True).build()
        http_mocker.get(regular, id_cursor_page([event("audit_log-b", saved + 60), event("audit_log-a", saved)]))
        http_mocker.get(tenant_request, id_cursor_page([tenant_event("audit_log-t", saved_tenant + 5)]))
        output = read(
            ConfigBuilder().with_start_date(START).build(),
            "audit_logs",
            mode=SyncMode.incremental,
            state=stream_state("audit_logs", partition_state(saved, saved_tenant)),
        )
        http_mocker.assert_number_of_calls(regular, 1)
        http_mocker.assert_number_of_calls(tenant_request, 1)
    assert sorted(r["id"] for r in records_of(output, "audit_logs")) == ["audit_log-a", "audit_log-b", "audit_log-t"]
    assert cursors(final_state(output, "audit_logs")) == {"false": str(saved + 60), "true": str(saved_tenant + 5)}


@freeze_time(NOW)
def test_a_0_2_state_keeps_the_regular_cursor_and_reads_tenant_events_once_from_start_date() -> None:
    # 0.2.x saved one flat cursor, of the regular events (it never sent tenant_only)
    saved = ts("2026-03-14T09:30:00Z")
    with HttpMocker() as http_mocker:
        regular = audit_request(saved).build()
        tenant_request = audit_request(ts(START), tenant=True).build()
        http_mocker.get(regular, id_cursor_page([event("audit_log-b", saved + 60)]))
        http_mocker.get(tenant_request, id_cursor_page([tenant_event("audit_log-t", ts("2026-03-03T00:00:00Z"))]))
        output = read(
            ConfigBuilder().with_start_date(START).build(),
            "audit_logs",
            mode=SyncMode.incremental,
            state=stream_state("audit_logs", {"effective_at": str(saved)}),
        )
        http_mocker.assert_number_of_calls(regular, 1)
        http_mocker.assert_number_of_calls(tenant_request, 1)
    assert sorted(r["id"] for r in records_of(output, "audit_logs")) == ["audit_log-b", "audit_log-t"]
    assert cursors(final_state(output, "audit_logs")) == {
        "false": str(saved + 60),
        "true": str(ts("2026-03-03T00:00:00Z")),
    }


def test_a_future_state_does_not_stall_audit_logs() -> None:
    future = ts("2099-01-01T00:00:00Z")
    state = stream_state("audit_logs", partition_state(future, future))
    with freeze_time(NOW):
        with HttpMocker() as http_mocker:
            output = read(
                ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental, state=state
            )
    # pulled back to now: nothing to read yet, and the cursors are now real times
    assert cursors(final_state(output, "audit_logs")) == {"false": str(NOW_TS), "true": str(NOW_TS)}
    assert any("is in the future" in m.log.message for m in output.logs)
    later = stream_state("audit_logs", final_state(output, "audit_logs"))
    with freeze_time("2026-03-16T00:00:00Z"):
        with HttpMocker() as http_mocker:
            request = audit_request(NOW_TS).build()
            tenant_request = audit_request(NOW_TS, tenant=True).build()
            http_mocker.get(request, id_cursor_page([event("audit_log-n", NOW_TS + 100)]))
            http_mocker.get(tenant_request, id_cursor_page([]))
            output = read(
                ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental, state=later
            )
            http_mocker.assert_number_of_calls(request, 1)
            http_mocker.assert_number_of_calls(tenant_request, 1)
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
        http_mocker.get(audit_request(ts(START), tenant=True).build(), id_cursor_page([]))
        output = read(ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental)
    records = {r["id"]: r for r in records_of(output, "audit_logs")}
    assert records["audit_log-1"]["api_key.created"] == {"id": "key_1", "data": {"scopes": ["api.model.read"]}}
    assert records["audit_log-2"]["tenant.sso.configured"] == {
        "id": "tenant_1",
        "changes": {"idp": "okta", "nested": [1, {"x": None}]},
    }
    assert records["audit_log-2"]["brand_new_top_level"] == 7
    schema = discovered_schemas(ConfigBuilder().build())["audit_logs"]
    assert "tenant.sso.configured" not in schema["properties"] and schema["additionalProperties"] is True
    for record in records.values():
        jsonschema.validate(record, schema)


@freeze_time(NOW)
def test_403_skips_audit_logs_with_how_to_enable_it_and_the_other_streams_go_on() -> None:
    today = ts("2026-03-15T00:00:00Z")
    with HttpMocker() as http_mocker:
        audit = audit_request(ts("2026-03-15T00:00:00Z")).build()
        tenant_audit = audit_request(ts("2026-03-15T00:00:00Z"), tenant=True).build()
        http_mocker.get(audit, error_response(403, "Audit logging is not enabled for this organization."))
        http_mocker.get(tenant_audit, error_response(403, "Audit logging is not enabled for this organization."))
        usage = usage_request("usage_embeddings", today, NOW_TS).build()
        http_mocker.get(usage, page_token_page([bucket(today, 86400, [{"input_tokens": 3, "num_model_requests": 1}])]))
        output = read(
            ConfigBuilder().with_start_date("2026-03-15T00:00:00Z").build(),
            "audit_logs",
            "usage_embeddings",
            mode=SyncMode.incremental,
        )
        http_mocker.assert_number_of_calls(audit, 1)
        http_mocker.assert_number_of_calls(tenant_audit, 1)
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
        http_mocker.get(audit_request(ts(START), tenant=True).build(), error_response(401, "bad key"))
        output = read(
            ConfigBuilder().with_start_date(START).build(), "audit_logs", mode=SyncMode.incremental, expect_error=True
        )
    assert any("admin_api_key" in (e.trace.error.message or "") for e in output.errors)
