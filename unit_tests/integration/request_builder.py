"""Requests the connector is expected to send, with their exact query parameters."""

from datetime import datetime
from typing import Any, Dict, Optional, Sequence

from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from airbyte_cdk.test.mock_http.request import ANY_QUERY_PARAMS

from .config import API_BASE, CODEX_BASE, CODEX_KEY, COMPLIANCE_BASE, COMPLIANCE_KEY, PROJECT_KEY
from .usage_streams import USAGE_STREAMS


class RequestBuilder:
    def __init__(self, base: str, path: str) -> None:
        self._url = base + path
        self._params: Optional[Dict[str, Any]] = {}
        self._headers: Optional[Dict[str, str]] = None

    @classmethod
    def api(cls, path: str) -> "RequestBuilder":
        """A platform API request, e.g. RequestBuilder.api('/organization/users')."""
        return cls(API_BASE, path)

    @classmethod
    def codex(cls, path: str) -> "RequestBuilder":
        return cls(CODEX_BASE, path)

    def with_limit(self, limit: int) -> "RequestBuilder":
        return self.with_param("limit", limit)

    def with_after(self, cursor: str) -> "RequestBuilder":
        return self.with_param("after", cursor)

    def with_page(self, token: str) -> "RequestBuilder":
        return self.with_param("page", token)

    def with_param(self, name: str, value: Any) -> "RequestBuilder":
        assert self._params is not None, "any_query_params() was set"
        self._params[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
        return self

    def with_bearer(self, key: str) -> "RequestBuilder":
        self._headers = {"Authorization": f"Bearer {key}"}
        return self

    def any_query_params(self) -> "RequestBuilder":
        self._params = None
        return self

    def build(self) -> HttpRequest:
        params = ANY_QUERY_PARAMS if self._params is None else self._params
        return HttpRequest(self._url, query_params=params, headers=self._headers)


def compliance_logs_request(kind: str, principal: str, after: str, event_type: str = "AUTH_LOG") -> RequestBuilder:
    """A page of a principal's compliance log-file list (`kind`: workspaces or organizations), after a time."""
    return (
        RequestBuilder(COMPLIANCE_BASE, f"/compliance/{kind}/{principal}/logs")
        .with_bearer(COMPLIANCE_KEY)
        .with_param("event_type", event_type)
        .with_limit(100)
        .with_param("after", after)
    )


def epoch(text: str) -> int:
    """Unix seconds of an ISO 8601 time (`2026-03-14T00:00:00Z`) or a UTC day (`2026-03-14`)."""
    return int(
        datetime.fromisoformat(text.replace("Z", "+00:00") if "T" in text else text + "T00:00:00+00:00").timestamp()
    )


def expect(http: HttpMocker, request: RequestBuilder, response: HttpResponse) -> HttpRequest:
    """Register a response; returns the request object, for http.assert_number_of_calls (it matches by identity)."""
    built = request.build()
    http.get(built, response)
    return built


def usage_request(
    stream: str,
    start: int,
    end: int,
    width: str = "1d",
    group_by: Optional[Sequence[str]] = None,
    page: Optional[str] = None,
) -> RequestBuilder:
    """A usage or costs page: the range, the bucket width, the most buckets, the endpoint's `group_by` values
    (usage_streams.py)."""
    row = USAGE_STREAMS[stream]
    request = (
        RequestBuilder.api(row.path)
        .with_param("bucket_width", width)
        .with_limit(row.max_buckets[width])
        .with_param("start_time", start)
        .with_param("end_time", end)
    )
    group_by = row.group_by if group_by is None else group_by
    if group_by:
        request = request.with_param("group_by", list(group_by))
    return request.with_page(page) if page else request


def codex_request(
    endpoint: str,
    workspace: str,
    start: int,
    end: int,
    page: Optional[str] = None,
    limit: int = 500,
    group: Optional[str] = None,
) -> RequestBuilder:
    """A Codex Analytics page (`usage`, `code_reviews`, `code_review_responses`) of one workspace. The usage streams
    send `group="user"` (per-user rows); the code-review streams send no `group`."""
    builder = (
        RequestBuilder.codex(f"/workspaces/{workspace}/{endpoint}")
        .with_bearer(CODEX_KEY)
        .with_param("start_time", start)
        .with_param("end_time", end)
        .with_param("group_by", "day")
        .with_limit(limit)
    )
    if group:
        builder = builder.with_param("group", group)
    return builder.with_page(page) if page else builder


def codex_check_request(workspace: str) -> RequestBuilder:
    """`check`'s probe of one Codex workspace: its usage endpoint, whatever the query."""
    return RequestBuilder.codex(f"/workspaces/{workspace}/usage").with_bearer(CODEX_KEY).any_query_params()


def audit_request(gte: int, after: Optional[str] = None, tenant: bool = False) -> RequestBuilder:
    """A page of audit_logs from `effective_at[gte]`, in one of its two partitions (`tenant_only` false or true)."""
    request = (
        RequestBuilder.api("/organization/audit_logs")
        .with_limit(100)
        .with_param("tenant_only", "true" if tenant else "false")
        .with_param("effective_at[gte]", gte)
    )
    return request.with_after(after) if after else request


def project_request(
    path: str, limit: Optional[int] = None, order: Optional[str] = None, after: Optional[str] = None
) -> RequestBuilder:
    """A project-key list page: `limit`, `order` and `after` only where given (project_streams.py has each
    endpoint's)."""
    builder = RequestBuilder.api(path).with_bearer(PROJECT_KEY)
    if limit is not None:
        builder = builder.with_limit(limit)
    if order is not None:
        builder = builder.with_param("order", order)
    return builder.with_after(after) if after is not None else builder
