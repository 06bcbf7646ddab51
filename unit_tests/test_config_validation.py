"""Config validation: every bad config gives a clear error naming the field, before any request."""

import pytest

from source_openai.components import ConfigError, normalize_config, parse_id_list, redact

ADMIN = "sk-admin-TESTKEYadmin0000000000000000"
BASE = {"admin_api_key": ADMIN}


def _problems(config):
    with pytest.raises(ConfigError) as info:
        normalize_config(config)
    return " ".join(info.value.problems)


def test_defaults_are_filled():
    out = normalize_config({"admin_api_key": ADMIN})
    assert out["api_base_url"] == "https://api.openai.com/v1"
    assert out["codex_api_base_url"] == "https://api.chatgpt.com/v1/analytics/codex"
    assert out["usage_bucket_width"] == "1d"
    assert out["start_date"] == "2023-01-01T00:00:00Z"
    assert out["lookback_window_days"] == 5
    assert out["include_archived_projects"] is True
    assert out["__airbyte_check_stream_names"] == ["check_admin_api_key"]


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "`admin_api_key` is required"),
        ("", "`admin_api_key` is empty"),
        ("   ", "`admin_api_key` is empty"),
        ("sk-proj-TESTKEYproject0000000000", "`admin_api_key` is a project key"),
        ("sk-TESTKEYplain000000000000", "`admin_api_key` is not an Admin API key"),
        (" sk-admin-TESTKEY000000 ", "`admin_api_key` contains spaces"),
    ],
)
def test_bad_admin_key(value, expected):
    config = {} if value is None else {"admin_api_key": value}
    message = _problems(config)
    assert expected in message
    assert "TESTKEY" not in message


def test_admin_key_in_project_field_is_refused():
    message = _problems({"admin_api_key": ADMIN, "project_api_key": "sk-admin-TESTKEYother000000"})
    assert "`project_api_key` holds an Admin API key" in message
    assert "TESTKEY" not in message


def test_workspace_ids_are_trimmed_and_deduplicated():
    assert parse_id_list(" ws_1, ws-2 ,,ws_1 , ") == ["ws_1", "ws-2"]
    out = normalize_config(
        {"admin_api_key": ADMIN, "codex_api_key": "sk-TESTKEYcodex00000", "workspace_ids": "a, b, a"}
    )
    assert out["workspace_ids"] == "a,b"
    assert out["__airbyte_check_stream_names"] == ["check_admin_api_key", "check_codex_api_key"]


@pytest.mark.parametrize("raw", ["ws 1", "ws/1", "ws_1;drop", "wsé"])
def test_malformed_workspace_ids(raw):
    assert "`workspace_ids` has malformed ID(s)" in _problems(
        {"admin_api_key": ADMIN, "codex_api_key": "sk-TESTKEYcodex00000", "workspace_ids": raw}
    )


@pytest.mark.parametrize("raw", [None, "", " , ,"])
def test_codex_key_needs_workspaces(raw):
    config = {"admin_api_key": ADMIN, "codex_api_key": "sk-TESTKEYcodex00000"}
    if raw is not None:
        config["workspace_ids"] = raw
    assert "`workspace_ids` is required when `codex_api_key` is set" in _problems(config)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2999-01-01T00:00:00Z", "is in the future"),
        ("yesterday", "is not an ISO 8601 date-time"),
        ("2024-13-01", "is not an ISO"),
    ],
)
def test_bad_start_date(value, expected):
    message = _problems({"admin_api_key": ADMIN, "start_date": value})
    assert "`start_date`" in message and expected in message


def test_start_date_is_normalised_to_utc():
    out = normalize_config({"admin_api_key": ADMIN, "start_date": "2024-03-01"})
    assert out["start_date"] == "2024-03-01T00:00:00Z"


@pytest.mark.parametrize("field", ["api_base_url", "codex_api_base_url"])
def test_plain_http_needs_loopback(field):
    assert f"`{field}` uses plain http://" in _problems({"admin_api_key": ADMIN, field: "http://example.com/v1"})
    assert f"`{field}` uses plain http://" in _problems({"admin_api_key": ADMIN, field: "http://10.1.2.3/v1"})
    for ok in (
        "http://localhost:8080/v1",
        "http://127.0.0.5:1/v1",
        "http://[::1]:9/v1",
        "https://eu.api.openai.com/v1/",
    ):
        out = normalize_config({"admin_api_key": ADMIN, field: ok})
        assert out[field] == ok.rstrip("/")


def test_unknown_group_by_dimension():
    message = _problems({"admin_api_key": ADMIN, "usage_group_by": ["model", "colour"]})
    assert "`usage_group_by` has unknown dimension(s) colour" in message


def test_every_problem_is_reported_at_once():
    message = _problems({"admin_api_key": "sk-proj-TESTKEY00000000", "start_date": "2999-01-01", "num_workers": 50})
    assert "`admin_api_key`" in message and "`start_date`" in message and "`num_workers`" in message


def test_redact_keeps_only_the_public_marker():
    text = "keys sk-admin-abcDEF123_x, sk-proj-ABCDEFGHIJ and sk-1234567890; marker `sk-admin-` stays"
    assert redact(text) == "keys sk-admin-****, sk-proj-**** and sk-****; marker `sk-admin-` stays"


