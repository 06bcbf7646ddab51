"""Audit logs of the Administration API: GET /organization/audit_logs (Admin key).

Hundreds of events over the data's period, newest first, ids `audit_log-...`, `effective_at[gt|gte|lt|lte]`, the
`...[]` filters (`project_ids[]`, `event_types[]`, `actor_ids[]`, `actor_emails[]`, `resource_ids[]`) and
`tenant_only`: tenant-scoped events are returned only with `tenant_only=true`, and then only they. `after`/`before`
id cursors; `limit` 1..100, default 20.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from .common import Collection, Limit, Request, bad_param, id_cursor_page, window
from .data import Dataset

KEY_CLASS = "admin"

AUDIT_LIMIT = Limit(default=20, minimum=1, maximum=100)

# Event types generated, in rotation. `tunnel.created` and `resource.deleted` have no dedicated property in the
# spec's AuditLog object: their details are still keyed by the type. Tenant-scoped events (tenant.*,
# role.bound_to_resource, role.unbound_from_resource) are returned only with tenant_only=true, and then only they,
# as the spec describes.
AUDIT_TYPES = [
    "project.created",
    "api_key.created",
    "user.added",
    "login.succeeded",
    "invite.sent",
    "api_key.updated",
    "service_account.created",
    "rate_limit.updated",
    "project.updated",
    "tunnel.created",
    "login.failed",
    "role.assignment.created",
    "resource.deleted",
    "tenant.user.added",
    "role.bound_to_resource",
    "role.unbound_from_resource",
]
TENANT_TYPES = {"role.bound_to_resource", "role.unbound_from_resource"}


def is_tenant(event_type: str) -> bool:
    return event_type.startswith("tenant.") or event_type in TENANT_TYPES


def _audit_event(ds: Dataset, i: int) -> Dict[str, Any]:
    n = ds.scale.audit_logs
    span = ds.now - ds.period_start
    effective = ds.period_start + (i * span) // max(n, 1) + ds.h("aud_t", i) % max(1, span // max(n, 1) // 2)
    etype = AUDIT_TYPES[ds.h("aud_type", i) % len(AUDIT_TYPES)] if i >= len(AUDIT_TYPES) else AUDIT_TYPES[i]
    active = ds.active_projects() or [0]
    p = active[ds.h("aud_p", i) % len(active)]
    project = ds.projects.item(p)
    user = ds.users.item(ds.h("aud_u", i) % ds.scale.users)
    event: Dict[str, Any] = {"id": ds.id("audit_log-", "audit", index=i), "type": etype, "effective_at": effective}
    if ds.h("aud_actor", i) % 3 == 2:
        event["actor"] = {
            "type": "api_key",
            "api_key": {
                "id": "key_" + format(ds.h("aud_k", i), "x")[:16],
                "type": "user",
                "user": {"id": user["id"], "email": user["email"]},
            },
        }
    else:
        event["actor"] = {
            "type": "session",
            "session": {
                "user": {"id": user["id"], "email": user["email"]},
                "ip_address": f"203.0.113.{ds.h('ip', i) % 250 + 1}",
            },
        }
    resource = project["id"]
    detail: Dict[str, Any]
    if etype in ("project.created", "project.updated"):
        detail = (
            {"id": project["id"], "data": {"name": project["name"], "title": project["name"]}}
            if etype == "project.created"
            else {"id": project["id"], "changes_requested": {"title": project["name"]}}
        )
    elif etype in ("api_key.created", "api_key.updated"):
        resource = "key_" + format(ds.h("aud_key", i), "x")[:16]
        detail = (
            {"id": resource, "data": {"scopes": ["/v1/*"]}}
            if etype == "api_key.created"
            else {"id": resource, "changes_requested": {"scopes": ["/v1/models"]}}
        )
    elif etype == "user.added":
        resource = user["id"]
        detail = {"id": user["id"], "data": {"role": "member"}}
    elif etype == "invite.sent":
        resource = "invite-" + format(ds.h("aud_inv", i), "x")[:16]
        detail = {"id": resource, "data": {"email": f"invitee{i}@example.com", "role": "reader"}}
    elif etype == "service_account.created":
        resource = "user-svc" + format(ds.h("aud_sa", i), "x")[:12]
        detail = {"id": resource, "data": {"role": "member"}}
    elif etype == "rate_limit.updated":
        resource = "rl-gpt-4o"
        detail = {
            "id": resource,
            "changes_requested": {"max_requests_per_1_minute": 1000, "max_tokens_per_1_minute": 90000},
        }
    elif etype == "role.assignment.created":
        resource = "role_" + format(ds.h("aud_role", i), "x")[:16]
        detail = {
            "id": resource,
            "principal_id": user["id"],
            "principal_type": "user",
            "resource_id": project["id"],
            "resource_type": "api.project",
        }
    elif etype in ("login.succeeded", "login.failed"):
        detail = (
            {}
            if etype == "login.succeeded"
            else {"error_code": "invalid_credentials", "error_message": "Invalid password"}
        )
        resource = user["id"]
    else:  # no dedicated property in the spec: an object keyed by the type all the same
        resource = f"{etype.split('.')[0]}_{format(ds.h('aud_res', i), 'x')[:12]}"
        detail = {"id": resource, "data": {"name": f"{etype} #{i}", "region": "us-east-1"}}
    if not is_tenant(etype) and etype not in ("login.succeeded", "login.failed"):
        event["project"] = {"id": project["id"], "name": project["name"]}
    event[etype] = detail
    event["_resource"] = resource
    return event


def audit_events(ds: Dataset) -> Collection:
    def build() -> Collection:
        cache: Dict[int, Dict[str, Any]] = {}

        def make(i: int) -> Dict[str, Any]:
            if i not in cache:
                cache[i] = _audit_event(ds, i)
            return {k: v for k, v in cache[i].items() if k != "_resource"}

        coll = Collection(ds.scale.audit_logs, make)
        coll.raw = lambda i: (make(i), cache[i])  # type: ignore[attr-defined]
        return coll

    return ds.cached(("audit",), build)


def audit_logs(req: Request, ds: Dataset) -> Dict[str, Any]:
    coll = audit_events(ds)
    limit = AUDIT_LIMIT.read(req)
    bounds = {op: req.integer(f"effective_at[{op}]") for op in ("gt", "gte", "lt", "lte")}
    project_ids = set(req.many("project_ids[]"))
    event_types = req.many("event_types[]")
    tenant_only = req.boolean("tenant_only", False)
    for etype in event_types:
        if tenant_only and not is_tenant(etype):
            raise bad_param(
                "event_types[]",
                f"Invalid 'event_types[]': '{etype[:60]}' is not tenant-scoped, but tenant_only is true.",
            )
    actor_ids = set(req.many("actor_ids[]"))
    actor_emails = set(req.many("actor_emails[]"))
    resource_ids = set(req.many("resource_ids[]"))
    wanted_types = set(event_types)

    def keep(i: int) -> bool:
        event, raw = coll.raw(i)  # type: ignore[attr-defined]
        t = event["effective_at"]
        if bounds["gt"] is not None and not t > bounds["gt"]:
            return False
        if bounds["gte"] is not None and not t >= bounds["gte"]:
            return False
        if bounds["lt"] is not None and not t < bounds["lt"]:
            return False
        if bounds["lte"] is not None and not t <= bounds["lte"]:
            return False
        if is_tenant(event["type"]) != bool(tenant_only):
            return False
        if wanted_types and event["type"] not in wanted_types:
            return False
        if project_ids and (event.get("project") or {}).get("id") not in project_ids:
            return False
        actor = event.get("actor") or {}
        who = (actor.get("session") or {}).get("user") or (actor.get("api_key") or {}).get("user") or {}
        if actor_ids and who.get("id") not in actor_ids and (actor.get("api_key") or {}).get("id") not in actor_ids:
            return False
        if actor_emails and who.get("email") not in actor_emails:
            return False
        if resource_ids and raw["_resource"] not in resource_ids:
            return False
        return True

    seq = [i for i in range(coll.count - 1, -1, -1) if keep(i)]  # newest first
    records, has_more = window(req, coll, seq, limit, before=True)
    return id_cursor_page(records, has_more)


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/organization/audit_logs", audit_logs),
]
