"""Runtime 4: the Docker image. No Docker engine here, so what can be tested without one is tested: the Dockerfile
agrees with metadata.yaml, and the image's entrypoint runs from a copy laid out like the image's WORKDIR that holds
only the files the Dockerfile copies (and that copy builds, as `RUN pip install .` does)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from .conftest import ROOT, VERSION, clean_env, run

pytestmark = pytest.mark.runtimes

WORKDIR = "/airbyte/integration_code"


def instructions() -> List[List[str]]:
    """The Dockerfile as (INSTRUCTION, argument text) pairs, comments and blank lines dropped."""
    out = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append([keyword.upper(), rest.strip()])
    return out


def one(keyword: str) -> str:
    [value] = [rest for key, rest in instructions() if key == keyword]
    return value


def metadata() -> Dict:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]


def test_the_base_image_is_metadatas_base_image():
    assert one("FROM") == metadata()["connectorBuildOptions"]["baseImage"]
    assert re.fullmatch(r"docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", one("FROM"))


def test_entrypoint_workdir_labels():
    assert one("WORKDIR") == WORKDIR
    entrypoint = json.loads(one("ENTRYPOINT"))
    assert entrypoint == ["python", f"{WORKDIR}/main.py"]
    assert one("ENV") == f'AIRBYTE_ENTRYPOINT="{" ".join(entrypoint)}"'
    labels = dict(rest.split("=", 1) for key, rest in instructions() if key == "LABEL")
    assert labels == {"io.airbyte.name": metadata()["dockerRepository"], "io.airbyte.version": VERSION}


@pytest.fixture(scope="module")
def image_workdir(tmp_path_factory) -> Path:
    """A directory holding exactly what the Dockerfile's COPY lines put into WORKDIR."""
    workdir = tmp_path_factory.mktemp("image") / "integration_code"
    workdir.mkdir()
    for key, rest in instructions():
        if key != "COPY":
            continue
        *sources, destination = shlex.split(rest)
        for source in sources:
            src = ROOT / source
            assert src.exists(), f"the Dockerfile copies {source}, which does not exist"
            target = workdir / destination / src.name if destination.endswith("/") else workdir / destination
            if src.is_dir():
                shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, target)
    return workdir


def test_the_copied_files_build_as_run_pip_install_does(image_workdir, tmp_path):
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
            str(tmp_path),
            ".",
        ],
        cwd=image_workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.glob("*.whl")] == [f"source_openai_org-{VERSION}-py3-none-any.whl"]


def test_the_entrypoint_runs_spec_check_and_read(image_workdir, inputs):
    """`python /airbyte/integration_code/main.py …` with WORKDIR as the working directory. Python puts the script's
    directory first on sys.path, so `source_openai` is the copy's."""
    entrypoint = [sys.executable, str(image_workdir / "main.py")]
    located = subprocess.check_output(
        [sys.executable, "-c", "import source_openai; print(source_openai.__file__)"],  # sys.path[0] is the cwd
        cwd=image_workdir,
        text=True,
        env=clean_env(),
    )
    assert located.startswith(str(image_workdir)), located

    spec = run(entrypoint + ["spec"], cwd=image_workdir)
    assert spec.returncode == 0, spec.describe()
    [message] = spec.of_type("SPEC")
    assert message["spec"]["connectionSpecification"]["required"] == ["admin_api_key"]

    check = run(entrypoint + ["check", "--config", inputs.config], cwd=image_workdir)
    assert check.connection_status == {"status": "SUCCEEDED"}, check.describe()

    catalog = inputs.catalog.parent / "users.json"
    catalog.write_text(
        json.dumps(
            {
                "streams": [
                    s for s in json.loads(inputs.catalog.read_text())["streams"] if s["stream"]["name"] == "users"
                ]
            }
        )
    )
    read = run(entrypoint + ["read", "--config", inputs.config, "--catalog", catalog], cwd=image_workdir)
    assert read.returncode == 0 and not read.errors, read.describe()
    assert read.records["users"] > 0
