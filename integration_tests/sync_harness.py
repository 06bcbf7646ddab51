"""Run the real connector (`python main.py read`) in a subprocess against the emulator, and judge its output.

Used by the fault-injection, kill-and-resume, bad-input and load tests (integration_tests/test_faults.py,
test_bad_input.py, test_load.py). Everything here is plain standard library plus the emulator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]

# Recognisable fake keys, configured in the emulator for every scenario. Each secret part is distinctive, so a
# leak of any fragment is unambiguous in the output.
ADMIN_KEY = "sk-admin-RELqZ7xW9vK3wP5mT8nB2cJ4hY6d"
PROJECT_KEY = "sk-proj-RELpW6yH1sD9fG3kL7qX5rV8uN2e"
CODEX_KEY = "sk-RELcE2uI4oP6aS8dF0gH1jK3mQ5tZ7f"
COMPLIANCE_KEY = "sk-RELxQ9wE3rT5yU7iO1pA4sD6fG8hJ2k"
KEYS = (ADMIN_KEY, PROJECT_KEY, CODEX_KEY, COMPLIANCE_KEY)
MARKERS = ("sk-admin-", "sk-proj-", "sk-")


def emulator_keys() -> Dict[str, Any]:
    """Emulator(...) arguments that make it accept (only) the fake keys above."""
    return {
        "admin_keys": [ADMIN_KEY],
        "project_keys": {PROJECT_KEY: None},
        "codex_keys": [CODEX_KEY],
        "compliance_keys": [COMPLIANCE_KEY],
    }


# The fault modules' emulator (their module-scoped `emu`, test_support.fixtures): `EMULATOR = FAULT_EMULATOR`.
FAULT_EMULATOR: Dict[str, Any] = {"seed": 7, **emulator_keys()}


def leaked_fragments(text: str, keys: Iterable[str] = KEYS) -> List[str]:
    """Every piece of a key that `text` shows beyond its public marker: the key's marker plus its first secret
    character or more, its last 4 characters (what OpenAI's masked echo `sk-admi*****abcd` shows), or any 8
    consecutive characters of its secret part."""
    found = []
    for key in keys:
        marker = next(m for m in MARKERS if key.startswith(m))
        secret = key[len(marker) :]
        pieces = {key[: len(marker) + 1], key[-4:]} | {secret[i : i + 8] for i in range(len(secret) - 7)}
        found.extend(sorted(p for p in pieces if p in text))
    return found


@dataclass
class Sync:
    """One `read`: exit code, raw output, the parsed messages, and what the emulator saw."""

    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    killed: bool = False
    rss_kib: List[int] = field(default_factory=list)
    max_rss_kib: Optional[int] = None  # the process's peak resident size (getrusage via wait4), whatever its speed

    @property
    def messages(self) -> List[Dict[str, Any]]:
        out = []
        for line in self.stdout.splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:  # the last line of a killed process may be cut
                    pass
        return out

    @property
    def records(self) -> List[Tuple[str, Dict[str, Any]]]:
        return [(m["record"]["stream"], m["record"]["data"]) for m in self.messages if m["type"] == "RECORD"]

    @property
    def states(self) -> List[Dict[str, Any]]:
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    def errors(self) -> List[Dict[str, Any]]:
        return [
            m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"].get("type") == "ERROR"
        ]

    def output_without_records(self) -> str:
        """Everything the connector printed (stdout and stderr) except RECORD messages: what ends up in logs."""
        return "\n".join(line for line in self.stdout.splitlines() if '"type":"RECORD"' not in line) + self.stderr

    def logs(self, level: Optional[str] = None) -> List[str]:
        return [
            m["log"]["message"]
            for m in self.messages
            if m["type"] == "LOG" and (level is None or m["log"]["level"] == level)
        ]

    def last_states(self) -> List[Dict[str, Any]]:
        """The newest STATE per stream, as the platform would save it for the next sync."""
        latest: Dict[str, Dict[str, Any]] = {}
        for state in self.states:
            if state.get("type") == "STREAM":
                latest[state["stream"]["stream_descriptor"]["name"]] = state
        return list(latest.values())

    def describe(self) -> str:
        return f"exit {self.returncode}; stderr tail: {self.stderr[-1500:]!r}; errors: {self.errors()[:3]}"


def catalog_for(config: Mapping[str, Any]) -> Dict[str, Any]:
    """Every stream `discover` returns, incremental (append + dedup) where supported, else full refresh."""
    from airbyte_cdk.test.entrypoint_wrapper import discover

    from source_openai import SourceOpenai

    streams = []
    for stream in discover(SourceOpenai(config=dict(config)), dict(config)).catalog.catalog.streams:
        modes = [m.value for m in stream.supported_sync_modes]
        incremental = "incremental" in modes
        entry: Dict[str, Any] = {
            "stream": {
                "name": stream.name,
                "json_schema": {},
                "supported_sync_modes": modes,
                "source_defined_cursor": stream.source_defined_cursor,
                "default_cursor_field": stream.default_cursor_field,
                "source_defined_primary_key": stream.source_defined_primary_key,
            },
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append_dedup" if incremental else "overwrite",
            "primary_key": stream.source_defined_primary_key,
        }
        if incremental:
            entry["cursor_field"] = stream.default_cursor_field
        streams.append(entry)
    return {"streams": streams}


def primary_keys(catalog: Mapping[str, Any]) -> Dict[str, List[List[str]]]:
    return {s["stream"]["name"]: s["primary_key"] for s in catalog["streams"]}


def key_of(pk: Sequence[Sequence[str]], data: Mapping[str, Any]) -> Tuple[Any, ...]:
    out = []
    for path in pk:
        value: Any = data
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        out.append(value)
    return tuple(out)


def by_key(
    records: Iterable[Tuple[str, Mapping[str, Any]]], pks: Mapping[str, List[List[str]]]
) -> Dict[Tuple[Any, ...], str]:
    """(stream, primary key) -> the record's values (canonical JSON); later records replace earlier ones."""
    return {(stream, key_of(pks[stream], data)): json.dumps(data, sort_keys=True) for stream, data in records}


def _env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRBYTE_", "REQUEST_CACHE"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _write(directory: Path, name: str, content: Any) -> str:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def read(
    directory: Path,
    config: Any,
    catalog: Any,
    state: Any = None,
    *,
    kill_after_records: Optional[int] = None,
    sample_rss: bool = False,
    timeout: float = 300,
    command: str = "read",
    name: str = "run",
    manifest_only: bool = False,
) -> Sync:
    """`python main.py <command> --config … --catalog … [--state …]`; optionally SIGKILLed after N records.

    `config`, `catalog` and `state` are JSON-able values (or strings written verbatim, for corrupt files).
    `manifest_only`: the same command in the manifest-only runtime (`source-declarative-manifest` with the manifest
    and components.py copied beside the files, `source_openai` unimportable)."""
    directory.mkdir(parents=True, exist_ok=True)
    if manifest_only:
        entry = [
            sys.executable,
            "-c",
            "import sys; sys.modules['source_openai'] = None; "
            "from airbyte_cdk.cli.source_declarative_manifest import run; run()",
        ]
    else:
        entry = [sys.executable, str(ROOT / "main.py")]
    args = entry + [command, "--config", _write(directory, f"{name}-config.json", config)]
    if catalog is not None:
        args += ["--catalog", _write(directory, f"{name}-catalog.json", catalog)]
    if state is not None:
        args += ["--state", _write(directory, f"{name}-state.json", state)]
    env = _env()
    if manifest_only:
        for file in ("manifest.yaml", "components.py"):
            (directory / f"{name}-{file}").write_bytes((ROOT / "source_openai" / file).read_bytes())
        args += [
            "--manifest-path",
            str(directory / f"{name}-manifest.yaml"),
            "--components-path",
            str(directory / f"{name}-components.py"),
        ]
        env["AIRBYTE_ENABLE_UNSAFE_CODE"] = "true"
    started = time.monotonic()
    process = subprocess.Popen(
        args, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, bufsize=1
    )
    stderr_chunks: List[str] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    rss: List[int] = []
    stop_sampling = threading.Event()
    if sample_rss:

        def sample() -> None:
            status = Path(f"/proc/{process.pid}/status")
            while not stop_sampling.wait(0.25):
                try:
                    line = next(row for row in status.read_text().splitlines() if row.startswith("VmRSS:"))
                    rss.append(int(line.split()[1]))
                except (OSError, StopIteration):
                    return

        threading.Thread(target=sample, daemon=True).start()
    lines: List[str] = []
    records = 0
    killed = False
    deadline = started + timeout
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith(('{"type":"RECORD"', '{"type": "RECORD"')):
            records += 1
            if kill_after_records is not None and records >= kill_after_records and not killed:
                process.send_signal(signal.SIGKILL)
                killed = True
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"`{command}` did not finish within {timeout} s")
    returncode, max_rss = _wait(process)
    stop_sampling.set()
    reader.join(timeout=10)
    return Sync(returncode, "".join(lines), "".join(stderr_chunks), time.monotonic() - started, killed, rss, max_rss)


