"""The analytics chain end to end (issue 23): the emulator -> a real sync of every stream through PyAirbyte into
DuckDB -> `dbt build` of the openai_analytics package (dbt/, its models and data tests) -> the reports equal what
the emulator served, computed from the emulator's own data (openai_emulator.usage.cost_lines and its usage model),
not from the synced tables. Then OpenAI restates the last days (`revise`), usage and costs are read again and
appended to the same tables, as an append-mode destination keeps them, and a second build must follow the revision
without counting anything twice.

Both runs use scripts/analytics.py in a subprocess (the same code as the demo), so PyAirbyte's settings stay out of
the test process.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import duckdb
import pytest

from openai_emulator import Emulator
from openai_emulator.compliance import DEFAULT_EVENT_TYPES, cost_events
from openai_emulator.data import DAY, Dataset
from openai_emulator.usage import ENDPOINTS, cost_lines, model as usage_model
from scripts import report

from .conftest import ROOT, clean_env, run

pytestmark = [pytest.mark.runtimes, pytest.mark.long(240)]

SCRIPT = ROOT / "scripts" / "analytics.py"
USAGE_AND_COSTS = ["costs"] + [f"usage_{name}" for name in ENDPOINTS]
MICRO = Decimal("0.000001")
FOCUS_NOT_NULL = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "ChargePeriodStart",
    "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "ChargeCategory", "ProviderName", "PublisherName",
    "InvoiceIssuerName", "ServiceName", "ServiceCategory", "BillingAccountId",
]  # fmt: skip
FOCUS_PRESENT = FOCUS_NOT_NULL + [
    "ChargeClass", "ChargeDescription", "SubAccountId", "SubAccountName", "SkuId", "ConsumedQuantity", "ConsumedUnit",
    "PricingQuantity", "PricingUnit", "Tags", "BillingAccountName",
]  # fmt: skip


@dataclass
class Build:
    """What one sync + build left in DuckDB, read before the next run replaces the models."""

    summary: Dict[str, Any]
    costs_per_project_day: Dict[Tuple[str, str], Decimal]
    allocated_per_line: Dict[Tuple[str, str, str, str], Decimal]
    billed_per_line: Dict[Tuple[str, str, str, str], Decimal]
    allocated_per_user: Dict[Tuple[str, str, str, Optional[str]], Decimal]
    allocation_kinds: Dict[str, str]
    tokens_per_project_day: Dict[Tuple[str, str], Tuple[int, int]]
    daily_costs_rows: int
    focus_rows: int
    focus_nulls: int
    focus_columns: List[str]
    raw_costs_rows: int
    raw_costs_keys: int
    chatgpt_costs: Dict[Tuple[str, str], Decimal]


@dataclass
class Served:
    """The same figures from the emulator's data (micro-dollars and tokens)."""

    costs_per_project_day: Dict[Tuple[str, str], int]
    micro_per_line: Dict[Tuple[str, str, str], int]
    micro_per_user: Dict[Tuple[str, str, str, Optional[str]], int]
    trained_lines: set
    tokens_per_project_day: Dict[Tuple[str, str], Tuple[int, int]]
    chatgpt_micros: Dict[Tuple[str, str], int]


