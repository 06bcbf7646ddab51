"""Rules of the manifest that no single stream's test would notice: each default is written once (the normaliser's
constants; the spec shows them and the one remaining expression fallback must agree), and the order of the top-level
`streams` list, on which the CDK's blocking groups depend, keeps every reader of a grouped parent list before it; and
slice values reach records through PartitionFields (rendered once per slice), never AddFields (once per record)."""

import re

import yaml
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

from source_openai import components
from source_openai.source import load_manifest

RAW = load_manifest()
RESOLVED = ManifestComponentTransformer().propagate_types_and_parameters(
    "", ManifestReferenceResolver().preprocess_manifest(load_manifest()), {}
)
SPEC = RAW["spec"]["connection_specification"]["properties"]


def _streams(entries):
    for entry in entries:
        yield from _streams(entry["streams"]) if entry.get("type") == "ConditionalStreams" else [entry]


def test_each_default_is_the_normalisers_and_the_spec_shows_it():
    for name, (default, low, high) in (
        ("lookback_window_days", components.LOOKBACK_WINDOW_DAYS),
        ("num_workers", components.NUM_WORKERS),
    ):
        assert (SPEC[name]["default"], SPEC[name]["minimum"], SPEC[name]["maximum"]) == (default, low, high), name
        assert components.normalize_config({"admin_api_key": "sk-admin-x"})[name] == default
    assert SPEC["include_archived_projects"]["default"] is components.INCLUDE_ARCHIVED_PROJECTS
    assert components.normalize_config({"admin_api_key": "sk-admin-x"})["include_archived_projects"] is True
    # `spec` builds the source without a config, so the concurrency level keeps one fallback: it must agree
    level = RAW["concurrency_level"]
    assert level["default_concurrency"] == f"{{{{ config.get('num_workers', {components.NUM_WORKERS[0]}) }}}}"
    assert level["max_concurrency"] == components.NUM_WORKERS[2]
    # nowhere else does an expression carry its own default for a setting the normaliser fills
    text = yaml.safe_dump({k: v for k, v in RAW.items() if k not in ("schemas", "concurrency_level")}, width=10_000)
    fallbacks = re.findall(r"config\.get\('(lookback_window_days|num_workers|include_archived_projects)'", text)
    assert not fallbacks, fallbacks


def test_spec_properties_are_in_order_and_described():
    for position, (name, prop) in enumerate(SPEC.items()):
        assert prop.get("order") == position, (name, prop.get("order"), position)
        assert prop.get("title") and prop.get("description"), name


def test_a_reader_of_each_grouped_parent_list_starts_before_it():
    """For each parent list in a blocking group that an incremental child reads while generating its partitions, the
    first such reader must come before the parent in the top-level `streams` list: the CDK starts streams in list
    order, and the reader started first holds the parent's group while it lists it, so the parent's own stream and
    the later readers are answered from the response cache (one request per page; the CDK defers an incremental child
    while its parent is active). Reordering the list would silently double those requests; this names the pair."""
    by_name = {s["name"]: s for s in _streams(RESOLVED["streams"])}
    order = list(by_name)
    grouped = {ref.get("name") for group in RAW["stream_groups"].values() for ref in group["streams"]}

    def ancestors(stream):
        router = stream["retriever"].get("partition_router") or {}
        for config in router.get("parent_stream_configs", []) if isinstance(router, dict) else []:
            yield config["stream"]["name"]
            yield from ancestors(config["stream"])

    readers = {}
    for name, stream in by_name.items():
        if "incremental_sync" in stream and stream["retriever"].get("partition_router"):
            for ancestor in set(ancestors(stream)) & grouped & set(order):
                readers.setdefault(ancestor, []).append(name)
    for parent, names in readers.items():
        first = min(names, key=order.index)
        assert order.index(first) < order.index(parent), f"move {first} (or another reader) before {parent}"
    # the rule sees the known cases
    assert {"compliance_log_files", "chat_completions", "evals", "fine_tuning_jobs"} <= set(readers), readers


def test_the_manifest_adds_slice_values_with_partition_fields_only():
    def walk(node):
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    nodes = list(walk(RAW))
    assert not [node for node in nodes if node.get("type") == "AddFields"]
    used = [node for node in nodes if str(node.get("class_name", "")).endswith(".PartitionFields")]
    assert len(used) >= 18
    for node in used:  # a template of a record would be rendered for the slice's first record only
        assert all("record" not in template for template in node["fields"].values()), node
