"""Runtime 2: the manifest-only runner (`source-declarative-manifest`, what the Connector Builder and Airbyte's
declarative-manifest image run). Only `manifest.yaml` and `components.py` are given, copied away from the package,
and the process is not allowed to import `source_openai`: the custom classes must resolve as
`source_declarative_manifest.components.X` from the components file alone."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
import shutil
import sys
from typing import List

import pytest
import yaml

from .conftest import READ_STREAMS, ROOT, assert_read_ok, clean_env, configured_catalog, run

pytestmark = [pytest.mark.runtimes, pytest.mark.long(90)]

# `source-declarative-manifest`, with `source_openai` made unimportable in that process.
RUNNER = [
    sys.executable,
    "-c",
    "import sys; sys.modules['source_openai'] = None; "
    "from airbyte_cdk.cli.source_declarative_manifest import run; run()",
]


@pytest.fixture
def manifest_files(tmp_path) -> List[str]:
    """manifest.yaml and components.py, side by side in a directory of their own."""
    folder = tmp_path / "builder_export"
    folder.mkdir()
    for name in ("manifest.yaml", "components.py"):
        shutil.copy(ROOT / "source_openai" / name, folder / name)
    return ["--manifest-path", str(folder / "manifest.yaml"), "--components-path", str(folder / "components.py")]


def unsafe_env():
    return clean_env(AIRBYTE_ENABLE_UNSAFE_CODE="true")


def test_spec_prints_the_runners_generic_spec(tmp_path):
    """The runner answers `spec` with its own generic spec (the manifest arrives with the config); the connector's
    form is the manifest's `spec` block, which the Builder and the Airbyte UI read from the manifest."""
    result = run(RUNNER + ["spec"], cwd=tmp_path, env=unsafe_env())
    assert result.returncode == 0, result.describe()
    [spec] = result.of_type("SPEC")
    assert "__injected_declarative_manifest" in spec["spec"]["connectionSpecification"]["properties"]


def test_check_discover_and_read(emulator, inputs, manifest_files, tmp_path):
    check = run(RUNNER + ["check", "--config", inputs.config] + manifest_files, cwd=tmp_path, env=unsafe_env())
    assert check.connection_status == {"status": "SUCCEEDED"}, check.describe()
    # one request per credential: the Admin key, the project key, and each Codex workspace
    paths = [r["path"] for r in emulator.requests]
    assert any(p.endswith("/organization/projects") for p in paths) and any(p.endswith("/models") for p in paths)
    assert sum("/workspaces/" in p for p in paths) == len(inputs.config_dict["workspace_ids"].split(","))

    discover = run(RUNNER + ["discover", "--config", inputs.config] + manifest_files, cwd=tmp_path, env=unsafe_env())
    assert discover.returncode == 0, discover.describe()
    [catalog] = discover.of_type("CATALOG")
    streams = {s["name"]: s for s in catalog["catalog"]["streams"]}
    package_catalog = json.loads((ROOT / "integration_tests" / "configured_catalog.json").read_text())
    # the acceptance catalog has all four credentials' streams; this config has three (no compliance key)
    assert set(streams) < {s["stream"]["name"] for s in package_catalog["streams"]}
    # the same streams as the package discovers for this config
    from airbyte_cdk.test.entrypoint_wrapper import discover as package_discover

    from source_openai import SourceOpenai

    package = package_discover(SourceOpenai(config=inputs.config_dict), inputs.config_dict).catalog.catalog.streams
    assert package and sorted(streams) == sorted(s.name for s in package)
    assert streams["usage_completions"]["source_defined_primary_key"] == [["surrogate_key"]]
    assert streams["codex_usage"]["supported_sync_modes"] == ["full_refresh", "incremental"]

    read = run(
        RUNNER + ["read", "--config", inputs.config, "--catalog", inputs.catalog] + manifest_files,
        cwd=tmp_path,
        env=unsafe_env(),
    )
    assert_read_ok(read, READ_STREAMS)
    # components ran: usage rows carry the surrogate key, Codex rows the workspace and user key
    records = [m["record"] for m in read.of_type("RECORD")]
    usage = next(r["data"] for r in records if r["stream"] == "usage_completions")
    assert re.fullmatch(r"[0-9a-f]{32}", usage["surrogate_key"])
    clients = next(r["data"] for r in records if r["stream"] == "codex_usage_clients")
    assert clients["workspace_id"].startswith("ws_") and "index" in clients and clients["user_key"]


