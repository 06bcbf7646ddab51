"""Performance guarantees that are cheap to check: the minimum number of requests, null fields kept by the record
serializer, and the package-mode speed-ups in run.py. The measurements themselves live in benchmarks/ (not run here).
"""
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, AirbyteStateMessage, AirbyteStreamState, Type
from airbyte_cdk.models import AirbyteStateType, StreamDescriptor
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.test.entrypoint_wrapper import discover

from benchmarks.common import count_by_template, configured_catalog
from benchmarks.minimum import minimum_requests
from source_openai import SourceOpenai
from source_openai import run as run_module
from source_openai.components import UsageBucketsExtractor, UsageRecord, surrogate_key

ROOT = Path(__file__).resolve().parents[1]


def _read_with_main(tmp_path: Path, config: Dict[str, Any], catalog: Dict[str, Any]) -> list:
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")],
        capture_output=True, cwd=ROOT, timeout=300,
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("bucket_width", ["1d", "1h"])
def test_a_full_sync_of_every_stream_sends_the_minimum_number_of_requests(emulator, tmp_path, bucket_width):
    """Every endpoint: exactly the pages its data needs at the maximum `limit`, each parent list once, the Codex usage
    pages once for its three streams (benchmarks/minimum.py computes the minimum from the emulator's data)."""
    config = emulator.connector_config(usage_bucket_width=bucket_width)
    catalog_streams = discover(SourceOpenai(config=config), config).catalog.catalog.streams
    streams = [{"name": s.name, "json_schema": s.json_schema, "supported_sync_modes": [m.value for m in s.supported_sync_modes],
                "source_defined_primary_key": s.source_defined_primary_key} for s in catalog_streams]
    assert len(streams) == 63
    emulator.reset()
    messages = _read_with_main(tmp_path, config, configured_catalog(streams))
    assert not [m for m in messages if m["type"] == "TRACE" and m["trace"].get("type") == "ERROR"]
    sent = count_by_template(emulator.requests)
    expected = minimum_requests(emulator.data, start_date=emulator.data.period_start, bucket_width=bucket_width)
    assert sent == expected
    assert {m["record"]["stream"] for m in messages if m["type"] == "RECORD"} >= {"codex_usage", "codex_usage_clients", "codex_usage_models"}


def test_null_fields_of_the_api_are_kept_in_the_output(emulator, tmp_path):
    config = emulator.connector_config(project=False, codex_analytics=False)
    catalog = {"streams": [{"stream": {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                            "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    records = [m["record"]["data"] for m in _read_with_main(tmp_path, config, catalog) if m["type"] == "RECORD"]
    assert records
    for record in records:  # the emulator returns these as null, as OpenAI does
        assert "technical_level" in record and record["technical_level"] is None
        assert "projects" in record and record["projects"] is None


def _record(data: Dict[str, Any], **extra: Any) -> AirbyteMessage:
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream="s", data=data, emitted_at=7, **extra))


def test_the_record_serializer_keeps_nulls_and_matches_the_cdk_otherwise():
    message = _record({"a": None, "b": {"c": None}, "d": [1, None], "e": "é"})
    ours = json.loads(run_module.record_message_to_string(message))
    cdk = json.loads(run_module._CDK_MESSAGE_TO_STRING(message))
    assert ours == {"type": "RECORD", "record": {"stream": "s", "data": {"a": None, "b": {"c": None}, "d": [1, None], "e": "é"}, "emitted_at": 7}}
    assert "a" not in cdk["record"]["data"]  # the CDK's serializer drops it: the reason for ours
    assert {k: v for k, v in ours["record"]["data"].items() if v is not None} == cdk["record"]["data"]
    namespaced = json.loads(run_module.record_message_to_string(_record({"x": 1}, namespace="ns")))
    assert namespaced["record"]["namespace"] == "ns"


def test_other_messages_and_unencodable_records_take_the_cdk_path():
    state = AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(
        type=AirbyteStateType.STREAM, stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name="s"))))
    assert run_module.record_message_to_string(state) == run_module._CDK_MESSAGE_TO_STRING(state)
    odd = _record({1: "non-string key"})  # orjson refuses; the CDK's fallback handles it
    assert run_module.record_message_to_string(odd) == run_module._CDK_MESSAGE_TO_STRING(odd)


