"""The records of a project's resources, one mixin per family (files, evals, fine-tuning, stores, containers,
ChatKit, videos): deterministic from the project's index. project.ProjectData combines them with its collections."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .common import Collection
from .data import DAY, MODELS, Dataset

FILE_PURPOSES = [
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "batch_output",
    "fine-tune-results",
    "assistants_output",
]


class ProjectScope:
    """What every family uses: the dataset, the project's index `p`, its ids and creation times; the collections are
    ProjectData's."""

    ds: Dataset
    p: int
    start: int
    files: Collection
    skills: Collection
    batches: Collection
    evals: Collection
    ft_jobs: Collection
    vector_stores: Collection
    assistants: Collection
    containers: Collection
    threads: Collection
    videos: Collection

    def id(self, prefix: str, kind: str, *parts: Any, index: int) -> str:
        return self.ds.id(prefix, kind, self.p, *parts, index=index)

    def t(self, kind: str, i: int, count: int, start: Optional[int] = None, end: Optional[int] = None) -> int:
        return self.ds.created(
            f"{kind}:{self.p}",
            i,
            count,
            start=self.start if start is None else start,
            end=self.ds.now - 3600 if end is None else end,
        )


class FileRecords(ProjectScope):
    """Files, skills and their versions, batches."""

    def _file(self, i: int) -> Dict[str, Any]:
        created = self.t("file", i, self.ds.scale.files)
        purpose = FILE_PURPOSES[self.ds.h("purpose", self.p, i) % len(FILE_PURPOSES)]
        rec = {
            "id": self.id("file-", "file", index=i),
            "bytes": 1000 + self.ds.h("bytes", self.p, i) % 10_000_000,
            "created_at": created,
            "filename": f"data-{i}.jsonl",
            "object": "file",
            "purpose": purpose,
            "status": "processed",
            "status_details": "" if i % 7 else "validated",
        }
        if i % 5 == 4:
            rec["expires_at"] = created + 30 * DAY
        return rec

    def _skill(self, i: int) -> Dict[str, Any]:
        versions = max(1, self.ds.children(f"skill_versions:{self.p}", i))
        return {
            "id": self.id("skill_", "skill", index=i),
            "object": "skill",
            "name": f"skill-{i}",
            "description": f"Skill number {i}",
            "created_at": self.t("skill", i, self.skills.count),
            "default_version": "1",
            "latest_version": str(versions),
        }

    def _skill_version(self, k: int, skill: Dict[str, Any], count: int) -> Dict[str, Any]:
        return {
            "object": "skill.version",
            "id": self.id("skillver_", "skillver", skill["id"], index=k),
            "skill_id": skill["id"],
            "version": str(k + 1),
            "created_at": skill["created_at"] + 3600 * (k + 1),
            "name": skill["name"],
            "description": f"{skill['description']}, version {k + 1}",
        }

    def _batch(self, i: int) -> Dict[str, Any]:
        created = self.t("batch", i, self.batches.count)
        running = i >= self.batches.count - 1 or self.ds.h("brun", self.p, i) % 6 == 5
        total = 100 + self.ds.h("btotal", self.p, i) % 900
        rec: Dict[str, Any] = {
            "id": self.id("batch_", "batch", index=i),
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "model": MODELS[i % len(MODELS)],
            "errors": {"object": "list", "data": []},
            "input_file_id": self.id("file-", "batchin", index=i),
            "completion_window": "24h",
            "status": "in_progress" if running else "completed",
            "created_at": created,
            "in_progress_at": created + 60,
            "expires_at": created + DAY,
            "request_counts": {"total": total, "completed": total // 2 if running else total, "failed": 0},
            "usage": {
                "input_tokens": total * 500,
                "input_tokens_details": {"cached_tokens": total * 100},
                "output_tokens": total * 200,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": total * 700,
            },
            "metadata": {"team": "research"} if i % 2 else None,
        }
        if not running:
            rec.update(
                {
                    "output_file_id": self.id("file-", "batchout", index=i),
                    "error_file_id": self.id("file-", "batcherr", index=i),
                    "finalizing_at": created + 3000,
                    "completed_at": created + 3600,
                }
            )
        return rec


class EvalRecords(ProjectScope):
    """Evals, their runs and the runs' output items."""

    def _eval(self, i: int) -> Dict[str, Any]:
        return {
            "object": "eval",
            "id": self.id("eval_", "eval", index=i),
            "name": f"eval-{i}",
            "data_source_config": {
                "type": "custom",
                "schema": {"type": "object", "properties": {"item": {"type": "object"}}},
            },
            "testing_criteria": [
                {
                    "type": "string_check",
                    "name": "exact",
                    "input": "{{sample.output_text}}",
                    "reference": "{{item.expected}}",
                    "operation": "eq",
                }
            ],
            "created_at": self.t("eval", i, self.evals.count),
            "metadata": {"owner": "qa"} if i % 2 else None,
        }

    def _eval_run(self, k: int, ev: Dict[str, Any], count: int) -> Dict[str, Any]:
        running = k == count - 1 and self.ds.h("erun", self.p, ev["id"]) % 2 == 0
        total = 10 + k
        rid = self.id("evalrun_", "evalrun", ev["id"], index=k)
        return {
            "object": "eval.run",
            "id": rid,
            "eval_id": ev["id"],
            "status": "in_progress" if running else "completed",
            "model": MODELS[k % len(MODELS)],
            "name": f"run-{k}",
            "created_at": ev["created_at"] + 3600 * (k + 1),
            "report_url": f"https://platform.openai.com/evaluations/{ev['id']}?run_id={rid}",
            "result_counts": {"total": total, "errored": 0, "failed": k % 3, "passed": total - k % 3},
            "per_model_usage": [
                {
                    "model_name": MODELS[k % len(MODELS)],
                    "invocation_count": total,
                    "prompt_tokens": 100 * total,
                    "completion_tokens": 20 * total,
                    "total_tokens": 120 * total,
                    "cached_tokens": 0,
                }
            ],
            "per_testing_criteria_results": [{"testing_criteria": "exact", "passed": total - k % 3, "failed": k % 3}],
            "data_source": {"type": "jsonl", "source": {"type": "file_id", "id": self.id("file-", "evalsrc", index=k)}},
            "metadata": None,
            "error": {"code": "", "message": ""},
        }

    def _output_item(self, k: int, run: Dict[str, Any], count: int) -> Dict[str, Any]:
        passed = (k + len(run["id"])) % 4 != 3
        return {
            "object": "eval.run.output_item",
            "id": self.id("outputitem_", "outitem", run["id"], index=k),
            "run_id": run["id"],
            "eval_id": run["eval_id"],
            "created_at": run["created_at"] + 10 * (k + 1),
            "status": "pass" if passed else "fail",
            "datasource_item_id": k,
            "datasource_item": {"question": f"What is {k} + {k}?", "expected": str(2 * k)},
            "results": [
                {
                    "name": "exact",
                    "type": "string_check",
                    "score": 1.0 if passed else 0.0,
                    "passed": passed,
                    "sample": None,
                }
            ],
            "sample": {
                "input": [{"role": "user", "content": f"What is {k} + {k}?"}],
                "output": [{"role": "assistant", "content": str(2 * k if passed else k)}],
                "finish_reason": "stop",
                "model": run["model"],
                "usage": {"total_tokens": 30, "completion_tokens": 5, "prompt_tokens": 25, "cached_tokens": 0},
                "error": {"code": "", "message": ""},
                "temperature": 1.0,
                "max_completion_tokens": 256,
                "top_p": 1.0,
                "seed": 42,
            },
        }


class FineTuningRecords(ProjectScope):
    """Fine-tuning jobs, their events and checkpoints; the models (base models, then fine-tuned ones)."""

    def _ft_job(self, i: int) -> Dict[str, Any]:
        created = self.t("ftjob", i, self.ft_jobs.count)
        running = i == self.ft_jobs.count - 1
        jid = self.id("ftjob-", "ftjob", index=i)
        return {
            "id": jid,
            "created_at": created,
            "error": None,
            "fine_tuned_model": None if running else f"ft:{MODELS[1]}:emulator::{jid[-8:]}",
            "finished_at": None if running else created + 7200,
            "hyperparameters": {"batch_size": 4, "learning_rate_multiplier": 1.8, "n_epochs": 3},
            "model": MODELS[1],
            "object": "fine_tuning.job",
            "organization_id": self.ds.org_id,
            "result_files": [] if running else [self.id("file-", "ftresult", index=i)],
            "status": "running" if running else "succeeded",
            "trained_tokens": None if running else 120000,
            "training_file": self.id("file-", "fttrain", index=i),
            "validation_file": None,
            "integrations": None,
            "seed": 1000 + i,
            "estimated_finish": created + 7200 if running else None,
            "method": {
                "type": "supervised",
                "supervised": {"hyperparameters": {"batch_size": 4, "learning_rate_multiplier": 1.8, "n_epochs": 3}},
            },
            "metadata": None,
        }

    def _ft_event(self, k: int, job: Dict[str, Any], count: int) -> Dict[str, Any]:
        metrics = k % 2 == 1
        return {
            "object": "fine_tuning.job.event",
            "id": self.id("ftevent-", "ftevent", job["id"], index=k),
            "created_at": job["created_at"] + 60 * (k + 1),
            "level": "info",
            "message": f"Step {k}/{count}: training loss={1.0 / (k + 1):.3f}"
            if metrics
            else f"Event {k} for {job['id']}",
            "type": "metrics" if metrics else "message",
            "data": {"step": k, "train_loss": round(1.0 / (k + 1), 4)} if metrics else {},
        }

    def _ft_checkpoint(self, k: int, job: Dict[str, Any], count: int) -> Dict[str, Any]:
        step = 100 * (k + 1)
        return {
            "id": self.id("ftckpt_", "ftckpt", job["id"], index=k),
            "created_at": job["created_at"] + 600 * (k + 1),
            "fine_tuned_model_checkpoint": f"ft:{MODELS[1]}:emulator::{job['id'][-8:]}:ckpt-step-{step}",
            "step_number": step,
            "metrics": {
                "step": float(step),
                "train_loss": 0.5,
                "train_mean_token_accuracy": 0.8,
                "valid_loss": 0.6,
                "valid_mean_token_accuracy": 0.75,
                "full_valid_loss": 0.62,
                "full_valid_mean_token_accuracy": 0.74,
            },
            "fine_tuning_job_id": job["id"],
            "object": "fine_tuning.job.checkpoint",
        }

    def _model(self, i: int) -> Dict[str, Any]:
        if i < len(MODELS):
            return {
                "id": MODELS[i],
                "created": 1700000000 + 86400 * i,
                "object": "model",
                "owned_by": "system",
                "shutdown_date": None,
            }
        return {
            "id": f"ft:{MODELS[1]}:emulator::model{i}",
            "created": self.ds.now - DAY * i,
            "object": "model",
            "owned_by": self.ds.org_id,
            "shutdown_date": "2027-01-01" if i % 2 else None,
        }


class StoreRecords(ProjectScope):
    """Vector stores, their files, and assistants."""

    def _vector_store(self, i: int) -> Dict[str, Any]:
        created = self.t("vs", i, self.vector_stores.count)
        files = self.ds.children(f"vector_store_files:{self.p}", i)
        return {
            "id": self.id("vs_", "vs", index=i),
            "object": "vector_store",
            "created_at": created,
            "name": f"store-{i}",
            "usage_bytes": 1024 * (files + 1),
            "file_counts": {"in_progress": 0, "completed": files, "failed": 0, "cancelled": 0, "total": files},
            "status": "completed",
            "expires_after": {"anchor": "last_active_at", "days": 30},
            "expires_at": self.ds.now + 30 * DAY,
            "last_active_at": self.ds.now - 3600 * (i % 48),
            "metadata": {},
        }

    def _vs_file(self, k: int, store: Dict[str, Any], count: int) -> Dict[str, Any]:
        return {
            "id": self.id("file-", "vsfile", store["id"], index=k),
            "object": "vector_store.file",
            "usage_bytes": 1024,
            "created_at": store["created_at"] + 60 * (k + 1),
            "vector_store_id": store["id"],
            "status": "completed" if k % 6 != 5 else "failed",
            "last_error": None if k % 6 != 5 else {"code": "unsupported_file", "message": "Unsupported file type."},
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
            },
            "attributes": {"source": "emulator", "index": k},
        }

    def _assistant(self, i: int) -> Dict[str, Any]:
        return {
            "id": self.id("asst_", "asst", index=i),
            "object": "assistant",
            "created_at": self.t("asst", i, self.assistants.count),
            "name": f"assistant-{i}",
            "description": None if i % 2 else "Helps with things",
            "model": MODELS[i % len(MODELS)],
            "instructions": "You are a helpful assistant.",
            "tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
            "tool_resources": {"code_interpreter": {"file_ids": []}, "file_search": {"vector_store_ids": []}},
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "response_format": "auto",
        }


