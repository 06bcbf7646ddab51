"""`python -m openai_emulator`: run the emulator in the foreground until interrupted (Ctrl-C / SIGTERM)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from .faults import Faults
from .server import Emulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openai_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("OPENAI_EMULATOR_PORT", 0)), help="0 = a free port"
    )
    parser.add_argument(
        "--scale", default=os.environ.get("OPENAI_EMULATOR_SCALE", "small"), choices=["small", "medium", "large"]
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("OPENAI_EMULATOR_SEED", 0)))
    parser.add_argument("--now", type=int, default=None, help="Unix seconds that end the data period (default: now)")
    parser.add_argument("--period-days", type=int, default=None, help="days of usage/costs/audit/Codex data before now")
    parser.add_argument("--workspaces", default=None, help="comma-separated Codex workspace ids the emulator knows")
    parser.add_argument("--codex-max-limit", type=int, default=500, help="largest Codex `limit` accepted (400 above)")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--rate-limit-every", type=int, default=None)
    parser.add_argument("--server-error-every", type=int, default=None)
    parser.add_argument("--truncate-every", type=int, default=None)
    parser.add_argument("--reset-every", type=int, default=None)
    parser.add_argument("--forbid", action="append", default=None, help="path prefix answered with 403 (repeatable)")
    parser.add_argument(
        "--compliance-large-file-mb",
        type=float,
        default=None,
        help="make the first AUTH_LOG file of the first compliance workspace this many MiB",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print a connector config (JSON) for this emulator, with all four credentials",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        parser.error("--host must be a loopback address")
    faults = Faults.from_env()
    knobs = {
        "latency_ms": args.latency_ms,
        "rate_limit_every": args.rate_limit_every,
        "server_error_every": args.server_error_every,
        "truncate_every": args.truncate_every,
        "reset_every": args.reset_every,
        "forbidden_prefixes": args.forbid,
        "compliance_large_file_mb": args.compliance_large_file_mb,
    }
    faults = Faults.from_mapping({k: v for k, v in knobs.items() if v is not None}, faults)
    emu = Emulator(
        scale=args.scale,
        seed=args.seed,
        now=args.now,
        period_days=args.period_days,
        host=args.host,
        port=args.port,
        workspaces=args.workspaces.split(",") if args.workspaces else None,
        codex_max_limit=args.codex_max_limit,
        faults=faults,
        verbose=args.verbose,
        log_requests=True,
    )
    emu.start()
    info = emu.describe()
    print(f"OpenAI emulator listening on {emu.base_url} (scale={info['scale']}, seed={info['seed']})", flush=True)
    print(f"  api_base_url       = {emu.api_base_url}", flush=True)
    print(f"  codex_api_base_url = {emu.codex_api_base_url}", flush=True)
    print(
        f"  compliance_api_base_url = {emu.compliance_api_base_url} (principals {','.join(emu.compliance_principals)})",
        flush=True,
    )
    print(f"  control            = {emu.base_url}/_emulator (requests, faults, revise, stats)", flush=True)
    if args.print_config:
        print(json.dumps(emu.connector_config(compliance=True)), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
