"""Retried faults at real speed, the reliability mix: the real connector (`python main.py read`, every stream) against
the emulator answering a 429 every 5th request, a 5xx every 7th and a cut-off 200 every 11th. The records equal the
fault-free sync's, every URL is requested as often as there plus once per fault (no retry answered by the CDK's
response cache), and each retry comes within the wait the policy allows for its attempt (components.BoundedBackoff,
docs/openai.md "Retries and waits"). Nothing is scaled or patched. One scenario per module, so that the real-speed
scenarios run in parallel; the judging helpers are in sync_harness.py."""

from __future__ import annotations

import pytest

from . import sync_harness as h

pytestmark = [pytest.mark.faults, pytest.mark.long(160)]
EMULATOR = h.FAULT_EMULATOR


def test_the_reliability_mix_ends_within_minutes_with_every_record_once(emu, setup, baseline):
    """Issue 20's scenario: a 429 (Retry-After: 1) every 5th request, a 5xx every 7th and a cut-off 200 every 11th,
    on a full sync of every stream. Before 0.3.0 it stalled for over 15 minutes on the cut-off pages of cached parents,
    whose retries the response cache answered with the same body."""
    emu.reset()
    parents = h.cached_parents(emu)
    emu.set_faults(rate_limit_every=5, retry_after=1, server_error_every=7, truncate_every=11, truncate_first=parents)
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="mix", timeout=600)

    h.assert_same_records(sync, baseline, setup["pks"])
    h.assert_no_secret(sync)
    assert sync.elapsed < 300, f"{sync.elapsed:.0f} s"  # "within a few minutes" (about 2-3 on a busy 2-core machine)
    log = emu.requests
    assert {e["path"] for e in log if e["fault"] == "truncate"} >= set(parents)  # the cached parents' first pages
    for fault in ("429", "500", "502", "503", "truncate"):
        gaps = h.gaps_after(log, fault)
        assert gaps, fault
        # each retry comes when the policy says, for its attempt: never a long silent wait
        late = [(e["path"], n, round(g, 1)) for e, g, n in gaps if g > h.policy_wait(fault, n) + h.SLACK]
        assert not late, late
    assert min(gap for _, gap, _ in h.gaps_after(log, "429")) >= 1.0  # Retry-After: 1 is honoured
    h.assert_requests_are_minimum_plus_retries(log, baseline)
