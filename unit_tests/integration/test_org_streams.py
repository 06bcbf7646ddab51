"""Organisation streams (Admin API key): paging with exact query parameters, records valid against their schema."""

import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from .admin_streams import ORG_STREAMS, STREAMS, assert_pages_followed, page, request, sample_record
from .config import ConfigBuilder
from .source_runner import read, records_of

pytestmark = pytest.mark.long(90)


@pytest.mark.parametrize("stream", ORG_STREAMS)
def test_pages_params_and_schema(stream):
    assert_pages_followed(ConfigBuilder().build(), stream)


@pytest.mark.parametrize("include_archived, expected", [(True, "true"), (False, "false"), (None, "true")])
def test_projects_include_archived_follows_config(include_archived, expected):
    config = ConfigBuilder().build()
    if include_archived is not None:
        config["include_archived_projects"] = include_archived
    with HttpMocker() as http_mocker:
        req = request("projects").with_param("include_archived", expected).build()
        http_mocker.get(req, page("projects", [sample_record("projects", id="proj_1")]))
        output = read(config, "projects")
        http_mocker.assert_number_of_calls(req, 1)
    assert [r["id"] for r in records_of(output, "projects")] == ["proj_1"]


def test_every_org_stream_is_covered():
    from .source_runner import discover

    discovered = [s.name for s in discover(ConfigBuilder().build()).catalog.catalog.streams]
    incremental = [n for n in discovered if n.startswith("usage_") or n in ("costs", "audit_logs")]
    assert len(incremental) == 12  # usage, costs and audit logs: tested in test_usage_costs.py / test_audit_logs.py
    entity = [n for n in discovered if n not in incremental]
    assert entity == list(STREAMS), (
        "an admin-only config discovers exactly the Admin API entity streams, in manifest order"
    )


@pytest.mark.parametrize("stream", ["spend_limit", "data_retention"])
def test_org_singletons_have_a_stable_primary_key(stream):
    from .source_runner import discover

    catalog = {s.name: s for s in discover(ConfigBuilder().build()).catalog.catalog.streams}
    assert catalog[stream].source_defined_primary_key == [["object"]]
