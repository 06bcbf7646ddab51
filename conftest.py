# Root conftest: pytest plugins must be declared at the top level.
#  * openai_emulator.testing: the `emulator` and `emulator_factory` fixtures (a local OpenAI API stand-in)
#  * airbyte_cdk's standard-test hooks: parametrise the acceptance scenarios of acceptance-test-config.yml
pytest_plugins = ["openai_emulator.testing", "airbyte_cdk.test.standard_tests.pytest_hooks"]
