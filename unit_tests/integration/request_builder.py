"""Requests the connector is expected to send, with their exact query parameters."""

from typing import Any, Dict, Optional

from airbyte_cdk.test.mock_http import HttpRequest
from airbyte_cdk.test.mock_http.request import ANY_QUERY_PARAMS

from .config import API_BASE, CODEX_BASE, COMPLIANCE_BASE, COMPLIANCE_KEY


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
