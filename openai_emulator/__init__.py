"""A local, deterministic emulator of the OpenAI APIs that source-openai reads (no credentials, no network).

    from openai_emulator import Emulator
    with Emulator(scale="small", seed=0) as emu:
        emu.api_base_url, emu.codex_api_base_url, emu.compliance_api_base_url, emu.connector_config()

Run alone: `python -m openai_emulator --port 0 --scale small --seed 0`. See README.md, "The OpenAI emulator".
"""

from .data import SCALES, Dataset, Scale
from .faults import Faults
from .keys import ADMIN_KEY, CODEX_KEY, COMPLIANCE_KEY, PROJECT_KEY, mask_key
from .server import API_PREFIX, CODEX_PREFIX, COMPLIANCE_PREFIX, Emulator

__all__ = [
    "Emulator",
    "Faults",
    "Dataset",
    "Scale",
    "SCALES",
    "ADMIN_KEY",
    "PROJECT_KEY",
    "CODEX_KEY",
    "COMPLIANCE_KEY",
    "API_PREFIX",
    "CODEX_PREFIX",
    "COMPLIANCE_PREFIX",
    "mask_key",
]
