#!/usr/bin/env bash
# The smoke command for the first run with real keys (docs/openai.md, "First run with real keys"): `check`, then a
# bounded sample of every stream that discover lists, printed as one table (no record value, key or URL query) and
# written to a JSON file (default .smoke/smoke.json). Arguments go to scripts/smoke.py (--help lists them).
# Creates .venv/ and installs the connector from constraints.txt when it is not there yet.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PYTHON" -m venv "$ROOT/.venv"
fi
if ! "$ROOT/.venv/bin/python" -c "import source_openai" 2>/dev/null; then
  "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$ROOT/constraints.txt" -e "$ROOT"
fi
exec "$ROOT/.venv/bin/python" "$ROOT/scripts/smoke.py" "$@"
