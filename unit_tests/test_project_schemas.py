"""The generated schemas of the project streams accept every variant the OpenAPI description allows.

For each stream, records are built from its OpenAPI component with every property filled in: record k takes
variant k (modulo their number) at every oneOf/anyOf and value k of every enum, so each variant of each union
(eval data sources and graders, ChatKit thread items and statuses, nullable fields) appears in some record.
Each record must validate against the schema in the manifest. Reads the pinned OpenAPI description (openapi/).
"""

import sys
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import gen_schemas  # noqa: E402

PROJECT_STREAMS = [
    "files",
    "skills",
    "skill_versions",
    "batches",
    "evals",
    "eval_runs",
    "eval_run_output_items",
    "fine_tuning_jobs",
    "fine_tuning_job_events",
    "fine_tuning_job_checkpoints",
    "vector_stores",
    "vector_store_files",
    "assistants",
    "models",
    "containers",
    "container_files",
    "chatkit_threads",
    "chatkit_thread_items",
    "videos",
]


@pytest.fixture(scope="module")
def spec() -> Dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(gen_schemas.DEFAULT_SPEC.read_text(), Loader=loader)


@pytest.fixture(scope="module")
def schemas() -> Dict[str, Any]:
    return yaml.safe_load(gen_schemas.MANIFEST.read_text())["schemas"]


class Examples:
    """Builds a full instance of an OpenAPI schema, taking variant/enum value number k everywhere."""

    def __init__(self, spec: Dict[str, Any]) -> None:
        self.spec = spec
        self.widest_union = 1

    def _deref(self, ref: str) -> Any:
        node: Any = self.spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def build(self, schema: Any, k: int, stack: tuple = ()) -> Any:
        if not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            if schema["$ref"] in stack:
                return {}
            return self.build(self._deref(schema["$ref"]), k, stack + (schema["$ref"],))
        for key in ("oneOf", "anyOf"):
            if key in schema:
                variants = schema[key]
                self.widest_union = max(self.widest_union, len(variants))
                return self.build(variants[k % len(variants)], k, stack)
        if "allOf" in schema:
            out: Dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.build(part, k, stack)
                if not isinstance(value, dict):
                    return value
                out.update(value)
            return out
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][k % len(schema["enum"])]
        stype = schema.get("type")
        if isinstance(stype, list):
            concrete = [t for t in stype if t != "null"]
            stype = concrete[k % len(concrete)] if concrete and k % (len(concrete) + 1) else "null"
        if stype is None:
            stype = "object" if "properties" in schema else "array" if "items" in schema else "string"
        if stype == "object":
            return {name: self.build(sub, k, stack) for name, sub in (schema.get("properties") or {}).items()}
        if stype == "array":
            return [self.build(schema.get("items", {}), k, stack)]
        return {"string": "x", "integer": 7, "number": 1.5, "boolean": True, "null": None}.get(stype, "x")


@pytest.mark.parametrize("stream", PROJECT_STREAMS)
def test_every_variant_of_the_component_validates(spec, schemas, stream):
    component = gen_schemas.STREAMS[stream]["component"]
    validator = Draft7Validator(schemas[stream])
    examples = Examples(spec)
    examples.build({"$ref": f"#/components/schemas/{component}"}, 0)
    rounds = max(examples.widest_union, 12)
    for k in range(rounds):
        record = examples.build({"$ref": f"#/components/schemas/{component}"}, k)
        errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(record)]
        assert not errors, f"{stream} variant {k}: {errors[:3]}"


def test_a_wrongly_typed_field_fails_validation(schemas):
    # the check above can fail: the schemas are typed, not `{}`
    validator = Draft7Validator(schemas["batches"])
    assert list(validator.iter_errors({"id": "batch_1", "created_at": "yesterday"}))


@pytest.mark.parametrize(
    "stream,path",
    [
        ("evals", ["data_source_config"]),
        ("eval_runs", ["data_source"]),
        ("chatkit_threads", ["status"]),
    ],
)
def test_union_fields_are_kept_whole_as_open_objects(schemas, stream, path):
    node = schemas[stream]
    for part in path:
        node = node["properties"][part]
    assert node["type"] in ("object", ["object", "null"])
    assert node["additionalProperties"] is True


def test_union_items_are_open_objects(schemas):
    assert schemas["evals"]["properties"]["testing_criteria"]["items"]["additionalProperties"] is True
    items = schemas["chatkit_thread_items"]
    assert items["additionalProperties"] is True
    # the variants' own fields are all listed
    for field in ("content", "attachments", "widget", "call_id", "arguments", "output", "task_type", "tasks"):
        assert field in items["properties"], field


def test_children_carry_their_parent_id(schemas):
    parent_ids = {
        "skill_versions": "skill_id",
        "eval_runs": "eval_id",
        "eval_run_output_items": "run_id",
        "fine_tuning_job_events": "fine_tuning_job_id",
        "fine_tuning_job_checkpoints": "fine_tuning_job_id",
        "vector_store_files": "vector_store_id",
        "container_files": "container_id",
        "chatkit_thread_items": "thread_id",
    }
    for stream, field in parent_ids.items():
        assert schemas[stream]["properties"][field] == {"type": "string"}, stream
    assert schemas["eval_run_output_items"]["properties"]["eval_id"] == {"type": "string"}


def test_a_union_field_whose_variants_disagree_gets_the_union_of_their_types():
    converter = gen_schemas.Converter({})
    variants = [
        {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}},
        {"type": "object", "properties": {"a": {"type": "object"}, "b": {"type": "integer"}}},
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "c": {"type": "array", "items": {"type": "string"}}},
        },
        {"type": "object", "properties": {"c": {"type": "array", "items": {"type": "integer"}}}},
    ]
    merged = converter._union(variants, ())
    assert merged["properties"] == {
        "a": {"type": ["string", "object"], "additionalProperties": True},
        "b": {"type": "integer"},
        "c": {"type": "array", "items": {"type": ["string", "integer"]}},
    }
    assert merged["additionalProperties"] is True
    # only a variant that is itself untyped leaves the field untyped
    assert gen_schemas._merge({"type": "string"}, {}) == {}
