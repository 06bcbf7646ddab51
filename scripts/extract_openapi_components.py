"""Extract the OpenAPI component schemas the emulator must match into openai_emulator/openapi_components.json.

The emulator's tests validate one page of every endpoint against these schemas (jsonschema, draft 2020-12), so
the emulator cannot drift from OpenAI's published description. The full spec (~3 MB) is pinned in the
repository (openapi/openai-openapi.yaml, see openapi/README.md); this file keeps only what the emulator
needs. It is derived from OpenAI's MIT-licensed spec: see openai_emulator/OPENAPI_LICENSE.

What is kept: the 200-response component of every GET endpoint below, the result component of each usage
endpoint, and every component they reference (references stay `$ref`s, because some schemas are recursive).
What changes: documentation keys are dropped, and OpenAPI 3.0 `nullable: true` becomes a JSON-Schema null type.

Usage:  python scripts/extract_openapi_components.py [--spec PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "openai_emulator" / "openapi_components.json"
DEFAULT_SPEC = ROOT / "openapi" / "openai-openapi.yaml"  # pinned: openapi/README.md

# Every GET endpoint the connector reads from the platform API (the emulator serves each one).
ENDPOINTS: List[str] = [
    # Admin API: organisation
    "/organization/users",
    "/organization/invites",
    "/organization/projects",
    "/organization/admin_api_keys",
    "/organization/certificates",
    "/organization/groups",
    "/organization/groups/{group_id}/users",
    "/organization/groups/{group_id}/roles",
    "/organization/roles",
    "/organization/users/{user_id}/roles",
    "/organization/spend_alerts",
    "/organization/spend_limit",
    "/organization/data_retention",
    # Admin API: per project
    "/organization/projects/{project_id}/users",
    "/organization/projects/{project_id}/service_accounts",
    "/organization/projects/{project_id}/api_keys",
    "/organization/projects/{project_id}/rate_limits",
    "/organization/projects/{project_id}/certificates",
    "/organization/projects/{project_id}/groups",
    "/organization/projects/{project_id}/spend_alerts",
    "/organization/projects/{project_id}/spend_limit",
    "/organization/projects/{project_id}/model_permissions",
    "/organization/projects/{project_id}/hosted_tool_permissions",
    "/organization/projects/{project_id}/data_retention",
    "/projects/{project_id}/roles",
    "/projects/{project_id}/users/{user_id}/roles",
    "/projects/{project_id}/groups/{group_id}/roles",
    # Admin API: usage, costs, audit logs
    "/organization/usage/completions",
    "/organization/usage/embeddings",
    "/organization/usage/moderations",
    "/organization/usage/images",
    "/organization/usage/audio_speeches",
    "/organization/usage/audio_transcriptions",
    "/organization/usage/vector_stores",
    "/organization/usage/code_interpreter_sessions",
    "/organization/usage/file_search_calls",
    "/organization/usage/web_search_calls",
    "/organization/costs",
    "/organization/audit_logs",
    # Project API key
    "/files",
    "/skills",
    "/skills/{skill_id}/versions",
    "/batches",
    "/evals",
    "/evals/{eval_id}/runs",
    "/evals/{eval_id}/runs/{run_id}/output_items",
    "/fine_tuning/jobs",
    "/fine_tuning/jobs/{fine_tuning_job_id}/events",
    "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints",
    "/vector_stores",
    "/vector_stores/{vector_store_id}/files",
    "/assistants",
    "/models",
    "/containers",
    "/containers/{container_id}/files",
    "/chatkit/threads",
    "/chatkit/threads/{thread_id}/items",
    "/videos",
]

# The specific result component of each usage endpoint (the bucket's `results` is a oneOf of all of them).
RESULTS = {
    "/organization/usage/completions": "UsageCompletionsResult",
    "/organization/usage/embeddings": "UsageEmbeddingsResult",
    "/organization/usage/moderations": "UsageModerationsResult",
    "/organization/usage/images": "UsageImagesResult",
    "/organization/usage/audio_speeches": "UsageAudioSpeechesResult",
    "/organization/usage/audio_transcriptions": "UsageAudioTranscriptionsResult",
    "/organization/usage/vector_stores": "UsageVectorStoresResult",
    "/organization/usage/code_interpreter_sessions": "UsageCodeInterpreterSessionsResult",
    "/organization/usage/file_search_calls": "UsageFileSearchCallsResult",
    "/organization/usage/web_search_calls": "UsageWebSearchCallsResult",
    "/organization/costs": "CostsResult",
}

DROP = {"description", "example", "examples", "title", "deprecated", "discriminator", "externalDocs", "xml"}


def _clean(node: Any) -> Any:
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: Dict[str, Any] = {}
    for key, value in node.items():
        if key in DROP or key.startswith("x-"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _clean(sub) for name, sub in value.items()}  # property names are data, keep them all
        else:
            out[key] = _clean(value)
    if out.pop("nullable", False):
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = types + (["null"] if "null" not in types else [])
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _refs(node: Any, found: Set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def build(spec: Dict[str, Any]) -> Dict[str, Any]:
    schemas = spec["components"]["schemas"]
    endpoints: Dict[str, str] = {}
    for path in ENDPOINTS:
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        endpoints[path] = schema["$ref"].rsplit("/", 1)[-1]
    wanted: Set[str] = set(endpoints.values()) | set(RESULTS.values())
    todo, done = list(wanted), set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        found: Set[str] = set()
        _refs(schemas[name], found)
        todo.extend(found - done)
    return {
        "source": "OpenAI OpenAPI description (github.com/openai/openai-openapi), info.version "
        f"{spec.get('info', {}).get('version')}; MIT licence, see OPENAPI_LICENSE. Generated by "
        "scripts/extract_openapi_components.py; do not edit.",
        "endpoints": endpoints,
        "results": RESULTS,
        "components": {"schemas": {name: _clean(schemas[name]) for name in sorted(done)}},
    }


def render(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is not up to date")
    args = parser.parse_args()
    with args.spec.open() as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    text = render(build(spec))
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(
                f"{OUT.relative_to(ROOT)} is out of date: run python scripts/extract_openapi_components.py",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data_count(text))} component schemas")
    return 0


def data_count(text: str) -> Dict[str, Any]:
    return json.loads(text)["components"]["schemas"]


if __name__ == "__main__":
    sys.exit(main())
