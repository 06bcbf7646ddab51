"""The emulator fixtures: a pytest plugin, loaded by the repository's root conftest.py, so every test can use them.

* `emulator`          - one session-wide Emulator (scale small, seed 0). Tests that change knobs call
                        `emulator.reset()` afterwards (the fixture does it before handing it out).
* `emulator_factory`  - `emulator_factory(scale="medium", seed=3, faults=Faults(...))` starts a private emulator
                        that is stopped when the test ends.
* `emu`               - one private emulator per test module, started for its first test and stopped after its
                        last; its Emulator arguments are the module's `EMULATOR` dict (default: scale small, seed 0).
                        Its knobs and request log carry over between the module's tests: call `emu.reset()` first.
* `session_emulator_factory` - as `emulator_factory`, for session-scoped fixtures: stopped when the session ends.

These are the only emulator fixtures: a test module that needs other arguments sets `EMULATOR`, e.g.
`EMULATOR = {"seed": 7, "now": NOW, **sync_harness.emulator_keys()}`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

from openai_emulator.server import Emulator


@pytest.fixture(scope="session")
def _session_emulator() -> Iterator[Emulator]:
    with Emulator(scale="small", seed=0) as emu:
        yield emu


@pytest.fixture
def emulator(_session_emulator: Emulator) -> Emulator:
    """The shared small emulator, with no faults and an empty request log."""
    _session_emulator.reset()
    return _session_emulator


def _factory() -> Iterator[Callable[..., Emulator]]:
    started: List[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        emu = Emulator(**kwargs).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., Emulator]]:
    yield from _factory()


@pytest.fixture(scope="session")
def session_emulator_factory() -> Iterator[Callable[..., Emulator]]:
    yield from _factory()


@pytest.fixture(scope="module")
def emu(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """The test module's own emulator: Emulator(**{"scale": "small", "seed": 0, **module.EMULATOR})."""
    arguments = {"scale": "small", "seed": 0, **getattr(request.module, "EMULATOR", {})}
    with Emulator(**arguments) as emulator:
        yield emulator
