"""The endpoints of the throughput measurement, described once for the two baselines (plain client, bare manifest).

Each entry: stream name, path, paging style (`id`: after=last_id, `next`: after=next, `buckets`: page=next_page over
one time range from start_date to now, `none`), the page size or buckets per page, and fixed query parameters. They
mirror what the connector sends (maximum `limit`, the same range), so all three read the same pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

from .minimum import USAGE_BUCKETS as BUCKETS  # (bucket seconds, maximum buckets per request) per width

MANIFEST = Path(__file__).resolve().parent.parent / "source_openai" / "manifest.yaml"


def bucket_streams() -> List[Dict[str, Any]]:
    """The usage and costs streams' `$parameters` from the connector's manifest (name, url, bucket_width,
    max_buckets, group_by_allowed), so the baselines read exactly the pages the connector reads."""
    streams = yaml.safe_load(MANIFEST.read_text())["definitions"]["streams"]
    return [
        dict(stream["$parameters"])
        for stream in streams.values()
        if "group_by_allowed" in (stream.get("$parameters") or {})
    ]


def endpoints(bucket_width: str) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for stream in bucket_streams():
        width_name = stream.get("bucket_width") or bucket_width  # costs: a fixed 1d; usage: the connection's width
        width, per_page = BUCKETS[width_name]
        per_page = stream.get("max_buckets") or per_page
        path = stream["url"].split("}}", 1)[1]  # "{{ config['api_base_url'] }}/organization/usage/..." -> the path
        out.append(
            {
                "stream": stream["name"],
                "path": path,
                "style": "buckets",
                "key": "admin",
                "width": width,
                "per_page": per_page,
                "params": {"bucket_width": width_name, "limit": per_page, "group_by": list(stream["group_by_allowed"])},
            }
        )
    admin_lists = [
        ("users", "/organization/users", "id", 100, {}),
        ("invites", "/organization/invites", "id", 100, {}),
        ("projects", "/organization/projects", "id", 100, {"include_archived": "true"}),
        ("admin_api_keys", "/organization/admin_api_keys", "id", 100, {}),
        ("certificates", "/organization/certificates", "id", 100, {}),
        ("groups", "/organization/groups", "next", 1000, {}),
        ("roles", "/organization/roles", "next", 1000, {}),
        ("spend_alerts", "/organization/spend_alerts", "id", 100, {}),
        ("audit_logs", "/organization/audit_logs", "id", 100, {"effective_at[gte]": "START"}),
    ]
    for stream, path, style, size, params in admin_lists:
        out.append({"stream": stream, "path": path, "style": style, "key": "admin", "params": dict(params, limit=size)})
    project_lists = [
        ("files", "/files", 10000, "asc"),
        ("skills", "/skills", 100, "asc"),
        ("batches", "/batches", 100, None),
        ("evals", "/evals", 100, "asc"),
        ("fine_tuning_jobs", "/fine_tuning/jobs", 100, None),
        ("vector_stores", "/vector_stores", 100, "asc"),
        ("assistants", "/assistants", 100, "asc"),
        ("containers", "/containers", 100, "asc"),
        ("chatkit_threads", "/chatkit/threads", 100, "asc"),
        ("videos", "/videos", 100, "asc"),
        # stored chat completions (large bodies): read newest first, as the connector does
        ("chat_completions", "/chat/completions", 100, "desc"),
    ]
    for stream, path, size, order in project_lists:
        params: Dict[str, Any] = {"limit": size}
        if order:
            params["order"] = order
        out.append({"stream": stream, "path": path, "style": "id", "key": "project", "params": params})
    return out


def stream_names(bucket_width: str = "1h") -> List[str]:
    return [e["stream"] for e in endpoints(bucket_width)]


def key_for(entry: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    return config["admin_api_key"] if entry["key"] == "admin" else config["project_api_key"]
