"""API keys: the fake keys the emulator accepts by default, the four key classes, and the 401 answers of a missing,
unknown or wrong-class key (a key shows at most its first 7 and last 4 characters, as OpenAI's messages do)."""

from __future__ import annotations

from typing import Mapping, Optional

from .common import ApiError

# Fake, recognisable keys the emulator accepts by default (override with admin_keys/project_keys/codex_keys/
# compliance_keys).
ADMIN_KEY = "sk-admin-EMULATOR-admin-0000000000000001"
PROJECT_KEY = "sk-proj-EMULATOR-project-000000000000001"
CODEX_KEY = "sk-EMULATOR-codex-000000000000000000001"
COMPLIANCE_KEY = "sk-compliance-EMULATOR-00000000000000001"

KEY_CLASS_NAMES = {
    "admin": "an Admin API key (sk-admin-...)",
    "project": "a project API key (sk-proj-...)",
    "codex": "an API key with the codex.enterprise.analytics.read scope",
    "compliance": "an Enterprise Compliance API key (ChatGPT admin console)",
}


def mask_key(key: str) -> str:
    """How OpenAI echoes a key in a 401: a short prefix and the last 4 characters, never more."""
    if len(key) < 16:
        return key[:3] + "*****"
    return key[:7] + "*****" + key[-4:]


def bearer_key(headers: Mapping[str, str]) -> Optional[str]:
    """The key of an `Authorization: Bearer ...` header, or None."""
    auth = headers.get("Authorization", "")
    return auth[7:].strip() if auth.startswith("Bearer ") else None


def key_error(key: Optional[str], key_class: Optional[str], wanted: str) -> Optional[ApiError]:
    """The 401 for a request with `key` (of class `key_class`, "unknown" when no class has it) to an endpoint that
    needs a key of class `wanted`, or None when the key fits."""
    if key is None or key == "":
        return ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            code=None,
        )
    if key_class == "unknown":
        return ApiError(
            401,
            f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )
    if key_class != wanted:
        return ApiError(
            401,
            f"This endpoint needs {KEY_CLASS_NAMES[wanted]}; the key provided "
            f"({mask_key(key)}) is {KEY_CLASS_NAMES[key_class or 'admin'].split(' (')[0]}.",
            code="invalid_api_key",
        )
    return None
