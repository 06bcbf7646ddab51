"""The HTTP server: the emulator's lifecycle, routing, and the serving of API and storage requests (addresses,
connector configs and the description: addresses.py; key classes: keys.py; fault knobs: faults.py; the request log:
requestlog.py; control endpoints: control.py).

    with Emulator(scale="small", seed=1) as emu:
        config = emu.connector_config()          # all three credentials, pointed at the emulator
        ...                                      # run the connector
        emu.requests                             # what it sent: method, path, query, times, status, key class

Platform API under /v1, Codex analytics under /codex/v1/analytics/codex, the ChatGPT Compliance API under
/chatgpt/v1 (its log files are downloaded from /_storage/..., the pre-signed "storage" a download redirects to),
control endpoints under /_emulator.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from . import (
    admin,
    checkpoints,
    codex,
    compliance,
    control,
    project,
    stored,
    usage,
)
from .addresses import API_PREFIX, CODEX_PREFIX, COMPLIANCE_PREFIX, Addresses
from .common import ApiError, Redirect, Request
from .control import CONTROL_PREFIX
from .data import Dataset
from .faults import API_WORDING, HTML_PAGE, STORAGE_WORDING, Faults, Reset
from .keys import ADMIN_KEY, CODEX_KEY, COMPLIANCE_KEY, PROJECT_KEY, bearer_key, key_error
from .requestlog import RequestLog

STORAGE_PREFIX = compliance.STORAGE_PREFIX

Handler = Callable[[Request, Dataset], Dict[str, Any]]


def _compile(
    prefix: str, routes: List[Tuple[str, Handler]], key_class: str
) -> List[Tuple["re.Pattern[str]", Handler, str, str]]:
    out = []
    for template, handler in routes:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        out.append((re.compile("^" + re.escape(prefix) + pattern + "$"), handler, key_class, template))
    return out


ROUTES = (
    _compile(API_PREFIX, admin.ROUTES, admin.KEY_CLASS)
    + _compile(API_PREFIX, usage.ROUTES, usage.KEY_CLASS)
    + _compile(API_PREFIX, project.ROUTES, project.KEY_CLASS)
    + _compile(API_PREFIX, stored.ROUTES, stored.KEY_CLASS)
    + _compile(API_PREFIX, checkpoints.ROUTES, checkpoints.KEY_CLASS)
    + _compile(CODEX_PREFIX, codex.ROUTES, codex.KEY_CLASS)
    + _compile(COMPLIANCE_PREFIX, compliance.ROUTES, compliance.KEY_CLASS)
)


class Emulator(Addresses):
    """A local stand-in for the OpenAI Admin, project and Codex analytics APIs and the ChatGPT Compliance API
    (its addresses, `connector_config()` and `describe()`: addresses.Addresses)."""

    def __init__(
        self,
        scale: Any = "small",
        seed: int = 0,
        now: Optional[int] = None,
        period_days: Optional[int] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_keys: Optional[List[str]] = None,
        project_keys: Optional[Mapping[str, Optional[str]]] = None,
        codex_keys: Optional[List[str]] = None,
        compliance_keys: Optional[List[str]] = None,
        workspaces: Optional[List[str]] = None,
        codex_max_limit: int = codex.DEFAULT_MAX_LIMIT,
        faults: Optional[Faults] = None,
        log_requests: bool = True,
        verbose: bool = False,
    ) -> None:
        self.data = Dataset(scale, seed=seed, now=now, period_days=period_days, workspaces=workspaces)
        self.host = host
        self._port = port
        self.admin_keys = set(admin_keys if admin_keys is not None else [ADMIN_KEY])
        default_project = self.data.projects.item(0)["id"]
        self.project_keys = {
            k: (v or default_project)
            for k, v in (project_keys if project_keys is not None else {PROJECT_KEY: None}).items()
        }
        self.codex_keys = set(codex_keys if codex_keys is not None else [CODEX_KEY])
        self.compliance_keys = set(compliance_keys if compliance_keys is not None else [COMPLIANCE_KEY])
        self.codex_max_limit = codex_max_limit
        self.faults = faults or Faults()
        self.log = RequestLog(keep=log_requests)
        self.verbose = verbose
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Emulator":
        emulator = self

        class BoundHandler(_Handler):
            pass

        BoundHandler.emulator = emulator
        server = ThreadingHTTPServer((self.host, self._port), BoundHandler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="openai-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------ knobs
    def set_faults(self, **knobs: Any) -> Faults:
        """Change fault knobs at runtime (reset=True first restores the defaults)."""
        with self._lock:
            self.faults = Faults.from_mapping(knobs, self.faults)
            return self.faults

    def revise(self, days: int = 2, factor: float = 0.1) -> Dict[str, Any]:
        """Restate recent usage and costs: days starting in the last `days` days (and today) grow by `factor`."""
        revision = self.data.revise(days=days, factor=factor)
        return {"number": revision.number, "since": revision.since, "factor": revision.factor}

    # ------------------------------------------------------------------ request log and stats
    @property
    def log_requests(self) -> bool:
        """Whether the request log keeps entries (the counters always count)."""
        return self.log.keep

    @property
    def requests(self) -> List[Dict[str, Any]]:
        """The API requests served so far (oldest first): n, method, path, query, started, ended, status,
        key_class, fault; storage downloads (path /_storage/...) also have `authorization` (whether the request
        carried an Authorization header) and `host` (its Host header)."""
        return self.log.entries()

    def clear_requests(self) -> None:
        self.log.clear()

    def stats(self) -> Dict[str, Any]:
        return self.log.stats()

    def reset(self) -> None:
        """Back to a clean state: no faults, empty log, zeroed counters (the data and its revisions stay)."""
        with self._lock:
            self.faults = Faults()
            self.log.reset()

    # ------------------------------------------------------------------ keys
    def classify(self, key: Optional[str]) -> Optional[str]:
        if key is None:
            return None
        if key in self.admin_keys:
            return "admin"
        if key in self.project_keys:
            return "project"
        if key in self.codex_keys:
            return "codex"
        if key in self.compliance_keys:
            return "compliance"
        return "unknown"


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    server_version = "openai-emulator/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.emulator.verbose:
            super().log_message(format, *args)

    # ------------------------------------------------------------------ responses
    def _send(
        self,
        status: int,
        body: Any,
        headers: Optional[Mapping[str, str]] = None,
        raw: Optional[bytes] = None,
        content_type: str = "application/json",
    ) -> None:
        payload = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
        entry = getattr(self, "_entry", None)
        if entry is not None:  # the request counts as finished before its bytes leave (the client may be quicker)
            self.emulator.log.end(entry, status)
            self._entry = None
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, error: ApiError) -> int:
        self._send(error.status, error.body(), error.headers)
        return error.status

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # ------------------------------------------------------------------ methods
    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        if path.startswith(CONTROL_PREFIX):
            self._control(method, path, query)
            return
        if path.startswith(STORAGE_PREFIX):
            self._storage(method, path, query)
            return
        self._api(method, path, query)

    def _api(self, method: str, path: str, query: Dict[str, List[str]]) -> None:
        self._logged(self.emulator.log.begin(method, path, query), self._serve, method, path, query)

    def _logged(self, entry: Dict[str, Any], serve: Callable[..., Optional[int]], *args: Any) -> None:
        """Serve one request (`serve(emulator, entry, *args)` returns the status, or raises the ApiError to answer
        or Reset) and close its log entry."""
        self._entry = entry
        status: Optional[int] = None
        try:
            try:
                status = serve(self.emulator, entry, *args)
            except ApiError as error:
                status = self._error(error)
            except Reset:
                self._reset()
        except (BrokenPipeError, ConnectionResetError):
            status = None
        finally:
            self._entry = None
            self.emulator.log.end(entry, status)

    def _serve(
        self, emu: Emulator, entry: Dict[str, Any], method: str, path: str, query: Dict[str, List[str]]
    ) -> Optional[int]:
        """An API request: its route, faults, key and handler; the body as the faults leave it."""
        faults = emu.faults
        faults.wait()
        match = None
        for pattern, handler, key_class, _template in ROUTES:
            m = pattern.match(path)
            if m:
                match = (m, handler, key_class)
                break
        if match is None or method != "GET":
            raise ApiError(404, f"Invalid URL ({method} {path})", code=None)
        m, handler, key_class = match
        fault = faults.take(entry, path)
        faults.before_serving(fault, API_WORDING, forbidden=False)
        # authentication: the key class decides which family a key may read
        key = bearer_key(self.headers)
        cls = emu.classify(key)
        entry["key_class"] = cls
        denied = key_error(key, cls, key_class)
        if denied is not None:
            raise denied
        faults.forbid(fault, API_WORDING)
        req = Request(
            method=method,
            path=path,
            query=faults.first_page_query(path, query),
            headers=self.headers,
            path_params=m.groupdict(),
            key=key,
            key_class=cls,
            project_id=emu.project_keys.get(key),
            emulator=emu,
        )
        body = handler(req, emu.data)
        if isinstance(body, Redirect):
            self._send(body.status, None, raw=b"", headers={"Location": body.location}, content_type="text/plain")
            return body.status
        body = faults.alter(entry, path, body)
        payload, content_type = faults.body(fault, json.dumps(body, separators=(",", ":")).encode())
        self._send(200, None, raw=payload, content_type=content_type)
        return 200

    # ------------------------------------------------------------------ pre-signed storage (compliance log files)
    def _storage(self, method: str, path: str, query: Dict[str, List[str]]) -> None:
        """GET /_storage/<token>?X-Amz-Signature=...: a log file, streamed. No API key needed; whether one was sent
        anyway is logged (`authorization`). Counted and logged like an API request, and the knobs apply: 403 for
        forbidden_prefixes, reset/429/5xx/slow, truncate (the connection closes halfway through the body) and html."""
        entry = self.emulator.log.begin(
            method,
            path,
            query,
            {"authorization": self.headers.get("Authorization") is not None, "host": self.headers.get("Host")},
        )
        self._logged(entry, self._serve_storage, method, path, query)

    def _serve_storage(
        self, emu: Emulator, entry: Dict[str, Any], method: str, path: str, query: Dict[str, List[str]]
    ) -> Optional[int]:
        faults = emu.faults
        faults.wait()
        if method != "GET":
            raise ApiError(405, f"Method not allowed ({method}).", code=None)
        fault = faults.take(entry, path)
        faults.before_serving(fault, STORAGE_WORDING)
        signature = (query.get("X-Amz-Signature") or [None])[0]
        log_file, large_mb = compliance.storage_object(emu.data, path[len(STORAGE_PREFIX) :], signature)
        if fault == "html":
            self._send(200, None, raw=HTML_PAGE, content_type="text/html")
            return 200
        size, sha = compliance.stats(emu.data, log_file, large_mb)
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(size))
        self.send_header("ETag", f'"{sha[:32]}"')
        self.end_headers()
        sent = 0
        limit = size // 2 if fault == "truncate" else size
        pending: Optional[bytes] = None
        for chunk in compliance.chunks(emu.data, log_file, large_mb):
            if pending is not None:
                self.wfile.write(pending)
            if sent + len(chunk) > limit:
                chunk = chunk[: limit - sent]
            pending = chunk
            sent += len(chunk)
            if sent >= limit:
                break
        emu.log.end(entry, 200)  # as _send: the request counts as finished before its last bytes leave
        if pending:
            self.wfile.write(pending)
        if fault == "truncate":  # the body stops short of Content-Length: the connection closes mid-file
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        return 200

    # ------------------------------------------------------------------ control endpoints (no auth)
    def _control(self, method: str, path: str, query: Dict[str, List[str]]) -> None:
        try:
            body: Dict[str, Any] = {}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = json.loads(self.rfile.read(length) or b"{}")
            status, answer = control.answer(self.emulator, method, path, body)
        except (ValueError, TypeError) as error:
            status, answer = 400, ApiError(400, str(error)).body()
        self._send(status, answer)
