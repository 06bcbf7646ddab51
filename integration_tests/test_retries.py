"""Retried faults at real speed: the real connector (`python main.py read`, every stream) against the emulator with
429s, server errors, dropped connections, cut-off bodies and a hung request. Whatever the fault, the records (by
primary key, with their values) equal the fault-free sync's, every URL is requested as often as in that sync plus
once per fault (no retry is answered by the CDK's response cache), and each retry comes within the wait the policy
allows. Nothing is scaled or patched: the waits asserted here are the ones a real sync spends.

The policy (components.BoundedBackoff, docs/openai.md "Retries and waits"): before retry n, a 5xx, reset or cut-off
body waits 2**(n-1) s and a 429 its Retry-After, each plus the CDK's 1 s.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any, Dict, List, Mapping, Tuple

import pytest

from . import sync_harness as h

pytestmark = pytest.mark.faults
EMULATOR = h.FAULT_EMULATOR  # the module's `emu` (openai_emulator.testing)

SLACK = 3.0  # scheduling, connection set-up and a busy 2-core machine running other tests at once


def _cached_parents(emu) -> List[str]:
    """Parent lists the CDK keeps in its response cache (read by their stream and by their children)."""
    project = emu.data.projects.item(1)["id"]
    return [
        "/v1/organization/users",
        "/v1/organization/groups",
        "/v1/organization/projects",
        f"/v1/organization/projects/{project}/users",
        "/v1/fine_tuning/jobs",
    ]


def _gaps_after(log: List[Dict[str, Any]], fault: str) -> List[Tuple[Dict[str, Any], float, int]]:
    """For each request that got `fault`: the time from its end to the start of the next request of the same URL (the
    retry; infinite if none came) and its attempt number (1 + the faults the same URL met right before it)."""
    by_url: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    for entry in log:
        by_url[h.request_key(entry)].append(entry)
    gaps = []
    for entry in (e for e in log if e["fault"] == fault):
        same = by_url[h.request_key(entry)]
        earlier = [e for e in same if e["n"] < entry["n"]]
        attempt = 1
        for previous in reversed(earlier):
            if previous["fault"] in (None, "slow"):
                break
            attempt += 1
        later = [e["started"] - entry["ended"] for e in same if e["n"] > entry["n"]]
        gaps.append((entry, min(later) if later else float("inf"), attempt))
    return gaps


def _policy_wait(fault: str, attempt: int, retry_after: float = 1) -> float:
    """What BoundedBackoff waits before the retry after attempt n's fault, plus the CDK's 1 s."""
    return (retry_after if fault == "429" else min(2 ** (attempt - 1), 30)) + 1


def _assert_requests_are_minimum_plus_retries(log: List[Dict[str, Any]], baseline: Dict[str, Any]) -> None:
    """Each URL was requested as often as in the fault-free sync plus once per fault it got: no retry was answered
    by the response cache (a cached answer never reaches the server, so a fault would leave a URL one short)."""

    def key(entry: Mapping[str, Any]) -> Tuple[str, str]:  # usage and costs end at the sync's "now"
        return entry["path"], json.dumps({k: v for k, v in entry["query"].items() if k != "end_time"}, sort_keys=True)

    ok = Counter(key(e) for e in baseline["requests"])
    seen = Counter(key(e) for e in log)
    faults = Counter(key(e) for e in log if e["fault"] not in (None, "slow"))
    wrong = {url: (seen[url], ok[url], faults[url]) for url in seen | ok if seen[url] != ok[url] + faults[url]}
    assert not wrong, list(wrong.items())[:5]


def test_the_reliability_mix_ends_within_minutes_with_every_record_once(emu, setup, baseline):
    """Issue 20's scenario: a 429 (Retry-After: 1) every 5th request, a 5xx every 7th and a cut-off 200 every 11th,
    on a full sync of every stream. Before 0.3.0 it stalled for over 15 minutes on the cut-off pages of cached parents,
    whose retries the response cache answered with the same body."""
    emu.reset()
    parents = _cached_parents(emu)
    emu.set_faults(rate_limit_every=5, retry_after=1, server_error_every=7, truncate_every=11, truncate_first=parents)
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="mix", timeout=600)

    h.assert_same_records(sync, baseline, setup["pks"])
    h.assert_no_secret(sync)
    assert sync.elapsed < 180, f"{sync.elapsed:.0f} s"
    log = emu.requests
    assert {e["path"] for e in log if e["fault"] == "truncate"} >= set(parents)  # the cached parents' first pages
    for fault in ("429", "500", "502", "503", "truncate"):
        gaps = _gaps_after(log, fault)
        assert gaps, fault
        # each retry comes when the policy says, for its attempt: never a long silent wait
        late = [(e["path"], n, round(g, 1)) for e, g, n in gaps if g > _policy_wait(fault, n) + SLACK]
        assert not late, late
    assert min(gap for _, gap, _ in _gaps_after(log, "429")) >= 1.0  # Retry-After: 1 is honoured
    _assert_requests_are_minimum_plus_retries(log, baseline)


def test_cut_off_bodies_and_dropped_connections_on_every_kind_of_list(emu, setup, baseline):
    """Cut-off and HTML 200s and connection resets, cached parents included: every one is asked again within seconds,
    and the children read the fresh parent page from the cache (minimum requests plus one per fault)."""
    emu.reset()
    parents = _cached_parents(emu)
    emu.set_faults(truncate_every=6, truncate_mode="alternate", reset_every=13, truncate_first=parents)
    sync = h.read(setup["dir"], setup["config"], setup["catalog"], name="truncate")

    h.assert_same_records(sync, baseline, setup["pks"])
    h.assert_no_secret(sync)
    log = emu.requests
    faults = Counter(e["fault"] for e in log)
    assert faults["truncate"] >= 5 and faults["html"] >= 5 and faults["reset"] >= 5, faults
    assert {e["path"] for e in log if e["fault"] == "truncate"} >= set(parents)  # each parent's first page cut off
    for entry, gap, attempt in _gaps_after(log, "truncate") + _gaps_after(log, "html"):
        assert gap <= _policy_wait("truncate", attempt) + SLACK, f"{entry['path']}: asked again {gap:.2f} s later"
    _assert_requests_are_minimum_plus_retries(log, baseline)


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
    assert 60 <= waited <= 62 + SLACK, f"asked again after {waited:.1f} s"
    invites = {k: v for k, v in baseline["records"].items() if k[0] == "invites"}
    assert h.by_key(sync.records, setup["pks"]) == invites
