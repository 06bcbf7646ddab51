"""Test support shared by unit_tests/, integration_tests/ and benchmarks/, none of which imports another.

* `fixtures`: the pytest plugin with the emulator fixtures (`emulator`, `emulator_factory`, `emu`,
  `session_emulator_factory`); the root conftest.py loads it.
* `emulator_client`: a small HTTP client for the emulator (`get`, `get_url`, `control`) and one sample request per
  endpoint (`sample_requests`).
* `minimum`: the minimum number of requests a full sync needs, from the emulator's data alone, and the attribution
  of a request log to endpoint templates (`minimum_requests`, `count_by_template`).

The builders of the mock-HTTP tests stay in unit_tests/integration/ (config, request_builder, response_builder,
source_runner) and the subprocess-sync harness in integration_tests/sync_harness.py: each is used by one suite only.
"""
