"""Response bodies in the three paging styles of the OpenAI API, plus OpenAI's error body."""

import json
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpResponse


def id_cursor_page(records: List[Mapping[str, Any]], has_more: bool = False, with_ids: bool = True) -> HttpResponse:
    """Style 1: {object: list, data, first_id, last_id, has_more}. with_ids=False mimics fine-tuning lists."""
    body: Dict[str, Any] = {"object": "list", "data": list(records), "has_more": has_more}
    if with_ids:
        body["first_id"] = records[0]["id"] if records else None
        body["last_id"] = records[-1]["id"] if records else None
    return HttpResponse(json.dumps(body))


def next_cursor_page(
    records: List[Mapping[str, Any]], next_cursor: Optional[str] = None, has_more: Optional[bool] = None
) -> HttpResponse:
    """Style 2 (groups, roles): {object: list, data, has_more, next}. `has_more` defaults to "a cursor is given"."""
    more = next_cursor is not None if has_more is None else has_more
    return HttpResponse(json.dumps({"object": "list", "data": list(records), "has_more": more, "next": next_cursor}))


def page_token_page(
    buckets: List[Mapping[str, Any]], next_page: Optional[str] = None, has_more: Optional[bool] = None
) -> HttpResponse:
    """Style 3 (usage, costs, Codex analytics): {object: page, data, has_more, next_page}."""
    more = next_page is not None if has_more is None else has_more
    return HttpResponse(json.dumps({"object": "page", "data": list(buckets), "has_more": more, "next_page": next_page}))


def last_end_time_page(files: List[Mapping[str, Any]], has_more: bool, last_end_time: Any = "last") -> HttpResponse:
    """Style 4 (ChatGPT compliance log files): {object: list, data, has_more, last_end_time}; by default
    `last_end_time` is the last file's `end_time`."""
    if last_end_time == "last":
        last_end_time = files[-1]["end_time"] if files else None
    body = {"object": "list", "data": list(files), "has_more": has_more, "last_end_time": last_end_time}
    return HttpResponse(json.dumps(body))


def bucket(start_time: int, width_seconds: int, results: List[Mapping[str, Any]]) -> Dict[str, Any]:
    return {
        "object": "bucket",
        "start_time": start_time,
        "end_time": start_time + width_seconds,
        "results": list(results),
    }


def json_response(body: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
    return HttpResponse(json.dumps(body), status, dict(headers or {}))


# A wait the connector honours (BoundedBackoff reads `retry-after-ms`), which the CDK lengthens by its fixed 1 s: a
# test's retry takes about a second instead of the policy's 1 to 60 s. `source_runner.retry_waits` reads the waits.
RETRY_SOON = {"retry-after-ms": "10"}


def error_response(
    status: int, message: str = "error", code: Optional[str] = None, headers: Optional[Mapping[str, str]] = None
) -> HttpResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
    return HttpResponse(json.dumps(body), status, dict(headers or {}))
