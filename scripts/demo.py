"""The no-credentials demo: sync every stream the connector discovers into DuckDB through PyAirbyte, then build the
openai_analytics dbt package (dbt/) on it and answer from its models.

1. starts the local OpenAI emulator (openai_emulator/, deterministic data, a free loopback port);
2. configures source-openai with all four credentials against it (Admin, project, Codex analytics, ChatGPT compliance);
3. runs a full sync of every discovered stream with PyAirbyte into .demo/openai.duckdb (scripts/analytics.py);
4. stops the emulator, runs `dbt build` (models and their tests) on that file, prints what arrived and a few answers
   from the models, and writes .demo/report.html (charts; one self-contained page, scripts/report.py).

Run it with `bash scripts/demo.sh` (README command 1). Options: --scale small|medium, --seed N, --db PATH.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

from openai_emulator import Emulator  # noqa: E402
from scripts import analytics, report  # noqa: E402


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


ANSWERS = [
    (
        "Billed cost per project per day (latest 12 rows; openai__daily_costs)",
        ["day", "project", "cost (USD)"],
        "SELECT cost_date, coalesce(project_name, project_id), CAST(sum(billed_cost) AS DOUBLE) "
        "FROM openai__daily_costs GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC LIMIT 12",
    ),
    (
        "Tokens per model (completions; openai__daily_usage)",
        ["model", "input tokens", "cached input", "output tokens"],
        "SELECT model, sum(input_tokens)::BIGINT, sum(input_cached_tokens)::BIGINT, sum(output_tokens)::BIGINT "
        "FROM openai__daily_usage WHERE product = 'completions' GROUP BY 1 ORDER BY 2 DESC",
    ),
    (
        "Cost by kind of line item and how it was allocated (openai__cost_allocation)",
        ["product", "allocation", "cost (USD)"],
        "SELECT coalesce(usage_product, '(no usage endpoint)'), allocation, CAST(sum(allocated_cost) AS DOUBLE) "
        "FROM openai__cost_allocation GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    (
        "Top users by allocated cost (openai__cost_allocation)",
        ["user", "cost (USD)"],
        "SELECT coalesce(user_email, user_id), CAST(sum(allocated_cost) AS DOUBLE) FROM openai__cost_allocation "
        "WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    ),
    (
        "API keys: cost in the last 30 days and flags (openai__api_keys, top 8)",
        ["key", "project", "owner", "cost 30 d (USD)", "unused 90 d", "spend w/o owner"],
        "SELECT coalesce(api_key_name, api_key_id), coalesce(project_name, '-'), coalesce(owner_name, '-'), "
        "CAST(cost_last_30_days AS DOUBLE), is_unused_90_days::VARCHAR, has_spend_without_known_owner::VARCHAR "
        "FROM openai__api_keys ORDER BY cost_last_30_days DESC LIMIT 8",
    ),
    (
        "Codex per ChatGPT workspace (openai__codex_daily)",
        ["workspace", "active users", "credits", "lines added", "code reviews"],
        "SELECT workspace_id, count(DISTINCT user_id)::BIGINT, CAST(sum(credits) AS DOUBLE), "
        "sum(lines_added)::BIGINT, CAST(sum(code_reviews) AS BIGINT) FROM openai__codex_daily GROUP BY 1 ORDER BY 1",
    ),
    (
        "Users: projects, last usage, month-to-date allocated cost, ChatGPT seat (openai__users)",
        ["user", "projects", "last usage", "MTD cost (USD)", "ChatGPT seat"],
        "SELECT email, project_count::BIGINT, last_usage_date, CAST(allocated_cost_month_to_date AS DOUBLE), "
        "coalesce(chatgpt_seat_type, '-') FROM openai__users ORDER BY 4 DESC LIMIT 6",
    ),
]


def answers(db_path: Path) -> None:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as db:
        for title, headers, sql in ANSWERS:
            print(f"\n{title}:")
            print(table(db.execute(sql).fetchall(), headers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "medium"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, default=ROOT / ".demo" / "openai.duckdb")
    args = parser.parse_args()

    args.db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (args.db, args.db.with_suffix(args.db.suffix + ".wal")):
        if leftover.exists():
            leftover.unlink()  # a fresh warehouse each run

    emulator = Emulator(scale=args.scale, seed=args.seed).start()
    print(
        f"OpenAI emulator running at {emulator.base_url} (scale {args.scale}, seed {args.seed}); "
        "no real credentials used."
    )
    shown = args.db.relative_to(ROOT) if args.db.is_relative_to(ROOT) else args.db
    print(f"Syncing every stream the connector discovers into {shown} ...")
    started = time.time()
    try:
        # all four credentials (Admin, project, Codex, compliance), all fake
        counts = analytics.sync(emulator.connector_config(compliance=True), args.db)
    finally:
        requests = emulator.stats()["requests"]
        emulator.stop()
    elapsed = time.time() - started
    print(
        f"\nDone in {elapsed:.1f} s: {sum(counts.values()):,} records in {len(counts)} streams, "
        f"{requests:,} HTTP requests to the emulator."
    )
    print(table(sorted(counts.items()), ["stream", "rows"]))

    print("\nBuilding the openai_analytics dbt package (dbt/) on it ...")
    built = analytics.build(args.db)
    tests = sum(node.startswith("test.") for node in built["results"])
    print(f"dbt build: {len(built['rows'])} report models, {tests} data tests passed, in {built['seconds']:.1f} s.")
    print(table(sorted(built["rows"].items()), ["model", "rows"]))
    answers(args.db)
    page = report.write(args.db, args.db.parent / "report.html")
    print(f"\nCharts: {page.relative_to(ROOT) if page.is_relative_to(ROOT) else page} (one self-contained page).")
    print(
        "\nExplore it yourself:  "
        f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{args.db}').sql('SHOW TABLES'))\""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
