"""Benchmark 5: the openai_analytics dbt package (dbt/) on a large organisation's data, on DuckDB.

Generates the connector's tables directly in a DuckDB file, as PyAirbyte's cache writes them (same names, columns
and types): a year of hourly usage on all ten usage endpoints, daily costs derived from it (plus fine-tuning training),
100 projects, 1,000 users, 300 project keys, Codex usage of 300 users, ChatGPT rosters; 2% of the last week's usage
and cost rows appear twice (an append-mode re-read). Then `dbt build` (models and data tests) twice: a full build,
and an incremental one after a new day of data and a restated day arrive. Reports rows and seconds per model.
Target: the whole full build under a minute on 2 cores.

    .venv/bin/python -m benchmarks.dbt_scale [--days 365] [--projects 100] [--users 1000] [--label L] [--no-save]

Saves benchmarks/results/<date>-<host>-dbt-scale[-label].md (and .json).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

from benchmarks.common import machine
from scripts import analytics

RESULTS = Path(__file__).resolve().parent / "results"
USAGE = {
    # endpoint -> (series, share of hours active, measures: column -> SQL of the amount)
    "completions": (1000, 0.05, {
        "input_tokens": "2000 + h1 % 60000", "input_cached_tokens": "(2000 + h1 % 60000) // 4",
        "output_tokens": "500 + h2 % 15000", "num_model_requests": "1 + h2 % 120",
    }),
    "embeddings": (200, 0.05, {"input_tokens": "1000 + h1 % 40000", "num_model_requests": "1 + h2 % 80"}),
    "moderations": (200, 0.05, {"input_tokens": "100 + h1 % 8000", "num_model_requests": "1 + h2 % 60"}),
    "images": (200, 0.05, {"images": "1 + h1 % 40", "num_model_requests": "1 + h2 % 30"}),
    "audio_speeches": (200, 0.05, {"characters": "100 + h1 % 30000", "num_model_requests": "1 + h2 % 40"}),
    "audio_transcriptions": (200, 0.05, {"seconds": "10 + h1 % 3600", "num_model_requests": "1 + h2 % 40"}),
    "vector_stores": (100, 1.0, {"usage_bytes": "1000000 + h1 % 50000000"}),
    "code_interpreter_sessions": (100, 0.05, {"num_sessions": "1 + h1 % 25"}),
    "file_search_calls": (200, 0.05, {"num_requests": "1 + h1 % 90"}),
    "web_search_calls": (200, 0.05, {"num_requests": "1 + h1 % 110", "num_model_requests": "1 + h2 % 70"}),
}  # fmt: skip
PROJECT_LEVEL = {"vector_stores", "code_interpreter_sessions"}
MODELS = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "o3-2025-04-16", "gpt-5-2025-08-07"]
# line item suffix, usage measure SQL, unit, dollars per unit (the emulator's prices)
LINES = {
    "completions": [
        ("input", "input_tokens - input_cached_tokens", "tokens", "0.0000025"),
        ("cached input", "input_cached_tokens", "tokens", "0.000000625"),
        ("output", "output_tokens", "tokens", "0.00001"),
    ],
    "embeddings": [("embeddings", "input_tokens", "tokens", "0.0000001")],
    "images": [("images", "images", "images", "0.04")],
    "audio_speeches": [("speech characters", "characters", "characters", "0.000015")],
    "audio_transcriptions": [("transcription seconds", "seconds", "seconds", "0.0001")],
    "vector_stores": [("Vector store storage", "usage_bytes", "bytes", "0.0000000001")],
    "code_interpreter_sessions": [("Code interpreter sessions", "num_sessions", "sessions", "0.03")],
    "file_search_calls": [("File search tool calls", "num_requests", "calls", "0.0025")],
    "web_search_calls": [("web search tool calls", "num_requests", "calls", "0.01")],
}
AIRBYTE = "uuid()::VARCHAR AS _airbyte_raw_id, {at} AS _airbyte_extracted_at, '{{}}'::JSON AS _airbyte_meta"


def generate(db_path: Path, days: int, projects: int, users: int, end_day: int) -> None:
    """The connector's tables for an organisation, `days` days of hourly usage ending before day `end_day` (Unix
    day number). Deterministic: amounts are hashes of (series, hour)."""
    import duckdb

    start_hour, end_hour = (end_day - days) * 24, end_day * 24
    at = "TIMESTAMP '2027-01-01 00:00:00'"
    with duckdb.connect(str(db_path)) as db:
        db.execute(f"""CREATE OR REPLACE TABLE projects AS SELECT 'proj_' || i AS id, 'organization.project' AS object,
            'Project ' || i AS name, 1700000000 + i * 3600 AS created_at, NULL::BIGINT AS archived_at,
            'active' AS status, NULL::VARCHAR AS external_key_id, 'GLOBAL' AS residency, {AIRBYTE.format(at=at)}
            FROM range({projects}) t(i)""")
        db.execute(f"""CREATE OR REPLACE TABLE users AS SELECT 'organization.user' AS object, 'user-' || i AS id,
            'User ' || i AS name, 'user' || i || '@example.com' AS email, CASE WHEN i = 0 THEN 'owner' ELSE 'reader' END
            AS role, 1700000000 + i AS added_at, false AS is_default, 1700000000 AS created, NULL::JSON AS "user",
            false AS is_service_account, NULL::BOOLEAN AS is_scale_tier_authorized_purchaser, false AS is_scim_managed,
            NULL::BIGINT AS api_key_last_used_at, NULL::VARCHAR AS technical_level, NULL::VARCHAR AS developer_persona,
            NULL::JSON AS projects, {AIRBYTE.format(at=at)} FROM range({users}) t(i)""")
        db.execute(f"""CREATE OR REPLACE TABLE project_users AS SELECT 'organization.project.user' AS object,
            'user-' || ((p * 10 + k) % {users}) AS id, NULL::VARCHAR AS name, NULL::VARCHAR AS email, 'member' AS role,
            1700000000 AS added_at, 'proj_' || p AS project_id, {AIRBYTE.format(at=at)}
            FROM range({projects}) a(p), range(10) b(k)""")
        db.execute(f"""CREATE OR REPLACE TABLE project_api_keys AS SELECT 'organization.project.api_key' AS object,
            'sk-…' AS redacted_value, 'key ' || k AS name, 1700000000 AS created_at,
            {end_day * 86400} - (p * 3 + k) * 86400 AS last_used_at, 'key_' || p || '_' || k AS id, 'all' AS
            owner_project_access, json_object('type', 'user', 'user', json_object('id', 'user-' || ((p * 10 + k) %
            {users}), 'name', 'User ' || ((p * 10 + k) % {users}))) AS owner, 'proj_' || p AS project_id,
            {AIRBYTE.format(at=at)} FROM range({projects}) a(p), range(3) b(k)""")
        db.execute(f"""CREATE OR REPLACE TABLE groups AS SELECT 'group_' || i AS id, 'team-' || i AS name,
            1700000000 AS created_at, false AS is_scim_managed, 'group' AS group_type, 'group' AS object,
            {AIRBYTE.format(at=at)} FROM range(20) t(i)""")
        db.execute(f"""CREATE OR REPLACE TABLE group_users AS SELECT 'user-' || i AS id, NULL::VARCHAR AS name,
            NULL::VARCHAR AS email, 'group_' || (i % 20) AS group_id, {AIRBYTE.format(at=at)}
            FROM range({users}) t(i)""")
        for endpoint, (series, share, measures) in USAGE.items():
            columns = ", ".join(f"({sql})::BIGINT AS {name}" for name, sql in measures.items())
            dims = (
                "NULL::VARCHAR AS user_id, NULL::VARCHAR AS api_key_id, NULL::VARCHAR AS model"
                if endpoint in PROJECT_LEVEL
                else f"""CASE WHEN s % 5 = 4 THEN NULL ELSE 'user-' || ((s * 7) % {users}) END AS user_id,
                    'key_' || (s % {projects}) || '_' || (s % 3) AS api_key_id,
                    list_extract({MODELS}, 1 + ((s % {projects}) * 3 + s % 3) % {len(MODELS)}) AS model"""
            )
            extra = (
                ", s % 4 = 3 AS batch, CASE WHEN s % 3 = 0 THEN 'flex' ELSE 'default' END AS service_tier"
                if endpoint == "completions"
                else ""
            )
            db.execute(f"""CREATE OR REPLACE TABLE usage_{endpoint} AS
                WITH hours AS (
                  SELECT h, s, hash(h, s, '{endpoint}') AS h1, hash(s, h, '{endpoint}', 2) AS h2
                  FROM range({start_hour}, {end_hour}) a(h), range({series}) b(s)
                  WHERE hash(s, h, '{endpoint}', 1) % 1000 < {int(share * 1000)}
                )
                SELECT 'organization.usage.{endpoint}.result' AS object, {columns},
                  'proj_' || (s % {projects}) AS project_id, {dims}{extra},
                  h * 3600 AS start_time, h * 3600 + 3600 AS end_time,
                  md5('{endpoint}|' || h || '|' || s) AS surrogate_key, {AIRBYTE.format(at=at)}
                FROM hours""")
        # costs: the usage of each day priced per line item (plus fine-tuning training, which no usage explains)
        parts = []
        for endpoint, lines in LINES.items():
            for suffix, measure, unit, price in lines:
                item = f"'{suffix}'" if endpoint in PROJECT_LEVEL else f"model || ', {suffix}'"
                batch = ""
                if endpoint == "completions":
                    batch = " WHERE NOT batch"
                    if suffix != "cached input":
                        parts.append(
                            f"""SELECT start_time // 86400 * 86400 AS day, project_id, api_key_id,
                            model || ', batch {suffix}' AS line_item, sum({
                                "input_tokens" if suffix == "input" else measure
                            }) AS quantity, '{unit}' AS unit, sum({
                                "input_tokens" if suffix == "input" else measure
                            }) * {price} / 2 AS amount FROM usage_{endpoint} WHERE batch GROUP BY ALL"""
                        )
                parts.append(
                    f"""SELECT start_time // 86400 * 86400 AS day, project_id, api_key_id, {item} AS line_item,
                    sum({measure}) AS quantity, '{unit}' AS unit, sum({measure}) * {price} AS amount
                    FROM usage_{endpoint}{batch} GROUP BY ALL"""
                )
        parts.append(
            f"""SELECT d * 86400 AS day, 'proj_' || p AS project_id, NULL AS api_key_id,
            'gpt-4o-mini-2024-07-18, fine-tuning training' AS line_item, 100000 + hash(d, p) % 2000000 AS quantity,
            'tokens' AS unit, (100000 + hash(d, p) % 2000000) * 0.000003 AS amount
            FROM range({end_day - days}, {end_day}) a(d), range({projects}) b(p) WHERE hash(p, d, 'ft') % 10 < 2"""
        )
        db.execute(f"""CREATE OR REPLACE TABLE costs AS
            SELECT 'organization.costs.result' AS object, json_object('value', amount, 'currency', 'usd') AS amount,
              line_item, project_id, api_key_id, quantity::DECIMAL(38, 9) AS quantity, unit AS quantity_unit,
              day AS start_time, day + 86400 AS end_time,
              md5(day || '|' || project_id || '|' || line_item || '|' || coalesce(api_key_id, '')) AS surrogate_key,
              round(amount, 9)::DECIMAL(38, 9) AS amount_value, 'usd' AS amount_currency, {AIRBYTE.format(at=at)}
            FROM ({" UNION ALL ".join(parts)}) WHERE amount > 0""")
        db.execute(f"""CREATE OR REPLACE TABLE codex_usage AS
            SELECT 'codex.usage' AS object, d * 86400 AS start_time, d * 86400 + 86400 AS end_time,
              'cx-' || u AS user_id, NULL::JSON AS actor, 'user' || u || '@example.com' AS email,
              json_object('threads', 1 + hash(d, u) % 12, 'turns', 2 + hash(u, d) % 40, 'credits',
                (1 + hash(d, u, 1) % 40) / 2) AS totals, NULL::JSON AS clients, NULL::JSON AS models,
              json_object('lines_added', hash(d, u, 2) % 500, 'lines_removed', hash(d, u, 3) % 150) AS
              code_attribution, 'ws_' || (u % 3) AS workspace_id, 'cx-' || u AS user_key, {AIRBYTE.format(at=at)}
            FROM range({end_day - days}, {end_day}) a(d), range(300) b(u) WHERE hash(u, d, 'cx') % 2 = 0""")
        db.execute(f"""CREATE OR REPLACE TABLE codex_usage_models AS
            SELECT 'gpt-5-codex' AS model, (1 + hash(d, u, 1) % 40) / 2 AS credits, 'standard' AS speed,
              d * 86400 AS start_time, d * 86400 + 86400 AS end_time, 'cx-' || u AS user_id, 0 AS index,
              'ws_' || (u % 3) AS workspace_id, 'cx-' || u AS user_key, {AIRBYTE.format(at=at)}
            FROM range({end_day - days}, {end_day}) a(d), range(300) b(u) WHERE hash(u, d, 'cx') % 2 = 0""")
        db.execute(f"""CREATE OR REPLACE TABLE chatgpt_workspace_users AS
            SELECT 'workspace.user' AS object, 'cg-' || i AS id, 'User ' || i AS name, 'user' || i || '@example.com'
              AS email, 'standard-user' AS role, 'default' AS seat_type, false AS is_scim_managed,
              'ws_' || (i % 3) AS workspace_id, {AIRBYTE.format(at=at)} FROM range({users}) t(i)""")
        # an append-mode re-read: 2% of the last week's usage and cost rows a second time, extracted later
        later = "TIMESTAMP '2027-01-02 00:00:00'"
        last_week = (end_day - 7) * 86400
        for table in ["costs"] + [f"usage_{e}" for e in USAGE]:
            db.execute(f"""INSERT INTO {table} SELECT * REPLACE (uuid()::VARCHAR AS _airbyte_raw_id,
                {later} AS _airbyte_extracted_at) FROM {table}
                WHERE start_time >= {last_week} AND hash(surrogate_key) % 50 = 0""")


def add_day(db_path: Path, end_day: int) -> None:
    """An incremental sync's worth of new rows: day `end_day` of usage and costs copied from the day before, and the
    day before restated (extracted later), as a daily sync with a lookback brings them."""
    import duckdb

    later = "TIMESTAMP '2027-01-03 00:00:00'"
    with duckdb.connect(str(db_path)) as db:
        for table in ["costs"] + [f"usage_{e}" for e in USAGE]:
            day = (end_day - 1) * 86400
            db.execute(f"""INSERT INTO {table} SELECT * REPLACE (uuid()::VARCHAR AS _airbyte_raw_id,
                {later} AS _airbyte_extracted_at, start_time + 86400 AS start_time, end_time + 86400 AS end_time,
                md5(surrogate_key || 'next') AS surrogate_key) FROM {table}
                WHERE start_time >= {day} AND start_time < {day + 86400} AND _airbyte_extracted_at < {later}""")
            db.execute(f"""INSERT INTO {table} SELECT * REPLACE (uuid()::VARCHAR AS _airbyte_raw_id,
                {later} AS _airbyte_extracted_at) FROM {table}
                WHERE start_time >= {day} AND start_time < {day + 86400} AND _airbyte_extracted_at < {later}""")


def per_model(build: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for node, result in build["results"].items():
        if node.startswith("model."):
            name = node.split(".")[-1]
            out.append({"model": name, "seconds": result["seconds"], "rows": build["rows"].get(name)})
    return sorted(out, key=lambda r: -r["seconds"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--label", default="")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    started = time.time()
    info = machine()
    end_day = int(time.time()) // 86400
    with tempfile.TemporaryDirectory(prefix="dbt-scale-") as tmp:
        db_path = Path(tmp) / "openai.duckdb"
        t = time.monotonic()
        generate(db_path, args.days, args.projects, args.users, end_day)
        generated = time.monotonic() - t
        raw = analytics.table_rows(db_path, models=False)
        print(f"generated {sum(raw.values()):,} rows in {generated:.1f} s", file=sys.stderr, flush=True)
        full = analytics.build(db_path)
        print(f"full build {full['seconds']} s", file=sys.stderr, flush=True)
        add_day(db_path, end_day)
        incremental = analytics.build(db_path)
        print(f"incremental build {incremental['seconds']} s", file=sys.stderr, flush=True)
    tests = sum(node.startswith("test.") for node in full["results"])
    now = datetime.now(timezone.utc)
    lines = [
        f"# openai_analytics dbt benchmark, {now.strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}; Python {info['python']}. "
        f"Command: `.venv/bin/python -m benchmarks.dbt_scale {' '.join(sys.argv[1:])}`, "
        f"{(time.time() - started) / 60:.1f} min.",
        "",
        f"## 5. dbt package at scale (DuckDB, {args.days} days of hourly usage, {args.projects} projects, "
        f"{args.users:,} users)",
        "",
        f"Raw tables generated directly in DuckDB ({sum(raw.values()):,} rows in {generated:.1f} s; the largest: "
        + ", ".join(f"{name} {rows:,}" for name, rows in sorted(raw.items(), key=lambda kv: -kv[1])[:4])
        + "). Target: the full `dbt build` (models and data tests) under 60 s on 2 cores.",
        "",
        "| build | seconds (wall, dbt process) | models | data tests |",
        "|---|---|---|---|",
        f"| full | **{full['seconds']}** | {len(per_model(full))} | {tests} |",
        f"| incremental (one new day, one restated day) | **{incremental['seconds']}** | "
        f"{len(per_model(incremental))} | {sum(n.startswith('test.') for n in incremental['results'])} |",
        "",
        "| model | rows (full) | seconds (full) | seconds (incremental) |",
        "|---|---|---|---|",
    ]
    inc = {r["model"]: r for r in per_model(incremental)}
    for r in per_model(full):
        rows = "" if r["rows"] is None else f"{r['rows']:,}"
        lines.append(f"| {r['model']} | {rows} | {r['seconds']:.2f} | {inc.get(r['model'], {}).get('seconds', '')} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_save:
        host = re.sub(r"[^A-Za-z0-9_.-]+", "-", info["host"])[:40]
        name = f"{now.strftime('%Y-%m-%d')}-{host}-dbt-scale{'-' + args.label if args.label else ''}"
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.md").write_text(text + "\n")
        raw_out = {"machine": info, "raw_rows": raw, "generate_seconds": generated, "full": full}
        raw_out["incremental"] = incremental
        (RESULTS / f"{name}.json").write_text(json.dumps(raw_out, indent=1, default=str) + "\n")
        print(f"saved benchmarks/results/{name}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
