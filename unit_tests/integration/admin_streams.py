"""The Administration API entity streams as the tests expect them: endpoint, paging style, maximum `limit`, parent.

One row per stream; the mock-HTTP tests are parametrised over this table, so every stream gets the same checks.
"""

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from .request_builder import RequestBuilder
from .response_builder import id_cursor_page, json_response, next_cursor_page

RESPONSES = Path(__file__).resolve().parent.parent / "resource" / "http" / "response"

ID_CURSOR = "id_cursor"  # after=<last_id> while has_more
NEXT_CURSOR = "next_cursor"  # after=<next> while has_more
SINGLETON = "singleton"  # one object, no paging


@dataclass(frozen=True)
class AdminStream:
    name: str
    path: str  # with {project_id}/{group_id}/{user_id} placeholders
    style: str
    page_size: Optional[int] = None
    parent: Optional[str] = None  # projects, groups, users, project_users, project_groups
    params: Mapping[str, str] = field(default_factory=dict)  # fixed query parameters besides limit/after
    id_field: str = "id"  # the field that identifies a record within its partition

    @property
    def parent_fields(self) -> List[str]:
        return {
            None: [],
            "projects": ["project_id"],
            "groups": ["group_id"],
            "users": ["user_id"],
            "project_users": ["project_id", "user_id"],
            "project_groups": ["project_id", "group_id"],
        }[self.parent]


STREAMS: Dict[str, AdminStream] = {
    s.name: s
    for s in [
        # organisation
        AdminStream("users", "/organization/users", ID_CURSOR, 100),
        AdminStream("invites", "/organization/invites", ID_CURSOR, 100),
        AdminStream("projects", "/organization/projects", ID_CURSOR, 100, params={"include_archived": "true"}),
        AdminStream("admin_api_keys", "/organization/admin_api_keys", ID_CURSOR, 100),
        AdminStream("certificates", "/organization/certificates", ID_CURSOR, 100),
        AdminStream("groups", "/organization/groups", NEXT_CURSOR, 1000),
        AdminStream("group_users", "/organization/groups/{group_id}/users", NEXT_CURSOR, 1000, parent="groups"),
        AdminStream("group_roles", "/organization/groups/{group_id}/roles", NEXT_CURSOR, 1000, parent="groups"),
        AdminStream("roles", "/organization/roles", NEXT_CURSOR, 1000),
        AdminStream("user_roles", "/organization/users/{user_id}/roles", NEXT_CURSOR, 1000, parent="users"),
        AdminStream("spend_alerts", "/organization/spend_alerts", ID_CURSOR, 100),
        AdminStream("spend_limit", "/organization/spend_limit", SINGLETON),
        AdminStream("data_retention", "/organization/data_retention", SINGLETON),
        # per project
        AdminStream("project_users", "/organization/projects/{project_id}/users", ID_CURSOR, 100, parent="projects"),
        AdminStream(
            "project_service_accounts",
            "/organization/projects/{project_id}/service_accounts",
            ID_CURSOR,
            100,
            parent="projects",
        ),
        AdminStream(
            "project_api_keys",
            "/organization/projects/{project_id}/api_keys",
            ID_CURSOR,
            100,
            parent="projects",
            params={"owner_project_access": "any"},
        ),
        AdminStream(
            "project_rate_limits", "/organization/projects/{project_id}/rate_limits", ID_CURSOR, 100, parent="projects"
        ),
        AdminStream(
            "project_certificates",
            "/organization/projects/{project_id}/certificates",
            ID_CURSOR,
            100,
            parent="projects",
        ),
        AdminStream(
            "project_groups",
            "/organization/projects/{project_id}/groups",
            NEXT_CURSOR,
            100,
            parent="projects",
            id_field="group_id",
        ),
        AdminStream(
            "project_spend_alerts",
            "/organization/projects/{project_id}/spend_alerts",
            ID_CURSOR,
            100,
            parent="projects",
        ),
        AdminStream(
            "project_spend_limit", "/organization/projects/{project_id}/spend_limit", SINGLETON, parent="projects"
        ),
        AdminStream(
            "project_model_permissions",
            "/organization/projects/{project_id}/model_permissions",
            SINGLETON,
            parent="projects",
        ),
        AdminStream(
            "project_hosted_tool_permissions",
            "/organization/projects/{project_id}/hosted_tool_permissions",
            SINGLETON,
            parent="projects",
        ),
        AdminStream(
            "project_data_retention", "/organization/projects/{project_id}/data_retention", SINGLETON, parent="projects"
        ),
        AdminStream("project_roles", "/projects/{project_id}/roles", NEXT_CURSOR, 1000, parent="projects"),
        AdminStream(
            "project_user_roles",
            "/projects/{project_id}/users/{user_id}/roles",
            NEXT_CURSOR,
            1000,
            parent="project_users",
        ),
        AdminStream(
            "project_group_roles",
            "/projects/{project_id}/groups/{group_id}/roles",
            NEXT_CURSOR,
            1000,
            parent="project_groups",
        ),
    ]
}
ORG_STREAMS = [name for name, s in STREAMS.items() if s.parent is None]
PER_PROJECT_STREAMS = [
    name
    for name, s in STREAMS.items()
    if s.parent is not None and name not in ("group_users", "group_roles", "user_roles")
]


