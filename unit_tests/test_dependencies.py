"""The connector's dependencies are declared, bounded and locked.

- Every third-party package that `source_openai/` imports (at module level, in a function or under `try`) is a
  runtime dependency in pyproject.toml: an import that works only because something else pulled the package in
  breaks as soon as that other package drops it.
- airbyte-cdk takes a compatible range: from 7.39.1, below 8.
- constraints.txt pins every declared dependency at a version inside its range, and both README commands
  (scripts/demo.sh, scripts/test.sh) install from it.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path
from typing import Dict, Iterable, Mapping, Set

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "source_openai"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The package's own names: itself, and the module alias the CDK's manifest-only runtime provides for components.py.
OWN_MODULES = {"source_openai", "source_declarative_manifest"}


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them: `PyYAML`, `pyyaml` and `py_yaml` are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(group: Iterable[str]) -> Dict[str, Requirement]:
    parsed = [Requirement(line) for line in group]
    return {normalize(req.name): req for req in parsed}


RUNTIME = requirements(PYPROJECT["project"]["dependencies"])
EXTRAS = {extra: requirements(lines) for extra, lines in PYPROJECT["project"]["optional-dependencies"].items()}


def imported_modules(source: str, filename: str = "<source>") -> Set[str]:
    """Top-level names of every absolute import in `source`, wherever it stands (a lazy or guarded import is still
    an import: the code needs the package when that line runs)."""
    names = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def undeclared_imports(sources: Mapping[str, str], declared: Iterable[str]) -> Dict[str, str]:
    """The third-party modules imported in `sources` (file name -> text) whose distribution is not in `declared`,
    each with an explanation. A module no installed distribution provides is reported too."""
    declared = {normalize(name) for name in declared}
    providers = importlib.metadata.packages_distributions()
    problems = {}
    for filename, text in sorted(sources.items()):
        for module in sorted(imported_modules(text, filename)):
            if module in sys.stdlib_module_names or module in OWN_MODULES or module in problems:
                continue
            distributions = providers.get(module, [])
            if not distributions:
                problems[module] = f"imported in {filename}, but no installed distribution provides it"
            elif not declared & {normalize(dist) for dist in distributions}:
                problems[module] = (
                    f"imported in {filename}, provided by {' or '.join(sorted(set(distributions)))}, "
                    "which is not in [project].dependencies"
                )
    return problems


def package_sources() -> Dict[str, str]:
    sources = {path.relative_to(ROOT).as_posix(): path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}
    assert "source_openai/components.py" in sources  # the glob found the package
    return sources


def test_every_third_party_import_in_source_openai_is_a_declared_runtime_dependency():
    assert undeclared_imports(package_sources(), RUNTIME) == {}


def test_the_checker_reports_an_undeclared_import():
    """The check above can fail: an undeclared package (installed, but only as a dependency of something else), a
    lazy import inside a function, and a module nothing provides are all reported; the standard library, relative
    imports, the package's own names and declared packages (under any spelling of their name) are not."""
    fake = {
        "source_openai/fake.py": "\n".join(
            [
                "import os, json.decoder",
                "from __future__ import annotations",
                "from . import components",
                "from source_openai.components import ConfigError",
                "import source_declarative_manifest.components",
                "import yaml",
                "from requests.adapters import HTTPAdapter",
                "import numpy as np",
                "def later():",
                "    try:",
                "        import ijson",
                "    except ImportError:",
                "        pass",
                "    import no_such_module_anywhere",
            ]
        ),
    }
    problems = undeclared_imports(fake, ["PyYAML", "Requests"])
    assert set(problems) == {"numpy", "ijson", "no_such_module_anywhere"}
    assert "provided by numpy" in problems["numpy"] and "not in [project].dependencies" in problems["numpy"]
    assert "no installed distribution" in problems["no_such_module_anywhere"]
    # declaring them clears the report (bar the module nothing provides)
    assert set(undeclared_imports(fake, ["pyyaml", "requests", "numpy", "ijson"])) == {"no_such_module_anywhere"}


def test_airbyte_cdk_takes_a_compatible_range_from_7_39_1_below_8():
    specifier: SpecifierSet = RUNTIME["airbyte-cdk"].specifier
    assert specifier.contains("7.39.1") and specifier.contains("7.99.0"), specifier
    assert not specifier.contains("7.39.0"), specifier
    assert not specifier.contains("8.0.0") and not specifier.contains("8.0.0a1", prereleases=True), specifier


def test_every_declared_dependency_has_a_version_range():
    for group, reqs in {"dependencies": RUNTIME, **EXTRAS}.items():
        unbounded = [str(req) for req in reqs.values() if not req.specifier]
        assert not unbounded, f"{group}: no version range for {unbounded}"
    for name, req in RUNTIME.items():
        assert any(spec.operator in ("<", "<=", "~=", "==") for spec in req.specifier), f"{req}: no upper bound"


CONSTRAINTS_FILE = ROOT / "constraints.txt"


def pinned_versions() -> Dict[str, Version]:
    pins = {}
    for line in CONSTRAINTS_FILE.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
            assert match, f"constraints.txt: {line!r} is not an exact `name==version` pin"
            pins[normalize(match[1])] = Version(match[2])
    return pins


def test_constraints_pin_every_declared_dependency_inside_its_range():
    pins = pinned_versions()
    assert normalize(PYPROJECT["project"]["name"]) not in pins  # the connector itself is installed from the tree
    assert pins["airbyte-cdk"] == Version("7.39.1")
    for group, reqs in {"dependencies": RUNTIME, **EXTRAS}.items():
        for name, req in reqs.items():
            assert name in pins, f"constraints.txt has no pin for {req} ({group}); rerun scripts/lock.sh"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"constraints.txt pins {name}=={pins[name]}, outside {req} ({group}); rerun scripts/lock.sh"
            )


@pytest.mark.parametrize(
    "script, extras", [("scripts/test.sh", {"dev", "analytics"}), ("scripts/demo.sh", {"demo", "analytics"})]
)
def test_the_readme_commands_install_from_the_constraints(script, extras):
    def installed_extras(line: str) -> set:
        return {extra for group in re.findall(r"'\.\[([a-z,]+)\]'", line) for extra in group.split(",")}

    installs = [
        line
        for line in (ROOT / script).read_text().splitlines()
        if "pip install" in line and not line.lstrip().startswith("#") and extras <= installed_extras(line)
    ]
    assert installs, f"{script} does not install the extras {sorted(extras)}"
    assert all("-c constraints.txt" in line for line in installs), installs