def _wait(process: "subprocess.Popen[str]") -> Tuple[int, Optional[int]]:
    """Exit code and peak RSS in KiB (Linux `ru_maxrss`) of a finished child; no peak where wait4 is missing."""
    if not hasattr(os, "wait4"):
        return process.wait(), None
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss if sys.platform.startswith("linux") else None


# ------------------------------------------------------------------------------------------- judging a sync
def _without_redacted_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_redacted_values(v) for k, v in value.items() if k != "redacted_value"}
    if isinstance(value, list):
        return [_without_redacted_values(v) for v in value]
    return value


def assert_no_secret(sync: Sync, keys=KEYS) -> None:
    """No piece of a key anywhere in the logs, traces or state, nor in a record, except in the `redacted_value` of an
    API key record: that is OpenAI's own redaction of the key (`sk-proj-...abcd`), data the connector syncs."""
    leaks = leaked_fragments(sync.output_without_records(), keys)
    assert not leaks, f"key fragments in the output: {leaks}"
    records = json.dumps([_without_redacted_values(data) for _, data in sync.records])
    leaks = leaked_fragments(records, keys)
    assert not leaks, f"key fragments in the records: {leaks}"


def assert_same_records(sync: Sync, baseline: Dict[str, Any], pks) -> None:
    assert sync.returncode == 0, sync.describe()
    assert not sync.errors(), sync.errors()[:2]
    records = by_key(sync.records, pks)
    missing = sorted(set(baseline["records"]) - set(records))
    extra = sorted(set(records) - set(baseline["records"]))
    changed = sorted(k for k in records.keys() & baseline["records"].keys() if records[k] != baseline["records"][k])
    assert not missing, f"{len(missing)} records lost, by stream: {Counter(k[0] for k in missing)}"
    assert not extra and not changed, (extra[:3], changed[:3])
    # no page emitted twice (a retried partial page would show as duplicates)
    assert len(sync.records) == len(baseline["sync"].records), Counter(s for s, _ in sync.records) - Counter(
        s for s, _ in baseline["sync"].records
    )


