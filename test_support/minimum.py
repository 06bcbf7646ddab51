"""The theoretical minimum number of requests of a full sync, computed from the emulator's data alone, and the
attribution of a request log to endpoint templates (to compare a sync's requests with that minimum).

For every endpoint: the number of pages needed at the endpoint's maximum `limit` (documented in OpenAI's OpenAPI
description; where it documents none, the value in MAX_LIMIT_NOTES), summed over every parent the endpoint is
read for. An empty list still costs one request. Nothing here looks at the connector or its manifest: the parents
of a child endpoint are all the objects the API lists (projects including archived ones, every API key whatever
its owner's access), and time-bucketed endpoints need ceil(buckets / maximum buckets per page) requests over
[start_date, now).

Test support, used by the tests and by benchmarks/ (benchmarks/minimum.py re-exports it).
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from openai_emulator import admin, audit, checkpoints, codex, compliance, project, stored, usage
from openai_emulator.data import DAY, Dataset
from openai_emulator.project import ProjectData

# The maximum `limit` per endpoint (OpenAPI), and the largest number of buckets per usage/costs page.
MAX_LIMIT: Dict[str, int] = {
    "/organization/users": 100,
    "/organization/invites": 100,
    "/organization/projects": 100,
    "/organization/admin_api_keys": 100,
    "/organization/certificates": 100,
    "/organization/groups": 1000,
    "/organization/groups/{group_id}/users": 1000,
    "/organization/groups/{group_id}/roles": 1000,
    "/organization/roles": 1000,
    "/organization/users/{user_id}/roles": 1000,
    "/organization/spend_alerts": 100,
    "/organization/projects/{project_id}/users": 100,
    "/organization/projects/{project_id}/service_accounts": 100,
    "/organization/projects/{project_id}/api_keys": 100,
    "/organization/projects/{project_id}/rate_limits": 100,
    "/organization/projects/{project_id}/certificates": 100,
    "/organization/projects/{project_id}/groups": 100,
    "/organization/projects/{project_id}/spend_alerts": 100,
    "/projects/{project_id}/roles": 1000,
    "/projects/{project_id}/users/{user_id}/roles": 1000,
    "/projects/{project_id}/groups/{group_id}/roles": 1000,
    "/organization/audit_logs": 100,
    "/files": 10000,
    "/skills": 100,
    "/skills/{skill_id}/versions": 100,
    "/batches": 100,
    "/evals": 100,
    "/evals/{eval_id}/runs": 100,
    "/evals/{eval_id}/runs/{run_id}/output_items": 100,
    "/fine_tuning/jobs": 100,
    "/fine_tuning/jobs/{fine_tuning_job_id}/events": 100,
    "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints": 100,
    "/vector_stores": 100,
    "/vector_stores/{vector_store_id}/files": 100,
    "/assistants": 100,
    "/containers": 100,
    "/containers/{container_id}/files": 100,
    "/chatkit/threads": 100,
    "/chatkit/threads/{thread_id}/items": 100,
    "/videos": 100,
    "/chat/completions": stored.COMPLETIONS_LIMIT.maximum or 100,
    "/chat/completions/{completion_id}/messages": stored.MESSAGES_LIMIT.maximum or 100,
    "/audio/voice_consents": stored.VOICE_CONSENTS_LIMIT.maximum or 100,
    "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions": checkpoints.PERMISSIONS_LIMIT.maximum or 100,
    "/workspaces/{workspace_id}/usage": codex.DEFAULT_MAX_LIMIT,
    "/workspaces/{workspace_id}/code_reviews": codex.DEFAULT_MAX_LIMIT,
    "/workspaces/{workspace_id}/code_review_responses": codex.DEFAULT_MAX_LIMIT,
    "/compliance/{principal_kind}/{principal_id}/logs": compliance.LIST_LIMIT.maximum or 100,
    "/manage/workspaces/{workspace_id}/users": compliance.ROSTER_LIMIT.maximum or 100,
    "/compliance/workspaces/{workspace_id}/users": compliance.ROSTER_LIMIT.maximum or 100,
}
# Not lists: one request per log file listed (the API's 302, then the storage URL it names).
COMPLIANCE_DOWNLOAD = "/compliance/{principal_kind}/{principal_id}/logs/{log_file_id}"
STORAGE_DOWNLOAD = "/_storage/{file}"
MAX_LIMIT_NOTES = {
    "/organization/admin_api_keys": "no documented maximum; 100 (every other admin list's) assumed",
    "/organization/projects/{project_id}/rate_limits": "no documented maximum (default 100); 100 assumed",
    "/evals": "no documented maximum; 100 assumed",
    "/evals/{eval_id}/runs": "no documented maximum; 100 assumed",
    "/evals/{eval_id}/runs/{run_id}/output_items": "no documented maximum; 100 assumed",
    "/fine_tuning/jobs": "no documented maximum; 100 assumed",
    "/fine_tuning/jobs/{fine_tuning_job_id}/events": "no documented maximum; 100 assumed",
    "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints": "no documented maximum; 100 assumed",
    "/chat/completions": "no documented maximum (default 20); 100 assumed, a larger limit gets a 400 (param limit)",
    "/chat/completions/{completion_id}/messages": "no documented maximum (default 20); 100 assumed",
    "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions": (
        "no documented maximum (default 10); 100 assumed"
    ),
    "/workspaces/{workspace_id}/usage": "no public spec; the emulator's cap (500)",
    "/workspaces/{workspace_id}/code_reviews": "no public spec; the emulator's cap (500)",
    "/workspaces/{workspace_id}/code_review_responses": "no public spec; the emulator's cap (500)",
    "/compliance/{principal_kind}/{principal_id}/logs": (
        "maximum not public; the emulator's cap (100, the cookbook's limit)"
    ),
    "/manage/workspaces/{workspace_id}/users": "no public spec; the emulator's cap (100)",
    "/compliance/workspaces/{workspace_id}/users": "no public spec; the emulator's cap (100)",
}
USAGE_BUCKETS = {"1d": (DAY, 31), "1h": (3600, 168), "1m": (60, 1440)}
SINGLETONS = ["/organization/spend_limit", "/organization/data_retention"]
PROJECT_SINGLETONS = ["spend_limit", "model_permissions", "hosted_tool_permissions", "data_retention"]


def pages(count: int, limit: int) -> int:
    return max(1, math.ceil(count / limit))


def minimum_requests(
    ds: Dataset,
    start_date: int,
    bucket_width: str = "1d",
    project_index: int = 0,
    workspaces: Any = None,
    with_project: bool = True,
    with_codex: bool = True,
    with_compliance: bool = False,
    compliance_principals: Optional[Sequence[str]] = None,
    compliance_event_types: Optional[Sequence[str]] = None,
    compliance_rosters: bool = True,
    with_stored_completions: bool = False,
    sync_now: Optional[int] = None,
) -> Dict[str, int]:
    """{endpoint template: minimum requests} for a first full sync of every stream from `start_date`.

    with_compliance: also the ChatGPT compliance streams, for `compliance_principals` (default: all three of the
    emulator; ids it does not know are left out) and `compliance_event_types` (default AUTH_LOG and
    CONVERSATION_MESSAGE): list pages at limit 100 with `after` = start_date, per principal x event type, plus one
    download (API 302 + storage GET) per file listed, and (compliance_rosters) both rosters of each workspace.

    with_stored_completions (and with_project): also the project's stored chat completions (pages at limit 100, no
    filters), their messages (pages per completion), its voice consents, and (Admin key) the permissions of every
    checkpoint of the project's fine-tuning jobs (pages per checkpoint; an empty list still costs one request).

    sync_now: the wall clock (Unix seconds) when the sync started; default `ds.now`. The usage and costs ranges run
    from start_date to the sync's own clock, not to the end of the emulator's data: an emulator made at 00:00:30
    has `now` = 00:00 (one week of hourly buckets, one page), but a sync a minute later asks for 169 buckets (two)."""
    m: Dict[str, int] = {}
    L = MAX_LIMIT

    def add(template: str, count: int) -> None:
        m[template] = m.get(template, 0) + pages(count, L[template])

    # ---------------------------------------------------------------- organisation
    org = admin.org_collections(ds)
    add("/organization/users", ds.users.count)
    add("/organization/invites", org["invites"].count)
    add("/organization/projects", ds.projects.count)
    add("/organization/admin_api_keys", org["admin_api_keys"].count)
    add("/organization/certificates", org["certificates"].count)
    add("/organization/groups", ds.groups.count)
    add("/organization/roles", ds.roles.count)
    add("/organization/spend_alerts", org["spend_alerts"].count)
    for template in SINGLETONS:
        m[template] = 1
    for g in range(ds.groups.count):
        add(
            "/organization/groups/{group_id}/users",
            len(ds.subset("group_users", g, ds.scale.users, cap=None if g == 0 else 50)),
        )
        add("/organization/groups/{group_id}/roles", admin._assignment_collection(ds, ds.roles, "group_roles", g).count)
    for u in range(ds.users.count):
        add("/organization/users/{user_id}/roles", admin._assignment_collection(ds, ds.roles, "user_roles", u).count)
    # ---------------------------------------------------------------- per project (archived ones too)
    for p in range(ds.projects.count):
        pc = admin.project_collections(ds, p)
        for name in ("users", "service_accounts", "api_keys", "rate_limits", "certificates", "groups", "spend_alerts"):
            add(f"/organization/projects/{{project_id}}/{name}", pc[name].count)
        for name in PROJECT_SINGLETONS:
            m[f"/organization/projects/{{project_id}}/{name}"] = (
                m.get(f"/organization/projects/{{project_id}}/{name}", 0) + 1
            )
        add("/projects/{project_id}/roles", pc["roles"].count)
        for k in range(pc["users"].count):
            coll = admin._assignment_collection(ds, pc["roles"], "project_user_roles", (p, k) if p or k else 0)
            add("/projects/{project_id}/users/{user_id}/roles", coll.count)
        for k in range(pc["groups"].count):
            coll = admin._assignment_collection(ds, pc["roles"], "project_group_roles", (p, k) if p or k else 0)
            add("/projects/{project_id}/groups/{group_id}/roles", coll.count)
    # ---------------------------------------------------------------- usage, costs, audit logs
    width, per_page = USAGE_BUCKETS[bucket_width]
    first = start_date // width * width
    until = max(ds.now, sync_now) if sync_now is not None else ds.now
    buckets = math.ceil((until - first) / width)
    for name in usage.ENDPOINTS:
        m[f"/organization/usage/{name}"] = max(1, math.ceil(buckets / per_page))
    day_buckets = math.ceil((until - start_date // DAY * DAY) / DAY)
    m["/organization/costs"] = max(1, math.ceil(day_buckets / 180))
    # two lists: the regular events, and the tenant-scoped ones (tenant_only=true), each at least one request
    events = audit.audit_events(ds)
    kept = [events.item(i)["type"] for i in range(events.count) if events.item(i)["effective_at"] >= start_date]
    add("/organization/audit_logs", sum(1 for t in kept if not audit.is_tenant(t)))
    add("/organization/audit_logs", sum(1 for t in kept if audit.is_tenant(t)))
    # ---------------------------------------------------------------- project key
    if with_project:
        d = ProjectData(ds, project_index)
        add("/files", d.files.count)
        for template, coll in (
            ("/skills", d.skills),
            ("/batches", d.batches),
            ("/evals", d.evals),
            ("/fine_tuning/jobs", d.ft_jobs),
            ("/vector_stores", d.vector_stores),
            ("/assistants", d.assistants),
            ("/containers", d.containers),
            ("/chatkit/threads", d.threads),
            ("/videos", d.videos),
        ):
            add(template, coll.count)
        m["/models"] = 1
        children = [
            ("/skills/{skill_id}/versions", "skill_versions", d.skills, d._skill_version, 1),
            ("/fine_tuning/jobs/{fine_tuning_job_id}/events", "ft_events", d.ft_jobs, d._ft_event, 0),
            ("/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", "ft_checkpoints", d.ft_jobs, d._ft_checkpoint, 0),
            ("/vector_stores/{vector_store_id}/files", "vector_store_files", d.vector_stores, d._vs_file, 0),
            ("/containers/{container_id}/files", "container_files", d.containers, d._container_file, 0),
            ("/chatkit/threads/{thread_id}/items", "thread_items", d.threads, d._thread_item, 0),
        ]
        for template, kind, parent, make, minimum in children:
            for i in range(parent.count):
                add(template, d.child(kind, parent, parent.item(i)["id"], make, minimum=minimum).count)
        for i in range(d.evals.count):
            eval_id = d.evals.item(i)["id"]
            runs = d.runs_of(eval_id)
            add("/evals/{eval_id}/runs", runs.count)
            for k in range(runs.count):
                items = d.child(f"output_items:{eval_id}", runs, runs.item(k)["id"], d._output_item)
                add("/evals/{eval_id}/runs/{run_id}/output_items", items.count)
        if with_stored_completions:
            sd = ds.cached(("stored_data", project_index), lambda: stored.StoredData(ds, project_index))
            add("/chat/completions", sd.completions.count)
            for i in range(sd.completions.count):
                add("/chat/completions/{completion_id}/messages", stored.message_count(ds, project_index, i))
            add("/audio/voice_consents", sd.voice_consents.count)
            for ckpt in checkpoints.project_checkpoints(ds, project_index):
                add(
                    "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
                    checkpoints.permissions(ds, ckpt["fine_tuned_model_checkpoint"]).count,
                )
    # ---------------------------------------------------------------- Codex analytics (whole UTC days up to today)
    if with_codex:
        days = codex._days(ds, start_date // DAY * DAY, (ds.now // DAY + 1) * DAY)
        for w in range(len(workspaces if workspaces is not None else ds.workspaces)):
            rows = sum(1 for day in days for u in range(ds.scale.codex_users) if codex.usage_row(ds, w, u, day))
            add("/workspaces/{workspace_id}/usage", rows)
            for template, responses in (
                ("/workspaces/{workspace_id}/code_reviews", False),
                ("/workspaces/{workspace_id}/code_review_responses", True),
            ):
                add(template, sum(1 for day in days if codex.review_row(ds, w, day, responses)))
    # ---------------------------------------------------------------- ChatGPT compliance logs and rosters
    if with_compliance:
        known = compliance.principals(ds)
        chosen = [p for p in (compliance_principals if compliance_principals is not None else known) if p in known]
        for principal_id in chosen:
            for event_type in (
                compliance_event_types if compliance_event_types is not None else compliance.DEFAULT_EVENT_TYPES
            ):
                files = len(compliance.files_between(ds, principal_id, event_type, after=start_date))
                add("/compliance/{principal_kind}/{principal_id}/logs", files)
                for template in (COMPLIANCE_DOWNLOAD, STORAGE_DOWNLOAD):
                    if files:
                        m[template] = m.get(template, 0) + files
            if compliance_rosters and compliance.principal_kind(principal_id) == "workspaces":
                coll = compliance.roster(ds, known.index(principal_id))
                add(
                    "/manage/workspaces/{workspace_id}/users",
                    sum(1 for i in range(coll.count) if not compliance.is_removed(i)),
                )
                add("/compliance/workspaces/{workspace_id}/users", coll.count)
    return m


# ------------------------------------------------------------------------------------------ request attribution


def _templates() -> List[Tuple["re.Pattern[str]", str]]:
    out = []
    for prefix, routes in (
        ("/v1", admin.ROUTES),
        ("/v1", usage.ROUTES),
        ("/v1", project.ROUTES),
        ("/v1", stored.ROUTES),
        ("/v1", checkpoints.ROUTES),
        ("/codex/v1/analytics/codex", codex.ROUTES),
        ("/chatgpt/v1", compliance.ROUTES),
    ):
        for template, _ in routes:
            pattern = re.sub(r"\{(\w+)\}", r"[^/]+", template)
            out.append((re.compile("^" + re.escape(prefix) + pattern + "$"), template))
    out.append((re.compile("^" + re.escape(compliance.STORAGE_PREFIX) + "[^/]+$"), STORAGE_DOWNLOAD))
    return out


_TEMPLATES: Optional[List[Tuple["re.Pattern[str]", str]]] = None


def template_of(path: str) -> str:
    """The endpoint template (as in MAX_LIMIT) of a request path of the emulator's log."""
    global _TEMPLATES
    if _TEMPLATES is None:
        _TEMPLATES = _templates()
    for pattern, template in _TEMPLATES:
        if pattern.match(path):
            return template
    return path


def count_by_template(requests: Iterable[Mapping[str, Any]]) -> Dict[str, int]:
    """{endpoint template: requests} of an emulator request log (`Emulator.requests`)."""
    counts: Dict[str, int] = {}
    for entry in requests:
        template = template_of(entry["path"])
        counts[template] = counts.get(template, 0) + 1
    return counts