def served(ds: Dataset) -> Served:
    costs: Dict[Tuple[str, str], int] = defaultdict(int)
    per_line: Dict[Tuple[str, str, str], int] = defaultdict(int)
    per_user: Dict[Tuple[str, str, str, Optional[str]], int] = defaultdict(int)
    trained = set()
    tokens: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    um = usage_model(ds)
    derive = ENDPOINTS["completions"]["derive"]
    for day in range(ds.period_start, ds.now, DAY):
        date = day_name(day)
        for line in cost_lines(ds, day):
            costs[(date, line["project_id"])] += line["micro"]
            per_line[(date, line["project_id"], line["line_item"])] += line["micro"]
            per_user[(date, line["project_id"], line["line_item"], line["user_id"])] += line["micro"]
            if line["endpoint"] is None:
                trained.add((date, line["project_id"], line["line_item"]))
        for series in um.series["completions"]:
            amounts = um.amount("completions", series["index"], day, DAY)
            if amounts is not None:
                metrics = derive(amounts)
                total = tokens[(date, series["dims"]["project_id"])]
                total[0] += metrics["input_tokens"]
                total[1] += metrics["output_tokens"]
    chatgpt: Dict[Tuple[str, str], int] = defaultdict(int)
    for event in cost_events(ds):  # amounts are whole micro-dollars, so the float round-trips exactly
        for line in event["billing_lines"]:
            chatgpt[(event["day"], event["principal_id"])] += round(line["estimated_cost"]["amount"] * 1_000_000)
    tokens_by_day = {k: tuple(v) for k, v in tokens.items()}
    return Served(dict(costs), dict(per_line), dict(per_user), trained, tokens_by_day, dict(chatgpt))


