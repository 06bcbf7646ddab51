"""The shared error policy (definitions.error_handlers), row by row, through the real manifest.

The retries in a read wait for real: their responses ask for a 10 ms wait (`RETRY_SOON`), which the CDK lengthens
to about 1 s, and the waits are read from the log line of each (`retry_waits`). The policy's own waits (5 to 60 s)
are checked on BoundedBackoff itself, with real responses.
"""

import logging
import re
import time

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_openai.components import BoundedBackoff

from .admin_streams import STREAMS, mock_parents, page, request, sample_record
from .config import ADMIN_KEY, FAKE_KEY_FRAGMENT, ConfigBuilder
from .response_builder import RETRY_SOON, error_response
from .source_runner import all_output_text, read, records_of, retry_waits

pytestmark = pytest.mark.long(180)

ECHOED_KEY = f"{ADMIN_KEY[:14]}****{ADMIN_KEY[-4:]}"  # what OpenAI-style 401 bodies echo: a partly masked key
USERS = [sample_record("users", id="user_1"), sample_record("users", id="user_2")]


def _error_messages(output):
    return [e.trace.error.message for e in output.errors]


def _assert_no_key_in(output):
    text = all_output_text(output)
    assert text, "nothing captured to scan"
    assert FAKE_KEY_FRAGMENT not in text, [line for line in text.splitlines() if FAKE_KEY_FRAGMENT in line][:3]
    # the last 4 characters an echo shows (`…****cdef`) are part of the key too
    assert "*" + ADMIN_KEY[-4:] not in text, [line for line in text.splitlines() if "*" + ADMIN_KEY[-4:] in line][:3]


# ----------------------------------------------------------------------------------------------- 401
@pytest.mark.parametrize("stream", ["users", "project_users"])
def test_401_is_a_config_error_naming_the_admin_key(stream):
    with HttpMocker() as http_mocker:
        if stream == "project_users":
            http_mocker.get(request("projects").build(), page("projects", [sample_record("projects", id="proj_1")]))
        body = error_response(
            401,
            f"Incorrect API key provided: {ECHOED_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_api_key",
        )
        http_mocker.get(request(stream, project_id="proj_1").build(), body)
        output = read(ConfigBuilder().build(), stream, expect_error=True)

    configs = [e for e in output.errors if e.trace.error.failure_type == FailureType.config_error]
    assert configs, _error_messages(output)
    message = configs[0].trace.error.message
    assert "`admin_api_key`" in message and "HTTP 401" in message and "Admin keys" in message
    assert not records_of(output, stream)
    _assert_no_key_in(output)


# ----------------------------------------------------------------------------------------------- 403 / 404
@pytest.mark.parametrize("status, why", [(403, "not allowed"), (404, "does not exist")])
def test_403_404_on_a_stream_skips_it_and_the_sync_goes_on(status, why):
    with HttpMocker() as http_mocker:
        http_mocker.get(request("certificates").build(), error_response(status, "no access"))
        http_mocker.get(request("users").build(), page("users", USERS))
        output = read(ConfigBuilder().build(), "certificates", "users")

    assert not output.errors, _error_messages(output)
    assert [r["id"] for r in records_of(output, "users")] == ["user_1", "user_2"]
    assert not records_of(output, "certificates")
    assert output.is_in_logs(
        f"Skipping https://api.openai.com/v1/organization/certificates: OpenAI answered HTTP {status}"
    )
    assert output.is_in_logs(why)


@pytest.mark.parametrize("status", [403, 404])
def test_403_404_on_one_partition_skips_only_that_partition(status):
    projects = [sample_record("projects", id=p) for p in ("proj_1", "proj_2", "proj_3")]
    with HttpMocker() as http_mocker:
        http_mocker.get(request("projects").build(), page("projects", projects))
        http_mocker.get(
            request("project_users", project_id="proj_1").build(),
            page("project_users", [sample_record("project_users", id="u1")]),
        )
        http_mocker.get(request("project_users", project_id="proj_2").build(), error_response(status))
        http_mocker.get(
            request("project_users", project_id="proj_3").build(),
            page("project_users", [sample_record("project_users", id="u3")]),
        )
        output = read(ConfigBuilder().build(), "project_users")

    assert not output.errors, _error_messages(output)
    assert sorted((r["project_id"], r["id"]) for r in records_of(output, "project_users")) == [
        ("proj_1", "u1"),
        ("proj_3", "u3"),
    ]
    assert output.is_in_logs(
        f"Skipping https://api.openai.com/v1/organization/projects/proj_2/users: OpenAI answered HTTP {status}"
    )


