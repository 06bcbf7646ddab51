"""Benchmarks of source-openai against the local OpenAI emulator (not part of the test suite).

Run all four measurements and save a results table:  .venv/bin/python -m benchmarks.run
See README "Benchmarks".
"""