def test_the_cached_slice_hash_equals_the_cdk_hash():
    a = StreamSlice(partition={"project_id": "p1"}, cursor_slice={"start_time": "1", "end_time": "2"})
    b = StreamSlice(partition={"project_id": "p1"}, cursor_slice={"start_time": "1", "end_time": "2"})
    expected = run_module._CDK_SLICE_HASH(a)
    assert run_module._cached_slice_hash(a) == expected
    assert run_module._cached_slice_hash(a) == expected  # second call: from the instance
    assert run_module._cached_slice_hash(b) == expected


def test_the_codex_usage_streams_share_one_request_cache_file():
    names = {}
    original = HttpClient.cache_filename
    try:
        run_module.install_shared_request_caches()
        for name in ("codex_usage", "codex_usage_clients", "codex_usage_models", "projects"):
            client = HttpClient.__new__(HttpClient)
            client._name = name
            names[name] = client.cache_filename
    finally:
        HttpClient.cache_filename = original
    assert names == {"codex_usage": "codex_usage.sqlite", "codex_usage_clients": "codex_usage.sqlite",
                     "codex_usage_models": "codex_usage.sqlite", "projects": "projects.sqlite"}


@pytest.mark.parametrize("identity", [
    ["usage_completions", "1d", 1767225600, "proj_1", None, "key_1", "gpt-4o", True, "default"],
    ["costs", "1h", 1767225600, "proj_1", "gpt-4o, input", None],
    ["usage_images", "1d", 1767225600, "prój", 'quote"and\\slash', "tab\t", 1.5],
])
def test_the_surrogate_key_is_the_md5_of_the_compact_ascii_json(identity):
    canonical = json.dumps(identity, separators=(",", ":"), ensure_ascii=True)
    assert surrogate_key(list(identity)) == hashlib.md5(canonical.encode("ascii")).hexdigest()


class _Response:
    def __init__(self, body: Any) -> None:
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()
        self.headers = {"Content-Type": "application/json"}
        self.encoding = "utf-8"

    def json(self) -> Any:
        return json.loads(self.content)


def test_the_usage_extractor_equals_the_generic_expander_and_transformation():
    parameters = {"name": "costs", "group_by_allowed": ["project_id", "line_item", "api_key_id"]}
    body = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 100, "end_time": 200, "results": [
            {"object": "organization.costs.result", "amount": {"value": 1.5, "currency": "usd"}, "project_id": "p", "line_item": None, "api_key_id": None},
            {"object": "organization.costs.result", "amount": None, "project_id": "q", "line_item": "x", "api_key_id": "k"}]},
        {"object": "bucket", "start_time": 200, "end_time": 300, "results": []}]}
    extractor = UsageBucketsExtractor(config={"usage_bucket_width": "1d"}, parameters=parameters, flatten_amount=True)
    rows = list(extractor.extract_records(_Response(body)))
    transformation = UsageRecord(config={"usage_bucket_width": "1d"}, parameters=parameters, flatten_amount=True)
    expected = []
    for bucket in body["data"]:
        for result in bucket["results"]:
            row = dict(result, start_time=bucket["start_time"], end_time=bucket["end_time"])
            transformation.transform(row)
            expected.append(row)
    assert rows == expected
    assert [r["amount_value"] for r in rows] == [1.5, None]


def test_the_speed_ups_last_one_run_of_the_entrypoint():
    from airbyte_cdk.entrypoint import AirbyteEntrypoint

    import requests.models

    before = (AirbyteEntrypoint.airbyte_message_to_string, StreamSlice.__hash__, HttpClient.cache_filename,
              requests.models.CONTENT_CHUNK_SIZE)
    with run_module.speedups():
        assert AirbyteEntrypoint.airbyte_message_to_string is run_module.record_message_to_string
        assert StreamSlice.__hash__ is run_module._cached_slice_hash
        assert requests.models.CONTENT_CHUNK_SIZE == run_module.BODY_READ_BYTES == 16 * 1024 * 1024
    assert (AirbyteEntrypoint.airbyte_message_to_string, StreamSlice.__hash__, HttpClient.cache_filename,
            requests.models.CONTENT_CHUNK_SIZE) == before
    assert before[3] == 10 * 1024  # requests' default, restored
