"""Fine-tuned checkpoint permissions (Admin key), per the official OpenAPI description:

* GET /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions (listFineTuningCheckpointPermissions,
  Admin key) -> ListFineTuningCheckpointPermissionResponse: `project_id`, `after`, `limit` (default 10; the spec
  names no maximum: 100), `order` ascending|descending (default descending). The checkpoints are the
  `fine_tuned_model_checkpoint` values of /fine_tuning/jobs/{id}/checkpoints in any project; each has 0-3
  permissions. Unknown checkpoint -> 404.

Everything is a pure function of (seed, scale, now).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import unquote

from .common import Collection, Limit, Request, id_cursor_page, not_found, ordered, window
from .data import DAY, Dataset
from .project import ProjectData

KEY_CLASS = "admin"

PERMISSIONS_LIMIT = Limit(default=10, minimum=1, maximum=100)  # no documented maximum; 100 chosen


def project_checkpoints(ds: Dataset, p: int) -> List[Dict[str, Any]]:
    """The checkpoints /fine_tuning/jobs/{id}/checkpoints serves to project `p`, in job order."""
    pd = ds.cached(("project_data", p), lambda: ProjectData(ds, p))
    out: List[Dict[str, Any]] = []
    for j in range(pd.ft_jobs.count):
        job = pd.ft_jobs.item(j)
        coll = pd.child("ft_checkpoints", pd.ft_jobs, job["id"], pd._ft_checkpoint)
        out.extend(coll.item(k) for k in range(coll.count))
    return out


_CHECKPOINT = re.compile(r"^ft:.+::([0-9a-f]\d{7}):ckpt-step-(\d+)$")


def checkpoint_exists(ds: Dataset, checkpoint: str) -> bool:
    """Whether some project's fine-tuning job serves `checkpoint` (parsed: the job id's last 8 characters and the
    step; then each project's job with that index is checked, without listing every checkpoint)."""
    m = _CHECKPOINT.match(checkpoint)
    if not m:
        return False

    def find() -> bool:
        tail = m.group(1)
        j = int(tail[1:])
        for p in range(ds.projects.count):
            pd = ds.cached(("project_data", p), lambda p=p: ProjectData(ds, p))
            if j >= pd.ft_jobs.count:
                continue
            job = pd.ft_jobs.item(j)
            if not job["id"].endswith(tail):
                continue
            coll = pd.child("ft_checkpoints", pd.ft_jobs, job["id"], pd._ft_checkpoint)
            if any(coll.item(k)["fine_tuned_model_checkpoint"] == checkpoint for k in range(coll.count)):
                return True
        return False

    return ds.cached(("checkpoint_exists", checkpoint), find)


def permissions(ds: Dataset, checkpoint: str) -> Collection:
    """0-3 permissions of a checkpoint (a function of its name only), oldest first."""

    def build() -> Collection:
        count = ds.h("ckpt_perms", checkpoint) % 4
        created0 = ds.period_start - 30 * DAY + ds.h("ckpt_perm_t", checkpoint) % (20 * DAY)

        def make(k: int) -> Dict[str, Any]:
            project_index = ds.h("ckpt_perm_p", checkpoint, k) % ds.projects.count
            return {
                "object": "checkpoint.permission",
                "id": ds.id("cp_", "ckpt_perm", checkpoint, index=k),
                "created_at": created0 + k * DAY + ds.h("ckpt_perm_dt", checkpoint, k) % 3600,
                "project_id": ds.projects.item(project_index)["id"],
            }

        return Collection(count, make)

    return ds.cached(("ckpt_perms", checkpoint), build)


def checkpoint_permissions(req: Request, ds: Dataset) -> Dict[str, Any]:
    checkpoint = unquote(req.path_params["fine_tuned_model_checkpoint"])
    if not checkpoint_exists(ds, checkpoint):
        raise not_found("fine-tuned model checkpoint", checkpoint)
    coll = permissions(ds, checkpoint)
    n = PERMISSIONS_LIMIT.read(req)
    order = req.choice("order", ["ascending", "descending"], "descending") or "descending"
    project_id = req.one("project_id")
    keep = (lambda k: coll.item(k)["project_id"] == project_id) if project_id else None
    records, has_more = window(req, coll, ordered(coll, "asc" if order == "ascending" else "desc", keep), n)
    return id_cursor_page(records, has_more)


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", checkpoint_permissions),
]
