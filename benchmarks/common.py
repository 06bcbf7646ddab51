"""Shared helpers: the emulator process, the connector process, catalogs, request attribution, the machine."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from test_support.minimum import count_by_template, template_of  # noqa: F401  (request attribution, re-exported)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RECORD_MARK = b'"type":"RECORD"'


# ------------------------------------------------------------------------------------------ the emulator process


class EmulatorProcess:
    """`python -m benchmarks.serve` in a subprocess, so its CPU use never shares a GIL with what is measured."""

    def __init__(
        self,
        scale: str = "small",
        now: Optional[int] = None,
        period_days: Optional[int] = None,
        latency_ms: float = 0.0,
        memo: bool = False,
        log: bool = True,
        seed: int = 0,
        overrides: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.now = int(now if now is not None else time.time()) // 60 * 60
        self.args = [
            PYTHON,
            "-m",
            "benchmarks.serve",
            "--scale",
            scale,
            "--seed",
            str(seed),
            "--now",
            str(self.now),
            "--latency-ms",
            str(latency_ms),
        ]
        if period_days is not None:
            self.args += ["--period-days", str(period_days)]
        if memo:
            self.args.append("--memo")
        if overrides:
            self.args += ["--scale-overrides", json.dumps(dict(overrides))]
        if not log:
            self.args.append("--no-log")
        self.proc: Optional[subprocess.Popen] = None
        self.info: Dict[str, Any] = {}

    def __enter__(self) -> "EmulatorProcess":
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self.proc is not None
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    @property
    def config(self) -> Dict[str, Any]:
        return dict(self.info["config"])

    def control(self, name: str, body: Optional[Mapping[str, Any]] = None, method: Optional[str] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.info['base_url']}/_emulator/{name}",
            data=data,
            method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=120) as response:
            return json.loads(response.read())

    def requests(self) -> List[Dict[str, Any]]:
        return self.control("requests")["requests"]

    def stats(self) -> Dict[str, Any]:
        return self.control("stats")

    def reset(self) -> None:
        self.control("reset", {})


# ------------------------------------------------------------------------------------------ catalogs


def discover_streams(config: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The connector's discovered streams (via `main.py discover`)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config))
        main = str(Path(os.environ.get("BENCH_CONNECTOR_DIR", str(ROOT))) / "main.py")
        out = subprocess.run(
            [PYTHON, main, "discover", "--config", str(path)], cwd=ROOT, capture_output=True, check=True
        )
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "CATALOG":
            return message["catalog"]["streams"]
    raise RuntimeError("discover returned no catalog")


def configured_catalog(
    streams: List[Dict[str, Any]], names: Optional[Iterable[str]] = None, incremental: bool = True
) -> Dict[str, Any]:
    """A configured catalog: incremental (append+dedup) where the stream supports it, else full refresh."""
    wanted = set(names) if names is not None else None
    out = []
    for stream in streams:
        if wanted is not None and stream["name"] not in wanted:
            continue
        inc = incremental and "incremental" in stream.get("supported_sync_modes", [])
        entry = {
            "stream": stream,
            "sync_mode": "incremental" if inc else "full_refresh",
            "destination_sync_mode": "append_dedup"
            if inc and stream.get("source_defined_primary_key")
            else ("append" if inc else "overwrite"),
        }
        if inc and stream.get("source_defined_primary_key"):
            entry["primary_key"] = stream["source_defined_primary_key"]
        out.append(entry)
    return {"streams": out}


# ------------------------------------------------------------------------------------------ running a process


@dataclass
class RunResult:
    seconds: float
    records: int
    returncode: int
    max_rss_mb: float
    stderr_tail: str = ""
    per_stream: Dict[str, int] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)


def run_and_count(
    args: List[str], env: Optional[Mapping[str, str]] = None, per_stream: bool = False, timeout: float = 3600
) -> RunResult:
    """Run a process that prints Airbyte messages; count RECORD lines as they stream; peak RSS from wait4."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
    assert proc.stdout is not None and proc.stderr is not None
    stderr_chunks: List[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    records = 0
    streams: Dict[str, int] = {}
    errors: List[str] = []
    if per_stream:
        for line in proc.stdout:
            if line.startswith(b'{"type":"RECORD"') or RECORD_MARK in line[:40]:
                records += 1
                message = json.loads(line)
                name = message["record"]["stream"]
                streams[name] = streams.get(name, 0) + 1
            elif b'"TRACE"' in line[:40] and b'"ERROR"' in line:
                errors.append(json.loads(line)["trace"]["error"].get("message", "")[:200])
    else:
        tail = b""
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            records += block.count(RECORD_MARK)
            # keep a tail that cannot hold a whole mark, so a mark split across chunks counts once
            tail = block[-(len(RECORD_MARK) - 1) :]
    _, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    stderr = b"".join(stderr_chunks).decode(errors="replace")
    return RunResult(
        seconds=seconds,
        records=records,
        returncode=proc.returncode,
        max_rss_mb=rusage.ru_maxrss / 1024,
        stderr_tail=stderr[-2000:],
        per_stream=streams,
        errors=errors,
    )


# The manifest-only runtime (`source-declarative-manifest`, what the Connector Builder and the Airbyte UI run), with
# `source_openai` made unimportable: only manifest.yaml and components.py are used.
MANIFEST_ONLY = [
    PYTHON,
    "-c",
    "import sys; sys.modules['source_openai'] = None; "
    "from airbyte_cdk.cli.source_declarative_manifest import run; run()",
]


def connector_read(
    config: Mapping[str, Any],
    catalog: Mapping[str, Any],
    per_stream: bool = False,
    extra_env: Optional[Mapping[str, str]] = None,
    entry: Optional[List[str]] = None,
    manifest_only: bool = False,
) -> RunResult:
    with tempfile.TemporaryDirectory() as tmp:
        cfg, cat = Path(tmp) / "config.json", Path(tmp) / "catalog.json"
        cfg.write_text(json.dumps(config))
        cat.write_text(json.dumps(catalog))
        # BENCH_CONNECTOR_DIR: another checkout of the connector (e.g. an older commit), run with this venv.
        connector = Path(os.environ.get("BENCH_CONNECTOR_DIR", str(ROOT)))
        main = str(connector / "main.py")
        args = (entry or (MANIFEST_ONLY if manifest_only else [PYTHON, main])) + [
            "read",
            "--config",
            str(cfg),
            "--catalog",
            str(cat),
        ]
        env = dict(extra_env or {})
        if manifest_only:
            for name in ("manifest.yaml", "components.py"):  # copied away from the package, as the Builder exports them
                (Path(tmp) / name).write_bytes((connector / "source_openai" / name).read_bytes())
            args += [
                "--manifest-path",
                str(Path(tmp) / "manifest.yaml"),
                "--components-path",
                str(Path(tmp) / "components.py"),
            ]
            env["AIRBYTE_ENABLE_UNSAFE_CODE"] = "true"
        return run_and_count(args, env=env, per_stream=per_stream)


# ------------------------------------------------------------------------------------------ the machine


def machine() -> Dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        from importlib.metadata import version

        cdk = version("airbyte-cdk")
    except Exception:  # pragma: no cover
        cdk = "?"
    return {
        "host": platform.node() or "machine",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "cdk": cdk,
        "os": f"{platform.system()} {platform.release()}",
    }
