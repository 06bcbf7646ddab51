"""The control endpoints under /_emulator (no key, never counted): the emulator's description, its request log and
counters, the fault knobs, a reset, and revisions of recent usage.

    GET  /_emulator[/health|/config]   the description (`Emulator.describe()`) and ok: true
    POST /_emulator/config             {"codex_max_limit": n}
    GET  /_emulator/requests           {"requests": [...], "stats": {...}}; DELETE or POST clears the log
    GET  /_emulator/stats              {"requests", "in_flight", "max_in_flight"}
    GET  /_emulator/faults             the knobs; POST sets some (`Emulator.set_faults`, "reset": true first)
    POST /_emulator/reset              no faults, an empty log, zeroed counters
    POST /_emulator/revise             {"days": 2, "factor": 0.1} (`Emulator.revise`)
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

from .common import ApiError

CONTROL_PREFIX = "/_emulator"


def answer(emu: Any, method: str, path: str, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
    """The status and body of a control request to the emulator `emu` (a server.Emulator; `body`: the request's JSON
    object). A bad value raises ValueError or TypeError, which the server answers with a 400."""
    name = path[len(CONTROL_PREFIX) :].strip("/")
    if name in ("", "health", "config") and method == "GET":
        return 200, dict(emu.describe(), ok=True)
    if name == "config" and method == "POST":
        if "codex_max_limit" in body:
            emu.codex_max_limit = int(body["codex_max_limit"])
        return 200, emu.describe()
    if name == "requests" and method == "GET":
        return 200, {"requests": emu.requests, "stats": emu.stats()}
    if name == "requests" and method in ("DELETE", "POST"):
        emu.clear_requests()
        return 200, {"cleared": True}
    if name == "stats" and method == "GET":
        return 200, emu.stats()
    if name == "faults" and method == "GET":
        return 200, emu.faults.to_dict()
    if name == "faults" and method == "POST":
        return 200, emu.set_faults(**body).to_dict()
    if name == "reset" and method == "POST":
        emu.reset()
        return 200, {"reset": True}
    if name == "revise" and method == "POST":
        return 200, emu.revise(days=int(body.get("days", 2)), factor=float(body.get("factor", 0.1)))
    return 404, ApiError(404, f"Unknown control endpoint ({method} {path})").body()
