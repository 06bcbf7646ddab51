"""spec: the exact properties of the issue's table, each documented for the Airbyte form, and Airbyte's lint.

`EXPECTED` is that table: one row per spec property (type, default, secret, required, form group), keyed by name;
the per-property tests are parametrised over it.
"""

import logging
from dataclasses import dataclass
from typing import Any, Dict

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from source_openai import SourceOpenai


@dataclass(frozen=True)
class SpecProperty:
    """One property of the connection specification, as the spec must declare it."""

    name: str
    type: str  # the JSON schema type
    group: str  # the form section: credentials, sync or advanced
    default: Any = None  # None: no default
    secret: bool = False  # airbyte_secret: masked in the form and the logs
    required: bool = False  # listed in the specification's `required`


EXPECTED: Dict[str, SpecProperty] = {
    p.name: p
    for p in [
        SpecProperty("admin_api_key", "string", "credentials", secret=True, required=True),
        SpecProperty("project_api_key", "string", "credentials", secret=True),
        SpecProperty("project_id", "string", "credentials"),
        SpecProperty("codex_api_key", "string", "credentials", secret=True),
        SpecProperty("workspace_ids", "string", "credentials"),
        SpecProperty("start_date", "string", "sync"),
        SpecProperty("usage_bucket_width", "string", "sync", default="1d"),
        SpecProperty("usage_group_by", "array", "sync"),
        SpecProperty("lookback_window_days", "integer", "sync", default=5),
        SpecProperty("include_archived_projects", "boolean", "sync", default=True),
        SpecProperty("api_base_url", "string", "advanced", default="https://api.openai.com/v1"),
        SpecProperty("codex_api_base_url", "string", "advanced", default="https://api.chatgpt.com/v1/analytics/codex"),
        SpecProperty("num_workers", "integer", "advanced", default=4),
        SpecProperty("compliance_api_key", "string", "credentials", secret=True),
        SpecProperty("chat_completions_metadata", "object", "sync"),
        SpecProperty("chat_completions_model", "string", "sync"),
        SpecProperty("compliance_principal_ids", "string", "credentials"),
        SpecProperty("compliance_event_types", "array", "sync", default=["AUTH_LOG"]),
        SpecProperty("compliance_api_base_url", "string", "advanced", default="https://api.chatgpt.com/v1"),
    ]
}


class _StandardSpecTest(SourceTestSuiteBase):
    """The CDK's standard `spec` test (one SPEC message, Airbyte's credential-free lint: secrets marked), as the
    acceptance suite runs it; not collected here by itself (its name does not start with Test)."""

    connector_name = "source-openai"

    @classmethod
    def create_connector(cls, scenario):
        return SourceOpenai()


@pytest.fixture(scope="module")
def spec():
    return SourceOpenai().spec(logging.getLogger("airbyte"))


@pytest.fixture(scope="module")
def connection_spec(spec):
    return spec.connectionSpecification


def test_spec_passes_airbyte_lint():
    _StandardSpecTest().test_spec()


def test_exactly_the_documented_properties(connection_spec):
    assert set(connection_spec["properties"]) == set(EXPECTED)
    assert connection_spec["required"] == ["admin_api_key"]
    assert connection_spec["required"] == [name for name, p in EXPECTED.items() if p.required]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_property_type_default_secret_and_group(connection_spec, name):
    expected = EXPECTED[name]
    prop = connection_spec["properties"][name]
    assert prop["type"] == expected.type
    assert prop.get("default") == expected.default
    assert prop.get("airbyte_secret", False) is expected.secret
    assert prop.get("group") == expected.group


@pytest.mark.parametrize("name", list(EXPECTED))
def test_property_is_documented_for_the_form(connection_spec, name):
    prop = connection_spec["properties"][name]
    assert prop.get("title") and prop.get("description") and isinstance(prop.get("order"), int)
    assert prop.get("examples"), f"{name} has no examples"
    if prop.get("default") is not None:
        assert "const" not in prop


def test_groups_are_declared_and_orders_unique_within_each(connection_spec):
    declared = [g["id"] for g in connection_spec["groups"]]
    assert declared == ["credentials", "sync", "advanced"]
    assert all(g.get("title") for g in connection_spec["groups"])
    by_group = {}
    for name, prop in connection_spec["properties"].items():
        assert prop["group"] in declared, name
        by_group.setdefault(prop["group"], []).append(prop["order"])
    for group, orders in by_group.items():
        assert len(orders) == len(set(orders)), f"duplicate order in group {group}"


def test_enums_and_bounds_match_the_config_validation(connection_spec):
    from source_openai.components import BUCKET_WIDTHS, USAGE_DIMENSIONS

    props = connection_spec["properties"]
    assert tuple(props["usage_bucket_width"]["enum"]) == BUCKET_WIDTHS
    assert tuple(props["usage_group_by"]["items"]["enum"]) == USAGE_DIMENSIONS
    assert (props["num_workers"]["minimum"], props["num_workers"]["maximum"]) == (1, 10)
    assert (props["lookback_window_days"]["minimum"], props["lookback_window_days"]["maximum"]) == (0, 90)


@pytest.mark.parametrize("workers, refused", [(0, True), (1, False), (10, False), (11, True)])
def test_num_workers_beyond_the_cap_is_refused_before_any_request(workers, refused):
    """The cap in behaviour: 1 to 10 workers are taken, others refused with the field named (the manifest's
    concurrency level and the spec agree with it: unit_tests/test_manifest_rules.py; the load test counts the
    requests in flight)."""
    from source_openai.components import ConfigError, normalize_config

    config = {"admin_api_key": "sk-admin-TESTKEY0000000000", "num_workers": workers}
    if refused:
        with pytest.raises(ConfigError, match=r"`num_workers` must be a whole number from 1 to 10"):
            normalize_config(config)
    else:
        assert normalize_config(config)["num_workers"] == workers


def test_sample_config_matches_the_spec(connection_spec):
    import jsonschema

    from .config import ConfigBuilder

    jsonschema.validate(ConfigBuilder().with_project_key().with_codex().build(), connection_spec)