# ----------------------------------------------------------------------------------------------- 429
USERS_URL = "https://api.openai.com/v1/organization/users?limit=100"


def _backoff_waits(response_or_exception, attempts):
    """The waits BoundedBackoff (the manifest's backoff strategy) asks for on attempts 1..n of one request."""
    backoff = BoundedBackoff(config={}, parameters={"name": "users"})
    return [backoff.backoff_time(response_or_exception, attempt) for attempt in range(1, attempts + 1)]


def _response(status, headers=None):
    """A real response of the requests library, as the HttpClient hands it to the backoff strategy."""
    with requests_mock.Mocker() as mocker:
        mocker.get(USERS_URL, status_code=status, headers=headers or {}, json={"error": {"message": "error"}})
        return requests.get(USERS_URL)


def test_429_waits_for_retry_after_then_succeeds():
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(
            req, [error_response(429, "Rate limit reached", headers={"Retry-After": "1"}), page("users", USERS)]
        )
        started = time.monotonic()
        output = read(ConfigBuilder().build(), "users")
        elapsed = time.monotonic() - started
        http_mocker.assert_number_of_calls(req, 2)

    assert not output.errors, _error_messages(output)
    assert len(records_of(output, "users")) == 2
    assert retry_waits(output) == [2] and elapsed >= 2  # the asked 1 s, and the CDK's 1 s of slack
    assert _backoff_waits(_response(429, {"Retry-After": "7"}), 1) == [7]


def test_429_without_retry_after_backs_off_boundedly_and_logs_the_long_waits(caplog):
    with caplog.at_level(logging.INFO, logger="airbyte"):
        waits = _backoff_waits(_response(429), 5)
    assert waits == [5, 10, 20, 40, 60]
    logged = [r.getMessage() for r in caplog.records if "before retrying" in r.getMessage()]
    assert logged == [
        f"users: waiting {wait} s before retrying /v1/organization/users (HTTP 429, attempt {n})."
        for n, wait in ((3, 20), (4, 40), (5, 60))
    ]  # every wait over 10 s, and only those

    # in a read, five 429s are retried (each asking for a short wait here), then the page is read
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(
            req, [error_response(429, "Rate limit reached", headers=RETRY_SOON)] * 5 + [page("users", USERS)]
        )
        output = read(ConfigBuilder().build(), "users")
        http_mocker.assert_number_of_calls(req, 6)  # five 429s, then the page

    assert not output.errors, _error_messages(output)
    assert len(records_of(output, "users")) == 2
    assert retry_waits(output) == [1.01] * 5


@pytest.mark.parametrize(
    "headers, waited",
    [({"retry-after-ms": "2500"}, 2.5), ({"Retry-After": "60"}, 60)],
)
def test_429_honours_retry_after_in_milliseconds_and_up_to_a_minute(headers, waited):
    assert _backoff_waits(_response(429, headers), 1) == [waited]


def test_429_retry_after_in_milliseconds_is_waited_in_a_read():
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(
            req,
            [error_response(429, "Rate limit reached", headers={"retry-after-ms": "500"}), page("users", USERS)],
        )
        started = time.monotonic()
        output = read(ConfigBuilder().build(), "users")
        elapsed = time.monotonic() - started

    assert not output.errors, _error_messages(output)
    assert retry_waits(output) == [1.5] and elapsed >= 1.5


