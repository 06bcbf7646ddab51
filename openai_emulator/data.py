"""Deterministic generated data: the organisation, its projects and people, at a chosen scale.

Everything is a pure function of (seed, scale, now): record i of a list is built on demand from hashes, so large
scales cost no memory up front and two emulators with the same settings serve byte-identical pages.
The family modules (admin, usage, project, codex) build their own records from the shared entities here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional

from .common import Collection, frac, h64, hexid, make_id, pick

DAY = 86400


@dataclass(frozen=True)
class Scale:
    name: str
    projects: int  # every `archived_every`-th project (index 3, 3+k, ...) is archived
    archived_every: int
    users: int
    invites: int
    admin_api_keys: int
    certificates: int
    groups: int
    roles: int
    spend_alerts: int
    per_parent: int  # typical number of children per parent (0..2x, varies by parent)
    per_parent_max: int  # children of the first parent: several pages at the endpoint's maximum limit
    audit_logs: int
    usage_series: int  # distinct combinations of dimensions with usage, per usage endpoint
    period_days: int  # usage/costs/audit/Codex data covers [now - period_days, now)
    project_resources: int  # records of each top-level project list (batches, evals, assistants, ...)
    files: int
    codex_users: int
    compliance_users: int = 120  # ChatGPT users ever in the first compliance workspace (two roster pages at 100)


SCALES: Dict[str, Scale] = {
    # acceptance tests and the demo: a few records everywhere, every list non-empty
    "small": Scale(
        "small",
        projects=5,
        archived_every=4,
        users=6,
        invites=2,
        admin_api_keys=2,
        certificates=2,
        groups=2,
        roles=3,
        spend_alerts=2,
        per_parent=2,
        per_parent_max=3,
        audit_logs=150,
        usage_series=6,
        period_days=7,
        project_resources=3,
        files=4,
        codex_users=3,
    ),
    # several pages of every list at the endpoint's maximum page size
    "medium": Scale(
        "medium",
        projects=250,
        archived_every=7,
        users=250,
        invites=210,
        admin_api_keys=210,
        certificates=210,
        groups=2100,
        roles=2100,
        spend_alerts=210,
        per_parent=3,
        per_parent_max=250,
        audit_logs=1000,
        usage_series=40,
        period_days=31,
        project_resources=250,
        files=25000,
        codex_users=60,
        compliance_users=250,
    ),
    # benchmarks
    "large": Scale(
        "large",
        projects=1000,
        archived_every=7,
        users=1000,
        invites=500,
        admin_api_keys=500,
        certificates=500,
        groups=2500,
        roles=2100,
        spend_alerts=500,
        per_parent=4,
        per_parent_max=1100,
        audit_logs=10000,
        usage_series=150,
        period_days=90,
        project_resources=1000,
        files=50000,
        codex_users=300,
        compliance_users=1000,
    ),
}


def scale_from(name_or_scale: Any, **overrides: Any) -> Scale:
    scale = name_or_scale if isinstance(name_or_scale, Scale) else SCALES[str(name_or_scale)]
    return replace(scale, **overrides) if overrides else scale


MODELS = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "o3-2025-04-16", "gpt-5-2025-08-07"]
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim", "Margaret", "Linus"]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Lee",
    "Hamilton",
]
WORDS = [
    "atlas",
    "beacon",
    "comet",
    "delta",
    "ember",
    "fjord",
    "glacier",
    "harbor",
    "iris",
    "juniper",
    "kepler",
    "lumen",
]


@dataclass
class Revision:
    """A revision of recent usage/cost buckets: values of days starting at or after `since` grow by `factor`."""

    since: int
    number: int
    factor: float = 0.1


class Dataset:
    """The organisation. `now` (Unix seconds, minute-aligned) ends the period that has usage and events."""

    def __init__(
        self,
        scale: Any = "small",
        seed: int = 0,
        now: Optional[int] = None,
        period_days: Optional[int] = None,
        workspaces: Optional[List[str]] = None,
    ) -> None:
        self.scale = scale_from(scale)
        self.seed = seed
        self.now = int(now if now is not None else time.time()) // 60 * 60
        self.period_days = period_days if period_days is not None else self.scale.period_days
        self.period_start = (self.now // DAY - self.period_days) * DAY
        self.org_created = self.period_start - 400 * DAY
        self.org_id = "org-" + hexid(seed, "org", length=24)
        self.workspaces = (
            list(workspaces)
            if workspaces is not None
            else [f"ws_emulator_{i + 1}" for i in range(2 if self.scale.name == "small" else 3)]
        )
        self.revisions: List[Revision] = []
        self._cache: Dict[Any, Any] = {}
        self._lock = threading.RLock()
        s = self.scale
        self.users = Collection(s.users, self._user)
        self.projects = Collection(s.projects, self._project)
        self.groups = Collection(s.groups, self._group)
        self.roles = Collection(s.roles, self._role)

    # ------------------------------------------------------------------ helpers
    def h(self, *parts: Any) -> int:
        return h64(self.seed, *parts)

    def f(self, *parts: Any) -> float:
        return frac(self.seed, *parts)

    def pick(self, options: List[Any], *parts: Any) -> Any:
        return pick(options, self.seed, *parts)

    def id(self, prefix: str, *parts: Any, index: int) -> str:
        return make_id(prefix, self.seed, *parts, index=index)

    def created(self, kind: str, i: int, count: int, start: Optional[int] = None, end: Optional[int] = None) -> int:
        """Creation times increase with the index, spread over [start, end)."""
        start = self.org_created if start is None else start
        end = self.now - DAY if end is None else end
        step = max(1, (end - start) // max(count, 1))
        return start + i * step + self.h(kind, i) % max(1, step // 2)

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def children(self, kind: str, parent_index: int, cap: Optional[int] = None) -> int:
        """How many children of `kind` parent number `parent_index` has."""
        s = self.scale
        count = (
            s.per_parent_max if parent_index == 0 else self.h("children", kind, parent_index) % (2 * s.per_parent + 1)
        )
        return min(count, cap) if cap is not None else count

    def subset(self, kind: str, parent_index: int, pool: int, cap: Optional[int] = None) -> List[int]:
        """Distinct indexes into a pool of `pool` objects (members of a group, roles of a user, ...)."""
        count = min(self.children(kind, parent_index, cap), pool)
        start = self.h("subset", kind, parent_index) % max(pool, 1)
        return [(start + k) % pool for k in range(count)]

    def person(self, i: int) -> Dict[str, str]:
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        return {"name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}{i}@example.com"}

    # ------------------------------------------------------------------ organisation entities
    def _user(self, i: int) -> Dict[str, Any]:
        p = self.person(i)
        uid = self.id("user-", "user", index=i)
        added = self.created("user", i, self.scale.users)
        return {
            "object": "organization.user",
            "id": uid,
            "name": p["name"],
            "email": p["email"],
            "role": "owner" if i == 0 else self.pick(["reader", "reader", "owner"], "role", i),
            "added_at": added,
            "is_default": False,
            "created": added - 3600,
            "user": {
                "object": "user",
                "id": uid,
                "email": p["email"],
                "name": p["name"],
                "picture": None,
                "enabled": True,
                "banned": False,
                "banned_at": None,
            },
            "is_service_account": False,
            "is_scale_tier_authorized_purchaser": None,
            "is_scim_managed": i % 5 == 4,
            "api_key_last_used_at": self.now - self.h("last_used", i) % (30 * DAY),
            "technical_level": None,
            "developer_persona": None,
            "projects": None,
        }

    def is_archived(self, i: int) -> bool:
        every = self.scale.archived_every
        return i >= 3 and (i - 3) % every == 0

    def _project(self, i: int) -> Dict[str, Any]:
        created = self.created("project", i, self.scale.projects)
        archived = self.is_archived(i)
        return {
            "id": self.id("proj_", "project", index=i),
            "object": "organization.project",
            "name": "Default project" if i == 0 else f"{self.pick(WORDS, 'pname', i).title()} {i}",
            "created_at": created,
            "archived_at": created + 30 * DAY if archived else None,
            "status": "archived" if archived else "active",
            "external_key_id": None,
            "residency": "EU_STORAGE_PROCESSING" if i % 9 == 8 else "GLOBAL",
        }

    def _group(self, i: int) -> Dict[str, Any]:
        return {
            "id": self.id("group_", "group", index=i),
            "name": f"{self.pick(WORDS, 'gname', i)}-team-{i}",
            "created_at": self.created("group", i, self.scale.groups),
            "is_scim_managed": i % 4 == 3,
            "group_type": "group",
        }

    def _role(self, i: int) -> Dict[str, Any]:
        predefined = i < 2
        name = ["owner", "reader"][i] if predefined else f"custom-role-{i}"
        return {
            "object": "role",
            "id": self.id("role_", "role", index=i),
            "name": name,
            "description": None if i % 3 == 2 else f"Role {name}",
            "permissions": ["api.organization.read"] + (["api.organization.write"] if i == 0 else []),
            "resource_type": "api.organization",
            "predefined_role": predefined,
        }

    def project_index(self, project_id: str) -> Optional[int]:
        return self.projects.index_of(project_id)

    def active_projects(self) -> List[int]:
        return [i for i in range(self.scale.projects) if not self.is_archived(i)]

    def api_key_ids(self, project_index: int) -> List[str]:
        """Ids of the project's API keys (also the `api_key_id` of its usage)."""
        count = max(1, self.children("api_keys", project_index, cap=100 if project_index else None))
        return [self.id("key_", "apikey", project_index, index=k) for k in range(count)]

    # ------------------------------------------------------------------ revisions (re-read tests)
    def revise(self, days: int = 2, factor: float = 0.1) -> Revision:
        """Grow the usage and costs of the last `days` days (and the open day) by `factor`, as OpenAI does
        when it restates recent buckets. Returns the revision; its number is 1, 2, ..."""
        with self._lock:
            revision = Revision(since=(self.now // DAY - days) * DAY, number=len(self.revisions) + 1, factor=factor)
            self.revisions.append(revision)
            self._cache = {k: v for k, v in self._cache.items() if not (isinstance(k, tuple) and k and k[0] == "usage")}
            return revision

    def revision_factor(self, day_start: int) -> float:
        factor = 1.0
        for revision in self.revisions:
            if day_start >= revision.since:
                factor *= 1.0 + revision.factor
        return factor
