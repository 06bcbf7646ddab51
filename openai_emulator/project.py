"""Project resources (project API key): the 19 list endpoints of a project.

A project key belongs to one project (`Emulator(project_keys={key: project_id})`); its resources are generated
from that project's id. Paging, limits and default orders follow the OpenAPI description. Endpoints whose `limit`
has no documented maximum (evals, eval runs, output items, fine-tuning lists) accept up to UNDOCUMENTED_MAX.
Fine-tuning jobs and events have no `first_id`/`last_id` (the next `after` is the last item's id); `/models` is
not paginated.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .common import Collection, Limit, Request, id_cursor_page, not_found, ordered, window
from .data import DAY, MODELS, Dataset
from .project_records import (
    FILE_PURPOSES as FILE_PURPOSES,  # re-exported: the names project.py had stay importable from it
    ChatKitRecords,
    ContainerRecords,
    EvalRecords,
    FileRecords,
    FineTuningRecords,
    StoreRecords,
    VideoRecords,
)

KEY_CLASS = "project"
UNDOCUMENTED_MAX = 100

L100 = Limit(default=20, minimum=1, maximum=100)
L0_100 = Limit(default=20, minimum=0, maximum=100)
UNDOC = Limit(default=20, minimum=1, maximum=UNDOCUMENTED_MAX)
FILES = Limit(default=10000, minimum=1, maximum=10000)
CHECKPOINTS = Limit(default=10, minimum=1, maximum=UNDOCUMENTED_MAX)


class ProjectData(
    FileRecords, EvalRecords, FineTuningRecords, StoreRecords, ContainerRecords, ChatKitRecords, VideoRecords
):
    """The resources of project `p` (an index into the organisation's projects): its collections and their
    children; the records come from the family mixins of project_records.py."""

    def __init__(self, ds: Dataset, p: int) -> None:
        self.ds = ds
        self.p = p
        self.pid = ds.projects.item(p)["id"]
        s = ds.scale
        n = s.project_resources
        self.start = ds.period_start - 90 * DAY
        self.files = Collection(s.files, self._file)
        self.skills = Collection(n, self._skill)
        self.batches = Collection(n, self._batch)
        self.evals = Collection(n, self._eval)
        self.ft_jobs = Collection(n, self._ft_job)
        self.vector_stores = Collection(n, self._vector_store)
        self.assistants = Collection(n, self._assistant)
        self.containers = Collection(n, self._container)
        self.threads = Collection(n, self._thread)
        self.videos = Collection(n, self._video)
        self.models = [self._model(i) for i in range(len(MODELS) + 3)]
        self._children: Dict[Any, Collection] = {}

    def child(
        self,
        kind: str,
        parent: Collection,
        parent_id: str,
        make: Callable[[int, Dict[str, Any], int], Dict[str, Any]],
        minimum: int = 0,
    ) -> Collection:
        pi = parent.index_of(parent_id)
        if pi is None:
            raise not_found(kind.split("_")[0], parent_id)
        key = (kind, pi)
        if key not in self._children:
            parent_record = parent.item(pi)
            count = max(minimum, self.ds.children(f"{kind}:{self.p}", pi))
            self._children[key] = Collection(count, lambda k, pr=parent_record, c=count: make(k, pr, c))
        return self._children[key]

    def runs_of(self, eval_id: str) -> Collection:
        """The runs of one eval (404 for an unknown eval)."""
        return self.child("eval_runs", self.evals, eval_id, self._eval_run)


def data(req: Request, ds: Dataset) -> ProjectData:
    p = ds.project_index(req.project_id or "")
    if p is None:
        raise not_found("project", req.project_id or "")
    return ds.cached(("project_data", p), lambda: ProjectData(ds, p))


def _page(
    req: Request,
    coll: Collection,
    limit: Limit,
    order: Optional[str],
    before: bool = False,
    keep: Optional[Callable[[int], bool]] = None,
    with_ids: bool = True,
) -> Dict[str, Any]:
    n = limit.read(req)
    direction = req.choice("order", ["asc", "desc"], order) if order else "desc"  # no `order` param: newest first
    records, has_more = window(req, coll, ordered(coll, direction or "desc", keep), n, before=before)
    return id_cursor_page(records, has_more, with_ids=with_ids)


def files(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    purpose = req.one("purpose")
    keep = (lambda i: d.files.item(i)["purpose"] == purpose) if purpose else None
    return _page(req, d.files, FILES, "desc", keep=keep)


def skills(req: Request, ds: Dataset) -> Dict[str, Any]:
    return _page(req, data(req, ds).skills, L0_100, "desc")


def skill_versions(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("skill_versions", d.skills, req.path_params["skill_id"], d._skill_version, minimum=1)
    return _page(req, coll, L0_100, "desc")


def batches(req: Request, ds: Dataset) -> Dict[str, Any]:
    return _page(req, data(req, ds).batches, L100, None)


def evals(req: Request, ds: Dataset) -> Dict[str, Any]:
    req.choice("order_by", ["created_at", "updated_at"], "created_at")
    return _page(req, data(req, ds).evals, UNDOC, "asc")


def eval_runs(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.runs_of(req.path_params["eval_id"])
    status = req.choice("status", ["queued", "in_progress", "completed", "canceled", "failed"], None)
    keep = (lambda k: coll.item(k)["status"] == status) if status else None
    return _page(req, coll, UNDOC, "asc", keep=keep)


def eval_run_output_items(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    runs = d.runs_of(req.path_params["eval_id"])
    coll = d.child(f"output_items:{req.path_params['eval_id']}", runs, req.path_params["run_id"], d._output_item)
    status = req.choice("status", ["fail", "pass"], None)
    keep = (lambda k: coll.item(k)["status"] == status) if status else None
    return _page(req, coll, UNDOC, "asc", keep=keep)


def fine_tuning_jobs(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    wanted = {
        k[len("metadata[") : -1]: v[0] for k, v in req.query.items() if k.startswith("metadata[") and k.endswith("]")
    }
    keep = None
    if wanted or req.one("metadata") == "null":
        keep = lambda i: (  # noqa: E731
            (d.ft_jobs.item(i)["metadata"] is None)
            if not wanted
            else all((d.ft_jobs.item(i)["metadata"] or {}).get(k) == v for k, v in wanted.items())
        )
    return _page(req, d.ft_jobs, UNDOC, None, keep=keep, with_ids=False)


def fine_tuning_job_events(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("ft_events", d.ft_jobs, req.path_params["fine_tuning_job_id"], d._ft_event)
    return _page(req, coll, UNDOC, None, with_ids=False)


def fine_tuning_job_checkpoints(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("ft_checkpoints", d.ft_jobs, req.path_params["fine_tuning_job_id"], d._ft_checkpoint)
    return _page(req, coll, CHECKPOINTS, None)


def vector_stores(req: Request, ds: Dataset) -> Dict[str, Any]:
    return _page(req, data(req, ds).vector_stores, L100, "desc", before=True)


def vector_store_files(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("vector_store_files", d.vector_stores, req.path_params["vector_store_id"], d._vs_file)
    status = req.choice("filter", ["in_progress", "completed", "failed", "cancelled"], None)
    keep = (lambda k: coll.item(k)["status"] == status) if status else None
    return _page(req, coll, L100, "desc", before=True, keep=keep)


def assistants(req: Request, ds: Dataset) -> Dict[str, Any]:
    return _page(req, data(req, ds).assistants, L100, "desc", before=True)


def models(req: Request, ds: Dataset) -> Dict[str, Any]:
    return {"object": "list", "data": list(data(req, ds).models)}


def containers(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    name = req.one("name")
    keep = (lambda i: d.containers.item(i)["name"] == name) if name else None
    return _page(req, d.containers, L100, "desc", keep=keep)


def container_files(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("container_files", d.containers, req.path_params["container_id"], d._container_file)
    return _page(req, coll, L100, "desc")


def chatkit_threads(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    user = req.one("user")
    keep = (lambda i: d.threads.item(i)["user"] == user) if user else None
    return _page(req, d.threads, L0_100, "desc", before=True, keep=keep)


def chatkit_thread_items(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = data(req, ds)
    coll = d.child("thread_items", d.threads, req.path_params["thread_id"], d._thread_item)
    return _page(req, coll, L0_100, "desc", before=True)


def videos(req: Request, ds: Dataset) -> Dict[str, Any]:
    return _page(req, data(req, ds).videos, L0_100, "desc")


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/files", files),
    ("/skills", skills),
    ("/skills/{skill_id}/versions", skill_versions),
    ("/batches", batches),
    ("/evals", evals),
    ("/evals/{eval_id}/runs", eval_runs),
    ("/evals/{eval_id}/runs/{run_id}/output_items", eval_run_output_items),
    ("/fine_tuning/jobs", fine_tuning_jobs),
    ("/fine_tuning/jobs/{fine_tuning_job_id}/events", fine_tuning_job_events),
    ("/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", fine_tuning_job_checkpoints),
    ("/vector_stores", vector_stores),
    ("/vector_stores/{vector_store_id}/files", vector_store_files),
    ("/assistants", assistants),
    ("/models", models),
    ("/containers", containers),
    ("/containers/{container_id}/files", container_files),
    ("/chatkit/threads", chatkit_threads),
    ("/chatkit/threads/{thread_id}/items", chatkit_thread_items),
    ("/videos", videos),
]