def test_a_retry_after_over_a_minute_fails_the_stream_at_once_with_the_number():
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(req, [error_response(429, "Quota", headers={"Retry-After": "3600"}), page("users", USERS)])
        http_mocker.get(request("invites").build(), page("invites", INVITES))
        output = read(ConfigBuilder().build(), "users", "invites", expect_error=True)
        http_mocker.assert_number_of_calls(req, 1)

    assert not retry_waits(output)  # no silent wait
    assert [r["id"] for r in records_of(output, "invites")] == ["invite_1", "invite_2"]
    assert any(
        "users: OpenAI asked to wait 3600 s before retrying /v1/organization/users (HTTP 429)" in m
        for m in _error_messages(output)
    ), _error_messages(output)
    with pytest.raises(AirbyteTracedException, match="asked to wait 61 s"):
        _backoff_waits(_response(429, {"Retry-After": "61"}), 1)


# ----------------------------------------------------------------------------------------------- 5xx
def test_5xx_is_retried_then_succeeds():
    with HttpMocker() as http_mocker:
        req = request("users").build()
        errors = [error_response(status, headers=RETRY_SOON) for status in (500, 502, 503, 504)]
        http_mocker.get(req, errors + [page("users", USERS)])
        output = read(ConfigBuilder().build(), "users")
        http_mocker.assert_number_of_calls(req, 5)

    assert not output.errors, _error_messages(output)
    assert len(records_of(output, "users")) == 2
    assert len(retry_waits(output)) == 4


def test_5xx_with_a_non_json_body_is_retried():
    from airbyte_cdk.test.mock_http import HttpResponse

    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(
            req,
            [
                HttpResponse("<html>502 Bad Gateway</html>", 502, RETRY_SOON),
                HttpResponse('{"error": null}', 500, RETRY_SOON),
                page("users", USERS),
            ],
        )
        output = read(ConfigBuilder().build(), "users")

    assert not output.errors, _error_messages(output)
    assert len(records_of(output, "users")) == 2


INVITES = [sample_record("invites", id="invite_1"), sample_record("invites", id="invite_2")]


@pytest.mark.parametrize(
    "body", ['{"object": "list", "data": [{"id": "invite_', "<html><body>502 Bad Gateway</body></html>", "", "null"]
)
def test_200_whose_body_is_not_complete_json_is_retried_and_nothing_of_it_is_emitted(body):
    """Without the `unreadable_body` filter the CDK reads such a body as an empty last page: exit 0, records missing."""
    from airbyte_cdk.test.mock_http import HttpResponse

    with HttpMocker() as http_mocker:
        first, second = request("invites").build(), request("invites", after="invite_1").build()
        cut_off = HttpResponse(body, 200, RETRY_SOON)
        http_mocker.get(first, [cut_off, page("invites", INVITES[:1], next_token="invite_1")])
        http_mocker.get(second, [cut_off, cut_off, page("invites", INVITES[1:])])
        output = read(ConfigBuilder().build(), "invites")
        http_mocker.assert_number_of_calls(first, 2)
        http_mocker.assert_number_of_calls(second, 3)

    assert not output.errors, _error_messages(output)
    assert [r["id"] for r in records_of(output, "invites")] == ["invite_1", "invite_2"]
    assert len(retry_waits(output)) == 3


def test_200_with_an_unreadable_body_every_time_fails_instead_of_ending_the_stream_early():
    from airbyte_cdk.test.mock_http import HttpResponse

    with HttpMocker() as http_mocker:
        http_mocker.get(request("invites").build(), HttpResponse('{"object": "list", "da', 200, RETRY_SOON))
        output = read(ConfigBuilder().build(), "invites", expect_error=True)

    assert not records_of(output, "invites")
    assert any(
        "not complete JSON" in (e.trace.error.internal_message or "") + e.trace.error.message for e in output.errors
    ), _error_messages(output)
    assert retry_waits(output) == [1.01] * 10  # every retry, then the stream fails


