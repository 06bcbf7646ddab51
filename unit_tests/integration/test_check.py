"""check: one cheap request per credential given; a failure names the field and the HTTP status and says what to do."""

import re

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import FAKE_KEY_FRAGMENT, PROJECT_KEY, ConfigBuilder
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
        builder = builder.with_project_key()
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
