import os

import pytest

# Root conftest: pytest plugins must be declared at the top level.
#  * test_support.fixtures: the emulator fixtures (`emulator`, `emulator_factory`, `emu`; a local OpenAI API stand-in)
#  * airbyte_cdk's standard-test hooks: parametrise the acceptance scenarios of acceptance-test-config.yml
pytest_plugins = ["test_support.fixtures", "airbyte_cdk.test.standard_tests.pytest_hooks"]


def pytest_collection_modifyitems(config, items):
    """The standard suite's Docker-image tests need a Docker engine and a metadata.yaml: skip them unless asked."""
    if os.environ.get("RUN_IMAGE_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="Docker image tests are skipped (set RUN_IMAGE_TESTS=1 to run them)")
    for item in items:
        if "image_tests" in item.keywords:
            item.add_marker(skip)
