"""A configured catalog that selects every stream `discover` offers for one config.

    .venv/bin/python main.py discover --config secrets/config.json \\
      | .venv/bin/python scripts/select_all.py [--incremental] > secrets/configured_catalog.json

Reads the Airbyte messages of `discover` on stdin (log lines are skipped) and prints the catalog: every stream in
full refresh (overwrite), or with `--incremental` incremental (append + dedup) where the stream supports it.
"""

import json
import sys


def configured_catalog(lines, incremental: bool = False) -> dict:
    catalogs = [m["catalog"] for m in map(json.loads, filter(str.strip, lines)) if m.get("type") == "CATALOG"]
    if not catalogs:
        raise SystemExit("select_all: no CATALOG message on stdin (did discover fail? run it alone to see why)")
    streams = []
    for stream in catalogs[-1]["streams"]:
        if incremental and "incremental" in stream["supported_sync_modes"]:
            modes = {
                "sync_mode": "incremental",
                "destination_sync_mode": "append_dedup",
                "cursor_field": stream.get("default_cursor_field", []),
                "primary_key": stream.get("source_defined_primary_key", []),
            }
        else:
            modes = {"sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
        streams.append({"stream": stream, **modes})
    return {"streams": streams}


if __name__ == "__main__":
    print(json.dumps(configured_catalog(sys.stdin, "--incremental" in sys.argv[1:]), indent=1))
