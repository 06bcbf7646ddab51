"""Runtime 1: the Python package. A wheel built from the repository, installed into a fresh virtualenv,
runs `source-openai-org spec` and a `read` against the emulator from an unrelated working directory."""

from __future__ import annotations

import subprocess
import zipfile
from email.parser import Parser

import pytest

from .conftest import PYPROJECT, ROOT, VERSION, assert_read_ok, run

pytestmark = pytest.mark.runtimes


def test_the_wheel_ships_the_manifest_the_components_and_the_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"source_openai_org-{VERSION}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        packaged_manifest = archive.read("source_openai/manifest.yaml")
    assert {
        "source_openai/__init__.py",
        "source_openai/components.py",
        "source_openai/manifest.yaml",
        "source_openai/run.py",
        "source_openai/source.py",
    } <= names
    # the connector only: no tests, emulator, scripts or docs
    assert not [
        n
        for n in names
        if n.startswith(
            ("openai_emulator/", "test_support/", "unit_tests/", "integration_tests/", "scripts/", "benchmarks/")
        )
    ]
    assert packaged_manifest == (ROOT / "source_openai" / "manifest.yaml").read_bytes()
    assert metadata["Name"] == "source-openai-org" and metadata["Version"] == VERSION
    # the runtime dependencies, with their ranges, exactly as pyproject.toml declares them (test_dependencies.py checks
    # those ranges); nothing else without an extra
    runtime = {r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r}
    assert "airbyte-cdk (>=7.39.1,<8)" in runtime
    assert len(runtime) == len(PYPROJECT["project"]["dependencies"]), runtime
    assert "source-openai-org=source_openai.run:run" in entry_points.replace(" ", "")


def test_the_installed_wheel_runs_spec_and_read_from_any_directory(wheel_venv, inputs, tmp_path):
    python = wheel_venv / "bin" / "python"
    located = subprocess.check_output(
        [str(python), "-c", "import source_openai; print(source_openai.__file__)"], text=True, cwd=tmp_path
    )
    assert located.startswith(str(wheel_venv)), f"source_openai was imported from {located}, not from the wheel"

    console_script = wheel_venv / "bin" / "source-openai-org"
    spec = run([console_script, "spec"], cwd=tmp_path)
    assert spec.returncode == 0, spec.describe()
    [message] = spec.of_type("SPEC")
    properties = message["spec"]["connectionSpecification"]["properties"]
    assert {"admin_api_key", "project_api_key", "codex_api_key", "workspace_ids", "usage_bucket_width"} <= set(
        properties
    )

    read = run([console_script, "read", "--config", inputs.config, "--catalog", inputs.catalog], cwd=tmp_path)
    assert_read_ok(read)


def test_pyproject_is_valid_for_poetry():
    """`poetry check` validates with poetry-core's Factory; the build backend is poetry-core too, so a clean
    validation plus the wheel build above is what `poetry check` and `poetry build` would do."""
    from poetry.core.factory import Factory

    assert Factory.validate(PYPROJECT, strict=True) == {"errors": [], "warnings": []}
    assert PYPROJECT["build-system"]["build-backend"] == "poetry.core.masonry.api"
    # every runtime test dependency is in the dev extra, which scripts/test.sh installs
    dev = " ".join(PYPROJECT["project"]["optional-dependencies"]["dev"])
    for needed in ("pytest", "poetry-core", "airbyte", "duckdb"):
        assert needed in dev
