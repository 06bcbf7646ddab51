"""Administration API (Admin API key): organisation lists and singletons, per-project lists and singletons,
and the `/projects/{project_id}/roles...` family that also takes the Admin key.

Limits, defaults and orders follow the official OpenAPI description (see `LIMITS`). Where the spec names no
maximum (`admin_api_keys`, `rate_limits`) any positive `limit` is accepted.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .common import Collection, Limit, Request, id_cursor_page, next_cursor_page, not_found, ordered, window
from .data import DAY, MODELS, Dataset

KEY_CLASS = "admin"

L100 = Limit(default=20, minimum=1, maximum=100)  # "Limit can range between 1 and 100, and the default is 20."
L1000 = Limit(default=100, minimum=0, maximum=1000)  # groups, group users
ROLES = Limit(default=1000, minimum=0, maximum=1000)  # /organization/roles, /projects/{id}/roles
ASSIGNED = Limit(default=100, minimum=0, maximum=1000)  # role assignments: range given, no default in the spec
ALERTS = Limit(default=20, minimum=0, maximum=100)  # spend alerts, project groups
UNBOUNDED20 = Limit(default=20, minimum=1, maximum=None)  # admin_api_keys: no maximum in the spec
UNBOUNDED100 = Limit(default=100, minimum=1, maximum=None)  # project rate limits: default 100, no maximum


# ------------------------------------------------------------------------------------------ records


def _cert(ds: Dataset, obj: str, prefix: str, kind: str, i: int, count: int) -> Dict[str, Any]:
    created = ds.created(kind, i, count)
    return {
        "object": obj,
        "id": ds.id(prefix, kind, index=i),
        "name": None if i % 4 == 3 else f"cert-{i}",
        "created_at": created,
        "certificate_details": {"valid_at": created, "expires_at": created + 365 * DAY},
        "active": i % 3 != 2,
    }


def _spend_alert(ds: Dataset, obj: str, kind: str, i: int) -> Dict[str, Any]:
    return {
        "id": ds.id("alert_", kind, index=i),
        "object": obj,
        "threshold_amount": 10000 * (i + 1),
        "currency": "USD",
        "interval": "month",
        "notification_channel": {
            "type": "email",
            "recipients": [ds.person(i)["email"]],
            "subject_prefix": None if i % 2 else "[OpenAI]",
        },
    }


def _assigned(ds: Dataset, role: Dict[str, Any], salt: Any) -> Dict[str, Any]:
    created = ds.created("assign", ds.h(salt) % 1000, 1000)
    return {
        "id": role["id"],
        "name": role["name"],
        "permissions": role["permissions"],
        "resource_type": role["resource_type"],
        "predefined_role": role["predefined_role"],
        "description": role["description"],
        "created_at": created,
        "updated_at": created,
        "created_by": None if role["predefined_role"] else ds.users.item(0)["id"],
        "created_by_user_obj": None,
        "metadata": None,
        "assignment_sources": None
        if ds.h("src", salt) % 2
        else [{"principal_id": ds.groups.item(0)["id"] if ds.groups.count else "group_x", "principal_type": "group"}],
    }


def org_collections(ds: Dataset) -> Dict[str, Collection]:
    def build() -> Dict[str, Collection]:
        s = ds.scale

        def invite(i: int) -> Dict[str, Any]:
            created = ds.created("invite", i, s.invites, start=ds.now - 60 * DAY)
            status = ds.pick(["pending", "accepted", "expired"], "invstatus", i)
            projects = ds.projects.item(i % max(s.projects, 1))
            return {
                "object": "organization.invite",
                "id": ds.id("invite-", "invite", index=i),
                "email": f"invitee{i}@example.com",
                "role": "reader" if i % 3 else "owner",
                "status": status,
                "created_at": created,
                "expires_at": created + 7 * DAY,
                "accepted_at": created + DAY if status == "accepted" else None,
                "projects": [{"id": projects["id"], "role": "member"}] if s.projects else [],
            }

        def admin_key(i: int) -> Dict[str, Any]:
            owner = ds.users.item(0)
            kid = ds.id("key_", "adminkey", index=i)
            return {
                "object": "organization.admin_api_key",
                "id": kid,
                "name": f"admin key {i}",
                "redacted_value": f"sk-admin-...{kid[-4:]}",
                "created_at": ds.created("adminkey", i, s.admin_api_keys),
                "expires_at": None,
                "last_used_at": ds.now - ds.h("aklu", i) % (10 * DAY),
                "owner": {
                    "type": "user",
                    "object": "organization.user",
                    "id": owner["id"],
                    "name": owner["name"],
                    "created_at": owner["created"],
                    "role": "owner",
                },
            }

        return {
            "invites": Collection(s.invites, invite),
            "admin_api_keys": Collection(s.admin_api_keys, admin_key),
            "certificates": Collection(
                s.certificates, lambda i: _cert(ds, "organization.certificate", "cert_", "cert", i, s.certificates)
            ),
            "spend_alerts": Collection(
                s.spend_alerts, lambda i: _spend_alert(ds, "organization.spend_alert", "alert", i)
            ),
        }

    return ds.cached(("admin", "org"), build)


def project_collections(ds: Dataset, p: int) -> Dict[str, Any]:
    """Everything the Admin API holds about project number p."""

    def build() -> Dict[str, Any]:
        pid = ds.projects.item(p)["id"]
        pcreated = ds.projects.item(p)["created_at"]
        s = ds.scale
        members = ds.subset("project_users", p, s.users, cap=None if p == 0 else 100)
        groups = ds.subset("project_groups", p, s.groups, cap=None if p == 0 else 100)
        n_roles = max(2, ds.children("project_roles", p, cap=None if p == 0 else 100))

        def member(k: int) -> Dict[str, Any]:
            u = ds.users.item(members[k])
            return {
                "object": "organization.project.user",
                "id": u["id"],
                "name": u["name"],
                "email": u["email"],
                "role": "owner" if k == 0 else "member",
                "added_at": max(u["added_at"], pcreated) + k,
            }

        def service_account(k: int) -> Dict[str, Any]:
            return {
                "object": "organization.project.service_account",
                "id": ds.id("user-svc", "sa", p, index=k),
                "name": f"service-account-{k}",
                "role": "member" if k else "owner",
                "created_at": pcreated + 60 * (k + 1),
            }

        n_sa = ds.children("service_accounts", p, cap=None if p == 0 else 100)
        key_ids = ds.api_key_ids(p)

        def api_key(k: int) -> Dict[str, Any]:
            created = pcreated + 120 * (k + 1)
            if members and k % 3 != 2 or not n_sa:
                if members:
                    u = ds.users.item(members[k % len(members)])
                    owner = {
                        "type": "user",
                        "user": {
                            "id": u["id"],
                            "email": u["email"],
                            "name": u["name"],
                            "created_at": u["added_at"],
                            "role": "owner" if k % len(members) == 0 else "member",
                        },
                    }
                else:
                    owner = {
                        "type": "user",
                        "user": {
                            "id": "user-removed",
                            "email": "removed@example.com",
                            "name": "Removed",
                            "created_at": pcreated,
                            "role": "member",
                        },
                    }
            else:
                sa = service_account(k % n_sa)
                owner = {
                    "type": "service_account",
                    "service_account": {
                        "id": sa["id"],
                        "name": sa["name"],
                        "created_at": sa["created_at"],
                        "role": sa["role"],
                    },
                }
            return {
                "object": "organization.project.api_key",
                "redacted_value": f"sk-proj-...{key_ids[k][-4:]}",
                "name": f"key {k}",
                "created_at": created,
                "last_used_at": None if k % 4 == 3 else ds.now - ds.h("klu", p, k) % (5 * DAY),
                "id": key_ids[k],
                "owner_project_access": "inactive" if k % 5 == 4 else "active",
                "owner": owner,
            }

        n_rate = min(len(MODELS) * 20, max(1, ds.children("rate_limits", p)))

        def rate_limit(k: int) -> Dict[str, Any]:
            model = MODELS[k % len(MODELS)] + ("" if k < len(MODELS) else f"-ft-{k // len(MODELS)}")
            rec = {
                "object": "project.rate_limit",
                "id": f"rl-{model}-{k:07d}",
                "model": model,
                "max_requests_per_1_minute": 500 * (1 + k % 4),
                "max_tokens_per_1_minute": 30000 * (1 + k % 4),
                "max_images_per_1_minute": 50,
                "max_audio_megabytes_per_1_minute": 10,
                "max_requests_per_1_day": 10000,
                "batch_1_day_max_input_tokens": 900000,
            }
            return rec

        def project_group(k: int) -> Dict[str, Any]:
            g = ds.groups.item(groups[k])
            return {
                "object": "project.group",
                "project_id": pid,
                "group_id": g["id"],
                "group_name": g["name"],
                "group_type": g["group_type"],
                "created_at": max(g["created_at"], pcreated) + k,
            }

        def project_role(k: int) -> Dict[str, Any]:
            predefined = k < 2
            name = ["owner", "member"][k] if predefined else f"project-role-{k}"
            return {
                "object": "role",
                "id": ds.id("role_", "projrole", p, index=k),
                "name": name,
                "description": None if k % 3 == 2 else f"Project role {name}",
                "permissions": ["api.project.read"] + (["api.project.write"] if k == 0 else []),
                "resource_type": "api.project",
                "predefined_role": predefined,
            }

        n_alerts = ds.children("project_spend_alerts", p, cap=None if p == 0 else 100)
        n_certs = ds.children("project_certs", p, cap=None if p == 0 else 100)
        return {
            "id": pid,
            "members": members,
            "users": Collection(len(members), member, ids=[ds.users.item(m)["id"] for m in members]),
            "service_accounts": Collection(n_sa, service_account),
            "api_keys": Collection(len(key_ids), api_key, ids=key_ids),
            "rate_limits": Collection(n_rate, rate_limit),
            "certificates": Collection(
                n_certs,
                lambda k: dict(_cert(ds, "organization.project.certificate", "cert_", f"pcert{p}", k, n_certs + 1)),
            ),
            "groups": Collection(
                len(groups), project_group, ids=[ds.groups.item(g)["id"] for g in groups], id_field="group_id"
            ),
            "spend_alerts": Collection(n_alerts, lambda k: _spend_alert(ds, "project.spend_alert", f"palert{p}", k)),
            "roles": Collection(n_roles, project_role),
        }

    return ds.cached(("admin", "project", p), build)


def _assignment_collection(ds: Dataset, roles: Collection, kind: str, parent: Any) -> Collection:
    def build() -> Collection:
        idx = ds.subset(
            kind,
            ds.h(kind, parent) % 1000 if parent not in (0, "0") else 0,
            roles.count,
            cap=None if parent in (0, "0") else 20,
        )
        return Collection(
            len(idx),
            lambda k: _assigned(ds, roles.item(idx[k]), (kind, parent, k)),
            ids=[roles.item(i)["id"] for i in idx],
        )

    return ds.cached(("admin", "assign", kind, parent), build)


# ------------------------------------------------------------------------------------------ handlers


def _project(req: Request, ds: Dataset) -> Tuple[int, Dict[str, Any]]:
    p = ds.project_index(req.path_params["project_id"])
    if p is None:
        raise not_found("project", req.path_params["project_id"])
    return p, project_collections(ds, p)


def users(req: Request, ds: Dataset) -> Dict[str, Any]:
    emails = set(req.many("emails"))
    keep = (lambda i: ds.users.item(i)["email"] in emails) if emails else None
    n = L100.read(req)
    records, has_more = window(req, ds.users, ordered(ds.users, "asc", keep), n)
    return id_cursor_page(records, has_more)


def projects(req: Request, ds: Dataset) -> Dict[str, Any]:
    include_archived = req.boolean("include_archived", False)
    keep = None if include_archived else (lambda i: not ds.is_archived(i))
    records, has_more = window(req, ds.projects, ordered(ds.projects, "asc", keep), L100.read(req))
    return id_cursor_page(records, has_more)


def _group_index(req: Request, ds: Dataset) -> int:
    g = ds.groups.index_of(req.path_params["group_id"])
    if g is None:
        raise not_found("group", req.path_params["group_id"])
    return g


def _group_users(req: Request, ds: Dataset) -> Collection:
    g = _group_index(req, ds)

    def build() -> Collection:
        idx = ds.subset("group_users", g, ds.scale.users, cap=None if g == 0 else 50)
        return Collection(
            len(idx),
            lambda k: {
                "id": ds.users.item(idx[k])["id"],
                "name": ds.users.item(idx[k])["name"],
                "email": ds.users.item(idx[k])["email"] if k % 4 != 3 else None,
            },
            ids=[ds.users.item(i)["id"] for i in idx],
        )

    return ds.cached(("admin", "group_users", g), build)


def _assignments(req: Request, ds: Dataset, coll: Collection) -> Dict[str, Any]:
    order = req.choice("order", ["asc", "desc"], "asc")
    records, has_more = window(req, coll, ordered(coll, order), ASSIGNED.read(req))
    return next_cursor_page(records, has_more)


def group_roles(req: Request, ds: Dataset) -> Dict[str, Any]:
    g = _group_index(req, ds)
    return _assignments(req, ds, _assignment_collection(ds, ds.roles, "group_roles", g))


def user_roles(req: Request, ds: Dataset) -> Dict[str, Any]:
    u = ds.users.index_of(req.path_params["user_id"])
    if u is None:
        raise not_found("user", req.path_params["user_id"])
    return _assignments(req, ds, _assignment_collection(ds, ds.roles, "user_roles", u))


def spend_limit(req: Request, ds: Dataset) -> Dict[str, Any]:
    return {
        "object": "organization.spend_limit",
        "threshold_amount": 500000,
        "currency": "USD",
        "interval": "month",
        "enforcement": {"status": "enforcing"},
    }


def data_retention(req: Request, ds: Dataset) -> Dict[str, Any]:
    return {
        "object": "organization.data_retention",
        "type": "zero_data_retention" if ds.seed % 2 else "modified_abuse_monitoring",
    }


# -- per project


def redacted(key: str) -> str:
    """A key as `redacted_value` shows it: the spec's example is `sk-abc...def` (its start, `...`, its end)."""
    return f"{key[:6]}...{key[-4:]}"


