"""The demo's report: one self-contained HTML page (inline SVG and CSS, no script, no external URL) drawn from the
openai_analytics models in a DuckDB file: cost per project per day, tokens per model, the top API keys and users by
allocated cost, and Codex credits per workspace.

    python scripts/report.py DB_PATH OUT_HTML

scripts/demo.py writes it to .demo/report.html; unit_tests/runtimes/test_analytics.py checks a page drawn from the
CI chain's warehouse (no external URL; every chart carries data).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

PALETTE = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#dc2626", "#ca8a04", "#4b5563", "#db2777", "#65a30d"]
WIDTH = 760


def queries(db_path: Path) -> Dict[str, List[Tuple[Any, ...]]]:
    """The figures each chart shows, from the package's models."""
    import duckdb

    sql = {
        "cost_per_project_day": "SELECT cost_date, coalesce(project_name, project_id, '(no project)'), "
        "sum(billed_cost) FROM openai__daily_costs GROUP BY 1, 2 ORDER BY 1, 2",
        "tokens_per_model": "SELECT model, sum(input_tokens), sum(output_tokens) FROM openai__daily_usage "
        "WHERE product = 'completions' AND model IS NOT NULL GROUP BY 1 "
        "ORDER BY sum(input_tokens) + sum(output_tokens) DESC",
        "top_api_keys": "SELECT coalesce(api_key_name, api_key_id) || coalesce(' (' || project_name || ')', ''), "
        "sum(allocated_cost) FROM openai__cost_allocation WHERE api_key_id IS NOT NULL "
        "GROUP BY api_key_id, api_key_name, project_name ORDER BY 2 DESC LIMIT 10",
        "top_users": "SELECT coalesce(user_email, user_id), sum(allocated_cost) FROM openai__cost_allocation "
        "WHERE user_id IS NOT NULL GROUP BY user_id, user_email ORDER BY 2 DESC LIMIT 10",
        "codex_credits": "SELECT workspace_id, sum(credits) FROM openai__codex_daily GROUP BY 1 ORDER BY 2 DESC",
        "totals": "SELECT (SELECT sum(billed_cost) FROM openai__daily_costs), "
        "(SELECT sum(allocated_cost) FROM openai__cost_allocation WHERE allocation = 'unallocated'), "
        "(SELECT min(cost_date) FROM openai__daily_costs), (SELECT max(cost_date) FROM openai__daily_costs)",
    }
    with duckdb.connect(str(db_path), read_only=True) as db:
        return {name: db.execute(query).fetchall() for name, query in sql.items()}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _money(value: Any) -> str:
    return f"${float(value or 0):,.2f}"


def bars(chart: str, items: Sequence[Tuple[str, float]], unit: str) -> str:
    """Horizontal bars, one per (label, value), largest first as given."""
    if not items:
        return _figure(chart, 0, '<p class="empty">No data.</p>')
    top = max(v for _, v in items) or 1
    row, label_w = 26, 250
    parts = []
    for i, (label, value) in enumerate(items):
        w = (WIDTH - label_w - 110) * value / top
        y = i * row
        text = _money(value) if unit == "$" else f"{value:,.0f} {unit}"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_esc(label[:38])}</text>'
            f'<rect class="datum" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{_esc(label)}: {_esc(text)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{_esc(text)}</text>'
        )
    svg = f'<svg viewBox="0 0 {WIDTH} {row * len(items)}" role="img">{"".join(parts)}</svg>'
    return _figure(chart, len(items), svg)


def stacked_columns(chart: str, rows: Sequence[Tuple[Any, str, Any]]) -> str:
    """Columns per day, stacked by series (day, series, value), with a legend."""
    if not rows:
        return _figure(chart, 0, '<p class="empty">No data.</p>')
    days = sorted({str(d) for d, _, _ in rows})
    series = sorted({s for _, s, _ in rows})
    values = {(str(d), s): float(v or 0) for d, s, v in rows}
    totals = [sum(values.get((d, s), 0) for s in series) for d in days]
    top = max(totals) or 1
    height, left, bottom = 260, 60, 40
    step = (WIDTH - left - 10) / len(days)
    parts = [f'<line x1="{left}" y1="{height}" x2="{WIDTH - 10}" y2="{height}" stroke="#999"/>']
    for k in range(5):
        level = top * k / 4
        y = height - (height - 10) * k / 4
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{_money(level)}</text>')
    for i, day in enumerate(days):
        y = float(height)
        for j, name in enumerate(series):
            value = values.get((day, name), 0)
            if not value:
                continue
            h = (height - 10) * value / top
            y -= h
            parts.append(
                f'<rect class="datum" x="{left + i * step + 3:.1f}" y="{y:.1f}" width="{step - 6:.1f}" '
                f'height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{_esc(day)} {_esc(name)}: {_money(value)}</title></rect>'
            )
        parts.append(
            f'<text x="{left + i * step + step / 2:.1f}" y="{height + 16}" text-anchor="middle" class="axis">'
            f"{_esc(day[5:])}</text>"
        )
    legend = "".join(
        f'<span><i style="background:{PALETTE[j % len(PALETTE)]}"></i>{_esc(name)}</span>'
        for j, name in enumerate(series)
    )
    svg = f'<svg viewBox="0 0 {WIDTH} {height + bottom}" role="img">{"".join(parts)}</svg>'
    return _figure(chart, len(rows), svg + f'<div class="legend">{legend}</div>')


def _figure(chart: str, points: int, body: str) -> str:
    return f'<figure data-chart="{chart}" data-points="{points}">{body}</figure>'


def render(db_path: Path) -> str:
    data = queries(db_path)
    billed, unallocated, first, last = data["totals"][0]
    tokens = [(str(m), float(i or 0) + float(o or 0)) for m, i, o in data["tokens_per_model"]]
    sections = [
        ("Billed cost per project per day", stacked_columns("cost-per-project-per-day", data["cost_per_project_day"])),
        ("Tokens per model (completions, input + output)", bars("tokens-per-model", tokens, "tokens")),
        (
            "Top API keys by allocated cost",
            bars("top-api-keys", [(str(k), float(v)) for k, v in data["top_api_keys"]], "$"),
        ),
        ("Top users by allocated cost", bars("top-users", [(str(u), float(v)) for u, v in data["top_users"]], "$")),
        (
            "Codex credits per workspace",
            bars("codex-credits", [(str(w), float(c or 0)) for w, c in data["codex_credits"]], "credits"),
        ),
    ]
    body = "".join(f"<section><h2>{_esc(title)}</h2>{chart}</section>" for title, chart in sections)
    summary = (
        f"{_esc(first)} to {_esc(last)}: billed {_money(billed)}, of which {_money(unallocated)} is not explained by "
        "any usage (for example fine-tuning training) and stays unallocated."
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenAI cost and usage report</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: {WIDTH + 40}px; color: #111; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 16px; margin: 28px 0 8px; }}
svg {{ width: 100%; height: auto; font-size: 11px; }} .axis {{ fill: #555; }}
.legend span {{ display: inline-block; margin: 2px 12px 2px 0; }}
.legend i {{ display: inline-block; width: 10px; height: 10px; margin-right: 4px; }}
.empty {{ color: #777; }} figure {{ margin: 0; }}
</style></head><body>
<h1>OpenAI cost and usage report</h1>
<p>{summary} Built by the openai_analytics dbt package from the tables source-openai synced.</p>
{body}
</body></html>
"""


def write(db_path: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(db_path), encoding="utf-8")
    return out


if __name__ == "__main__":
    write(Path(sys.argv[1]), Path(sys.argv[2]))
