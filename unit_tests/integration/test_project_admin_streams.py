"""Per-project streams (Admin API key): paging with exact query parameters, parent ids, records valid against schema."""

import pytest

from .admin_streams import PER_PROJECT_STREAMS, STREAMS, assert_pages_followed
from .config import ConfigBuilder
from .source_runner import discover

pytestmark = pytest.mark.long(170)


@pytest.mark.parametrize("stream", PER_PROJECT_STREAMS + ["group_users", "group_roles", "user_roles"])
def test_pages_params_parent_ids_and_schema(stream):
    assert_pages_followed(ConfigBuilder().build(), stream)


@pytest.mark.parametrize("stream", PER_PROJECT_STREAMS + ["group_users", "group_roles", "user_roles"])
def test_primary_key_starts_with_the_parent_ids(stream):
    catalog = {s.name: s for s in discover(ConfigBuilder().build()).catalog.catalog.streams}
    keys = [k[0] for k in catalog[stream].source_defined_primary_key]
    assert keys[: len(STREAMS[stream].parent_fields)] == STREAMS[stream].parent_fields
    assert set(keys) <= set(catalog[stream].json_schema["properties"])
