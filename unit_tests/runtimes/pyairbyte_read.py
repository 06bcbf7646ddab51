"""Run by test_pyairbyte.py in a fresh interpreter: read some streams with PyAirbyte into a DuckDB file.

    python pyairbyte_read.py MODE CONFIG_JSON DB_PATH OUT_JSON STREAM [STREAM ...]

MODE `local_executable` runs the installed `source-openai-org` console script next to this interpreter;
MODE `source_manifest` runs source_openai/manifest.yaml in-process (PyAirbyte injects the sibling components.py).
Writes {"streams": {name: rows read}, "check": "ok"} to OUT_JSON; the DuckDB schema is `openai_data` (PyAirbyte
prints progress on stdout).
"""

import json
import sys
from pathlib import Path

import airbyte as ab
from airbyte.caches import DuckDBCache

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    mode, config_path, db_path, out_path, *streams = sys.argv[1:]
    config = json.loads(Path(config_path).read_text())
    if mode == "local_executable":
        executable = Path(sys.executable).with_name("source-openai-org")
        source = ab.get_source("source-openai-org", config=config, local_executable=str(executable), streams=streams)
    elif mode == "source_manifest":
        source = ab.get_source(
            "source-openai-org",
            config=config,
            source_manifest=ROOT / "source_openai" / "manifest.yaml",
            streams=streams,
        )
    else:
        raise SystemExit(f"unknown mode {mode}")
    source.check()
    cache = DuckDBCache(db_path=db_path, schema_name="openai_data")
    result = source.read(cache=cache)
    counted = {name: len(dataset) for name, dataset in result.streams.items()}
    Path(out_path).write_text(json.dumps({"check": "ok", "streams": counted}))


if __name__ == "__main__":
    main()
