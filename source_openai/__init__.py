"""source-openai: an Airbyte source for OpenAI organisation, usage, project and Codex analytics data."""

import importlib.util
import sys
import types

from . import components

# The manifest names its custom classes `source_declarative_manifest.components.X`, as manifest-only connectors do,
# so one manifest serves the Connector Builder, `source-declarative-manifest` and this package. In package mode
# that module name is registered here for our components; a real manifest-only runtime injects its own.
if "source_declarative_manifest.components" not in sys.modules and (
    "source_declarative_manifest" in sys.modules or not importlib.util.find_spec("source_declarative_manifest")
):
    _parent = sys.modules.setdefault("source_declarative_manifest", types.ModuleType("source_declarative_manifest"))
    _parent.__path__ = []  # a namespace-like package
    _parent.components = components  # type: ignore[attr-defined]
    sys.modules["source_declarative_manifest.components"] = components

from .source import SourceOpenai  # noqa: E402

__all__ = ["SourceOpenai"]