def request_key(entry: Mapping[str, Any], ignore: Sequence[str] = ()) -> Tuple[str, str]:
    """A request of the emulator's log as (path, query), leaving out the query parameters named in `ignore`."""
    return entry["path"], json.dumps({k: v for k, v in entry["query"].items() if k not in ignore}, sort_keys=True)


# ------------------------------------------------------------------------------------------- judging retries
SLACK = 3.0  # scheduling, connection set-up and a busy 2-core machine running other tests at once


def cached_parents(emu) -> List[str]:
    """Parent lists the CDK keeps in its response cache (read by their stream and by their children)."""
    project = emu.data.projects.item(1)["id"]
    return [
        "/v1/organization/users",
        "/v1/organization/groups",
        "/v1/organization/projects",
        f"/v1/organization/projects/{project}/users",
        "/v1/fine_tuning/jobs",
    ]


def gaps_after(log: List[Dict[str, Any]], fault: str) -> List[Tuple[Dict[str, Any], float, int]]:
    """For each request that got `fault`: the time from its end to the start of the next request of the same URL (the
    retry; infinite if none came) and its attempt number (1 + the faults the same URL met right before it)."""
    by_url: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    for entry in log:
        by_url[request_key(entry)].append(entry)
    gaps = []
    for entry in (e for e in log if e["fault"] == fault):
        same = by_url[request_key(entry)]
        earlier = [e for e in same if e["n"] < entry["n"]]
        attempt = 1
        for previous in reversed(earlier):
            if previous["fault"] in (None, "slow"):
                break
            attempt += 1
        later = [e["started"] - entry["ended"] for e in same if e["n"] > entry["n"]]
        gaps.append((entry, min(later) if later else float("inf"), attempt))
    return gaps


def policy_wait(fault: str, attempt: int, retry_after: float = 1) -> float:
    """What BoundedBackoff waits before the retry after attempt n's fault, plus the CDK's 1 s."""
    return (retry_after if fault == "429" else min(2 ** (attempt - 1), 30)) + 1


def assert_requests_are_minimum_plus_retries(log: List[Dict[str, Any]], baseline: Dict[str, Any]) -> None:
    """Each URL was requested as often as in the fault-free sync plus once per fault it got: no retry was answered
    by the response cache (a cached answer never reaches the server, so a fault would leave a URL one short)."""

    def key(entry: Mapping[str, Any]) -> Tuple[str, str]:
        return request_key(entry, ignore=("end_time",))  # usage and costs end at the sync's "now"

    ok = Counter(key(e) for e in baseline["requests"])
    seen = Counter(key(e) for e in log)
    faults = Counter(key(e) for e in log if e["fault"] not in (None, "slow"))
    wrong = {url: (seen[url], ok[url], faults[url]) for url in seen | ok if seen[url] != ok[url] + faults[url]}
    assert not wrong, list(wrong.items())[:5]
