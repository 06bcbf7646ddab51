"""The dbt package (dbt/) on hand-made connector tables: what a real sync of the emulator cannot show. Several
connections with a stream prefix, tables and columns a destination does not have, a source switched off with its
`openai_using_<stream>` variable, versions of one row in append mode, and ChatGPT COSTS events, whose fields the
connector's schema does not declare yet (docs/analytics.md § ChatGPT costs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import duckdb
import pytest

from scripts import analytics

pytestmark = pytest.mark.runtimes

COSTS_EVENT = {
    "day": "2026-11-20",
    "product": "chat",
    "model": "gpt-5",
    "user_id": "cg-user-1",
    "user_email": "Ada@Example.com",
    "billing_lines": [
        {"sku": "chat.text", "quantity": {"unit": "tokens", "value": 1200},
         "credits": {"unit": "credits", "value": 3.5}, "estimated_cost": {"amount": 0.035, "currency": "USD"}},
        {"sku": "chat.image", "quantity": {"unit": "images", "value": 2},
         "credits": {"unit": "credits", "value": 4}, "estimated_cost": {"amount": 0.04, "currency": "USD"}},
    ],
}  # fmt: skip


def connection(db: Any, schema: str, cost: str, with_costs_event: bool) -> None:
    """One connection's tables, prefixed `oa_`: two versions of one cost row (the later one is the truth), one user,
    and compliance events (an AUTH_LOG and, optionally, a COSTS event). No usage, project or Codex tables."""
    db.execute(f"CREATE SCHEMA {schema}")
    db.execute(f"""CREATE TABLE {schema}.oa_costs AS SELECT * FROM (VALUES
        ('k1', 1795651200, 1795737600, 'proj_1', 'gpt-4o, input', 'key_1', 1.5::DECIMAL(38, 9), 'usd',
         '{schema}-r1', TIMESTAMP '2026-12-01 00:00:00'),
        ('k1', 1795651200, 1795737600, 'proj_1', 'gpt-4o, input', 'key_1', {cost}::DECIMAL(38, 9), 'usd',
         '{schema}-r2', TIMESTAMP '2026-12-02 00:00:00'))
        AS t(surrogate_key, start_time, end_time, project_id, line_item, api_key_id, amount_value, amount_currency,
             _airbyte_raw_id, _airbyte_extracted_at)""")
    db.execute(f"""CREATE TABLE {schema}.oa_users AS SELECT 'user-1' AS id, 'Ada' AS name, 'ada@example.com' AS email,
        'owner' AS role, 1700000000 AS added_at, '{schema}-u' AS _airbyte_raw_id,
        TIMESTAMP '2026-12-01 00:00:00' AS _airbyte_extracted_at""")
    events = [("f1", 1, "AUTH_LOG", "2026-11-20T08:00:00Z", None, json.dumps({"email": "ada@example.com"}), None)]
    if with_costs_event:
        events.append(
            (
                "f2",
                1,
                "COSTS",
                "2026-11-20T09:00:00Z",
                COSTS_EVENT["day"],
                None,
                json.dumps(COSTS_EVENT["billing_lines"]),
            )
        )
    db.execute(f"""CREATE TABLE {schema}.oa_compliance_log_events (log_file_id VARCHAR, line_number BIGINT,
        event_type VARCHAR, "timestamp" VARCHAR, "day" VARCHAR, actor JSON, billing_lines JSON, product VARCHAR,
        model VARCHAR, user_id VARCHAR, user_email VARCHAR, principal_id VARCHAR, _airbyte_raw_id VARCHAR,
        _airbyte_extracted_at TIMESTAMP)""")
    for file_id, line, event_type, at, day, actor, lines in events:
        costs = event_type == "COSTS"
        db.execute(
            f"INSERT INTO {schema}.oa_compliance_log_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, line, event_type, at, day, actor, lines, COSTS_EVENT["product"] if costs else None,
             COSTS_EVENT["model"] if costs else None, COSTS_EVENT["user_id"] if costs else None,
             COSTS_EVENT["user_email"] if costs else None, "ws-1", f"{schema}-{file_id}", "2026-12-01 00:00:00"],
        )  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("inputs") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        connection(db, "org_a", "2.25", with_costs_event=True)
        connection(db, "org_b", "4.00", with_costs_event=False)
    return path


SOURCES = {
    "openai_sources": [{"schema": "org_a", "name": "a"}, {"schema": "org_b", "name": "b"}],
    "openai_table_prefix": "oa_",
}


def build(warehouse: Path, **dbt_vars: Any) -> Dict[str, Any]:
    result = analytics.build(warehouse, dbt_vars={**SOURCES, **dbt_vars})
    # warn: the relationships tests, as costs name a project that no `projects` table lists here
    failed = {node: r["status"] for node, r in result["results"].items() if r["status"] not in ("success", "pass")}
    assert all(node.startswith("test.openai_analytics.relationships_") for node in failed), failed
    return result


@pytest.fixture(scope="module")
def built(warehouse) -> Dict[str, Any]:
    """One build with every source on, shared by the tests that read its models."""
    return build(warehouse)


def query(warehouse: Path, sql: str) -> list:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql).fetchall()


def test_several_connections_with_a_prefix_and_missing_streams_build_and_keep_the_latest_version(warehouse, built):
    result = built
    # each connection's cost row once, at its latest extracted value, named by its connection
    assert query(warehouse, "SELECT source_relation, billed_cost FROM openai__daily_costs ORDER BY 1") == [
        ("a", pytest.approx(2.25)),
        ("b", pytest.approx(4.0)),
    ]
    assert query(warehouse, "SELECT DISTINCT allocation FROM openai__cost_allocation") == [("unallocated",)]
    # streams no connection synced (usage, projects, Codex, ...) are empty, not errors
    assert result["rows"]["openai__daily_usage"] == result["rows"]["openai__codex_daily"] == 0
    assert result["rows"]["openai__users"] == 2


def test_chatgpt_costs_events_are_parsed_one_row_per_billing_line(warehouse, built):
    rows = query(
        warehouse,
        "SELECT source_relation, cost_date::VARCHAR, principal_id, chatgpt_user_id, email, platform_user_id, product, "
        "model, sku, quantity, quantity_unit, credits, estimated_cost, estimated_cost_currency "
        "FROM openai__chatgpt_costs ORDER BY sku",
    )
    assert [tuple(float(v) if hasattr(v, "as_tuple") else v for v in row) for row in rows] == [
        ("a", "2026-11-20", "ws-1", "cg-user-1", "ada@example.com", "user-1", "chat", "gpt-5", "chat.image", 2.0,
         "images", 4.0, 0.04, "usd"),
        ("a", "2026-11-20", "ws-1", "cg-user-1", "ada@example.com", "user-1", "chat", "gpt-5", "chat.text", 1200.0,
         "tokens", 3.5, 0.035, "usd"),
    ]  # fmt: skip


def test_a_source_switched_off_reads_as_empty(warehouse, built):  # after the shared build: it replaces the models
    result = build(warehouse, openai_using_costs=False, openai_incremental=False)
    assert result["rows"]["openai__daily_costs"] == result["rows"]["openai__focus_costs"] == 0
    assert result["rows"]["openai__chatgpt_costs"] == 2
