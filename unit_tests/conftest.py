from typing import List

import pytest


class SleepRecorder:
    """Stands in for `time` in the CDK's backoff handlers: records each wait instead of sleeping."""

    def __init__(self) -> None:
        self.calls: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps(monkeypatch) -> SleepRecorder:
    """Every retry wait of the HTTP client, recorded and skipped (keeps the error-policy tests fast)."""
    from airbyte_cdk.sources.streams.http import rate_limiting

    recorder = SleepRecorder()
    monkeypatch.setattr(rate_limiting, "time", recorder)
    return recorder


@pytest.fixture(autouse=True, scope="session")
def _process_the_manifest_once():
    """Speed: resolve and validate the (unchanging) manifest once per session instead of once per source.

    Every test builds a fresh SourceOpenai; the CDK spends ~1.2 s of each construction resolving `$ref`s and
    validating the manifest against its schema. The first construction still does both for real, so an invalid
    manifest fails the suite as before; later ones reuse a deep copy of the result.
    """
    import orjson
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

    import source_openai.source

    def copy_of(value):  # a deep copy of plain JSON data, ~10x faster than copy.deepcopy
        return orjson.loads(orjson.dumps(value))

    manifest = orjson.dumps(source_openai.source.load_manifest())
    resolved: dict = {}
    validated: set = set()
    original_pre_process = ConcurrentDeclarativeSource._pre_process_manifest
    original_validate = ConcurrentDeclarativeSource._validate_source

    def pre_process(self, manifest):
        key = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)
        if key not in resolved:
            resolved[key] = orjson.dumps(original_pre_process(self, copy_of(manifest)))
        return orjson.loads(resolved[key])

    def validate(self):
        key = orjson.dumps(self._source_config, option=orjson.OPT_SORT_KEYS)
        if key not in validated:
            original_validate(self)
            validated.add(key)

    patch = pytest.MonkeyPatch()
    patch.setattr(source_openai.source, "load_manifest", lambda: orjson.loads(manifest))
    patch.setattr(ConcurrentDeclarativeSource, "_pre_process_manifest", pre_process)
    patch.setattr(ConcurrentDeclarativeSource, "_validate_source", validate)
    yield
    patch.undo()
