"""How a page is held in memory: one parse per response, large usage pages read as a stream, the allocator setting.

The peak-memory figures themselves come from benchmarks/ (not run here); these tests pin the mechanisms behind them
and that they change nothing in what is emitted.
"""
import json
import os
import subprocess
import sys
from typing import Any, Dict, List

import pytest
import requests

from source_openai import components
from source_openai import run as run_module
from source_openai.components import (
    STREAM_MIN_BYTES,
    UNREADABLE,
    ParsedBodyDecoder,
    RetryUnreadableBody,
    UsageBucketsExtractor,
    body_is_readable,
    iter_page_items,
    page_envelope,
    parsed_body,
)
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction

COMPLETIONS = ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"]


def _response(body: bytes, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = "application/json"
    response.url = "https://api.openai.com/v1/organization/usage/completions"
    return response


def _usage_page(buckets: int, rows: int, next_page: Any = "page_AAA", has_more: bool = True) -> Dict[str, Any]:
    return {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": 3600 * b, "end_time": 3600 * (b + 1), "results": [
                {"object": "organization.usage.completions.result", "input_tokens": b * 1000 + r, "output_tokens": r,
                 "input_cached_tokens": 0, "num_model_requests": 1, "project_id": f"proj_{r}", "user_id": None,
                 "api_key_id": f"key_{r % 7}", "model": "gpt-4o-2024-08-06", "batch": r % 2 == 0,
                 "service_tier": None, "cost_hint": 0.25 * r}
                for r in range(rows)]}
            for b in range(buckets)],
        "has_more": has_more,
        "next_page": next_page,
    }


def _large_usage_page(**kwargs: Any) -> Dict[str, Any]:
    page = _usage_page(40, 60, **kwargs)
    assert len(json.dumps(page)) > STREAM_MIN_BYTES  # the streaming path is what is tested
    return page


def _extract(body: bytes) -> List[Dict[str, Any]]:
    extractor = UsageBucketsExtractor(config={"usage_bucket_width": "1h"},
                                      parameters={"name": "usage_completions", "group_by_allowed": COMPLETIONS})
    return list(extractor.extract_records(_response(body)))


def test_a_large_usage_page_read_as_a_stream_gives_exactly_the_records_of_the_parsed_page():
    page = _large_usage_page()
    body = json.dumps(page).encode()
    streamed = _extract(body)
    original = components.STREAM_MIN_BYTES
    try:
        components.STREAM_MIN_BYTES = len(body) + 1  # the same page through the one-parse path
        parsed = _extract(body)
    finally:
        components.STREAM_MIN_BYTES = original
    assert len(streamed) == 40 * 60
    assert streamed == parsed
    assert streamed[61]["start_time"] == 3600 and streamed[61]["input_tokens"] == 1001
    assert isinstance(streamed[3]["cost_hint"], float) and streamed[3]["cost_hint"] == 0.75


def test_after_a_streamed_page_the_response_keeps_only_the_envelope_for_the_paginator():
    body = json.dumps(_large_usage_page(next_page="page_B]x")).encode()
    response = _response(body)
    extractor = UsageBucketsExtractor(config={"usage_bucket_width": "1h"},
                                      parameters={"name": "usage_completions", "group_by_allowed": COMPLETIONS})
    assert body_is_readable(response)
    assert getattr(response, "_source_openai_body", None) is None  # checked as a stream: no tree was built
    rows = sum(1 for _ in extractor.extract_records(response))
    assert rows == 2400
    # A `]` inside the token defeats the cut, so this page fell back to one parse; rows were still taken out of it.
    assert next(ParsedBodyDecoder().decode(response)) == {"object": "page", "has_more": True, "next_page": "page_B]x"}

    body = json.dumps(_large_usage_page(next_page="page_C")).encode()
    response = _response(body)
    assert sum(1 for _ in extractor.extract_records(response)) == 2400
    assert next(ParsedBodyDecoder().decode(response)) == {"object": "page", "data": [], "has_more": True,
                                                         "next_page": "page_C"}


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"object":"page","data":[{"a":1},{"b":[2]}],"has_more":false,"next_page":null}',
         {"object": "page", "data": [], "has_more": False, "next_page": None}),
        (b'{"data": [ ] , "last_id": "x"}', {"data": [], "last_id": "x"}),
        (b'{"object":"page","has_more":true,"data":[{"s":"]"}],"next_page":"n"}',
         {"object": "page", "has_more": True, "data": [], "next_page": "n"}),
        # cannot be cut out safely: `]` inside the token, `"data":[` inside a string, no data array
        (b'{"data":[{"a":1}],"next_page":"a]b"}', None),
        (b'{"note":"\\"data\\":[","data":[1],"x":"]"}', None),
        (b'{"has_more":false}', None),
        (b'{"meta":{"data":[1]},"data":[2]}', None),
    ],
)
def test_the_envelope_is_the_page_without_its_rows_or_nothing_when_unsafe(body, expected):
    assert page_envelope(body) == expected


@pytest.mark.parametrize("cut", ["truncated", "html", "trailing", "null", "empty"])
def test_a_large_unreadable_body_is_refused_before_any_row_is_read(cut):
    body = json.dumps(_large_usage_page()).encode()
    bad = {"truncated": body[: len(body) // 2], "html": b"<html>" + b" " * STREAM_MIN_BYTES + b"</html>",
           "trailing": body + b"<!-- proxy -->", "null": b"null" + b" " * STREAM_MIN_BYTES, "empty": b""}[cut]
    response = _response(bad)
    assert not body_is_readable(response)
    resolution = RetryUnreadableBody(config={}, parameters={}).interpret_response(response)
    assert resolution is not None and resolution.response_action == ResponseAction.RETRY
    assert parsed_body(response) is UNREADABLE
    assert list(iter_page_items(response)) == []


def test_a_small_body_is_parsed_once_and_the_parse_is_shared():
    body = json.dumps(_usage_page(2, 3)).encode()
    response = _response(body)
    assert body_is_readable(response)
    first = parsed_body(response)
    assert parsed_body(response) is first
    assert next(ParsedBodyDecoder().decode(response)) is first
    assert len(list(iter_page_items(response))) == 2
    assert "data" not in parsed_body(response)  # the rows left the shared parse as they were handed on


def test_error_responses_are_not_judged_unreadable():
    assert body_is_readable(_response(b"<html>bad gateway</html>", status=502))


def test_the_decoder_behaves_like_the_cdk_json_decoder():
    assert list(ParsedBodyDecoder().decode(_response(b'[{"a":1},{"b":2}]'))) == [{"a": 1}, {"b": 2}]
    assert list(ParsedBodyDecoder().decode(_response(b"[]"))) == [{}]
    assert list(ParsedBodyDecoder().decode(_response(b"not json"))) == [{}]
    assert list(ParsedBodyDecoder().decode(_response(b'{"data":[]}'))) == [{"data": []}]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_entrypoint_fixes_the_mmap_threshold_unless_the_operator_set_it():
    code = "from source_openai.run import return_freed_pages_to_the_os as f; print(f())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    applied = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert applied.stdout.strip() == "True"
    env["MALLOC_MMAP_THRESHOLD_"] = "1048576"
    kept = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert kept.stdout.strip() == "False"
    assert run_module.MMAP_THRESHOLD_BYTES == 256 * 1024
