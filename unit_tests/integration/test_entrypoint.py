"""The real entry points: `python main.py …` and the `source-openai-org` console script, in subprocesses.

A local loopback server stands in for OpenAI: it records every request, so "no request was sent" is observed,
not assumed. Bad configs are also run in-process through `run.run` (fast) for every command.
"""

import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from source_openai import run as run_module
from source_openai.source import python_warning

from .admin_streams import sample_record
from .config import ADMIN_KEY, FAKE_KEY_FRAGMENT, PROJECT_KEY, ConfigBuilder

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).with_name("source-openai-org")
ENTRY_POINTS = {"main.py": [sys.executable, str(ROOT / "main.py")], "source-openai-org": [str(CONSOLE_SCRIPT)]}
CATALOG = {
    "streams": [
        {
            "stream": {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh",
            "destination_sync_mode": "overwrite",
        }
    ]
}


class FakeOpenAI:
    """A loopback HTTP server: records (path, query) of each request and answers from `routes`."""

    def __init__(self) -> None:
        self.requests: List[Tuple[str, Dict[str, List[str]], str]] = []
        self.routes: Dict[Tuple[str, str], Tuple[int, dict]] = {}  # (path, after) -> (status, body)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                recorder.requests.append((parts.path, query, self.headers.get("Authorization", "")))
                status, body = recorder.routes.get(
                    (parts.path, (query.get("after") or [""])[0]), (404, {"error": {"message": "no route"}})
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _run(entry: str, args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRBYTE_", "REQUEST_CACHE"))}
    return subprocess.run(ENTRY_POINTS[entry] + args, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def _messages(stdout: str) -> List[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _normalised(stdout: str) -> str:
    """Output without the parts that differ between two runs (timestamps, timings)."""
    text = re.sub(r'"emitted_at":\s*[0-9.]+', '"emitted_at":0', stdout)
    text = re.sub(r"'Date': '[^']*'", "'Date': ''", text)
    return "\n".join(line for line in text.splitlines() if "MemoryMonitor" not in line and '"DEBUG"' not in line)


def _write(directory: Path, name: str, content) -> str:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


# ------------------------------------------------------------------------------------------- bad configs
BAD_CONFIGS = {
    "project key as admin key": ({"admin_api_key": PROJECT_KEY}, "`admin_api_key` is a project key"),
    "admin key as project key": ({"project_api_key": ADMIN_KEY}, "`project_api_key` holds an Admin API key"),
    "missing admin key": ({"admin_api_key": None}, "`admin_api_key` is required"),
    "malformed workspace id": (
        {"codex_api_key": "sk-FAKEcodex0000", "workspace_ids": "ws_1, ws/2"},
        "`workspace_ids` has malformed ID(s)",
    ),
    "codex key without workspaces": (
        {"codex_api_key": "sk-FAKEcodex0000", "workspace_ids": " , "},
        "`workspace_ids` is required when `codex_api_key` is set",
    ),
    "unparsable start date": (
        {"start_date": "last tuesday"},
        "`start_date` 'last tuesday' is not an ISO 8601 date-time",
    ),
    "future start date": ({"start_date": "2999-01-01T00:00:00Z"}, "`start_date` 2999-01-01T00:00:00Z is in the future"),
    "plain http to a remote host": ({"api_base_url": "http://api.example.com/v1"}, "`api_base_url` uses plain http://"),
    "codex base url without https": (
        {"codex_api_base_url": "ftp://example.com"},
        "`codex_api_base_url` must be an https:// URL",
    ),
    "negative lookback": ({"lookback_window_days": -1}, "`lookback_window_days` must be a whole number"),
    "too many workers": ({"num_workers": 64}, "`num_workers` must be a whole number from 1 to 10"),
    "empty admin key": ({"admin_api_key": ""}, "`admin_api_key` is empty or only whitespace"),
    "whitespace admin key": ({"admin_api_key": "  \t "}, "`admin_api_key` is empty or only whitespace"),
    "key with a line break": (
        {"project_api_key": PROJECT_KEY + "\n"},
        "`project_api_key` contains spaces or line breaks",
    ),
    "admin key as codex key": (
        {"codex_api_key": ADMIN_KEY, "workspace_ids": "ws_1"},
        "`codex_api_key` holds an Admin API key",
    ),
    "junk workspace ids": (
        {"codex_api_key": "sk-FAKEcodex0000", "workspace_ids": "ws_1; DROP TABLE"},
        "`workspace_ids` has malformed ID(s)",
    ),
    "malformed start date": ({"start_date": "2024-13-45"}, "`start_date` '2024-13-45' is not an ISO 8601 date-time"),
    "unknown group_by dimension": (
        {"usage_group_by": ["model", "colour"]},
        "`usage_group_by` has unknown dimension(s) colour",
    ),
}


def _bad_config(name: str, base_url: str = "http://127.0.0.1:9/v1") -> dict:
    changes, _ = BAD_CONFIGS[name]
    config = ConfigBuilder().with_fields(api_base_url=base_url, codex_api_base_url=base_url).build()
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_bad_config_gives_a_clear_error_before_any_request(name, command, tmp_path, capsys):
    args = [command, "--config", _write(tmp_path, "config.json", _bad_config(name))]
    if command == "read":
        args += ["--catalog", _write(tmp_path, "catalog.json", CATALOG)]
    with requests_mock.Mocker() as http_mocker:  # answers nothing: any request is recorded, then refused
        with pytest.raises(SystemExit) as exit_info:
            run_module.run(args)
        assert not http_mocker.called, "a request was sent"
    out, err = capsys.readouterr()

    assert exit_info.value.code == (0 if command == "check" else 1)
    messages = _messages(out)
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert traces and traces[0]["failure_type"] == "config_error"
    assert BAD_CONFIGS[name][1] in traces[0]["message"]
    if command == "check":
        statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
        assert statuses == [{"status": "FAILED", "message": traces[0]["message"]}]
    assert "Traceback" not in out + err
    assert FAKE_KEY_FRAGMENT not in out + err


# ------------------------------------------------------------------------------------------- subprocesses
@pytest.fixture(scope="module")
def subprocess_runs(tmp_path_factory):
    """Every subprocess case, run concurrently once for the module (each takes seconds to start)."""
    directory = tmp_path_factory.mktemp("entrypoint")
    with FakeOpenAI() as server:
        users = [sample_record("users", id="user_1"), sample_record("users", id="user_2")]
        server.routes[("/v1/organization/users", "")] = (
            200,
            {"object": "list", "data": users[:1], "first_id": "user_1", "last_id": "user_1", "has_more": True},
        )
        server.routes[("/v1/organization/users", "user_1")] = (
            200,
            {"object": "list", "data": users[1:], "first_id": "user_2", "last_id": "user_2", "has_more": False},
        )
        server.routes[("/v1/organization/projects", "")] = (
            401,
            {
                "error": {
                    "message": f"Incorrect API key provided: {ADMIN_KEY[:14]}****{ADMIN_KEY[-4:]}",
                    "code": "invalid_api_key",
                }
            },
        )
        good = ConfigBuilder().with_fields(api_base_url=server.base_url, codex_api_base_url=server.base_url).build()
        bad = _bad_config("project key as admin key", server.base_url)
        files = {
            "good": _write(directory, "good.json", good),
            "bad": _write(directory, "bad.json", bad),
            "catalog": _write(directory, "catalog.json", CATALOG),
        }
        both = {
            "spec": ["spec"],
            "read": ["read", "--config", files["good"], "--catalog", files["catalog"]],
            "bad_check": ["check", "--config", files["bad"]],
            "bad_read": ["read", "--config", files["bad"], "--catalog", files["catalog"]],
        }
        jobs = {(case, entry): args for case, args in both.items() for entry in ENTRY_POINTS}
        jobs.update({("check_401", entry): ["check", "--config", files["good"]] for entry in ENTRY_POINTS})
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = {key: pool.submit(_run, key[1], args, directory) for key, args in jobs.items()}
            results = {key: future.result() for key, future in futures.items()}
        requests = list(server.requests)
    return results, requests


def _both(results, case):
    return [results[(case, entry)] for entry in ENTRY_POINTS]


@pytest.mark.parametrize("case", ["spec", "read", "bad_check", "bad_read"])
def test_both_entry_points_behave_identically(subprocess_runs, case):
    results, _ = subprocess_runs
    main, script = _both(results, case)
    assert main.returncode == script.returncode, (main.stderr[-500:], script.stderr[-500:])
    assert _normalised(main.stdout) == _normalised(script.stdout)
    for result in (main, script):
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-1500:]
        assert FAKE_KEY_FRAGMENT not in result.stdout + result.stderr


def test_spec(subprocess_runs):
    results, _ = subprocess_runs
    from source_openai.source import load_manifest

    manifest_spec = load_manifest()["spec"]
    for entry in ENTRY_POINTS:  # both entry points print the manifest's spec: its fields, required and docs URL
        spec = [m for m in _messages(results[("spec", entry)].stdout) if m["type"] == "SPEC"]
        assert len(spec) == 1, entry
        printed = spec[0]["spec"]
        assert printed["connectionSpecification"]["required"] == ["admin_api_key"]
        assert list(printed["connectionSpecification"]["properties"]) == list(
            manifest_spec["connection_specification"]["properties"]
        )
        assert printed["documentationUrl"] == manifest_spec["documentation_url"]


def test_discover_in_process(tmp_path, capsys):
    from .source_runner import discover

    config = ConfigBuilder().build()  # the Admin key only
    with requests_mock.Mocker() as http_mocker:  # answers nothing: any request is recorded, then refused
        run_module.run(["discover", "--config", _write(tmp_path, "config.json", config)])
        assert not http_mocker.called
    catalog = [m for m in _messages(capsys.readouterr().out) if m["type"] == "CATALOG"]
    assert len(catalog) == 1
    names = sorted(s["name"] for s in catalog[0]["catalog"]["streams"])
    # the same streams as the CDK's entrypoint discovers for this config, and fewer than with every credential
    assert names == sorted(s.name for s in discover(config).catalog.catalog.streams)
    every = {s.name for s in discover(ConfigBuilder().with_project_key().with_codex().build()).catalog.catalog.streams}
    assert names and set(names) < every


def test_read_pages_through_a_loopback_emulator(subprocess_runs):
    results, requests = subprocess_runs
    for result in _both(results, "read"):
        assert result.returncode == 0, result.stdout[-1500:]
        records = [m["record"]["data"]["id"] for m in _messages(result.stdout) if m["type"] == "RECORD"]
        assert records == ["user_1", "user_2"]
        # on a Python whose parser fails under threads (source.python_warning), the read says so, once
        warnings = [m["log"]["message"] for m in _messages(result.stdout) if m["type"] == "LOG"]
        assert warnings.count(python_warning()) == (1 if python_warning() else 0)
    users = [(query, auth) for path, query, auth in requests if path == "/v1/organization/users"]
    # both entry points ran at the same time: two first pages, two second pages, nothing else
    assert sorted(json.dumps(q, sort_keys=True) for q, _ in users) == sorted(
        json.dumps(q, sort_keys=True) for q in [{"limit": ["100"]}, {"limit": ["100"], "after": ["user_1"]}] * 2
    )
    assert all(auth == f"Bearer {ADMIN_KEY}" for _, auth in users)


def test_check_401_names_the_field_and_hides_the_echoed_key(subprocess_runs):
    results, requests = subprocess_runs
    marker = "sk-admin-"  # the public marker: the only part of the key that may be printed
    assert ADMIN_KEY.startswith(marker)
    # every piece of the key longer than its marker (prefixes, and any window that long), and the 4-character tail
    # OpenAI's echo shows (`sk-admin-FAKEa****cdef`)
    fragments = {ADMIN_KEY[i : i + len(marker) + 1] for i in range(len(ADMIN_KEY) - len(marker))}
    tail = ADMIN_KEY[-4:]
    assert any(path == "/v1/organization/projects" for path, _, _ in requests), "the check never reached the server"
    for result in _both(results, "check_401"):
        output = result.stdout + result.stderr
        messages = _messages(result.stdout)
        statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
        assert len(statuses) == 1 and statuses[0]["status"] == "FAILED", result.stdout[-1500:]
        assert "`admin_api_key`" in statuses[0]["message"] and "HTTP 401" in statuses[0]["message"]

        assert ADMIN_KEY not in output
        leaked = sorted(f for f in fragments if f in output)
        assert not leaked, leaked
        assert FAKE_KEY_FRAGMENT not in output
        assert not re.search(r"\*" + re.escape(tail), output), "the echoed key's last characters are printed"
        # the echo is printed, but masked: nothing of the key beyond its marker
        echoes = re.findall(r"Incorrect API key provided: ([^'\"\s]*)", output)
        assert echoes, "the API's error text (with its echoed key) is not in the output"
        assert all(re.fullmatch(r"(sk-admin-)?\*+", echo) for echo in echoes), echoes


@pytest.mark.parametrize("case, code", [("bad_check", 0), ("bad_read", 1)])
def test_bad_config_sends_no_request(subprocess_runs, case, code):
    results, requests = subprocess_runs
    for result in _both(results, case):
        assert result.returncode == code
        assert "`admin_api_key` is a project key" in result.stdout
    assert not [r for r in requests if r[2] != f"Bearer {ADMIN_KEY}"], "a bad config sent a request"


@pytest.mark.parametrize(
    "broken, words",
    [
        ("config", "The config file"),
        ("state", "The state file"),
        ("catalog", "The catalog file"),
    ],
)
def test_corrupt_files_give_a_clean_config_error(broken, words, tmp_path, capsys):
    contents = {"config": ConfigBuilder().build(), "catalog": CATALOG, "state": []}
    contents[broken] = {
        "config": '{"admin_api_key": "sk-admin-FAKE',
        "state": '[{"type": "STREAM", "stream": ',
        "catalog": "[]",
    }[broken]
    args = ["read"] + [
        arg
        for kind in ("config", "catalog", "state")
        for arg in (f"--{kind}", _write(tmp_path, f"{kind}.json", contents[kind]))
    ]
    with requests_mock.Mocker() as http_mocker:  # answers nothing: any request is recorded, then refused
        with pytest.raises(SystemExit) as exit_info:
            run_module.run(args)
        assert not http_mocker.called
    out, err = capsys.readouterr()

    assert exit_info.value.code == 1
    traces = [m["trace"]["error"] for m in _messages(out) if m["type"] == "TRACE"]
    assert traces and traces[0]["failure_type"] == "config_error", out[-800:]
    assert words in traces[0]["message"]
    assert "Traceback" not in out + err and FAKE_KEY_FRAGMENT not in out + err
