"""Performance guarantees that are cheap to check: a full sync sends the minimum number of requests, and null fields
of the API are kept in the output. The measurements themselves live in benchmarks/ (not run here); the minimum is
computed from the emulator's data by test_support/minimum.py.
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
from airbyte_cdk.test.entrypoint_wrapper import discover

from source_openai import SourceOpenai
from test_support.minimum import count_by_template, minimum_requests

ROOT = Path(__file__).resolve().parents[1]


def _read_with_main(tmp_path: Path, config: Dict[str, Any], catalog: Dict[str, Any]) -> list:
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "read",
            "--config",
            str(tmp_path / "config.json"),
            "--catalog",
            str(tmp_path / "catalog.json"),
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def _configured_catalog(streams: List[Any]) -> Dict[str, Any]:
    """Every discovered stream: incremental (append + dedup) where it supports it, else full refresh (a first sync)."""
    entries = []
    for s in streams:
        modes = [m.value for m in s.supported_sync_modes]
        incremental = "incremental" in modes
        stream = {
            "name": s.name,
            "json_schema": s.json_schema,
            "supported_sync_modes": modes,
            "source_defined_primary_key": s.source_defined_primary_key,
        }
        dedup = incremental and bool(s.source_defined_primary_key)
        entry: Dict[str, Any] = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append_dedup" if dedup else ("append" if incremental else "overwrite"),
        }
        if dedup:
            entry["primary_key"] = s.source_defined_primary_key
        entries.append(entry)
    return {"streams": entries}


@pytest.mark.parametrize("bucket_width,workers", [("1d", 4), ("1h", 4), ("1d", 8)])
def test_a_full_sync_of_every_stream_sends_the_minimum_number_of_requests(emulator, tmp_path, bucket_width, workers):
    """Every endpoint: exactly the pages its data needs at the maximum `limit`, each parent list once, the Codex usage
    pages once for its three streams (test_support/minimum.py computes the minimum from the emulator's data).
    At 8 workers too: more partition generators run at once. (The race that listed the fine-tuning jobs twice needs
    request latency to show; benchmarks/concurrency.py, at 100 ms, is where it was seen.)"""
    config = emulator.connector_config(usage_bucket_width=bucket_width, num_workers=workers)
    streams = discover(SourceOpenai(config=config), config).catalog.catalog.streams
    assert streams
    emulator.reset()
    sync_now = int(time.time())  # the usage ranges end at the sync's clock, which may be past the data's `now`
    messages = _read_with_main(tmp_path, config, _configured_catalog(streams))
    assert not [m for m in messages if m["type"] == "TRACE" and m["trace"].get("type") == "ERROR"]
    sent = count_by_template(emulator.requests)
    expected = minimum_requests(
        emulator.data,
        start_date=emulator.data.period_start,
        bucket_width=bucket_width,
        with_stored_completions=True,
        sync_now=sync_now,
    )
    assert sent == expected
    assert sum(sent.values()) == sum(expected.values())
    # every discovered stream was read, and the three Codex usage streams (one endpoint) all have records
    with_records = {m["record"]["stream"] for m in messages if m["type"] == "RECORD"}
    assert {"codex_usage", "codex_usage_clients", "codex_usage_models"} <= with_records
    statuses = {
        m["trace"]["stream_status"]["stream_descriptor"]["name"]
        for m in messages
        if m["type"] == "TRACE"
        and m["trace"].get("type") == "STREAM_STATUS"
        and m["trace"]["stream_status"]["status"] == "COMPLETE"
    }
    assert statuses == {s.name for s in streams}


def test_top_level_null_fields_are_omitted_as_in_the_manifest_only_runtime(emulator, tmp_path):
    """One null-field behaviour in both runtimes (docs/openai.md, "Null fields"): the CDK's message serializer omits a
    top-level field whose value is null, and nested nulls stay. Package mode no longer replaces that serializer."""
    config = emulator.connector_config(project=False, codex_analytics=False)
    catalog = {
        "streams": [
            {
                "stream": {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        ]
    }
    records = [m["record"]["data"] for m in _read_with_main(tmp_path, config, catalog) if m["type"] == "RECORD"]
    assert records
    for record in records:  # the emulator returns these as null, as OpenAI does
        assert "technical_level" not in record and "projects" not in record
        assert record["email"] and record["id"]
