"""The endpoints of the throughput measurement, described once for the two baselines (plain client, bare manifest).

Each entry: stream name, path, paging style (`id`: after=last_id, `next`: after=next, `buckets`: page=next_page over
time windows, `none`), the page size or buckets per window, and fixed query parameters. They mirror what the
connector sends (maximum `limit`, the same windows), so all three read the same pages.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

USAGE_GROUP_BY = {
    "completions": ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"],
    "embeddings": ["project_id", "user_id", "api_key_id", "model"],
    "moderations": ["project_id", "user_id", "api_key_id", "model"],
    "images": ["project_id", "user_id", "api_key_id", "model", "size", "source"],
    "audio_speeches": ["project_id", "user_id", "api_key_id", "model"],
    "audio_transcriptions": ["project_id", "user_id", "api_key_id", "model"],
    "vector_stores": ["project_id"],
    "code_interpreter_sessions": ["project_id"],
    "file_search_calls": ["project_id", "user_id", "api_key_id", "vector_store_id"],
    "web_search_calls": ["project_id", "user_id", "api_key_id", "model", "context_level"],
}
BUCKETS = {"1d": (86400, 31), "1h": (3600, 168), "1m": (60, 1440)}


def endpoints(bucket_width: str) -> List[Dict[str, Any]]:
    width, per_window = BUCKETS[bucket_width]
    out: List[Dict[str, Any]] = []
    for name, group_by in USAGE_GROUP_BY.items():
        out.append({"stream": f"usage_{name}", "path": f"/organization/usage/{name}", "style": "buckets", "key": "admin",
                    "width": width, "per_window": per_window,
                    "params": {"bucket_width": bucket_width, "limit": per_window, "group_by": group_by}})
    out.append({"stream": "costs", "path": "/organization/costs", "style": "buckets", "key": "admin", "width": 86400,
                "per_window": 180, "params": {"bucket_width": "1d", "limit": 180, "group_by": ["project_id", "line_item", "api_key_id"]}})
    admin_lists = [("users", "/organization/users", "id", 100, {}), ("invites", "/organization/invites", "id", 100, {}),
                   ("projects", "/organization/projects", "id", 100, {"include_archived": "true"}),
                   ("admin_api_keys", "/organization/admin_api_keys", "id", 100, {}),
                   ("certificates", "/organization/certificates", "id", 100, {}),
                   ("groups", "/organization/groups", "next", 1000, {}), ("roles", "/organization/roles", "next", 1000, {}),
                   ("spend_alerts", "/organization/spend_alerts", "id", 100, {}),
                   ("audit_logs", "/organization/audit_logs", "id", 100, {"effective_at[gte]": "START"})]
    for stream, path, style, size, params in admin_lists:
        out.append({"stream": stream, "path": path, "style": style, "key": "admin", "params": dict(params, limit=size)})
    project_lists = [("files", "/files", 10000, "asc"), ("skills", "/skills", 100, "asc"), ("batches", "/batches", 100, None),
                     ("evals", "/evals", 100, "asc"), ("fine_tuning_jobs", "/fine_tuning/jobs", 100, None),
                     ("vector_stores", "/vector_stores", 100, "asc"), ("assistants", "/assistants", 100, "asc"),
                     ("containers", "/containers", 100, "asc"), ("chatkit_threads", "/chatkit/threads", 100, "asc"),
                     ("videos", "/videos", 100, "asc")]
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
