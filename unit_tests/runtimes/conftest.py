"""Shared helpers of the runtime tests: the ways users load the connector, each run for real in a subprocess.

Expensive work is done once per session: the wheel is built once (`wheel`) and installed once into a fresh
virtualenv (`wheel_venv`). Every read goes to the local OpenAI emulator (the session-wide `emulator` fixture of
test_support.fixtures); nothing leaves the machine except package registries, which these tests do not need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]

# One stream per kind of component, so a read exercises every custom class of components.py:
# admin lists and substreams, usage buckets (UsageRecord, BucketCursorState), costs, audit logs, project lists,
# per-parent client-side incremental (FullReadForNewPartitions), Codex analytics (WorkspacePartitionRouter,
# CodexAnalyticsExtractor with and without `expand`).
READ_STREAMS = [
    "users",
    "project_users",
    "usage_completions",
    "costs",
    "audit_logs",
    "files",
    "fine_tuning_job_events",
    "codex_usage",
    "codex_usage_clients",
]


@dataclass
class Run:
    """One connector process: its exit code, its Airbyte messages (parsed stdout) and its stderr."""

    returncode: int
    messages: List[Dict[str, Any]]
    stderr: str
    stdout: str

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    @property
    def records(self) -> Counter:
        return Counter(m["record"]["stream"] for m in self.of_type("RECORD"))

    @property
    def errors(self) -> List[str]:
        return [m["trace"]["error"]["message"] for m in self.of_type("TRACE") if m["trace"].get("type") == "ERROR"]

    @property
    def states(self) -> List[Dict[str, Any]]:
        return [m["state"] for m in self.of_type("STATE")]

    @property
    def connection_status(self) -> Optional[Dict[str, Any]]:
        statuses = self.of_type("CONNECTION_STATUS")
        return statuses[-1]["connectionStatus"] if statuses else None

    def describe(self) -> str:
        return f"exit {self.returncode}; errors {self.errors}; stderr tail: {self.stderr[-2000:]}"


def clean_env(**extra: str) -> Dict[str, str]:
    """The test process's environment without anything that changes how a connector runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRBYTE_", "REQUEST_CACHE", "PYTHONPATH"))}
    env.update(PYTHONWARNINGS="ignore", DO_NOT_TRACK="1")
    env.update(extra)
    return env


def run(argv: Sequence[str], cwd: Path, env: Optional[Mapping[str, str]] = None, timeout: float = 300) -> Run:
    proc = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=dict(env or clean_env())
    )
    messages = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                messages.append(json.loads(line))
            except ValueError:
                pass
    return Run(proc.returncode, messages, proc.stderr, proc.stdout)


def configured_catalog(streams: Sequence[str]) -> Dict[str, Any]:
    """The acceptance catalog (integration_tests/configured_catalog.json) restricted to `streams`."""
    catalog = json.loads((ROOT / "integration_tests" / "configured_catalog.json").read_text())
    selected = [s for s in catalog["streams"] if s["stream"]["name"] in streams]
    assert sorted(s["stream"]["name"] for s in selected) == sorted(streams), "a stream is missing from the catalog"
    return {"streams": selected}


@dataclass
class Inputs:
    """Config and catalog files for one test, pointing at the emulator."""

    config: Path
    catalog: Path
    config_dict: Dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def inputs(emulator, tmp_path) -> Inputs:
    config = emulator.connector_config()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(configured_catalog(READ_STREAMS)))
    return Inputs(config_path, catalog_path, config)


def assert_read_ok(result: Run, streams: Sequence[str] = READ_STREAMS) -> None:
    assert result.returncode == 0, result.describe()
    assert not result.errors, result.describe()
    assert set(result.records) == set(streams), f"records per stream: {dict(result.records)}; {result.describe()}"
    assert result.states, "no state message"


# ------------------------------------------------------------------------------------------ wheel, once per session
@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from the repository as `pip install .` builds it (poetry-core backend, no isolation:
    poetry-core comes from the dev extra, so no download is needed)."""
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory, wheel) -> Path:
    """A fresh virtualenv with only the wheel installed in it.

    Its dependencies (airbyte-cdk and what it needs) are borrowed from the test virtualenv through a `.pth` line,
    so nothing is downloaded. A plain path line does not process that directory's own `.pth` files, so the test
    virtualenv's editable install of the repository is *not* visible: `source_openai` comes from the wheel.
    """
    venv = tmp_path_factory.mktemp("venv") / "wheel-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--no-cache-dir",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return venv
