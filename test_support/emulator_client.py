"""A small HTTP client for the emulator, for tests: GET a path as a given key, drive the control API, and one
valid sample request per endpoint.

`get()` does not follow redirects, so a test sees a compliance download's 302 and its `Location`; `get_url()` then
fetches the storage URL without an Authorization header.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Tuple

from openai_emulator import admin, codex, project, usage
from openai_emulator.project import ProjectData
from openai_emulator.server import Emulator


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def get(
    emu: Emulator,
    path: str,
    key: Optional[str] = None,
    params: Optional[Mapping[str, Any]] = None,
    codex: bool = False,
    timeout: float = 30,
    compliance: bool = False,
) -> Tuple[int, Any, Mapping[str, str]]:
    """GET `path` (below /v1, the Codex prefix or, with compliance=True, /chatgpt/v1) -> (status, parsed JSON or
    raw text, headers). A redirect is not followed (its status and `Location` come back)."""
    from urllib.parse import urlencode

    base = emu.compliance_api_base_url if compliance else emu.codex_api_base_url if codex else emu.api_base_url
    url = base + path + ("?" + urlencode(params, doseq=True) if params else "")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    status, raw, hdrs = get_url(url, headers, timeout)
    try:
        return status, json.loads(raw), hdrs
    except ValueError:
        return status, raw.decode(errors="replace"), hdrs


def get_url(
    url: str, headers: Optional[Mapping[str, str]] = None, timeout: float = 30
) -> Tuple[int, bytes, Dict[str, str]]:
    """GET an absolute URL without following redirects -> (status, body bytes, headers). For a compliance download:
    `get_url(location)` fetches the storage URL a 302 names, with no Authorization header."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def control(emu: Emulator, name: str, body: Optional[Mapping[str, Any]] = None, method: Optional[str] = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{emu.base_url}/_emulator/{name}",
        data=data,
        method=method or ("POST" if data else "GET"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def sample_requests(emu: Emulator) -> List[Dict[str, Any]]:
    """One valid request per endpoint: {template, path, params, key, codex}. Parents are the first (largest) ones."""

    ds = emu.data
    admin_key = sorted(emu.admin_keys)[0]
    project_key = sorted(emu.project_keys)[0]
    codex_key = sorted(emu.codex_keys)[0]
    p0 = ds.projects.item(0)["id"]
    pc = admin.project_collections(ds, 0)
    fill = {"project_id": p0, "group_id": ds.groups.item(0)["id"], "user_id": ds.users.item(0)["id"]}
    out: List[Dict[str, Any]] = []
    for template, _ in admin.ROUTES:
        values = dict(fill)
        if template.startswith("/projects/{project_id}/users/"):
            values["user_id"] = pc["users"].item(0)["id"]
        if template.startswith("/projects/{project_id}/groups/"):
            values["group_id"] = pc["groups"].item(0)["group_id"]
        out.append(
            {"template": template, "path": template.format(**values), "params": {}, "key": admin_key, "codex": False}
        )
    for template, _ in usage.ROUTES:
        params = {} if template.endswith("audit_logs") else {"start_time": ds.period_start}
        out.append({"template": template, "path": template, "params": params, "key": admin_key, "codex": False})
    pd = ds.cached(
        ("project_data", ds.project_index(emu.project_keys[project_key])),
        lambda: ProjectData(ds, ds.project_index(emu.project_keys[project_key])),
    )
    first_eval = pd.evals.item(0)["id"]
    run = pd.runs_of(first_eval).item(0)["id"]
    pvalues = {
        "skill_id": pd.skills.item(0)["id"],
        "eval_id": first_eval,
        "run_id": run,
        "fine_tuning_job_id": pd.ft_jobs.item(0)["id"],
        "vector_store_id": pd.vector_stores.item(0)["id"],
        "container_id": pd.containers.item(0)["id"],
        "thread_id": pd.threads.item(0)["id"],
    }
    for template, _ in project.ROUTES:
        out.append(
            {"template": template, "path": template.format(**pvalues), "params": {}, "key": project_key, "codex": False}
        )
    for template, _ in codex.ROUTES:
        out.append(
            {
                "template": template,
                "path": template.format(workspace_id=ds.workspaces[0]),
                "params": {"start_time": ds.period_start, "end_time": ds.now},
                "key": codex_key,
                "codex": True,
            }
        )
    return out
