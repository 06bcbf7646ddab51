"""The smoke command for the first run with real keys: `check`, then a bounded sample of every stream, as one table.

    bash scripts/smoke.sh --config secrets/config.json [--output .smoke/smoke.json]
    .venv/bin/python scripts/smoke.py --config secrets/config.json [--pages 2 --partitions 3 --records 25]

The source is the package's `SourceOpenai`, built from the config exactly as `source_openai/run.py` builds it
(`read_config`, `normalize_config`), plus the two arguments the Connector Builder gives it for a test read:
`emit_connector_builder_messages=True` and the CDK's `TestLimits` (pages per partition, partitions; in that mode the
CDK also turns retries and the request cache off), with one worker (`num_workers=1`, as the Builder forces
concurrency 1). Each stream that `discover` lists is read with the CDK's `TestReader` (the Builder's test read),
one stream per forked worker process: a source reads once, so every worker gets its own copy of the source built
once here.

What is printed (and written to the JSON file) is only: stream names, counts, HTTP status codes, endpoint paths with
every segment that is not a literal word of the manifest's URL templates or of the configured base URLs replaced by
`{id}` (never a query string), field names, seconds, and reasons from a fixed vocabulary. No record value, key, URL
query or text of the API or the CDK reaches the output: the process's own stdout and stderr are pointed at
/dev/null while the CDK runs (its logs carry URLs and bodies), and the table is written to a copy of the original
stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airbyte_cdk.connector_builder.test_reader import TestReader  # noqa: E402
from airbyte_cdk.models import (  # noqa: E402
    AirbyteStream,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
)
from airbyte_cdk.sources.declarative.concurrent_declarative_source import TestLimits  # noqa: E402

from source_openai.components import ConfigError, normalize_config, redact  # noqa: E402
from source_openai.source import SourceOpenai  # noqa: E402

DEFAULT_OUTPUT = ROOT / ".smoke" / "smoke.json"
LOGGER = logging.getLogger("airbyte.smoke")
COLUMNS = ["stream", "status", "records", "pages", "http", "drift", "never_seen", "seconds"]
SHOWN_NAMES = 6  # field names per cell on the console; the JSON file has them all
# The config fields a check message may name (printed instead of the message itself).
CHECK_FIELDS = (
    "admin_api_key",
    "project_api_key",
    "codex_api_key",
    "workspace_ids",
    "compliance_api_key",
    "compliance_principal_ids",
    "api_base_url",
    "codex_api_base_url",
    "compliance_api_base_url",
)
# Reasons for a failed stream: (phrase of the connector's or the CDK's message, what is printed). Never the message.
REASONS = [
    ("made no progress", "paging made no progress"),
    ("not complete JSON", "unreadable response body"),
    ("rate limit", "rate limited (HTTP 429)"),
    ("HTTP 401", "key rejected (HTTP 401)"),
    ("timed out", "timeout"),
    ("Timeout", "timeout"),
    ("broke off", "download broke off"),
    ("Invalid configuration", "configuration error"),
]

# Set in the parent before the workers are forked; each worker reads with its own copy.
SOURCE: Optional[SourceOpenai] = None
CONFIG: Dict[str, Any] = {}
STREAMS: Dict[str, AirbyteStream] = {}
LIMITS = TestLimits()
VOCABULARY: frozenset = frozenset()


def url_templates(node: Any) -> Iterator[str]:
    """Every `url`, `url_base` and `path` string of the resolved manifest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("url", "url_base", "path") and isinstance(value, str):
                yield value
            else:
                yield from url_templates(value)
    elif isinstance(node, list):
        for item in node:
            yield from url_templates(item)


def path_vocabulary(manifest: Mapping[str, Any], config: Mapping[str, Any]) -> frozenset:
    """The words an endpoint path may show: the literal words of the manifest's URL templates and the path segments
    of the configured base URLs. Any other segment (an ID: a project, user, workspace...) is printed as `{id}`."""
    words = {w for template in url_templates(manifest) for w in re.findall(r"[A-Za-z0-9_.-]+", template)}
    for name in ("api_base_url", "codex_api_base_url", "compliance_api_base_url"):
        if isinstance(config.get(name), str):
            words.update(s for s in urlsplit(config[name]).path.split("/") if s)
    return frozenset(words)


def endpoint(url: str) -> str:
    """The path of `url` (no host, no query), each segment outside the vocabulary replaced by `{id}`."""
    path = urlsplit(url).path
    return "/".join(s if not s or s in VOCABULARY else "{id}" for s in path.split("/"))