class ContainerRecords(ProjectScope):
    """Containers and their files."""

    def _container(self, i: int) -> Dict[str, Any]:
        created = self.t("cntr", i, self.containers.count)
        return {
            "id": self.id("cntr_", "cntr", index=i),
            "object": "container",
            "name": f"container-{i}",
            "created_at": created,
            "status": "running" if i % 3 else "expired",
            "last_active_at": created + 600,
            "expires_after": {"anchor": "last_active_at", "minutes": 20},
            "memory_limit": ["1g", "4g"][i % 2],
            "network_policy": {"type": "allowlist", "allowed_domains": ["pypi.org"]} if i % 2 else {"type": "disabled"},
        }

    def _container_file(self, k: int, container: Dict[str, Any], count: int) -> Dict[str, Any]:
        return {
            "id": self.id("cfile_", "cfile", container["id"], index=k),
            "object": "container.file",
            "container_id": container["id"],
            "created_at": container["created_at"] + 30 * (k + 1),
            "bytes": 100 + k,
            "path": f"/mnt/data/output-{k}.csv",
            "source": "user" if k % 2 else "assistant",
        }


class ChatKitRecords(ProjectScope):
    """ChatKit threads and their items."""

    def _thread(self, i: int) -> Dict[str, Any]:
        status = [{"type": "active"}, {"type": "locked", "reason": None}, {"type": "closed", "reason": "resolved"}][
            i % 3
        ]
        return {
            "id": self.id("cthr_", "cthr", index=i),
            "object": "chatkit.thread",
            "created_at": self.t("cthr", i, self.threads.count),
            "title": None if i % 4 == 3 else f"Conversation {i}",
            "status": status,
            "user": f"end-user-{i % 5}",
        }

    def _thread_item(self, k: int, thread: Dict[str, Any], count: int) -> Dict[str, Any]:
        base = {
            "id": self.id("cthi_", "cthi", thread["id"], index=k),
            "object": "chatkit.thread_item",
            "created_at": thread["created_at"] + 5 * (k + 1),
            "thread_id": thread["id"],
        }
        kind = k % 3
        if kind == 0:
            base.update(
                {
                    "type": "chatkit.user_message",
                    "content": [{"type": "input_text", "text": f"Question {k}"}],
                    "attachments": [],
                    "inference_options": None,
                }
            )
        elif kind == 1:
            base.update(
                {
                    "type": "chatkit.assistant_message",
                    "content": [{"type": "output_text", "text": f"Answer {k}", "annotations": []}],
                }
            )
        else:
            base.update({"type": "chatkit.task", "task_type": "thought", "heading": "Thinking", "summary": None})
        return base


class VideoRecords(ProjectScope):
    """Videos."""

    def _video(self, i: int) -> Dict[str, Any]:
        created = self.t("video", i, self.videos.count)
        done = i % 4 != 3
        return {
            "id": self.id("video_", "video", index=i),
            "object": "video",
            "model": "sora-2",
            "status": "completed" if done else "in_progress",
            "progress": 100 if done else 40,
            "created_at": created,
            "completed_at": created + 300 if done else None,
            "expires_at": created + DAY if done else None,
            "prompt": f"A calm harbor at dawn, take {i}",
            "size": "1280x720",
            "seconds": "8",
            "remixed_from_video_id": None,
            "error": None,
        }
