"""The analytics chain: sync source-openai into DuckDB with PyAirbyte, then `dbt build` the openai_analytics package
(dbt/) on that file. One implementation for the demo (scripts/demo.py), the CI chain test
(unit_tests/analytics/test_chain.py) and anyone who wants the reports on a local file:

    python scripts/analytics.py CONFIG_JSON DB_PATH [--streams a,b,...] [--append] [--no-build] [--out SUMMARY_JSON]

syncs every stream the config reaches (or the listed ones; --append keeps earlier rows, as an Airbyte destination in
append mode does), builds the models and tests, and writes {"streams": {name: rows}, "build": {...}} to SUMMARY_JSON.
Needs the `analytics` extra (dbt-core, dbt-duckdb) and `demo` (PyAirbyte, DuckDB). Run it with AIRBYTE_OFFLINE_MODE=1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = ROOT / "dbt"
SCHEMA = "main"  # PyAirbyte's DuckDB cache writes the streams' tables here; the models go beside them


def sync(
    config: Dict[str, Any], db_path: Path, streams: Optional[Sequence[str]] = None, append: bool = False
) -> Dict[str, int]:
    """Read every stream (or `streams`) with the `source-openai-org` next to this interpreter into DuckDB at db_path.
    Full refresh; `append` keeps the rows already there (an append-mode destination), otherwise they are replaced.
    Returns the rows in each synced table."""
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    executable = Path(sys.executable).with_name("source-openai-org")
    source = ab.get_source("source-openai-org", config=config, local_executable=str(executable))
    source.check()
    if streams:
        source.select_streams(list(streams))
    else:
        source.select_all_streams()
    # PyAirbyte's public DuckDB cache. Its type converter maps single-typed fields only: the one top-level union
    # field (assistants.response_format, a string or an object) is stored as text, and PyAirbyte prints one
    # "Could not determine airbyte type" line for it (unit_tests/test_schema_types.py).
    cache = DuckDBCache(db_path=str(db_path), schema_name=SCHEMA)
    try:
        result = source.read(cache=cache, force_full_refresh=True, write_strategy="append" if append else "replace")
        return {name: len(dataset) for name, dataset in result.streams.items()}
    finally:
        cache.close()  # release the file: dbt opens it next


def build(db_path: Path, work_dir: Optional[Path] = None, dbt_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """`dbt build` (models and tests) of dbt/ on the DuckDB file, with a profile, target and logs in work_dir (a
    temporary directory by default). Returns {"seconds", "results": {node: {status, seconds}}, "rows": {model: n}}.
    Raises RuntimeError with dbt's output when a model or test fails."""
    with tempfile.TemporaryDirectory(prefix="openai-dbt-") as tmp:
        work = Path(work_dir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "profiles.yml").write_text(
            json.dumps(
                {
                    "openai_analytics": {
                        "target": "local",
                        "outputs": {
                            "local": {"type": "duckdb", "path": str(db_path), "schema": SCHEMA, "threads": 2},
                        },
                    }
                }
            )
        )
        command = [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(work),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--no-send-anonymous-usage-stats",
            "--no-use-colors",
        ]
        if dbt_vars:
            command += ["--vars", json.dumps(dbt_vars)]
        started = time.monotonic()
        proc = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - started
        run_results = work / "target" / "run_results.json"
        if proc.returncode != 0 or not run_results.exists():
            raise RuntimeError(
                f"dbt build failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
            )
        results = {
            r["unique_id"]: {"status": r["status"], "seconds": round(r["execution_time"], 3)}
            for r in json.loads(run_results.read_text())["results"]
        }
    return {"seconds": round(seconds, 2), "results": results, "rows": table_rows(db_path)}


def table_rows(db_path: Path, models: bool = True) -> Dict[str, int]:
    """Rows of every table the package built (openai__*, by model name), or with models=False of every other table
    (the connector's)."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
                f"AND table_name {'' if models else 'NOT '}LIKE 'openai\\_\\_%' ESCAPE '\\' ORDER BY 1",
                [SCHEMA],
            ).fetchall()
        ]
        return {name: db.execute(f'SELECT count(*) FROM {SCHEMA}."{name}"').fetchone()[0] for name in names}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--streams", default="", help="comma-separated stream names (default: every stream)")
    parser.add_argument("--append", action="store_true", help="keep the rows already in the file")
    parser.add_argument("--no-build", action="store_true", help="sync only")
    parser.add_argument("--out", type=Path, help="write the JSON summary here")
    args = parser.parse_args(argv)
    streams = [s for s in args.streams.split(",") if s]
    summary: Dict[str, Any] = {"streams": sync(json.loads(args.config.read_text()), args.db, streams, args.append)}
    if not args.no_build:
        summary["build"] = build(args.db)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
