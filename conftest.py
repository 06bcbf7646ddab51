import os

import pytest

# Root conftest: pytest plugins must be declared at the top level.
#  * test_support.fixtures: the emulator fixtures (`emulator`, `emulator_factory`, `emu`; a local OpenAI API stand-in)
#  * airbyte_cdk's standard-test hooks: parametrise the acceptance scenarios of acceptance-test-config.yml
pytest_plugins = ["test_support.fixtures", "airbyte_cdk.test.standard_tests.pytest_hooks"]


def pytest_collection_modifyitems(config, items):
    """The longest modules first, then skip the Docker-image tests unless asked.

    A module that runs for a minute or more on the CI machine says so with `pytest.mark.long(seconds)`. The suite runs
    each module on one worker (`--dist loadfile`, scripts/test.sh) in collection order (`--no-loadscope-reorder`), so
    starting the longest ones first keeps one from starting last and running alone. The sort is stable: every other
    test keeps its place. The standard suite's Docker-image tests need a Docker engine and a metadata.yaml."""
    items.sort(key=lambda item: -_expected_seconds(item))
    if os.environ.get("RUN_IMAGE_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="Docker image tests are skipped (set RUN_IMAGE_TESTS=1 to run them)")
    for item in items:
        if "image_tests" in item.keywords:
            item.add_marker(skip)


def _expected_seconds(item) -> float:
    marker = item.get_closest_marker("long")
    return float(marker.args[0]) if marker else 0.0
