#!/usr/bin/env bash
# README command 2: set up a virtualenv with the test extra and run the whole test suite.
# Works from a clean clone with only Python 3.11 and git. Extra arguments go to pytest.
# Installs the exact versions pinned in constraints.txt (scripts/lock.sh regenerates it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,analytics]' 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import source_openai" # fail early when the install failed
# Lint and format check first ([tool.ruff] in pyproject.toml, line length 120): a violation fails the run, and CI.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Four workers on the CI machine's 2 cores: many tests wait (real retry waits, a read timeout, subprocess syncs), so
# more workers than cores keep both cores busy. Each test module stays on one worker, and modules start in collection
# order (not xdist's largest-first), which the root conftest.py sorts longest first (`pytest.mark.long`), so that no
# long module starts last. PYTEST_WORKERS=0 runs serially.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-4}" --dist loadfile --no-loadscope-reorder --durations=15 "$@"