def test_manifest_and_components_injected_in_the_config(inputs, tmp_path):
    """How the Airbyte platform runs a Builder connector: manifest and components.py arrive inside the config
    (`__injected_declarative_manifest`, `__injected_components_py`), and the code is exec'd before its module is
    registered (components.py must not need `sys.modules` while it loads)."""
    folder = ROOT / "source_openai"
    config = dict(
        inputs.config_dict,
        __injected_declarative_manifest=yaml.safe_load((folder / "manifest.yaml").read_text()),
        __injected_components_py=(folder / "components.py").read_text(),
        __injected_components_py_checksums={"md5": hashlib.md5((folder / "components.py").read_bytes()).hexdigest()},
    )
    path = tmp_path / "injected.json"
    path.write_text(json.dumps(config))
    catalog = tmp_path / "two.json"
    catalog.write_text(json.dumps(configured_catalog(["usage_completions", "codex_usage_models"])))
    read = run(RUNNER + ["read", "--config", path, "--catalog", catalog], cwd=tmp_path, env=unsafe_env())
    assert_read_ok(read, ["usage_completions", "codex_usage_models"])


def test_custom_code_needs_airbyte_enable_unsafe_code(inputs, manifest_files, tmp_path):
    result = run(RUNNER + ["check", "--config", inputs.config] + manifest_files, cwd=tmp_path, env=clean_env())
    assert result.returncode != 0
    assert (
        any("AIRBYTE_ENABLE_UNSAFE_CODE" in e for e in result.errors) or "AIRBYTE_ENABLE_UNSAFE_CODE" in result.stderr
    )


def test_a_bad_config_is_refused_before_any_request(emulator, inputs, manifest_files, tmp_path):
    """The spec's config transformation (NormalizeConfig) runs in this runner too."""
    bad = dict(inputs.config_dict, admin_api_key="sk-proj-notAnAdminKey1234567890")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = run(RUNNER + ["check", "--config", path] + manifest_files, cwd=tmp_path, env=unsafe_env())
    assert result.returncode != 0
    assert any("Invalid configuration: `admin_api_key` is a project key" in e for e in result.errors), result.describe()
    assert "notAnAdminKey" not in result.stdout
    assert emulator.requests == []


def test_components_py_stands_alone():
    """components.py imports nothing from the package, and every class the manifest names exists in it."""
    source = (ROOT / "source_openai" / "components.py").read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("source_openai"), ast.unparse(node)
        elif isinstance(node, ast.Import):
            assert not any(alias.name.startswith("source_openai") for alias in node.names), ast.unparse(node)
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    assert not future, "breaks the injected-components path (see the module docstring)"
    defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    manifest_text = (ROOT / "source_openai" / "manifest.yaml").read_text()
    named = set(re.findall(r"class_name:\s*([\w.]+)", manifest_text))
    assert named, "no custom component in the manifest?"
    for class_name in named:
        module, _, name = class_name.rpartition(".")
        assert module == "source_declarative_manifest.components", class_name
        assert name in defined, class_name
    yaml.safe_load(manifest_text)  # loads as plain YAML, as the Builder loads it


def test_a_config_of_injected_keys_only_is_left_alone():
    """PyAirbyte's `source_manifest=` builds the source for `spec` with only the injected components in the config."""
    # the file on its own, as the manifest-only runner loads it (not registered in sys.modules)
    spec = importlib.util.spec_from_file_location("components_under_test", ROOT / "source_openai" / "components.py")
    components = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(components)
    injected = {"__injected_components_py": "# code", "__injected_components_py_checksums": {"md5": "0"}}
    config = dict(injected)
    components.NormalizeConfig().transform(config)
    assert config == injected
    with pytest.raises(components.ConfigError, match="`admin_api_key` is required"):
        components.NormalizeConfig().transform(dict(injected, start_date="2024-01-01T00:00:00Z"))
