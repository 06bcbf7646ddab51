"""source-openai: an Airbyte source for OpenAI organisation, usage, project and Codex analytics data."""
import importlib.util
import sys
import types

from . import components as _components


def _alias_for_manifest_only() -> None:
    """Make `source_declarative_manifest.components` resolve to our components in package mode.

    The manifest names custom classes the way manifest-only connectors do, so that one manifest serves the
    Connector Builder, `source-declarative-manifest` and this package alike.
    """
    if "source_declarative_manifest.components" in sys.modules:
        return
    if "source_declarative_manifest" not in sys.modules and importlib.util.find_spec("source_declarative_manifest"):
        return  # a real manifest-only runtime: it injects its own components module
    parent = sys.modules.setdefault("source_declarative_manifest", types.ModuleType("source_declarative_manifest"))
    parent.__path__ = []  # a namespace-like package
    parent.components = _components  # type: ignore[attr-defined]
    sys.modules["source_declarative_manifest.components"] = _components


_alias_for_manifest_only()

from .source import SourceOpenai  # noqa: E402

__all__ = ["SourceOpenai"]
