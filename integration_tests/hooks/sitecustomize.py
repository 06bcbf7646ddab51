"""Test-only start-up hook for connector subprocesses of the fault suite (never installed, never shipped).

`integration_tests/sync_harness.py` puts this directory first on PYTHONPATH of `python main.py read`, so Python
imports it at start-up. It changes nothing unless the suite sets these variables:

* SOURCE_OPENAI_TEST_WAIT_SCALE=0.01: every retry wait of the CDK's HTTP client is multiplied by this factor,
  so a fault that costs a real sync 5 s of backoff costs the test 50 ms. The 429 scenario leaves it unset and
  proves the real `Retry-After` wait on the emulator's timestamps.
* SOURCE_OPENAI_TEST_READ_TIMEOUT=1.5: the read timeout of the connector's requesters is lowered to this many
  seconds, so a hung request is abandoned and retried quickly. Only a timeout the manifest already sets is lowered;
  without one, requests still hang (and the test that relies on it fails).
"""

import os

_scale = os.environ.get("SOURCE_OPENAI_TEST_WAIT_SCALE")
_read_timeout = os.environ.get("SOURCE_OPENAI_TEST_READ_TIMEOUT")

if _scale or _read_timeout:
    import time as _time

    from airbyte_cdk.sources.streams.http import http_client as _http_client, rate_limiting as _rate_limiting

    if _scale:
        _factor = float(_scale)

        class _ScaledTime:
            def __getattr__(self, name):
                return getattr(_time, name)

            @staticmethod
            def sleep(seconds):
                _time.sleep(seconds * _factor)

        _rate_limiting.time = _ScaledTime()

    if _read_timeout:
        _limit = float(_read_timeout)
        _original_init = _http_client.HttpClient.__init__

        def _init(self, *args, **kwargs):
            _original_init(self, *args, **kwargs)
            timeout = self._request_timeout
            if isinstance(timeout, tuple) and timeout[1] is not None:
                self._request_timeout = (timeout[0], min(timeout[1], _limit))
            elif isinstance(timeout, (int, float)):
                self._request_timeout = min(timeout, _limit)

        _http_client.HttpClient.__init__ = _init
