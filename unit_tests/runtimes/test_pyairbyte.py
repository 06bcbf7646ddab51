"""Runtime 3: PyAirbyte. `get_source(..., local_executable=...)` and `get_source(..., source_manifest=...)` both
check and read into DuckDB against the emulator, offline (AIRBYTE_OFFLINE_MODE: no registry lookup)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from .conftest import READ_STREAMS, clean_env, run

pytestmark = pytest.mark.runtimes

SCRIPT = Path(__file__).with_name("pyairbyte_read.py")


@pytest.mark.parametrize("mode", ["local_executable", "source_manifest"])
def test_pyairbyte_reads_into_duckdb(mode, inputs, tmp_path):
    out = tmp_path / "result.json"
    env = clean_env(
        AIRBYTE_OFFLINE_MODE="1",
        AIRBYTE_ENABLE_UNSAFE_CODE="true",  # source_manifest injects components.py
        AIRBYTE_CACHE_ROOT=str(tmp_path / "cache"),
        AIRBYTE_LOGGING_ROOT=str(tmp_path / "logs"),
        AIRBYTE_PROJECT_DIR=str(tmp_path / "project"),
        NO_COLOR="1",
    )
    proc = run(
        [sys.executable, SCRIPT, mode, inputs.config, tmp_path / "pyairbyte.duckdb", out] + READ_STREAMS,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0 and out.exists(), (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    result = json.loads(out.read_text())
    assert result["check"] == "ok"
    assert sorted(result["streams"]) == sorted(READ_STREAMS)
    # the rows are in the DuckDB file, as a user would query it
    with duckdb.connect(str(tmp_path / "pyairbyte.duckdb"), read_only=True) as db:
        in_file = {
            name: db.execute(f'SELECT count(*) FROM openai_data."{name}"').fetchone()[0] for name in READ_STREAMS
        }
    empty = [name for name, rows in in_file.items() if not rows]
    assert not empty, f"no rows in DuckDB for {empty}: {in_file}"
    assert in_file == result["streams"]