def reason(messages: List[str], statuses: Counter) -> str:
    """A short reason from a fixed vocabulary: the messages themselves may quote a response body."""
    text = " ".join(messages)
    for phrase, shown in REASONS:
        if phrase in text:
            return shown
    failed = sorted(s for s in statuses if s >= 400)
    return f"HTTP {'/'.join(map(str, failed))}" if failed else "failed (see the sync log of a full read)"


def top_level_names(schema: Mapping[str, Any]) -> List[str]:
    return sorted((schema or {}).get("properties") or {})


def sample_stream(name: str) -> Dict[str, Any]:
    """Runs in a forked worker: the CDK's test read of one stream, reduced to counts, codes, paths and names."""
    started = time.monotonic()
    stream = STREAMS[name]
    sync_mode = SyncMode.incremental if SyncMode.incremental in stream.supported_sync_modes else SyncMode.full_refresh
    catalog = ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=stream, sync_mode=sync_mode, destination_sync_mode=DestinationSyncMode.append
            )
        ]
    )
    reader = TestReader(LIMITS.max_pages_per_slice, LIMITS.max_slices, LIMITS.max_records)
    result = reader.run_test_read(SOURCE, CONFIG, catalog, name, [], LIMITS.max_records)
    exchanges = [(p.request, p.response) for s in result.slices for p in s.pages]
    exchanges += [(a.request, a.response) for a in result.auxiliary_requests]
    exchanges += [(a.request, a.response) for s in result.slices for a in (s.auxiliary_requests or [])]
    statuses: Counter = Counter(r.status for _, r in exchanges if r is not None and r.status is not None)
    refused = sorted(
        {
            f"{r.status} {endpoint(q.url)}"
            for q, r in exchanges
            if q is not None and r is not None and r.status is not None and 400 <= r.status < 500
        }
    )
    records = [rec for s in result.slices for p in s.pages for rec in p.records if isinstance(rec, dict)]
    seen = {field for record in records for field in record}
    declared = set(top_level_names(stream.json_schema))
    # A failed read is an ERROR trace; the test reader also logs schema-inference problems at ERROR, without a trace.
    errors = [log.message or "" for log in result.logs if log.level == "ERROR" and log.stacktrace is not None]
    if errors:
        status = "error"
    elif statuses and not any(200 <= code < 300 for code in statuses) and any(c in (403, 404) for c in statuses):
        status = "skipped"
    else:
        status = "ok"
    return {
        "stream": name,
        "status": status,
        "reason": reason(errors, statuses) if status == "error" else "",
        "records": len(records),
        "pages": sum(len(s.pages) for s in result.slices),
        "partitions": len(result.slices),
        "limit_reached": result.test_read_limit_reached,
        "http": {str(code): count for code, count in sorted(statuses.items())},
        "refused": refused,
        "drift": sorted(seen - declared) if declared else [],
        "never_seen": sorted(declared - seen) if records else [],
        "seconds": round(time.monotonic() - started, 1),
    }


def run_check() -> Dict[str, Any]:
    """Runs in a forked worker. The check message is not printed: only the config fields and HTTP codes it names."""
    status = SOURCE.check(LOGGER, CONFIG)
    message = status.message or ""
    return {
        "status": status.status.value.lower(),
        "fields": [name for name in CHECK_FIELDS if f"`{name}`" in message or f" {name} " in f" {message} "],
        "http": sorted(set(re.findall(r"HTTP (\d{3})", message))),
    }


def guarded(task: Any, *args: Any) -> Dict[str, Any]:
    try:
        return task(*args)
    except Exception as error:  # an exception's text may quote a response: only its class is reported
        return {"exception": type(error).__name__}