def sample_body(stream: str) -> Dict[str, Any]:
    """The committed sample response of a stream (from the OpenAPI examples, completed to every schema field)."""
    return json.loads((RESPONSES / f"{stream}.json").read_text())


def sample_record(stream: str, **overrides: Any) -> Dict[str, Any]:
    body = sample_body(stream)
    record = copy.deepcopy(body["data"][0] if "data" in body else body)
    record.update(overrides)
    return record


def request(stream: str, after: Optional[str] = None, **placeholders: str) -> RequestBuilder:
    """The exact request the connector must send for a page of `stream`."""
    s = STREAMS[stream]
    builder = RequestBuilder.api(s.path.format(**placeholders))
    if s.page_size is not None:
        builder = builder.with_limit(s.page_size)
    for name, value in s.params.items():
        builder = builder.with_param(name, value)
    if after is not None:
        builder = builder.with_after(after)
    return builder


def page(stream: str, records: List[Mapping[str, Any]], next_token: Optional[str] = None) -> HttpResponse:
    """A response page of `stream` in its paging style; `next_token` set means another page follows."""
    s = STREAMS[stream]
    if s.style == ID_CURSOR:
        return id_cursor_page(records, has_more=next_token is not None)
    if s.style == NEXT_CURSOR:
        return next_cursor_page(records, next_token)
    assert len(records) == 1 and next_token is None
    return json_response(records[0])


def mock_list(http_mocker: HttpMocker, stream: str, records: List[Mapping[str, Any]], **placeholders: str) -> None:
    """One page holding `records`."""
    http_mocker.get(request(stream, **placeholders).build(), page(stream, records))


def mock_parents(http_mocker: HttpMocker, stream: str) -> Dict[str, str]:
    """Mock the parent chain of `stream` with one parent each; returns the placeholders of its partition."""
    parent = STREAMS[stream].parent
    if parent is None:
        return {}
    if parent == "groups":
        mock_list(http_mocker, "groups", [sample_record("groups", id="group_1")])
        return {"group_id": "group_1"}
    if parent == "users":
        mock_list(http_mocker, "users", [sample_record("users", id="user_1")])
        return {"user_id": "user_1"}
    mock_list(http_mocker, "projects", [sample_record("projects", id="proj_1")])
    if parent == "projects":
        return {"project_id": "proj_1"}
    if parent == "project_users":
        mock_list(http_mocker, "project_users", [sample_record("project_users", id="user_1")], project_id="proj_1")
        return {"project_id": "proj_1", "user_id": "user_1"}
    if parent == "project_groups":
        record = sample_record("project_groups", project_id="proj_1", group_id="group_1")
        mock_list(http_mocker, "project_groups", [record], project_id="proj_1")
        return {"project_id": "proj_1", "group_id": "group_1"}
    raise AssertionError(parent)


def assert_pages_followed(config: Mapping[str, Any], stream: str) -> None:
    """Read `stream` alone over two pages (one object for singletons) and check requests, records and schema.

    The mocked requests carry the exact query parameters (maximum `limit`, `after`, fixed parameters), so a
    request with any other parameters finds no match and the read fails.
    """
    from . import source_runner

    s = STREAMS[stream]
    with HttpMocker() as http_mocker:
        placeholders = mock_parents(http_mocker, stream)
        if s.style == SINGLETON:
            expected = [sample_record(stream)]
            first = request(stream, **placeholders).build()
            http_mocker.get(first, page(stream, expected))
            calls = [first]
        else:
            prefix = stream.replace("_", "")
            expected = [sample_record(stream, **{s.id_field: f"{prefix}_{n}"}) for n in (1, 2, 3)]
            # ID cursor: the next page starts after the last id; `next` cursor: after the opaque `next` value
            token = expected[1][s.id_field] if s.style == ID_CURSOR else "cursor_page_2"
            first = request(stream, **placeholders).build()
            second = request(stream, after=token, **placeholders).build()
            http_mocker.get(first, page(stream, expected[:2], next_token=token))
            http_mocker.get(second, page(stream, expected[2:]))
            calls = [first, second]

        output = source_runner.read(config, stream)

        assert not output.errors, [e.trace.error.message for e in output.errors]
        records = source_runner.records_of(output, stream)
        assert [r.get(s.id_field) for r in records] == [e.get(s.id_field) for e in expected]
        for record in records:
            for name in s.parent_fields:
                assert record[name] == placeholders[name], (stream, name, record)
        for call in calls:
            http_mocker.assert_number_of_calls(call, 1)
        source_runner.assert_records_match_schema(config, stream, records)
