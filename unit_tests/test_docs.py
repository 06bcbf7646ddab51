"""docs/openai.md cannot drift from the connector: its stream table is regenerated and compared, every spec field
is documented with its default, every message the connector can emit has a troubleshooting entry, and the
changelog table matches CHANGELOG.md."""

import ast
import re
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "openai.md").read_text()
MANIFEST = yaml.safe_load((ROOT / "source_openai" / "manifest.yaml").read_text())


def section(title: str, collapse: bool = True) -> str:
    """The text of the `## title` section, whitespace collapsed unless asked."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DOCS, re.S | re.M)
    assert match, f"docs/openai.md has no '## {title}' section"
    return " ".join(match.group(1).split()) if collapse else match.group(1)


def test_the_stream_table_is_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_docs
    finally:
        sys.path.pop(0)
    table = gen_docs.render_table()
    assert gen_docs.current_table(DOCS) == table, "stale: run .venv/bin/python scripts/gen_docs.py"
    # one row per stream that a discover with every credential returns (the header row comes first)
    from airbyte_cdk.test.entrypoint_wrapper import discover

    from source_openai import SourceOpenai

    config = dict(gen_docs.FAKE_CONFIG)
    discovered = [s.name for s in discover(SourceOpenai(config=config), config).catalog.catalog.streams]
    rows = re.findall(r"^\| (\w+) \|", table, re.M)
    assert rows[0] == "stream" and discovered
    assert sorted(rows[1:]) == sorted(discovered)


def test_every_config_field_is_documented_with_its_default():
    text = section("Configuration", collapse=False).split("\n### ")[0]  # the field table, not the subsections
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.M)}
    properties = MANIFEST["spec"]["connection_specification"]["properties"]
    assert set(rows) == set(properties), "config table vs spec"
    for name, prop in properties.items():
        if "default" in prop:
            default = str(prop["default"]).lower() if isinstance(prop["default"], bool) else str(prop["default"])
            assert f"`{default}`" in rows[name], f"{name}: default {default!r} not in its row"


# ------------------------------------------------------------------------------------------ messages
def key_phrase(literal_parts: List[str]) -> str:
    """The longest sentence of a message's literal runs (templated parts removed), cut to 80 characters."""
    sentences = []
    for part in literal_parts:
        for sentence in re.split(r"(?<=[.;])\s", " ".join(part.split())):
            sentences.append(sentence.strip(" .;:,`'\""))
    phrase = max(sentences, key=len)
    return phrase if len(phrase) <= 80 else phrase[:80].rsplit(" ", 1)[0]


def manifest_messages() -> Iterator[Tuple[str, str]]:
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("error_message", "failure_message") and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for message in walk({k: v for k, v in MANIFEST.items() if k != "schemas"}):
        yield message, key_phrase(re.split(r"\{\{.*?\}\}", message))


def python_messages(path: Path) -> Iterator[Tuple[str, str]]:
    """Texts passed to problems.append(...), ConfigError([...]), LOGGER.warning/info(...), and assigned to `message`."""
    tree = ast.parse(path.read_text())

    def literal_parts(node) -> List[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            return [v.value for v in node.values if isinstance(v, ast.Constant)] or [""]
        if isinstance(node, ast.BinOp):  # implicit concatenation is one Constant/JoinedStr; `+` is rare
            return literal_parts(node.left) + literal_parts(node.right)
        return []

    for node in ast.walk(tree):
        args: List[ast.AST] = []
        func = ast.unparse(node.func) if isinstance(node, ast.Call) else ""
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["message"]:
            args = [node.value]
        elif func.endswith("problems.append") or func in ("LOGGER.warning", "LOGGER.info", "_config_error"):
            args = node.args[-1:]
        elif func == "_lookup_error" and node.args:
            args = node.args[:1]
        elif func == "ConfigError" and node.args and isinstance(node.args[0], ast.List):
            args = node.args[0].elts
        # `"a" if x else "b"`: each text can be shown, so each is a message of its own
        args = [branch for arg in args for branch in ([arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg])]
        for arg in args:
            parts = [p for p in literal_parts(arg) if p.strip()]
            if parts:
                yield ast.unparse(arg)[:80], key_phrase(parts)


MESSAGES = list(manifest_messages()) + [
    message for module in sorted((ROOT / "source_openai").glob("*.py")) for message in python_messages(module)
]
# Raised or logged by the CDK on our behalf (rate-limit and retry budgets; a warning when it builds streams).
CDK_MESSAGES = [
    "API rate limit exceeded",
    "Exhausted available request attempts",
    "defines `page_size_reduction` but no response filter with the REDUCE_PAGE_SIZE action",
]


def troubleshooting_rows() -> List[str]:
    """The first cell (the message) of every row of the Troubleshooting tables, whitespace collapsed."""
    rows = [line for line in section("Troubleshooting", collapse=False).splitlines() if line.startswith("| ")]
    return [" ".join(row.split(" | ")[0].strip("| ").split()) for row in rows if not row.startswith("| message |")]


def test_messages_were_found():
    assert len(MESSAGES) >= 35, MESSAGES  # a broken extractor must not pass silently


@pytest.mark.parametrize("message, phrase", MESSAGES, ids=[p[:50] for _, p in MESSAGES])
def test_every_message_has_a_troubleshooting_entry(message, phrase):
    assert len(phrase) >= 10, f"key phrase too short to be meaningful: {phrase!r} from {message!r}"
    assert phrase in section("Troubleshooting"), (
        f"no troubleshooting entry containing {phrase!r} (message: {message!r})"
    )


@pytest.mark.parametrize("phrase", CDK_MESSAGES)
def test_cdk_retry_messages_are_explained(phrase):
    assert phrase in section("Troubleshooting")


def test_every_troubleshooting_row_is_a_message_the_connector_can_still_emit():
    """The other direction: a row whose message no module, manifest filter or CDK budget emits any more is stale."""
    rows = [row for row in troubleshooting_rows() if not set(row) <= set("-: |")]
    assert len(rows) >= 40, rows[:3]  # a broken table parser must not pass silently
    phrases = [phrase for _, phrase in MESSAGES] + CDK_MESSAGES
    stale = [row[:100] for row in rows if not any(phrase in row for phrase in phrases)]
    assert not stale, stale


def test_changelog_table_matches_changelog_md():
    documented = re.findall(r"^\| (\d+\.\d+\.\d+) \| (\d{4}-\d{2}-\d{2}) \|", DOCS, re.M)
    released = re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert documented and documented == released


def test_readme_links_to_the_docs():
    assert "docs/openai.md" in (ROOT / "README.md").read_text()