def project_api_keys(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, pc = _project(req, ds)
    coll = pc["api_keys"]
    access = req.choice("owner_project_access", ["active", "inactive", "any"], None)
    # Omitted: "the endpoint applies its existing membership-based visibility rules" - here: active owners only.
    wanted = {"active": {"active"}, "inactive": {"inactive"}, "any": {"active", "inactive"}, None: {"active"}}[access]
    keep = None if wanted == {"active", "inactive"} else (lambda k: coll.item(k)["owner_project_access"] in wanted)
    records, has_more = window(req, coll, ordered(coll, "asc", keep), L100.read(req))
    # The emulator's project keys (`Emulator(project_keys={key: project_id})`) are this project's first API keys:
    # their redacted values show them, so a client can find a key's project by matching it.
    project_id = ds.projects.item(p)["id"]
    owned = sorted(
        key for key, owner in (req.emulator.project_keys if req.emulator else {}).items() if owner == project_id
    )
    by_index = {k: redacted(key) for k, key in enumerate(owned)}
    records = [
        {**r, "redacted_value": by_index[coll.index_of(r["id"])]} if coll.index_of(r["id"]) in by_index else r
        for r in records
    ]
    return id_cursor_page(records, has_more)


def project_spend_limit(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, _ = _project(req, ds)
    return {
        "object": "project.spend_limit",
        "threshold_amount": 10000 * (1 + p % 7),
        "currency": "USD",
        "interval": "month",
        "enforcement": {"status": "inactive" if p % 2 else "enforcing"},
    }


def project_model_permissions(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, _ = _project(req, ds)
    return {
        "object": "project.model_permissions",
        "mode": "deny_list" if p % 3 else "allow_list",
        "model_ids": MODELS[: 1 + p % len(MODELS)],
    }


def project_hosted_tool_permissions(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, _ = _project(req, ds)
    tools = ["file_search", "web_search", "image_generation", "mcp", "code_interpreter"]
    return {tool: {"enabled": (p + k) % 3 != 0} for k, tool in enumerate(tools)}


def project_data_retention(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, _ = _project(req, ds)
    return {"object": "project.data_retention", "type": "organization_default" if p % 4 else "zero_data_retention"}


def project_user_roles(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, pc = _project(req, ds)
    uid = req.path_params["user_id"]
    k = pc["users"].index_of(uid)
    if k is None:
        raise not_found("project user", uid)
    return _assignments(req, ds, _assignment_collection(ds, pc["roles"], "project_user_roles", (p, k) if p or k else 0))


def project_group_roles(req: Request, ds: Dataset) -> Dict[str, Any]:
    p, pc = _project(req, ds)
    gid = req.path_params["group_id"]
    k = pc["groups"].index_of(gid)
    if k is None:
        raise not_found("project group", gid)
    return _assignments(
        req, ds, _assignment_collection(ds, pc["roles"], "project_group_roles", (p, k) if p or k else 0)
    )


Handler = Callable[[Request, Dataset], Dict[str, Any]]


def paged(
    collection: Callable[[Request, Dataset], Collection],
    limit: Limit = L100,
    order: Optional[str] = None,
    page: Callable[..., Dict[str, Any]] = id_cursor_page,
    before: bool = False,
    **page_options: Any,
) -> Handler:
    """The handler of a plain paged list: the records of `collection(req, ds)` (which raises a 404 for an unknown
    parent), ordered by the `order` parameter when the endpoint takes one (`order` is then its default; None: the
    endpoint has no `order` and lists oldest first), windowed by `after` (and `before`), `limit` read as `limit`
    says, and shaped by `page` (an id-cursor or a next-cursor page)."""

    def handler(req: Request, ds: Dataset) -> Dict[str, Any]:
        coll = collection(req, ds)
        direction = req.choice("order", ["asc", "desc"], order) if order else "asc"
        records, has_more = window(req, coll, ordered(coll, direction), limit.read(req), before=before)
        return page(records, has_more, **page_options)

    return handler


def org(name: str) -> Callable[[Request, Dataset], Collection]:
    """An organisation collection by name (see org_collections)."""
    return lambda req, ds: org_collections(ds)[name]


def per_project(name: str) -> Callable[[Request, Dataset], Collection]:
    """A collection of the project in the path (a 404 for an unknown project)."""
    return lambda req, ds: _project(req, ds)[1][name]


# The plain paged lists, one row each: collection, limit, default `order` (None: no `order` parameter), page style.
invites = paged(org("invites"))
admin_api_keys = paged(org("admin_api_keys"), UNBOUNDED20, "asc")
certificates = paged(org("certificates"), L100, "desc")
groups = paged(lambda req, ds: ds.groups, L1000, "asc", next_cursor_page)
group_users = paged(_group_users, L1000, "desc", next_cursor_page)
roles = paged(lambda req, ds: ds.roles, ROLES, "asc", next_cursor_page)
spend_alerts = paged(org("spend_alerts"), ALERTS, "asc", before=True)
project_users = paged(per_project("users"))
project_service_accounts = paged(per_project("service_accounts"))
project_rate_limits = paged(per_project("rate_limits"), UNBOUNDED100, before=True)
project_certificates = paged(per_project("certificates"), L100, "desc")
project_groups = paged(per_project("groups"), ALERTS, "asc", next_cursor_page, id_field="group_id")
project_spend_alerts = paged(per_project("spend_alerts"), ALERTS, "asc", before=True)
project_roles = paged(per_project("roles"), ROLES, "asc", next_cursor_page)


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/organization/users", users),
    ("/organization/invites", invites),
    ("/organization/projects", projects),
    ("/organization/admin_api_keys", admin_api_keys),
    ("/organization/certificates", certificates),
    ("/organization/groups", groups),
    ("/organization/groups/{group_id}/users", group_users),
    ("/organization/groups/{group_id}/roles", group_roles),
    ("/organization/roles", roles),
    ("/organization/users/{user_id}/roles", user_roles),
    ("/organization/spend_alerts", spend_alerts),
    ("/organization/spend_limit", spend_limit),
    ("/organization/data_retention", data_retention),
    ("/organization/projects/{project_id}/users", project_users),
    ("/organization/projects/{project_id}/service_accounts", project_service_accounts),
    ("/organization/projects/{project_id}/api_keys", project_api_keys),
    ("/organization/projects/{project_id}/rate_limits", project_rate_limits),
    ("/organization/projects/{project_id}/certificates", project_certificates),
    ("/organization/projects/{project_id}/groups", project_groups),
    ("/organization/projects/{project_id}/spend_alerts", project_spend_alerts),
    ("/organization/projects/{project_id}/spend_limit", project_spend_limit),
    ("/organization/projects/{project_id}/model_permissions", project_model_permissions),
    ("/organization/projects/{project_id}/hosted_tool_permissions", project_hosted_tool_permissions),
    ("/organization/projects/{project_id}/data_retention", project_data_retention),
    ("/projects/{project_id}/roles", project_roles),
    ("/projects/{project_id}/users/{user_id}/roles", project_user_roles),
    ("/projects/{project_id}/groups/{group_id}/roles", project_group_roles),
]
