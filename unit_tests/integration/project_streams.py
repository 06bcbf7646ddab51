"""The project-key streams as the tests expect them: endpoint, maximum `limit`, `order`, paging, parent, cursor.

One row per stream discover lists when (and only when) `project_api_key` is set. test_project_streams.py
parametrises its paging tests over the top-level lists and its fan-out tests over the children of a top-level list;
its discover test checks the names, the incremental streams and their cursor fields against this table. The rows
with `tested_in` set have their requests tested in that module instead.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Set


@dataclass(frozen=True)
class ProjectStream:
    name: str
    path: str  # the endpoint under the API base; a child's has a `{}` per parent id, outermost first
    page_size: Optional[int] = None  # the `limit` sent, the endpoint's maximum; None: one request without parameters
    order: Optional[str] = None  # the `order` sent; None: the endpoint takes no `order`
    has_last_id: bool = True  # the list response carries `last_id` (else the next page starts after the last record)
    parent: Optional[str] = None  # the stream whose records are this one's partitions
    parent_id_field: Optional[str] = None  # the field of each record carrying its parent's id
    cursor_field: Optional[str] = None  # incremental streams only: the cursor field discover declares
    tested_in: Optional[str] = None  # None: test_project_streams.py tests the requests; else the module that does

    @property
    def parent_stream(self) -> Optional["ProjectStream"]:
        return None if self.parent is None else PROJECT_STREAMS[self.parent]


PROJECT_STREAMS: Dict[str, ProjectStream] = {
    s.name: s
    for s in [
        ProjectStream("files", "/files", 10000, "asc"),
        ProjectStream("skills", "/skills", 100, "asc"),
        ProjectStream("skill_versions", "/skills/{}/versions", 100, "asc", parent="skills", parent_id_field="skill_id"),
        ProjectStream("batches", "/batches", 100),
        ProjectStream("evals", "/evals", 100, "asc"),
        ProjectStream("eval_runs", "/evals/{}/runs", 100, "asc", parent="evals", parent_id_field="eval_id"),
        # newest first, per run of each eval (a grandchild of evals: its own tests)
        ProjectStream(
            "eval_run_output_items",
            "/evals/{}/runs/{}/output_items",
            100,
            "desc",
            parent="eval_runs",
            parent_id_field="run_id",
            cursor_field="created_at",
        ),
        ProjectStream("fine_tuning_jobs", "/fine_tuning/jobs", 100, has_last_id=False),
        ProjectStream(
            "fine_tuning_job_events",
            "/fine_tuning/jobs/{}/events",
            100,
            has_last_id=False,
            parent="fine_tuning_jobs",
            parent_id_field="fine_tuning_job_id",
            cursor_field="created_at",
        ),
        ProjectStream(
            "fine_tuning_job_checkpoints",
            "/fine_tuning/jobs/{}/checkpoints",
            100,
            parent="fine_tuning_jobs",
            parent_id_field="fine_tuning_job_id",
            cursor_field="created_at",
        ),
        ProjectStream("vector_stores", "/vector_stores", 100, "asc"),
        ProjectStream(
            "vector_store_files",
            "/vector_stores/{}/files",
            100,
            "asc",
            parent="vector_stores",
            parent_id_field="vector_store_id",
        ),
        ProjectStream("assistants", "/assistants", 100, "asc"),
        ProjectStream("models", "/models", has_last_id=False),
        ProjectStream("containers", "/containers", 100, "asc"),
        ProjectStream(
            "container_files", "/containers/{}/files", 100, "asc", parent="containers", parent_id_field="container_id"
        ),
        ProjectStream("chatkit_threads", "/chatkit/threads", 100, "asc"),
        ProjectStream(
            "chatkit_thread_items",
            "/chatkit/threads/{}/items",
            100,
            "asc",
            parent="chatkit_threads",
            parent_id_field="thread_id",
        ),
        ProjectStream("videos", "/videos", 100, "asc"),
        ProjectStream("voice_consents", "/audio/voice_consents", 100, tested_in="test_stored_completions.py"),
        ProjectStream(
            "chat_completions",
            "/chat/completions",
            100,
            "desc",
            cursor_field="created",
            tested_in="test_stored_completions.py",
        ),
        ProjectStream(
            "chat_completion_messages",
            "/chat/completions/{}/messages",
            100,
            "asc",
            parent="chat_completions",
            parent_id_field="completion_id",
            cursor_field="completion_created",
            tested_in="test_stored_completions.py",
        ),
        # read with the Admin key, for the checkpoints the project key lists
        ProjectStream(
            "fine_tuning_checkpoint_permissions",
            "/fine_tuning/checkpoints/{}/permissions",
            100,
            "ascending",
            parent="fine_tuning_job_checkpoints",
            parent_id_field="fine_tuned_model_checkpoint",
            cursor_field="created_at",
            tested_in="test_stored_completions.py",
        ),
    ]
}

NAMES: Set[str] = set(PROJECT_STREAMS)
# incremental stream -> the cursor field discover declares
INCREMENTAL: Dict[str, str] = {name: s.cursor_field for name, s in PROJECT_STREAMS.items() if s.cursor_field}
# the paged top-level lists tested in test_project_streams.py
TOP_LEVEL: List[ProjectStream] = [
    s for s in PROJECT_STREAMS.values() if s.parent is None and s.page_size is not None and s.tested_in is None
]
# the children of a top-level list tested in test_project_streams.py
CHILDREN: List[ProjectStream] = [
    s
    for s in PROJECT_STREAMS.values()
    if s.parent is not None and s.parent_stream.parent is None and s.tested_in is None
]
