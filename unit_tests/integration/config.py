"""ConfigBuilder: valid configs for tests. Keys are obviously fake and recognisable (see test_secrets)."""

from typing import Any, Dict, Optional

ADMIN_KEY = "sk-admin-FAKEadminKEY0123456789abcdef"
PROJECT_KEY = "sk-proj-FAKEprojectKEY0123456789abcdef"
CODEX_KEY = "sk-FAKEcodexKEY0123456789abcdef"
PROJECT_ID = "proj_test1"  # the project of PROJECT_KEY
API_BASE = "https://api.openai.com/v1"
CODEX_BASE = "https://api.chatgpt.com/v1/analytics/codex"
COMPLIANCE_KEY = "sk-FAKEcomplianceKEY0123456789abcdef"
COMPLIANCE_BASE = "https://api.chatgpt.com/v1"
FAKE_KEY_FRAGMENT = "FAKE"  # appears in every test key and nowhere else: grep output for it


class ConfigBuilder:
    def __init__(self) -> None:
        self._config: Dict[str, Any] = {"admin_api_key": ADMIN_KEY, "start_date": "2026-01-01T00:00:00Z"}

    def with_project_key(self, key: str = PROJECT_KEY, project_id: Optional[str] = PROJECT_ID) -> "ConfigBuilder":
        """The project key, with the `project_id` it belongs to (so no Admin lookup is sent); project_id=None leaves
        it out, and the sync looks the project up (mock its requests)."""
        self._config["project_api_key"] = key
        self._config.pop("project_id", None)
        self._config.update({"project_id": project_id} if project_id else {})
        return self

    def with_codex(self, workspace_ids: str = "ws_1,ws_2", key: str = CODEX_KEY) -> "ConfigBuilder":
        self._config["codex_api_key"] = key
        self._config["workspace_ids"] = workspace_ids
        return self

    def with_compliance(self, principal_ids: str, key: str = COMPLIANCE_KEY) -> "ConfigBuilder":
        """The ChatGPT Compliance API key and the workspace/organisation ids it reads (comma-separated)."""
        self._config["compliance_api_key"] = key
        self._config["compliance_principal_ids"] = principal_ids
        return self

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_fields(self, **fields: Any) -> "ConfigBuilder":
        self._config.update(fields)
        return self

    def without(self, *names: str) -> "ConfigBuilder":
        for name in names:
            self._config.pop(name, None)
        return self

    def build(self) -> Dict[str, Any]:
        return dict(self._config)
