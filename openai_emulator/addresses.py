"""The emulator's addresses and what it tells a client: base URLs, a connector config pointed at it, its description
(a mixin of server.Emulator, which sets the attributes named below)."""

from __future__ import annotations

from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Set

from . import compliance as _compliance  # (connector_config has a parameter of that name)
from .data import Dataset

API_PREFIX = "/v1"
CODEX_PREFIX = "/codex/v1/analytics/codex"
COMPLIANCE_PREFIX = "/chatgpt/v1"


class Addresses:
    """Base URLs, `connector_config()` and `describe()` of a running emulator."""

    data: Dataset
    host: str
    admin_keys: Set[str]
    project_keys: Dict[str, str]
    codex_keys: Set[str]
    compliance_keys: Set[str]
    codex_max_limit: int
    _server: Optional[ThreadingHTTPServer]

    @property
    def port(self) -> int:
        assert self._server is not None, "the emulator is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def codex_api_base_url(self) -> str:
        return self.base_url + CODEX_PREFIX

    @property
    def compliance_api_base_url(self) -> str:
        return self.base_url + COMPLIANCE_PREFIX

    @property
    def compliance_principals(self) -> List[str]:
        """The ChatGPT compliance principals: two workspace UUIDs, then the organisation id (`org-...`)."""
        return _compliance.principals(self.data)

    def connector_config(
        self,
        project: bool = True,
        codex_analytics: bool = True,
        compliance: bool = False,
        project_id: bool = True,
        **overrides: Any,
    ) -> Dict[str, Any]:
        """A valid source-openai config for this emulator: the Admin, project and Codex credentials (and, with
        compliance=True, the compliance key, its three principals and AUTH_LOG + CONVERSATION_MESSAGE),
        start_date = start of the data. With the project key comes its `project_id`, unless project_id=False
        (then a sync looks the project up with the Admin key)."""
        start = datetime.fromtimestamp(self.data.period_start, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        config: Dict[str, Any] = {
            "admin_api_key": sorted(self.admin_keys)[0],
            "start_date": start,
            "api_base_url": self.api_base_url,
            "codex_api_base_url": self.codex_api_base_url,
        }
        if project and self.project_keys:
            config["project_api_key"] = sorted(self.project_keys)[0]
            if project_id:
                config["project_id"] = self.project_keys[config["project_api_key"]]
        if codex_analytics and self.codex_keys:
            config["codex_api_key"] = sorted(self.codex_keys)[0]
            config["workspace_ids"] = ",".join(self.data.workspaces)
        if compliance and self.compliance_keys:
            config["compliance_api_key"] = sorted(self.compliance_keys)[0]
            config["compliance_principal_ids"] = ",".join(self.compliance_principals)
            config["compliance_event_types"] = list(_compliance.DEFAULT_EVENT_TYPES)
            config["compliance_api_base_url"] = self.compliance_api_base_url
        config.update(overrides)
        return config

    def describe(self) -> Dict[str, Any]:
        ds = self.data
        return {
            "api_base_url": self.api_base_url,
            "codex_api_base_url": self.codex_api_base_url,
            "compliance_api_base_url": self.compliance_api_base_url,
            "compliance_principals": self.compliance_principals,
            "scale": ds.scale.name,
            "seed": ds.seed,
            "now": ds.now,
            "period_start": ds.period_start,
            "workspaces": ds.workspaces,
            "codex_max_limit": self.codex_max_limit,
            "revisions": len(ds.revisions),
        }
