"""check: one cheap request per credential given; a failure names the field and the HTTP status and says what to do."""

import re

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import FAKE_KEY_FRAGMENT, PROJECT_ID, PROJECT_KEY, ConfigBuilder
from .request_builder import RequestBuilder
from .response_builder import RETRY_SOON, error_response, id_cursor_page, json_response
from .source_runner import all_output_text, check

NOW = 1767225600  # 2026-01-01T00:00:00Z
ADMIN_CHECK = RequestBuilder.api("/organization/projects").with_limit(1).build()
PROJECT_CHECK = RequestBuilder.api("/models").build()
CODEX_CHECK = RequestBuilder.codex("/workspaces/ws_1/usage").with_limit(1).with_param("start_time", NOW - 86400).build()
CODEX_CHECK_2 = (
    RequestBuilder.codex("/workspaces/ws_2/usage").with_limit(1).with_param("start_time", NOW - 86400).build()
)
OK = {
    "admin": id_cursor_page([{"id": "proj_1", "object": "organization.project"}]),
    "project": json_response(
        {"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "system"}]}
    ),
    "codex": json_response({"object": "page", "data": [], "has_more": False, "next_page": None}),
}
REQUESTS = {"admin": ADMIN_CHECK, "project": PROJECT_CHECK, "codex": CODEX_CHECK}


def _config(*credentials):
    builder = ConfigBuilder()
    if "project" in credentials:
        builder = builder.with_project_key(project_id=None)  # check_project_id: tested below
    if "codex" in credentials:
        builder = builder.with_codex("ws_1, ws_2")
    return builder.build()


def _status(output):
    statuses = output.connection_status_messages
    assert len(statuses) == 1, output.errors
    return statuses[0].connectionStatus


@freeze_time("2026-01-01T00:00:00Z")
@pytest.mark.parametrize(
    "credentials", [("admin",), ("admin", "project"), ("admin", "project", "codex"), ("admin", "codex")]
)
def test_check_succeeds_with_one_request_per_credential_and_workspace(credentials):
    with HttpMocker() as http_mocker:
        for credential in credentials:
            http_mocker.get(REQUESTS[credential], OK[credential])
        if "codex" in credentials:  # the Codex check validates every workspace
            http_mocker.get(CODEX_CHECK_2, OK["codex"])
        output = check(_config(*credentials))
        for credential in credentials:
            http_mocker.assert_number_of_calls(REQUESTS[credential], 1)
        if "codex" in credentials:
            http_mocker.assert_number_of_calls(CODEX_CHECK_2, 1)
        # and no other request: HttpMocker answers an unmocked one with an error, which fails the check

    assert _status(output).status == Status.SUCCEEDED


def test_check_sends_each_key_to_its_own_api():
    with HttpMocker() as http_mocker:
        http_mocker.get(
            RequestBuilder.api("/organization/projects")
            .with_limit(1)
            .with_bearer(ConfigBuilder().build()["admin_api_key"])
            .build(),
            OK["admin"],
        )
        http_mocker.get(RequestBuilder.api("/models").with_bearer(PROJECT_KEY).build(), OK["project"])
        output = check(_config("admin", "project"))
    assert _status(output).status == Status.SUCCEEDED


FAILURES = [
    # credential, status, words the message must contain
    ("admin", 401, ["`admin_api_key`", "HTTP 401", "Organization settings → Admin keys"]),
    ("admin", 403, ["`admin_api_key`", "HTTP 403", "Organization settings → Admin keys"]),
    ("admin", 404, ["`admin_api_key`", "HTTP 404", "`api_base_url`"]),
    ("project", 401, ["`project_api_key`", "HTTP 401", "Settings → API keys"]),
    ("project", 403, ["`project_api_key`", "HTTP 403", "read access"]),
    ("project", 404, ["`project_api_key`", "HTTP 404", "`api_base_url`"]),
    ("codex", 401, ["`codex_api_key`", "HTTP 401", "codex.enterprise.analytics.read"]),
    ("codex", 403, ["`codex_api_key`", "HTTP 403", "codex.enterprise.analytics.read"]),
    ("codex", 404, ["`workspace_ids`", "HTTP 404", "Workspace details"]),
]


@freeze_time("2026-01-01T00:00:00Z")
@pytest.mark.parametrize("credential, status, words", FAILURES, ids=[f"{c}-{s}" for c, s, _ in FAILURES])
def test_check_fails_naming_the_field_the_status_and_the_fix(credential, status, words):
    with HttpMocker() as http_mocker:
        for other in ("admin", "project", "codex"):
            http_mocker.get(
                REQUESTS[other],
                error_response(status, "Incorrect API key provided: sk-proj-FAKEp****cdef")
                if other == credential
                else OK[other],
            )
        http_mocker.get(CODEX_CHECK_2, OK["codex"])
        output = check(_config("admin", "project", "codex"))

    result = _status(output)
    assert result.status == Status.FAILED
    assert result.message, "a failed check must say why"
    for word in words:
        assert word in result.message, (word, result.message)
    text = all_output_text(output)  # fails if nothing was captured
    assert '"CONNECTION_STATUS"' in text and f"HTTP {status}" in text
    # the API's echo reached the output (so the scan below had something to find), with the key masked out
    echoes = re.findall(r"Incorrect API key provided: ([^'\"]*)", text)
    assert echoes, "the API's error text is not in the output"
    assert all(re.fullmatch(r"(sk-(proj-)?)?\*+", echo) for echo in echoes), echoes
    assert FAKE_KEY_FRAGMENT not in text
    assert "*cdef" not in text  # the 4 last characters an echo shows are part of the key too


def test_check_retries_server_errors_then_fails_clearly():
    with HttpMocker() as http_mocker:
        http_mocker.get(ADMIN_CHECK, error_response(503, headers=RETRY_SOON))
        output = check(_config("admin"))
        http_mocker.assert_number_of_calls(ADMIN_CHECK, 4)  # 1 try + 3 retries: check should not hang for long

    result = _status(output)
    assert result.status == Status.FAILED
    assert "HTTP 408/5xx" in result.message


def test_check_streams_are_not_discoverable():
    from .source_runner import discover

    names = {s.name for s in discover(_config("admin", "project", "codex")).catalog.catalog.streams}
    assert not {n for n in names if n.startswith("check_")}


PROJECT_ID_CHECK = (
    RequestBuilder.api("/organization/projects").with_limit(1).with_param("include_archived", "true").build()
)


def _project_keys(project_id: str, *redacted: str):
    request = (
        RequestBuilder.api(f"/organization/projects/{project_id}/api_keys")
        .with_limit(100)
        .with_param("owner_project_access", "any")
        .build()
    )
    keys = [
        {"object": "organization.project.api_key", "id": f"key_{i}", "redacted_value": r}
        for i, r in enumerate(redacted)
    ]
    return request, id_cursor_page(keys)


@pytest.mark.parametrize("matches", [True, False], ids=["its-project", "another-project"])
def test_check_verifies_that_project_id_is_the_project_of_the_key(matches):
    shown = f"{PROJECT_KEY[:6]}...{PROJECT_KEY[-4:]}" if matches else "sk-pro...zzzz"
    keys_request, keys_page = _project_keys(PROJECT_ID, "sk-pro...aaaa", shown)
    with HttpMocker() as http_mocker:
        for credential in ("admin", "project"):
            http_mocker.get(REQUESTS[credential], OK[credential])
        http_mocker.get(PROJECT_ID_CHECK, OK["admin"])
        http_mocker.get(keys_request, keys_page)
        output = check(ConfigBuilder().with_project_key().build())
        http_mocker.assert_number_of_calls(PROJECT_ID_CHECK, 1)
        http_mocker.assert_number_of_calls(keys_request, 1)
    result = _status(output)
    if matches:
        assert result.status == Status.SUCCEEDED
    else:
        assert result.status == Status.FAILED
        assert f"`project_id` {PROJECT_ID} is not the project of `project_api_key`" in result.message
    assert FAKE_KEY_FRAGMENT not in all_output_text(output)