# ------------------------------------------------------------------------------------------ ChatGPT compliance
COMPLIANCE = "sk-TESTcomplianceKEY000000000000"


def test_compliance_principals_are_parsed_like_workspace_ids_and_event_types_default_to_auth_log():
    out = normalize_config(
        {
            "admin_api_key": ADMIN,
            "compliance_api_key": COMPLIANCE,
            "compliance_principal_ids": " 7f1d2c3b-0000-4a5b-9c8d-1234567890ab , org-AbC123,,org-AbC123 ",
        }
    )
    assert out["compliance_principal_ids"] == "7f1d2c3b-0000-4a5b-9c8d-1234567890ab,org-AbC123"
    assert out["compliance_event_types"] == ["AUTH_LOG"]
    assert out["compliance_api_base_url"] == "https://api.chatgpt.com/v1"
    assert out["__airbyte_check_stream_names"] == ["check_admin_api_key", "check_compliance_api_key"]


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"compliance_api_key": COMPLIANCE}, "`compliance_principal_ids` is required when `compliance_api_key` is set"),
        (
            {"compliance_api_key": COMPLIANCE, "compliance_principal_ids": "ws/1"},
            "`compliance_principal_ids` has malformed ID(s)",
        ),
        ({"compliance_event_types": ["auth_log"]}, "`compliance_event_types` must be a list of event type names"),
        ({"compliance_event_types": "AUTH_LOG"}, "`compliance_event_types` must be a list of event type names"),
        ({"compliance_api_base_url": "http://example.com/v1"}, "`compliance_api_base_url` uses plain http://"),
        ({"compliance_api_key": "  "}, "`compliance_api_key` is empty or only whitespace"),
    ],
)
def test_compliance_config_errors_name_the_field(fields, expected):
    problems = _problems({"admin_api_key": ADMIN, **fields})
    assert expected in problems, problems
    assert COMPLIANCE not in problems


def test_new_event_type_names_pass_through():
    out = normalize_config(
        {"admin_api_key": ADMIN, "compliance_event_types": ["AUTH_LOG", "SOME_NEW_TYPE", "AUTH_LOG"]}
    )
    assert out["compliance_event_types"] == ["AUTH_LOG", "SOME_NEW_TYPE"]


@pytest.mark.parametrize(
    "value, expected", [("false", False), ("False", False), ("true", True), (False, False), (True, True), (None, True)]
)
def test_include_archived_projects_reads_true_false_strings_as_booleans(value, expected):
    config = {**BASE, "include_archived_projects": value} if value is not None else dict(BASE)
    assert normalize_config(config)["include_archived_projects"] is expected


@pytest.mark.parametrize("value", ["no", 0, "", [True]])
def test_include_archived_projects_other_values_are_refused(value):
    with pytest.raises(ConfigError, match="`include_archived_projects` must be true or false"):
        normalize_config({**BASE, "include_archived_projects": value})


@pytest.mark.parametrize("value", [{"team": "search"}, {"team": "search", "tier": 2}, {}])
def test_chat_completions_metadata_accepts_key_value_objects(value):
    assert normalize_config({**BASE, "chat_completions_metadata": value})["chat_completions_metadata"] == value


@pytest.mark.parametrize("value", ["team=search", ["team"], {"team": {"nested": 1}}, {"": "x"}, {"team": None}])
def test_chat_completions_metadata_other_shapes_are_refused(value):
    with pytest.raises(ConfigError, match="`chat_completions_metadata` must be an object of key → value pairs"):
        normalize_config({**BASE, "chat_completions_metadata": value})


@pytest.mark.parametrize("value", ["gpt-4o-mini", "ft:gpt-4o:org::abc", "o3.mini", ""])
def test_chat_completions_model_accepts_model_names(value):
    assert normalize_config({**BASE, "chat_completions_model": value})["chat_completions_model"] == value


@pytest.mark.parametrize("value", ["gpt 4o", "gpt-4o&limit=1", 4, ["gpt-4o"]])
def test_chat_completions_model_other_values_are_refused(value):
    with pytest.raises(ConfigError, match="`chat_completions_model` must be a model name"):
        normalize_config({**BASE, "chat_completions_model": value})


@pytest.mark.parametrize("value", ["proj_abc123", " proj_abc123 "])
def test_project_id_is_trimmed_and_adds_its_check(value):
    out = normalize_config({**BASE, "project_api_key": "sk-proj-abcdefgh", "project_id": value})
    assert out["project_id"] == "proj_abc123" and "check_project_id" in out["__airbyte_check_stream_names"]


@pytest.mark.parametrize("value", ["abc123", "proj abc", "sk-proj-abcdefgh", 7])
def test_project_id_must_look_like_a_project_id_and_is_never_echoed(value):
    with pytest.raises(ConfigError, match="`project_id` must be a project ID") as error:
        normalize_config({**BASE, "project_api_key": "sk-proj-abcdefgh", "project_id": value})
    assert "abcdefgh" not in str(error.value)
