"""Regenerate integration_tests/configured_catalog.json from `discover`: every stream, full_refresh, overwrite.

The connector is configured with all four credentials against a local OpenAI emulator, so every stream that any
credential unlocks is listed. Run after adding streams:  .venv/bin/python scripts/gen_catalog.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airbyte_cdk.test.entrypoint_wrapper import discover  # noqa: E402

from openai_emulator import Emulator  # noqa: E402
from source_openai import SourceOpenai  # noqa: E402

OUT = ROOT / "integration_tests" / "configured_catalog.json"


def main() -> int:
    with Emulator(scale="small") as emu:
        config = emu.connector_config(compliance=True)  # all four credentials
        catalog = discover(SourceOpenai(config=config), config).catalog.catalog
    streams = []
    for stream in catalog.streams:
        entry = {
            "stream": {
                "name": stream.name,
                "json_schema": stream.json_schema,
                "supported_sync_modes": [m.value for m in stream.supported_sync_modes],
            },
            "sync_mode": "full_refresh",
            "destination_sync_mode": "overwrite",
        }
        if stream.source_defined_primary_key:
            entry["stream"]["source_defined_primary_key"] = stream.source_defined_primary_key
        streams.append(entry)
    OUT.write_text(json.dumps({"streams": streams}, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(streams)} streams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
