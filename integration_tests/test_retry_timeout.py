"""The one real-time read timeout: a hung request is abandoned after the requesters' 60 s read timeout and asked again
after the policy's first wait. One scenario per module, so that the real-speed scenarios run in parallel."""

from __future__ import annotations

import pytest

from . import sync_harness as h

pytestmark = [pytest.mark.faults, pytest.mark.long(70)]
EMULATOR = h.FAULT_EMULATOR


def test_a_hung_request_is_abandoned_after_the_read_timeout_and_asked_again(emu, setup, baseline):
    """The one real-time timeout: the first request of the sync (`invites`) gets no answer for 70 s; the connector
    gives up after its 60 s read timeout, waits 1 s (+1 s) and asks again."""
    emu.reset()
    emu.set_faults(slow_at=[1], slow_seconds=70)
    catalog = {"streams": [s for s in setup["catalog"]["streams"] if s["stream"]["name"] == "invites"]}
    sync = h.read(setup["dir"], setup["config"], catalog, name="hung", timeout=200)

    assert sync.returncode == 0, sync.describe()
    log = [e for e in emu.requests if e["path"] == "/v1/organization/invites"]
    assert len(log) >= 2 and log[0]["fault"] == "slow", [(e["fault"], e["status"]) for e in log]
    waited = log[1]["started"] - log[0]["started"]
    assert 60 <= waited <= 62 + h.SLACK, f"asked again after {waited:.1f} s"
    invites = {k: v for k, v in baseline["records"].items() if k[0] == "invites"}
    assert h.by_key(sync.records, setup["pks"]) == invites
