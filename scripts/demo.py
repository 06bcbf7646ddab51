"""The no-credentials demo: sync every stream the connector discovers into DuckDB through PyAirbyte.

1. starts the local OpenAI emulator (openai_emulator/, deterministic data, a free loopback port);
2. configures source-openai with all four credentials against it (Admin, project, Codex analytics, ChatGPT compliance);
3. runs a full sync of every discovered stream with PyAirbyte into .demo/openai.duckdb;
4. stops the emulator and prints what arrived, plus a few answers straight from DuckDB.

Run it with `bash scripts/demo.sh` (README command 1). Options: --scale small|medium, --seed N, --db PATH.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

from openai_emulator import Emulator  # noqa: E402


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [
        [
            (
                ""
                if v is None
                else (f"{v:,.2f}" if isinstance(v, float) else (f"{v:,}" if isinstance(v, int) else str(v)))
            )
            for v in row
        ]
        for row in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [
        bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  " + "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def union_aware_cache(cache_class: Any) -> Any:
    """PyAirbyte's DuckDB cache, storing fields whose schema allows several JSON types as JSON.

    The stream schemas say what OpenAI returns, and a few fields take one of several types: e.g. an assistant's
    `response_format` is `"auto"` or an object, so its schema is `{"type": ["string", "object", "null"]}`. Airbyte's
    destinations store such a union as JSON; PyAirbyte's type converter maps only single-typed fields and would
    print "Could not determine airbyte type" and fall back to text. This converter gives unions PyAirbyte's JSON
    type (as its BigQuery and Snowflake processors customise theirs); every other field is typed as PyAirbyte does.
    """
    from airbyte._processors.sql.duckdb import DuckDBSqlProcessor
    from airbyte.types import SQLTypeConverter

    class UnionAwareTypeConverter(SQLTypeConverter):
        def to_sql_type(self, json_schema_property_def: Any) -> Any:
            types = json_schema_property_def.get("type")
            if isinstance(types, list) and len([t for t in types if t != "null"]) > 1:
                return self.get_json_type()
            return super().to_sql_type(json_schema_property_def)

    class UnionAwareProcessor(DuckDBSqlProcessor):
        type_converter_class = UnionAwareTypeConverter

    class UnionAwareDuckDBCache(cache_class):  # type: ignore[misc, valid-type]
        _sql_processor_class: ClassVar[type] = UnionAwareProcessor

    return UnionAwareDuckDBCache


class Warehouse:
    """Small helpers over the PyAirbyte DuckDB cache."""

    def __init__(self, cache: Any) -> None:
        from sqlalchemy import text

        self._text = text
        self.engine = cache.get_sql_engine()
        self.schema = cache.schema_name

    def query(self, sql: str) -> List[Sequence[Any]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(self._text(sql))]

    def columns(self, name: str) -> List[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{self.schema}' AND table_name = '{name}'"
        )
        return [r[0] for r in rows]

    def has(self, name: str, *cols: str) -> bool:
        existing = set(self.columns(name))
        return bool(existing) and all(c in existing for c in cols)


def pick(existing: Sequence[str], *candidates: str) -> Optional[str]:
    return next((c for c in candidates if c in existing), None)


def answers(wh: Warehouse) -> None:
    s = wh.schema
    shown = False
    # 1. tokens and cost per project per day (usage_completions and costs, when those streams exist)
    if wh.has("usage_completions", "project_id"):
        cols = wh.columns("usage_completions")
        day = pick(cols, "bucket_start_time", "start_time")
        if day and "input_tokens" in cols and "output_tokens" in cols:
            cost_cols = wh.columns("costs") if wh.has("costs", "project_id") else []
            cost_day = pick(cost_cols, "bucket_start_time", "start_time")
            amount = pick(cost_cols, "amount_value", "value", "amount")
            cost_sql = (
                (
                    f"LEFT JOIN (SELECT project_id, CAST({cost_day} AS BIGINT) AS d, "
                    f"SUM(CAST({amount} AS DOUBLE)) AS usd "
                    f"FROM {s}.costs GROUP BY 1, 2) c ON c.project_id = u.project_id AND c.d = u.d"
                )
                if cost_day and amount
                else ""
            )
            rows = wh.query(
                f"SELECT strftime(to_timestamp(u.d), '%Y-%m-%d') AS day, coalesce(p.name, u.project_id) AS project, "
                f"u.input_tokens, u.output_tokens, {'c.usd' if cost_sql else 'NULL'} AS usd FROM "
                f"(SELECT project_id, CAST({day} AS BIGINT) AS d, SUM(input_tokens)::BIGINT AS input_tokens, "
                f"SUM(output_tokens)::BIGINT AS output_tokens FROM {s}.usage_completions "
                "WHERE project_id IS NOT NULL GROUP BY 1, 2) u "
                f"LEFT JOIN {s}.projects p ON p.id = u.project_id {cost_sql} "
                "ORDER BY u.d DESC, usd DESC NULLS LAST, project LIMIT 12"
            )
            print("\nTokens and cost per project per day (latest 12 rows):")
            print(table(rows, ["day", "project", "input tokens", "output tokens", "cost (USD)"]))
            shown = True
    if wh.has("costs") and not shown:
        cols = wh.columns("costs")
        day, amount = pick(cols, "bucket_start_time", "start_time"), pick(cols, "amount_value", "value")
        if day and amount:
            rows = wh.query(
                f"SELECT strftime(to_timestamp(CAST({day} AS BIGINT)), '%Y-%m-%d'), SUM(CAST({amount} AS DOUBLE)) "
                f"FROM {s}.costs GROUP BY 1 ORDER BY 1 DESC LIMIT 7"
            )
            print("\nCost per day:")
            print(table(rows, ["day", "cost (USD)"]))
            shown = True
    # 2. who can do what: members, keys and service accounts per project (Admin streams)
    if wh.has("projects", "id", "name", "status"):
        joins, heads = [], []
        for stream, label in (
            ("project_users", "members"),
            ("project_api_keys", "API keys"),
            ("project_service_accounts", "service accounts"),
        ):
            if wh.has(stream, "project_id"):
                joins.append(f"(SELECT COUNT(*) FROM {s}.{stream} x WHERE x.project_id = p.id)")
                heads.append(label)
        rows = wh.query(
            f"SELECT p.name, p.status{''.join(', ' + j for j in joins)} "
            f"FROM {s}.projects p ORDER BY p.created_at LIMIT 10"
        )
        print("\nProjects, with their members, API keys and service accounts:")
        print(table(rows, ["project", "status"] + heads))
    # 3. Codex usage per workspace (when the Codex streams exist)
    if wh.has("codex_usage", "workspace_id"):
        cols = wh.columns("codex_usage")
        credits = (
            "totals_credits"
            if "totals_credits" in cols
            else ("json_extract(totals, '$.credits')" if "totals" in cols else None)
        )
        if credits:
            rows = wh.query(
                f"SELECT workspace_id, COUNT(DISTINCT user_id), SUM(CAST({credits} AS DOUBLE)) "
                f"FROM {s}.codex_usage GROUP BY 1 ORDER BY 1"
            )
            print("\nCodex usage per ChatGPT workspace:")
            print(table(rows, ["workspace", "active users", "credits"]))
    # 4. stored chat completions per model per day (project key)
    if wh.has("chat_completions", "model", "created"):
        rows = wh.query(
            f"SELECT strftime(to_timestamp(CAST(created AS BIGINT)), '%Y-%m-%d'), model, COUNT(*) "
            f"FROM {s}.chat_completions GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT 10"
        )
        print("\nStored chat completions per model per day:")
        print(table(rows, ["day", "model", "completions"]))
    # 5. sign-ins per day per workspace (ChatGPT Enterprise compliance logs, AUTH_LOG events)
    if wh.has("compliance_log_events", "event_type", "timestamp", "principal_id"):
        cols = wh.columns("compliance_log_events")
        login = "AND event = 'login'" if "event" in cols else ""
        rows = wh.query(
            f"SELECT substr(CAST(timestamp AS VARCHAR), 1, 10), principal_id, COUNT(*) FROM {s}.compliance_log_events "
            f"WHERE event_type = 'AUTH_LOG' {login} AND NOT starts_with(principal_id, 'org-') "
            "GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT 10"
        )
        print("\nChatGPT sign-ins per day per workspace (compliance logs):")
        print(table(rows, ["day", "workspace", "sign-ins"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "medium"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, default=ROOT / ".demo" / "openai.duckdb")
    args = parser.parse_args()

    import airbyte as ab
    from airbyte.caches import DuckDBCache

    executable = ROOT / ".venv" / "bin" / "source-openai"
    args.db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (args.db, args.db.with_suffix(args.db.suffix + ".wal")):
        if leftover.exists():
            leftover.unlink()  # a fresh warehouse each run

    emulator = Emulator(scale=args.scale, seed=args.seed).start()
    print(
        f"OpenAI emulator running at {emulator.base_url} (scale {args.scale}, seed {args.seed}); "
        "no real credentials used."
    )
    started = time.time()
    try:
        config = emulator.connector_config(
            compliance=True
        )  # all four credentials (Admin, project, Codex, compliance), all fake
        source = ab.get_source("source-openai", config=config, local_executable=str(executable))
        source.check()
        source.select_all_streams()
        streams = source.get_selected_streams()
        print(
            f"Discovered {len(streams)} streams; syncing all of them into "
            f"{args.db.relative_to(ROOT) if args.db.is_relative_to(ROOT) else args.db} ..."
        )
        cache = union_aware_cache(DuckDBCache)(db_path=str(args.db))
        result = source.read(cache=cache, force_full_refresh=True)
    finally:
        requests = emulator.stats()["requests"]
        emulator.stop()
    elapsed = time.time() - started

    wh = Warehouse(cache)
    counts = []
    for name in sorted(streams):
        rows = wh.query(f"SELECT COUNT(*) FROM {wh.schema}.{name}") if wh.columns(name) else [(0,)]
        counts.append((name, rows[0][0]))
    total = sum(c for _, c in counts)
    print(
        f"\nDone in {elapsed:.1f} s: {total:,} records in {len(counts)} streams, "
        f"{requests:,} HTTP requests to the emulator."
    )
    print(table(counts, ["stream", "rows"]))
    try:
        answers(wh)
    except Exception as error:  # the summary must never hide a successful sync
        print(f"\n(Could not compute the summary answers: {type(error).__name__}: {str(error)[:200]})")
    print(
        "\nExplore it yourself:  "
        f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{args.db}').sql('SHOW TABLES'))\""
    )
    return 0 if result is not None else 1


if __name__ == "__main__":
    sys.exit(main())