def test_an_unreadable_200_on_a_cached_parent_list_is_asked_again_and_read_whole():
    """`users` is a parent (of user_roles), so the CDK keeps its responses in its response cache, which would answer a
    plain retry with the same cut-off body. The retry carries the refetch header (a new cache key), so OpenAI is asked
    again, and `user_roles`, which reads the same list, gets the fresh page from the cache: two requests in all."""
    from airbyte_cdk.test.mock_http import HttpResponse

    with HttpMocker() as http_mocker:
        users = request("users").build()
        http_mocker.get(
            users, [HttpResponse('{"object": "list", "data": [{"id": "user_', 200, RETRY_SOON), page("users", USERS)]
        )
        for user in USERS:
            http_mocker.get(request("user_roles", user_id=user["id"]).build(), page("user_roles", []))
        output = read(ConfigBuilder().build(), "users", "user_roles")
        http_mocker.assert_number_of_calls(users, 2)

    assert not output.errors, _error_messages(output)
    assert [r["id"] for r in records_of(output, "users")] == ["user_1", "user_2"]
    assert len(retry_waits(output)) == 1


def test_persistent_5xx_fails_with_a_transient_error_after_the_retries():
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(req, error_response(503, f"upstream said {ECHOED_KEY}", headers=RETRY_SOON))
        output = read(ConfigBuilder().build(), "users", expect_error=True)
        http_mocker.assert_number_of_calls(req, 11)  # 1 try + max_retries (10)

    assert output.errors
    assert output.errors[0].trace.error.failure_type == FailureType.transient_error
    assert retry_waits(output) == [1.01] * 10
    _assert_no_key_in(output)


@pytest.mark.parametrize(
    "fault",
    [_response(503), _response(200), requests.exceptions.ConnectionError("reset")],
    ids=["5xx", "unreadable 200", "connection error"],
)
def test_5xx_cut_off_bodies_and_connection_errors_wait_1_to_16_then_30_s(fault):
    assert _backoff_waits(fault, 10) == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30]


def test_connection_errors_are_retried():
    with requests_mock.Mocker() as mocker:  # HttpMocker answers with responses only, not with exceptions
        mocker.get(
            USERS_URL,
            [
                {"exc": requests.exceptions.ConnectionError("connection reset")},
                {"exc": requests.exceptions.ReadTimeout("read timed out")},
                {"text": page("users", USERS).body, "status_code": 200},
            ],
        )
        output = read(ConfigBuilder().build(), "users")

    assert not output.errors, _error_messages(output)
    assert len(records_of(output, "users")) == 2
    assert retry_waits(output) == [2, 3]  # 1 and 2 s (no response to ask for less), and the CDK's 1 s each


# ----------------------------------------------------------------------------------------------- keys
@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500])
def test_a_key_echoed_by_the_api_never_reaches_the_output(status):
    message = f"Incorrect API key provided: {ECHOED_KEY} ({ADMIN_KEY})"
    body = error_response(status, message, "invalid_api_key", headers=RETRY_SOON)
    with HttpMocker() as http_mocker:
        req = request("users").build()
        http_mocker.get(req, [body, page("users", USERS)] if status in (429, 500) else body)
        output = read(ConfigBuilder().build(), "users", expect_error=status in (400, 401))

    _assert_no_key_in(output)


@pytest.mark.parametrize("stream", list(STREAMS))
def test_every_stream_uses_the_shared_error_policy(stream):
    """Each admin stream behaves by the shared admin policy: a 5xx is retried after a wait, then a 403 skips the
    stream (or its partition) with a log line, no error, no record, and no further request."""
    with HttpMocker() as http_mocker:
        placeholders = mock_parents(http_mocker, stream)
        req = request(stream, **placeholders).build()
        http_mocker.get(req, [error_response(503, "upstream", headers=RETRY_SOON), error_response(403, "no access")])
        output = read(ConfigBuilder().build(), stream)
        http_mocker.assert_number_of_calls(req, 2)  # the 503 retried once; the 403 neither retried nor fatal

    assert not output.errors, _error_messages(output)
    assert not records_of(output, stream)
    assert len(retry_waits(output)) == 1, retry_waits(output)
    url = "https://api.openai.com/v1" + STREAMS[stream].path.format(**placeholders)
    assert output.is_in_logs(re.escape(f"Skipping {url}: OpenAI answered HTTP 403")), [
        m.log.message for m in output.logs
    ][-5:]