def cell(names: List[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" +{len(names) - SHOWN_NAMES}" if len(names) > SHOWN_NAMES else "") if names else ""


def table(rows: List[Dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        http = " ".join(f"{code}×{count}" for code, count in row["http"].items())
        if row["refused"]:
            http += " (" + ", ".join(row["refused"]) + ")"
        status = row["status"] + (f": {row['reason']}" if row["reason"] else "")
        values = [
            row["stream"],
            status,
            row["records"],
            row["pages"],
            http,
            cell(row["drift"]),
            cell(row["never_seen"]),
            row["seconds"],
        ]
        lines.append("| " + " | ".join(str(v) for v in values) + " |")
    return "\n".join(lines)


def failed_row(name: str, why: str) -> Dict[str, Any]:
    return {
        "stream": name,
        "status": "error",
        "reason": why,
        "records": 0,
        "pages": 0,
        "partitions": 0,
        "limit_reached": False,
        "http": {},
        "refused": [],
        "drift": [],
        "never_seen": [],
        "seconds": None,
    }


def child(task: Callable[[], Dict[str, Any]], sender: Connection) -> None:
    """A forked worker: run one task, send its summary, and end at once (no exit handlers, no thread joins)."""
    sender.send(guarded(task))
    sender.close()
    os._exit(0)


def run_forked(tasks: Dict[str, Callable[[], Dict[str, Any]]], parallel: int, timeout: float) -> Dict[str, Any]:
    """Run each task in a process forked from this one, `parallel` at a time; a task still running `timeout` seconds
    after it started is ended (its result is None)."""
    context = multiprocessing.get_context("fork")
    waiting, running, results = list(tasks.items()), {}, {}
    while waiting or running:
        while waiting and len(running) < parallel:
            key, task = waiting.pop(0)
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=child, args=(task, sender), daemon=True)
            process.start()
            sender.close()
            running[key] = (process, receiver, time.monotonic() + timeout)
        ready = wait([receiver for _, receiver, _ in running.values()], timeout=0.2)
        for key, (process, receiver, deadline) in list(running.items()):
            if receiver in ready:
                try:
                    results[key] = receiver.recv()
                except EOFError:  # the worker died without an answer
                    results[key] = {"exception": "a crashed worker process"}
            elif time.monotonic() < deadline:
                continue
            else:
                process.terminate()
                results[key] = None
            process.join()
            receiver.close()
            del running[key]
    return results


def smoke(config_path: str, limits: TestLimits, parallel: int, timeout: float) -> Dict[str, Any]:
    """Build the source as run.py does, check, then sample every discovered stream. Returns the report."""
    global SOURCE, CONFIG, STREAMS, LIMITS, VOCABULARY
    config = SourceOpenai.read_config(config_path)
    normalize_config(config)
    config = {**config, "num_workers": 1}
    SOURCE = SourceOpenai(config=config, emit_connector_builder_messages=True, limits=limits)
    CONFIG, LIMITS = config, limits
    STREAMS = {s.name: s for s in SOURCE.discover(LOGGER, config).streams}
    VOCABULARY = path_vocabulary(SOURCE.resolved_manifest, config)
    started = time.monotonic()
    tasks = {"": run_check, **{name: partial(sample_stream, name) for name in STREAMS}}
    results = run_forked(tasks, parallel, timeout)
    check = results.pop("")
    if not check or "exception" in check:
        check = {"status": "failed", "fields": [], "http": []}
    rows = []
    for name in STREAMS:
        row = results[name]
        if row is None:
            row = failed_row(name, f"no answer within {timeout:.0f} s")
        elif "exception" in row:
            row = failed_row(name, f"the test read raised {row['exception']}")
        rows.append(row)
    limits_used = {
        "pages_per_partition": limits.max_pages_per_slice,
        "partitions": limits.max_slices,
        "records": limits.max_records,
    }
    return {"check": check, "limits": limits_used, "streams": rows, "seconds": round(time.monotonic() - started, 1)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the connector config (JSON), e.g. secrets/config.json")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help=f"the JSON report (default {DEFAULT_OUTPUT})")
    parser.add_argument("--pages", type=int, default=2, help="pages per partition (default 2)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions (slices) per stream (default 3)")
    parser.add_argument("--records", type=int, default=25, help="records per stream (default 25)")
    parser.add_argument("--parallel", type=int, default=4, help="streams read at the same time (default 4)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per stream (default 60)")
    args = parser.parse_args(argv)

    # The CDK logs request URLs and response bodies in a test read: the process's stdout and stderr go to
    # /dev/null, and the report is written to copies of the original ones.
    out = os.fdopen(os.dup(1), "w")
    err = os.fdopen(os.dup(2), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    limits = TestLimits(max_records=args.records, max_pages_per_slice=args.pages, max_slices=args.partitions)
    try:
        report = smoke(args.config, limits, args.parallel, args.timeout)
    except ConfigError as error:
        print(redact(error.message or "Invalid configuration."), file=err)
        return 1
    except Exception as error:  # its text may quote a response or a value: only the class
        print(f"The smoke command failed: {type(error).__name__}.", file=err)
        return 1
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    check = report["check"]
    named = ", ".join(check["fields"] + [f"HTTP {code}" for code in check["http"]])
    print(f"check: {check['status']}" + (f" ({named})" if named else ""), file=out)
    print(table(report["streams"]), file=out)
    counts = Counter(row["status"] for row in report["streams"])
    print(
        f"{len(report['streams'])} streams: "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        + f"; {report['seconds']} s. The same table: {output}",
        file=out,
    )
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
