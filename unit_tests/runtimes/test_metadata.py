"""metadata.yaml is complete in Airbyte's format and agrees with the rest of the repository."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

import pytest
import yaml

from .conftest import PYPROJECT, ROOT, VERSION

pytestmark = pytest.mark.runtimes

DATA = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
MANIFEST = yaml.safe_load((ROOT / "source_openai" / "manifest.yaml").read_text())


def test_required_fields_in_airbytes_format():
    assert yaml.safe_load((ROOT / "metadata.yaml").read_text())["metadataSpecVersion"] == "1.0"
    uuid.UUID(DATA["definitionId"])
    assert DATA["connectorType"] == "source" and DATA["connectorSubtype"] == "api"
    assert DATA["releaseStage"] in {"alpha", "beta", "generally_available", "custom"}
    assert DATA["supportLevel"] in {"community", "certified", "archived"}
    assert re.fullmatch(r"[a-z0-9._/-]+/source-openai-org", DATA["dockerRepository"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", DATA["releaseDate"])
    assert {"language:python", "cdk:low-code"} <= set(DATA["tags"])
    assert DATA["remoteRegistries"]["pypi"] == {"enabled": True, "packageName": PYPROJECT["project"]["name"]}


def test_versions_agree():
    assert DATA["dockerImageTag"] == VERSION
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## (\S+)", changelog, re.M).group(1) == VERSION, "CHANGELOG.md's newest entry"


def test_license_and_docs_url_agree():
    assert DATA["license"] == PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert DATA["documentationUrl"] == MANIFEST["spec"]["documentation_url"]
    assert DATA["documentationUrl"].endswith("docs/openai.md") and (ROOT / "docs" / "openai.md").exists()


def test_icon_is_an_svg_file():
    icon = ROOT / DATA["icon"]
    assert icon.suffix == ".svg" and icon.exists()
    root = ET.fromstring(icon.read_text())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_allowed_hosts_cover_the_default_and_configured_base_urls():
    hosts = DATA["allowedHosts"]["hosts"]
    assert {"api.openai.com", "eu.api.openai.com", "api.chatgpt.com"} <= set(hosts)
    properties = MANIFEST["spec"]["connection_specification"]["properties"]
    for field in ("api_base_url", "codex_api_base_url"):
        assert field in properties and "${" + field + "}" in hosts
    # every default base URL's host is allowed
    for field in ("api_base_url", "codex_api_base_url"):
        host = re.match(r"https://([^/]+)/", properties[field]["default"]).group(1)
        assert host in hosts


def test_suggested_streams_exist_in_the_catalog():
    """Streams of the discovered catalog with all three credentials (integration_tests/configured_catalog.json is
    generated from discover by scripts/gen_catalog.py; test_manifest_only compares it with a live discover)."""
    import json

    catalog = json.loads((ROOT / "integration_tests" / "configured_catalog.json").read_text())
    names = {s["stream"]["name"] for s in catalog["streams"]}
    suggested = DATA["suggestedStreams"]["streams"]
    assert suggested and set(suggested) <= names
    assert {n for n in names if n.startswith("usage_")} | {"costs", "audit_logs"} == set(suggested)
