"""Retried faults at real speed, cut-off bodies and dropped connections on every kind of list, the first page of each
cached parent list included: each is asked again within the policy's wait, and the children read the fresh parent
page from the CDK's response cache (minimum requests plus one per fault). One scenario per module, so that the
real-speed scenarios run in parallel; the judging helpers are in sync_harness.py."""

from __future__ import annotations

from collections import Counter

import pytest

from . import sync_harness as h

pytestmark = [pytest.mark.faults, pytest.mark.long(75)]
EMULATOR = h.FAULT_EMULATOR


def test_cut_off_bodies_and_dropped_connections_on_every_kind_of_list(emu, setup, baseline):
    """Cut-off and HTML 200s and connection resets, cached parents included: every one is asked again within seconds,
    and the children read the fresh parent page from the cache (minimum requests plus one per fault)."""
    emu.reset()
    parents = h.cached_parents(emu)
    emu.set_faults(truncate_every=10, truncate_mode="alternate", reset_every=17, truncate_first=parents)
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="truncate")

    h.assert_same_records(sync, baseline, setup["pks"])
    h.assert_no_secret(sync)
    log = emu.requests
    faults = Counter(e["fault"] for e in log)
    assert faults["truncate"] >= 5 and faults["html"] >= 5 and faults["reset"] >= 5, faults
    assert {e["path"] for e in log if e["fault"] == "truncate"} >= set(parents)  # each parent's first page cut off
    for entry, gap, attempt in h.gaps_after(log, "truncate") + h.gaps_after(log, "html"):
        assert gap <= h.policy_wait("truncate", attempt) + h.SLACK, f"{entry['path']}: asked again {gap:.2f} s later"
    h.assert_requests_are_minimum_plus_retries(log, baseline)
