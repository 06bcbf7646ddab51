"""One page of every emulator endpoint validates against OpenAI's official component schema, so the emulator
cannot drift from the published OpenAPI description unnoticed."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from openai_emulator import codex
from test_support.emulator_client import get, sample_requests

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = json.loads((ROOT / "openai_emulator" / "openapi_components.json").read_text())
SPEC = ROOT / "openapi" / "openai-openapi.yaml"


# Optional, non-nullable fields that only exist in some states (a running batch has no completed_at); the spec
# types them as integers/strings, so the emulator omits them rather than sending null.
STATE_DEPENDENT = {
    "Batch": {
        "output_file_id",
        "error_file_id",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    },
    "OpenAIFile": {"expires_at"},
}


def validator(component: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{component}", "components": COMPONENTS["components"]}
    return jsonschema.Draft202012Validator(schema)


def resolve(component: str) -> dict:
    return COMPONENTS["components"]["schemas"][component]


def item_component(component: str):
    """The component of `data[]` items of a list response (None for singletons and unions)."""
    data = resolve(component).get("properties", {}).get("data")
    if not data:
        return None
    ref = data.get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def test_every_connector_endpoint_is_served(emulator):
    served = {r["template"] for r in sample_requests(emulator) if not r["codex"]}
    assert served == set(COMPONENTS["endpoints"])


@pytest.mark.parametrize("index", range(len(COMPONENTS["endpoints"]) + len(codex.ROUTES)))
def test_one_page_matches_the_official_schema(emulator, index):
    request = sample_requests(emulator)[index]
    status, body, _ = get(emulator, request["path"], request["key"], request["params"], codex=request["codex"])
    assert status == 200, body
    if request["codex"]:
        jsonschema.validate(body, codex.PAGE_SCHEMA)
        rows = body["data"]
        assert rows, "every endpoint must yield records (basic_read needs them)"
        for row in rows:
            jsonschema.validate(row, codex.ROW_SCHEMAS[request["template"].rsplit("/", 1)[-1]])
        return
    component = COMPONENTS["endpoints"][request["template"]]
    errors = sorted(validator(component).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])
    if "data" not in body:
        return  # a singleton
    records = body["data"]
    assert records, "every endpoint must yield records (basic_read needs them)"
    if request["template"] in COMPONENTS["results"]:
        result_component = COMPONENTS["results"][request["template"]]
        results = [r for bucket in records for r in bucket["results"]]
        assert results
        props = set(resolve(result_component)["properties"])
        for result in results:
            validator(result_component).validate(result)
            assert set(result) == props, "usage/cost results carry every field of the component, no more"
        return
    item = item_component(component)
    if item == "AuditLog":  # one detail object per event, keyed by its type
        for record in records:
            assert record[record["type"]] is not None and {"id", "type", "effective_at", "actor"} <= set(record)
        return
    if item and "properties" in resolve(item):
        for record in records:
            missing = set(resolve(item)["properties"]) - set(record) - STATE_DEPENDENT.get(item, set())
            assert not missing, f"{item}: missing {sorted(missing)}"


def test_extracted_components_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "extract_openapi_components.py"), "--check", "--spec", str(SPEC)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
