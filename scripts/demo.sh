#!/usr/bin/env bash
# README command 1: a full sync of every stream into DuckDB, against a local OpenAI emulator. No credentials.
# Creates .venv if missing, installs the connector with its `demo` (PyAirbyte, DuckDB) and `analytics` (dbt) extras at
# the versions pinned in constraints.txt (scripts/lock.sh regenerates it), then runs scripts/demo.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
echo "Installing the connector with the demo and analytics extras (PyAirbyte, DuckDB, dbt) into .venv ..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[demo,analytics]' 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import source_openai, airbyte, duckdb, dbt.cli.main" # fail early when the install failed
export AIRBYTE_OFFLINE_MODE=1 DO_NOT_TRACK=1 PYTHONWARNINGS=ignore
exec .venv/bin/python scripts/demo.py "$@"