def day_name(unix: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(unix, tz=timezone.utc).strftime("%Y-%m-%d")


def sync_and_build(emu: Emulator, work: Path, name: str, streams: Sequence[str] = (), append: bool = False) -> Build:
    config = work / "config.json"
    # the compliance logs' COSTS events too, for openai__chatgpt_costs
    event_types = [*DEFAULT_EVENT_TYPES, "COSTS"]
    config.write_text(json.dumps(emu.connector_config(compliance=True, compliance_event_types=event_types)))
    out = work / f"{name}.json"
    argv = [sys.executable, SCRIPT, config, work / "openai.duckdb", "--out", out]
    argv += ["--append"] if append else []
    argv += ["--streams", ",".join(streams)] if streams else []
    env = clean_env(
        AIRBYTE_OFFLINE_MODE="1",
        AIRBYTE_CACHE_ROOT=str(work / "cache"),
        AIRBYTE_LOGGING_ROOT=str(work / "logs"),
        AIRBYTE_PROJECT_DIR=str(work / "project"),
        NO_COLOR="1",
    )
    proc = run(argv, cwd=work, env=env, timeout=900)
    assert proc.returncode == 0 and out.exists(), (
        f"exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    summary = json.loads(out.read_text())
    with duckdb.connect(str(work / "openai.duckdb"), read_only=True) as db:

        def rows(sql: str) -> List[Tuple[Any, ...]]:
            return db.execute(sql).fetchall()

        focus_columns = [d[0] for d in db.execute("SELECT * FROM openai__focus_costs LIMIT 0").description]
        nulls = " OR ".join(f'"{c}" IS NULL' for c in FOCUS_NOT_NULL)
        return Build(
            summary=summary,
            costs_per_project_day={
                (str(d), p): v
                for d, p, v in rows(
                    "SELECT cost_date, project_id, sum(billed_cost) FROM openai__daily_costs GROUP BY 1, 2"
                )
            },
            allocated_per_line={
                (str(d), p, li, c): v
                for d, p, li, c, v in rows(
                    "SELECT cost_date, project_id, line_item, currency, sum(allocated_cost) "
                    "FROM openai__cost_allocation GROUP BY ALL"
                )
            },
            billed_per_line={
                (str(d), p, li, c): v
                for d, p, li, c, v in rows(
                    "SELECT cost_date, project_id, line_item, currency, sum(billed_cost) "
                    "FROM openai__daily_costs GROUP BY ALL"
                )
            },
            allocated_per_user={
                (str(d), p, li, u): v
                for d, p, li, u, v in rows(
                    "SELECT cost_date, project_id, line_item, user_id, sum(allocated_cost) "
                    "FROM openai__cost_allocation GROUP BY ALL"
                )
            },
            allocation_kinds={
                f"{d}|{p}|{li}": kinds
                for d, p, li, kinds in rows(
                    "SELECT cost_date, project_id, line_item, string_agg(DISTINCT allocation, ',' ORDER BY allocation) "
                    "FROM openai__cost_allocation GROUP BY ALL"
                )
            },
            tokens_per_project_day={
                (str(d), p): (int(i), int(o))
                for d, p, i, o in rows(
                    "SELECT usage_date, project_id, sum(input_tokens), sum(output_tokens) FROM openai__daily_usage "
                    "WHERE product = 'completions' GROUP BY 1, 2"
                )
            },
            daily_costs_rows=rows("SELECT count(*) FROM openai__daily_costs")[0][0],
            focus_rows=rows("SELECT count(*) FROM openai__focus_costs")[0][0],
            focus_nulls=rows(f"SELECT count(*) FROM openai__focus_costs WHERE {nulls}")[0][0],
            focus_columns=focus_columns,
            raw_costs_rows=rows("SELECT count(*) FROM costs")[0][0],
            raw_costs_keys=rows("SELECT count(DISTINCT surrogate_key) FROM costs")[0][0],
            chatgpt_costs={
                (str(d), p): v
                for d, p, v in rows(
                    "SELECT cost_date, principal_id, sum(estimated_cost) FROM openai__chatgpt_costs GROUP BY 1, 2"
                )
            },
        )


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Dict[str, Any]:
    """Two runs against one emulator (seed 7, a week of data): the first sync of every stream, then a revision of
    the last two days and an appended re-read of usage and costs. Module-scoped: the emulator fixtures are reset per
    test, and both runs share the DuckDB file."""
    work = tmp_path_factory.mktemp("analytics")
    with Emulator(scale="small", seed=7) as emu:
        first = (sync_and_build(emu, work, "first"), served(emu.data))
        revision = emu.revise(days=2, factor=0.25)
        second = (sync_and_build(emu, work, "second", streams=USAGE_AND_COSTS, append=True), served(emu.data))
    since = day_name(revision["since"])
    return {"first": first, "second": second, "revised_since": since, "db": work / "openai.duckdb"}


@pytest.mark.parametrize("run_name", ["first", "second"])
def test_billed_cost_per_project_per_day_equals_what_the_emulator_billed(chain, run_name):
    build, truth = chain[run_name]
    assert truth.costs_per_project_day and len(truth.costs_per_project_day) == len(build.costs_per_project_day)
    assert {k: v / MICRO for k, v in build.costs_per_project_day.items()} == truth.costs_per_project_day


@pytest.mark.parametrize("run_name", ["first", "second"])
def test_allocation_adds_up_to_the_bill_for_every_day_project_line_item_and_currency(chain, run_name):
    build, truth = chain[run_name]
    assert build.allocated_per_line == build.billed_per_line
    assert {(d, p, li): v / MICRO for (d, p, li, _), v in build.billed_per_line.items()} == truth.micro_per_line


@pytest.mark.parametrize("run_name", ["first", "second"])
def test_each_line_is_allocated_to_the_users_whose_usage_made_it(chain, run_name):
    """Allocation is proportional to the usage measure; the emulator prices each usage series separately (floors
    per series), so a user's share may differ from the emulator's by a few micro-dollars, never more."""
    build, truth = chain[run_name]
    assert set(build.allocated_per_user) == set(truth.micro_per_user)
    off = {k: (v / MICRO, truth.micro_per_user[k]) for k, v in build.allocated_per_user.items()}
    assert all(abs(got - want) <= 10 for got, want in off.values()), {
        k: v for k, v in off.items() if abs(v[0] - v[1]) > 10
    }
    # fine-tuning training has no usage endpoint: unallocated, and nothing else is
    unallocated = {tuple(k.split("|")) for k, kinds in build.allocation_kinds.items() if "unallocated" in kinds}
    assert truth.trained_lines and unallocated == truth.trained_lines
    kinds = {kind for listed in build.allocation_kinds.values() for kind in listed.split(",")}
    assert kinds == {"user", "api_key", "project", "unallocated"}


@pytest.mark.parametrize("run_name", ["first", "second"])
def test_token_totals_equal_the_served_usage(chain, run_name):
    build, truth = chain[run_name]
    assert build.tokens_per_project_day == truth.tokens_per_project_day


def test_the_revised_re_read_is_appended_and_counted_once(chain):
    (first, first_truth), (second, second_truth) = chain["first"], chain["second"]
    assert second.raw_costs_rows > second.raw_costs_keys == first.raw_costs_keys  # duplicates are in the table
    assert sum(second_truth.costs_per_project_day.values()) > sum(first_truth.costs_per_project_day.values())
    changed = {k for k, v in second.costs_per_project_day.items() if first.costs_per_project_day.get(k) != v}
    assert changed and all(day >= chain["revised_since"] for day, _ in changed)  # only the restated days moved


def test_chatgpt_costs_per_day_and_principal_equal_the_served_costs_events(chain):
    """The provisional COSTS events of the compliance logs, synced and parsed: the estimated USD cost per day and
    principal equals the sum of the served billing lines (whole micro-dollars)."""
    build, truth = chain["first"]
    assert truth.chatgpt_micros and len(build.chatgpt_costs) == len(truth.chatgpt_micros)
    assert {k: v / MICRO for k, v in build.chatgpt_costs.items()} == truth.chatgpt_micros


@pytest.mark.parametrize("run_name", ["first", "second"])
def test_the_build_ran_every_model_and_test_without_a_warning(chain, run_name):
    results = chain[run_name][0].summary["build"]["results"]
    statuses = {node: r["status"] for node, r in results.items()}
    assert {s for s in statuses.values()} <= {"success", "pass"}, {
        n: s for n, s in statuses.items() if s not in ("success", "pass")
    }
    models = {node.split(".")[-1] for node in statuses if node.startswith("model.")}
    assert {
        "openai__daily_costs", "openai__daily_usage", "openai__cost_allocation", "openai__focus_costs",
        "openai__codex_daily", "openai__api_keys", "openai__users", "openai__chatgpt_costs",
    } <= models  # fmt: skip
    assert sum(node.startswith("test.") for node in statuses) >= 80
    rows = chain[run_name][0].summary["build"]["rows"]
    assert all(
        rows[m] > 0 for m in ("openai__daily_costs", "openai__daily_usage", "openai__codex_daily", "openai__users")
    )


def test_every_focus_row_has_the_mandatory_columns(chain):
    build = chain["first"][0]
    assert set(FOCUS_PRESENT) <= set(build.focus_columns)
    assert build.focus_rows == build.daily_costs_rows > 0 and build.focus_nulls == 0


def test_the_report_page_is_self_contained_and_every_chart_carries_data(chain, tmp_path):
    page = report.write(chain["db"], tmp_path / "report.html").read_text()
    assert not re.search(r"(?i)(https?:|//[a-z0-9]|<script|<link|<img|@import|url\()", page)  # nothing to fetch
    figures = re.findall(r'<figure data-chart="([a-z-]+)" data-points="(\d+)">(.*?)</figure>', page, re.S)
    charts = {name: (int(points), body.count('class="datum"')) for name, points, body in figures}
    assert set(charts) == {"cost-per-project-per-day", "tokens-per-model", "top-api-keys", "top-users", "codex-credits"}
    assert all(points > 0 and drawn == points for points, drawn in charts.values()), charts
    # the cost chart shows the billed cost: its bars' tooltips add up to the bill
    drawn = re.findall(r"<title>\d{4}-\d{2}-\d{2} [^<]*: \$([\d,.]+)</title>", page)
    billed = sum(chain["second"][0].costs_per_project_day.values())
    assert abs(sum(Decimal(v.replace(",", "")) for v in drawn) - billed) < Decimal("0.01") * len(drawn)
