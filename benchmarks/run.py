"""One command for all four measurements:  .venv/bin/python -m benchmarks.run [--quick] [--only NAME ...]

Prints a Markdown table per measurement and saves them with the machine's description to
benchmarks/results/<date>-<machine>.md. `--quick` uses smaller data (for a smoke run; not comparable).
`BENCH_CONNECTOR_DIR=/path/to/other/checkout` measures another version of the connector with this venv.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any, Dict, List

from . import concurrency, efficiency, memory, throughput
from .common import ROOT, machine

RESULTS = ROOT / "benchmarks" / "results"
TARGETS = {
    "efficiency": "ratio 1.00 on every endpoint",
    "throughput": "connector >= 90% of the framework floor",
    "memory": "10x data < 1.2x the RSS",
    "concurrency": ">= 3x faster at 4 workers than at 1, no extra requests",
}


def _fmt(x: Any, digits: int = 2) -> str:
    return f"{x:,.{digits}f}" if isinstance(x, float) else (f"{x:,}" if isinstance(x, int) else str(x))


def efficiency_section(runs: List[Dict[str, Any]]) -> List[str]:
    lines = [
        "## 1. Request efficiency",
        "",
        f"Full sync of every stream (incremental where supported, first sync), requests per endpoint vs the minimum "
        f"computed from the emulator's data (benchmarks/minimum.py), each cell `package·manifest-only/minimum`: "
        f"the same sync in package mode (`main.py read`) and in the manifest-only runtime "
        f"(`source-declarative-manifest`). Target: {TARGETS['efficiency']}, in both runtimes.",
        "",
    ]
    header = (
        "| endpoint | " + " | ".join(f"{r['scale']} {r['bucket_width']} sent/min" for r in runs) + " | why above 1.00 |"
    )
    lines += [header, "|---|" + "---|" * len(runs) + "---|"]
    endpoints = sorted({row["endpoint"] for r in runs for row in r["rows"]})
    for endpoint in endpoints:
        cells, notes = [], set()
        for r in runs:
            row = next((x for x in r["rows"] if x["endpoint"] == endpoint), None)
            if row is None:
                cells.append("-")
                continue
            manifest_only = row.get("sent_manifest_only", row["sent"])
            mark = "" if row["sent"] == row["minimum"] == manifest_only else " **!**"
            cells.append(f"{row['sent']}·{manifest_only}/{row['minimum']}{mark}")
            if row["sent"] != row["minimum"] and row["note"]:
                notes.add(row["note"])
            elif row["note"] and row["sent"] == row["minimum"] and "assumed" in row["note"]:
                notes.add(row["note"])
        lines.append(f"| `{endpoint}` | " + " | ".join(cells) + " | " + "; ".join(sorted(notes)) + " |")
    lines.append(
        "| **total** | "
        + " | ".join(
            f"**{r['total_sent']}·{r.get('total_sent_manifest_only', r['total_sent'])}/{r['total_minimum']}** "
            f"({r['total_sent'] / r['total_minimum']:.3f} · "
            f"{r.get('total_sent_manifest_only', r['total_sent']) / r['total_minimum']:.3f})"
            for r in runs
        )
        + " | |"
    )
    lines.append("")
    lines.append("| run | records | seconds | errors | exit | manifest-only: records | seconds | errors | exit |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        lines.append(
            f"| {r['scale']} {r['bucket_width']} | {_fmt(r['records'])} | {_fmt(r['seconds'], 1)} | "
            f"{len(r['errors'])} | {r['returncode']} | "
            f"{_fmt(r.get('records_manifest_only', '-'))} | {_fmt(r.get('seconds_manifest_only', '-'), 1)} | "
            f"{len(r.get('errors_manifest_only', []))} | {r.get('returncode_manifest_only', '-')} |"
        )
    return lines + [""]


def throughput_section(t: Dict[str, Any]) -> List[str]:
    lines = [
        "## 2. Throughput",
        "",
        f"Scale `{t['scale']}`, {t['bucket_width']} buckets, zero latency, the streams of benchmarks/endpoints.py "
        "(usage, costs and the top-level lists), memoised emulator pages (identical bytes for every client). "
        f"Target: {TARGETS['throughput']}.",
        "",
        "| client | records | requests | seconds | records/s | vs plain | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    plain = t["runs"].get("plain", {}).get("records_per_s") or 0
    for name, label in (
        ("plain", "plain requests+json loop"),
        ("floor", "bare CDK manifest (framework floor)"),
        ("connector", "source-openai (main.py read)"),
    ):
        r = t["runs"].get(name)
        if not r:
            continue
        lines.append(
            f"| {label} | {_fmt(r['records'])} | {_fmt(r['requests'])} | {_fmt(r['seconds'], 1)} | "
            f"{_fmt(r['records_per_s'], 0)} | {r['records_per_s'] / plain:.2f} | {_fmt(r['max_rss_mb'], 0)} |"
            if plain
            else ""
        )
    if "connector_vs_floor" in t:
        lines += ["", f"**Connector / floor: {t['connector_vs_floor']:.2f}** (target >= 0.90)."]
    return lines + [""]


def memory_section(m: Dict[str, Any]) -> List[str]:
    lines = [
        "## 3. Memory",
        "",
        f"Peak RSS of each process (wait4), same emulator and data for the three. Target: {TARGETS['memory']}.",
        "",
        "| client | 1x records | 1x peak RSS MB | 10x records | 10x peak RSS MB | 10x / 1x |",
        "|---|---|---|---|---|---|",
    ]
    names = {
        "connector": "source-openai (main.py read)",
        "floor": "bare CDK manifest (framework floor)",
        "plain": "plain requests+json loop",
    }
    clients = m.get("clients") or {"connector": {"1x": m["1x"], "10x": m["10x"], "ratio": m["ratio"]}}
    for key, c in clients.items():
        lines.append(
            f"| {names.get(key, key)} | {_fmt(c['1x']['records'])} | {_fmt(c['1x']['max_rss_mb'], 0)} | "
            f"{_fmt(c['10x']['records'])} | {_fmt(c['10x']['max_rss_mb'], 0)} | {c['ratio']:.2f} |"
        )
    lines += ["", f"**Connector 10x / 1x RSS: {m['ratio']:.2f}** (target < 1.20)."]
    return lines + [""]


def concurrency_section(c: Dict[str, Any]) -> List[str]:
    lines = [
        "## 4. Concurrency",
        "",
        f"Full sync of every stream, scale `{c['scale']}` with {c.get('overrides')}, {c['latency_ms']:.0f} ms latency "
        "per request. Span = first request start to last request end (emulator log); wall = the whole process. "
        f"Target: {TARGETS['concurrency']}.",
        "",
        "| num_workers | requests | max in flight | span s | speedup | wall s | wall speedup |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(c["runs"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"| {n} | {r['requests']} | {r['max_in_flight']} | {r['span']:.1f} | {r['speedup']:.2f} | "
            f"{r['seconds']:.1f} | {r['speedup_wall']:.2f} |"
        )
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=["efficiency", "throughput", "memory", "concurrency"])
    parser.add_argument("--quick", action="store_true", help="small data everywhere (smoke run)")
    parser.add_argument("--label", default="", help="a word added to the results file name (e.g. before)")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--scales", default="small,medium", help="data scales of the request-efficiency runs")
    args = parser.parse_args()
    only = set(args.only or ["efficiency", "throughput", "memory", "concurrency"])
    started = time.time()
    info = machine()
    sections: List[str] = []
    raw: Dict[str, Any] = {"machine": info, "connector_dir": os.environ.get("BENCH_CONNECTOR_DIR", str(ROOT))}
    if "efficiency" in only:
        scales = ["small"] if args.quick else args.scales.split(",")
        plan = [(scale, w) for scale in scales for w in ("1d", "1h", "1m")]
        runs = []
        for scale, width in plan:
            print(f"efficiency: {scale} {width} ...", file=sys.stderr, flush=True)
            runs.append(efficiency.measure(scale, width))
        raw["efficiency"] = runs
        sections += efficiency_section(runs)
        print("\n".join(efficiency_section(runs)), flush=True)
    t = None
    if "throughput" in only:
        print("throughput ...", file=sys.stderr, flush=True)
        t = throughput.measure("small" if args.quick else "large", "1h")
        raw["throughput"] = t
        sections += throughput_section(t)
        print("\n".join(throughput_section(t)), flush=True)
    if "memory" in only:
        print("memory ...", file=sys.stderr, flush=True)
        ten = None
        if t is not None and not args.quick:
            ten = {name: dict(run) for name, run in t["runs"].items()}
        m = memory.measure(ten_x=ten)
        raw["memory"] = m
        sections += memory_section(m)
        print("\n".join(memory_section(m)), flush=True)
    if "concurrency" in only:
        print("concurrency ...", file=sys.stderr, flush=True)
        c = concurrency.measure("small")
        raw["concurrency"] = c
        sections += concurrency_section(c)
        print("\n".join(concurrency_section(c)), flush=True)
    now = datetime.now(timezone.utc)
    head = [
        f"# source-openai benchmark, {now.strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}; Python {info['python']}, "
        f"airbyte-cdk {info['cdk']}. Command: `.venv/bin/python -m benchmarks.run {' '.join(sys.argv[1:])}`, "
        f"{(time.time() - started) / 60:.1f} min.",
        "",
    ]
    text = "\n".join(head + sections)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        host = re.sub(r"[^A-Za-z0-9_.-]+", "-", info["host"])[:40]
        name = f"{now.strftime('%Y-%m-%d')}-{host}{'-' + args.label if args.label else ''}"
        (RESULTS / f"{name}.md").write_text(text + "\n")
        (RESULTS / f"{name}.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
        print(f"saved benchmarks/results/{name}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
