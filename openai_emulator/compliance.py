"""ChatGPT Enterprise Compliance API (compliance key): log files per principal and event type, their download through
a redirect to pre-signed storage, and the workspace user rosters.

There is no public OpenAPI description; the shapes follow ../shared/reference/chatgpt-compliance-api-notes.md (the
OpenAI Cookbook's Logs Platform quickstart and Airbyte's source-openai 0.0.1). Served below /chatgpt/v1, so that the
connector's `compliance_api_base_url` is `emu.base_url + "/chatgpt/v1"`:

* `GET /compliance/{workspaces|organizations}/{principal_id}/logs?event_type=E&limit=N&after=T[&before=T]`
  -> `{object: list, data: [descriptor], has_more, last_end_time}`. Files with `end_time > after` (and
  `<= before`), ascending `end_time`; `last_end_time` is the last descriptor's `end_time` (null on an empty page) and
  is the next page's `after`. `event_type` is required (400); `limit` 1..100, default 100 (the real maximum is not
  public: 100 is the emulator's choice); `after`/`before` are ISO 8601 with a timezone (400 otherwise); without
  `after`, from the oldest file kept. A well-formed event type the emulator has no files for lists nothing (the full
  list of types is not public); a malformed one (not upper-case letters, digits and `_`) is a 400.
* `GET /compliance/{workspaces|organizations}/{principal_id}/logs/{log_file_id}` -> 302 to
  `http://<other host>:<same port>/_storage/<token>?X-Amz-Signature=<hex>&X-Amz-Expires=300`: 127.0.0.1 and
  localhost swap, so a client that follows the redirect leaves the API host. Storage (no API key; a missing or wrong
  signature is a 403; the expiry is not enforced) serves the JSONL file, `Content-Type: application/jsonl`, streamed in
  64 KiB chunks. The request log records whether a storage request carried an Authorization header.
* `GET /manage/workspaces/{id}/users` (current roster) and `GET /compliance/workspaces/{id}/users` (every user
  ever, removed ones with `status: removed` and `removed_at`): id-cursor lists (`limit` 1..100, default 20,
  `after=<user id>`), oldest first. Only workspaces have rosters.

The principal segment must match the id: `org-...` under `organizations`, anything else (UUIDs) under `workspaces`;
a mismatch or an unknown principal is a 404. Principals: two workspaces (UUIDs) and the organisation (`org-...`).

Files: one per principal x event type x window (1 h for AUTH_LOG and CONVERSATION_MESSAGE, 6 h for FILE_UPLOAD,
1 day for COSTS),
for the windows that had activity, over [period_start, now); a file is listed once created (a few minutes after its
window ends). A file's existence, id and content depend on (seed, principal, event type, window) only, so files are
immutable across emulators with a later `now`. 1..20 lines per file; the knob `compliance_large_file_mb` makes the
first AUTH_LOG file of the first workspace that many MiB (1 KiB lines). Times are ISO 8601 `%Y-%m-%dT%H:%M:%SZ`.

COSTS events follow the provisional field names in ../shared/reference/chatgpt-compliance-api-notes.md (one vendor's
fixtures; the real nesting is not public): `organization_id`, `day`, `hour`, `user_id`, `user_email`, `product`,
`surface`, `client`, `model`, `service_tier`, token counts, and `billing_lines` [{sku, quantity {unit, value},
credits {unit, value}, estimated_cost {amount, currency}}]. Amounts are whole micro-dollars (`cost_micros`).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from .common import (
    ApiError,
    Collection,
    Limit,
    Redirect,
    Request,
    bad_param,
    hexid,
    id_cursor_page,
    make_id,
    ordered,
    window,
)
from .data import DAY, WORDS, Dataset

KEY_CLASS = "compliance"
STORAGE_PREFIX = "/_storage/"
EVENT_TYPE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
ISO = "%Y-%m-%dT%H:%M:%SZ"
LIST_LIMIT = Limit(default=100, minimum=1, maximum=100)
ROSTER_LIMIT = Limit(default=20, minimum=1, maximum=100)
SIGNED_URL_EXPIRES = 300
CHUNK = 1 << 16
LARGE_LINE_BYTES = 1024

# event type -> (window seconds, probability that a window has a file, per principal index: ws 0, ws 1, org)
PROFILES: Dict[str, Tuple[int, Tuple[float, float, float]]] = {
    "AUTH_LOG": (3600, (0.92, 0.35, 0.25)),
    "CONVERSATION_MESSAGE": (3600, (0.6, 0.3, 0.15)),
    "FILE_UPLOAD": (6 * 3600, (0.5, 0.4, 0.3)),
    "COSTS": (86400, (0.95, 0.7, 0.9)),
}
COSTS_PRODUCTS = [("chat", "web", "chatgpt-web"), ("codex", "ide", "codex-vscode"), ("image", "desktop", "chatgpt-mac")]
COSTS_MODELS = ["gpt-5", "gpt-5-mini", "gpt-image-1"]
EVENT_TYPES = list(PROFILES)
DEFAULT_EVENT_TYPES = ["AUTH_LOG", "CONVERSATION_MESSAGE"]  # what `Emulator.connector_config(compliance=True)` asks for
USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
    "ChatGPT/1.2025.330 (iOS 18.1)",
]


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime(ISO)


# ------------------------------------------------------------------------------------------ principals


def principals(ds: Dataset) -> List[str]:
    """The compliance principals: two ChatGPT workspaces (UUIDs), then the organisation (`org-...`)."""

    def build() -> List[str]:
        out = []
        for k in range(2):
            raw = hexid(ds.seed, "chatgpt_workspace", k, length=32)
            out.append(f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}")
        return out + [ds.org_id]

    return ds.cached(("compliance_principals",), build)


def principal_kind(principal_id: str) -> str:
    """The path segment of a principal id: `organizations` for `org-...`, `workspaces` otherwise."""
    return "organizations" if principal_id.startswith("org-") else "workspaces"


def _principal(req: Request, ds: Dataset) -> int:
    return principal_index(ds, req.path_params["principal_kind"], req.path_params["principal_id"], req)


def principal_index(ds: Dataset, kind: str, ident: str, req: Optional[Request] = None) -> int:
    if kind not in ("workspaces", "organizations"):
        raise ApiError(404, f"Invalid URL (GET {req.path if req else kind})", code=None)
    what = "workspace" if kind == "workspaces" else "organization"
    ids = principals(ds)
    if principal_kind(ident) != kind or ident not in ids:
        raise ApiError(
            404, f"No such {what}: '{ident[:64]}', or this key may not read its compliance logs.", code="not_found"
        )
    return ids.index(ident)


# ------------------------------------------------------------------------------------------ rosters


def _roster_size(ds: Dataset, w: int) -> int:
    return ds.scale.compliance_users if w == 0 else 8 + ds.h("cmp_roster", w) % 8


def is_removed(i: int) -> bool:
    return i % 7 == 6


def roster(ds: Dataset, w: int) -> Collection:
    """Every user workspace `w` ever had (history), oldest first; every 7th one was removed."""

    def build() -> Collection:
        count = _roster_size(ds, w)

        def make(i: int) -> Dict[str, Any]:
            person = ds.person(5000 * (w + 1) + i)
            created = ds.created("cmp_user", i, count, start=ds.org_created + w * DAY)
            removed = min(created + (5 + ds.h("cmp_removed", w, i) % 60) * DAY, ds.now - DAY) if is_removed(i) else None
            return {
                "object": "workspace.user",
                "id": make_id("user-", ds.seed, "chatgpt_user", w, index=i),
                "name": person["name"],
                "email": person["email"],
                "role": "account-owner" if i == 0 else "account-admin" if i % 10 == 1 else "standard-user",
                "seat_type": "codex" if i % 6 == 5 else "default",
                "is_scim_managed": i % 4 == 3,
                "created_at": iso(created),
                "status": "removed" if removed else "active",
                "removed_at": iso(removed) if removed else None,
            }

        return Collection(count, make)

    return ds.cached(("compliance_roster", w), build)


def _workspace(req: Request, ds: Dataset) -> int:
    ident = req.path_params["workspace_id"]
    if principal_kind(ident) != "workspaces" or ident not in principals(ds)[:2]:
        raise ApiError(404, f"No such workspace: '{ident[:64]}', or this key may not read its users.", code="not_found")
    return principals(ds).index(ident)


def current_users(req: Request, ds: Dataset) -> Dict[str, Any]:
    w = _workspace(req, ds)
    limit = ROSTER_LIMIT.read(req)
    coll = roster(ds, w)
    records, has_more = window(req, coll, ordered(coll, "asc", keep=lambda i: not is_removed(i)), limit)
    for record in records:
        del record["status"], record["removed_at"]
    return id_cursor_page(records, has_more)


def users_history(req: Request, ds: Dataset) -> Dict[str, Any]:
    w = _workspace(req, ds)
    limit = ROSTER_LIMIT.read(req)
    coll = roster(ds, w)
    records, has_more = window(req, coll, ordered(coll, "asc"), limit)
    return id_cursor_page(records, has_more)


def actors(ds: Dataset, p: int) -> List[Tuple[str, str]]:
    """(user_id, email) of the people whose events a principal's logs show."""

    def build() -> List[Tuple[str, str]]:
        if p < 2:
            coll = roster(ds, p)
            return [(u["id"], u["email"]) for u in coll.items()]
        return [(u["id"], u["email"]) for u in ds.users.items()]

    return ds.cached(("compliance_actors", p), build)


# ------------------------------------------------------------------------------------------ log files


@dataclass(frozen=True)
class LogFile:
    id: str
    principal_id: str
    p: int  # principal index
    event_type: str
    index: int  # position in the partition's listing (0 = oldest kept)
    start: int
    end: int
    created: int
    lines: int


@dataclass
class Partition:
    files: List[LogFile]
    ends: List[int]
    by_id: Dict[str, LogFile]


def partition(ds: Dataset, p: int, event_type: str) -> Partition:
    """The files of principal p and one event type that exist at `now`, ascending end_time."""

    def build() -> Partition:
        principal_id = principals(ds)[p]
        files: List[LogFile] = []
        if event_type in PROFILES:
            width, density = PROFILES[event_type]
            start = (ds.period_start + width - 1) // width * width
            delay_span = max(1, min(900, width // 4) - 60)
            while start + width <= ds.now:
                if ds.f("cmp_file", principal_id, event_type, start) < density[p]:
                    end = start + width
                    created = end + 60 + ds.h("cmp_created", principal_id, event_type, start) % delay_span
                    if created > ds.now:
                        break  # later windows are not written yet either (delays are shorter than a window)
                    fid = "logf_" + hexid(ds.seed, "logf", principal_id, event_type, start, length=32)
                    files.append(
                        LogFile(
                            id=fid,
                            principal_id=principal_id,
                            p=p,
                            event_type=event_type,
                            index=len(files),
                            start=start,
                            end=end,
                            created=created,
                            lines=1 + ds.h("cmp_lines", principal_id, event_type, start) % 20,
                        )
                    )
                start += width
        return Partition(files=files, ends=[f.end for f in files], by_id={f.id: f for f in files})

    return ds.cached(("compliance_files", p, event_type), build)


def is_large(f: LogFile) -> bool:
    return f.p == 0 and f.event_type == "AUTH_LOG" and f.index == 0


def _line_count(f: LogFile, large_mb: float) -> int:
    return max(1, int(large_mb * 1024)) if large_mb and is_large(f) else f.lines


def _event(ds: Dataset, f: LogFile, i: int, n: int, pool: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    ts = f.start + (i * (f.end - f.start)) // n
    h = ds.h("cmp_line", f.id, i)
    user_id, email = pool[h % len(pool)]
    base = {
        "id": f"evt_{f.id[5:21]}{i:08d}",
        "type": f.event_type,
        "timestamp": iso(ts),
        "principal_id": f.principal_id,
        "actor": {"user_id": user_id, "email": email},
    }
    if f.event_type == "AUTH_LOG":
        return dict(
            base,
            event="login" if h % 3 else "logout",
            ip_address=f"203.0.113.{h % 254 + 1}",
            user_agent=USER_AGENTS[(h >> 8) % len(USER_AGENTS)],
        )
    if f.event_type == "CONVERSATION_MESSAGE":
        word = WORDS[(h >> 8) % len(WORDS)]
        return dict(
            base,
            conversation_id="conv_" + hexid(f.id, i // 4, length=24),
            message={
                "id": "msg_" + hexid(f.id, i, length=24),
                "role": "user" if i % 2 == 0 else "assistant",
                "content": {"parts": [f"Notes on project {word}: SECRET-CONTENT-{h % 100_000_000}"]},
            },
        )
    if f.event_type == "COSTS":
        return _costs_event(ds, f, i, h, base)
    word = WORDS[(h >> 8) % len(WORDS)]
    return dict(
        base,
        file={
            "id": "file-" + hexid(f.id, i, length=24),
            "name": f"{word}-{i}.pdf",
            "mime_type": "application/pdf",
            "size_bytes": 1000 + (h >> 16) % 5_000_000,
        },
    )


def cost_micros(h: int, line: int) -> int:
    """The estimated USD cost of billing line `line` of a COSTS event whose line hash is h, in micro-dollars."""
    return 1_000 + (h >> (8 * line)) % 400_000


def _costs_event(ds: Dataset, f: LogFile, i: int, h: int, base: Dict[str, Any]) -> Dict[str, Any]:
    product, surface, client = COSTS_PRODUCTS[h % len(COSTS_PRODUCTS)]
    model = COSTS_MODELS[(h >> 4) % len(COSTS_MODELS)]
    day = datetime.fromtimestamp(f.start, tz=timezone.utc).strftime("%Y-%m-%d")
    tokens_in, tokens_out = 100 + h % 50_000, 50 + (h >> 12) % 20_000
    billing_lines = []
    for line, (sku, unit, quantity) in enumerate(
        [(f"{model}:input", "tokens", tokens_in), (f"{model}:output", "tokens", tokens_out)][: 1 + h % 2]
    ):
        micros = cost_micros(h, line)
        billing_lines.append(
            {
                "sku": sku,
                "quantity": {"unit": unit, "value": quantity},
                "credits": {"unit": "credits", "value": micros / 40_000},
                "estimated_cost": {"amount": micros / 1_000_000, "currency": "USD"},
            }
        )
    return dict(
        base,
        organization_id=principals(ds)[-1],
        day=day,
        hour=(i * 24) // max(1, f.lines),
        user_id=base["actor"]["user_id"],
        user_email=base["actor"]["email"],
        product=product,
        surface=surface,
        client=client,
        model=model,
        service_tier="default",
        input_text_tokens=tokens_in,
        cached_input_text_tokens=tokens_in // 4,
        output_text_tokens=tokens_out,
        billing_lines=billing_lines,
    )


def cost_events(ds: Dataset) -> Iterator[Dict[str, Any]]:
    """Every COSTS event the emulator serves now, over every principal (for tests that check what was synced)."""
    for p in range(len(principals(ds))):
        for f in partition(ds, p, "COSTS").files:
            pool = actors(ds, f.p)
            for i in range(f.lines):
                yield _event(ds, f, i, f.lines, pool)


def lines(ds: Dataset, f: LogFile, large_mb: float = 0) -> Iterator[bytes]:
    """The file's JSONL lines (each ending in a newline), generated one at a time."""
    n = _line_count(f, large_mb)
    pad = LARGE_LINE_BYTES if large_mb and is_large(f) else 0
    pool = actors(ds, f.p)
    for i in range(n):
        text = json.dumps(_event(ds, f, i, n, pool), separators=(",", ":"))
        if pad and len(text) + 1 < pad:  # AUTH_LOG ends with user_agent: lengthen it to make the line pad bytes
            text = text[:-2] + "x" * (pad - 1 - len(text)) + '"}'
        yield text.encode() + b"\n"


def chunks(ds: Dataset, f: LogFile, large_mb: float = 0, size: int = CHUNK) -> Iterator[bytes]:
    buffer: List[bytes] = []
    held = 0
    for line in lines(ds, f, large_mb):
        buffer.append(line)
        held += len(line)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


def stats(ds: Dataset, f: LogFile, large_mb: float = 0) -> Tuple[int, str]:
    """(file_size, file_sha256) of the file's bytes."""

    def build() -> Tuple[int, str]:
        digest = hashlib.sha256()
        total = 0
        for chunk in chunks(ds, f, large_mb):
            digest.update(chunk)
            total += len(chunk)
        return total, digest.hexdigest()

    key = ("compliance_stats", f.id, large_mb if is_large(f) else 0)
    with ds._lock:  # built outside the lock: a large file takes seconds, other requests need not wait for it
        known = ds._cache.get(key)
    if known is not None:
        return known
    value = build()
    with ds._lock:
        return ds._cache.setdefault(key, value)


def descriptor(ds: Dataset, f: LogFile, large_mb: float = 0) -> Dict[str, Any]:
    size, sha = stats(ds, f, large_mb)
    return {
        "object": "compliance.log_file",
        "id": f.id,
        "event_type": f.event_type,
        "file_name": (
            f"{f.event_type}-{datetime.fromtimestamp(f.start, tz=timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.jsonl"
        ),
        "file_size": size,
        "file_sha256": sha,
        "start_time": iso(f.start),
        "end_time": iso(f.end),
        "created_at": iso(f.created),
    }


def files_between(
    ds: Dataset, principal_id: str, event_type: str, after: Optional[float] = None, before: Optional[float] = None
) -> List[LogFile]:
    """The files a listing returns over all its pages: end_time > after and <= before."""
    part = partition(ds, principals(ds).index(principal_id), event_type)
    lo = bisect.bisect_right(part.ends, after) if after is not None else 0
    hi = bisect.bisect_right(part.ends, before) if before is not None else len(part.files)
    return part.files[lo : max(lo, hi)]


def _large_mb(req: Request) -> float:
    emu = req.emulator
    return float(getattr(emu.faults, "compliance_large_file_mb", 0) or 0) if emu is not None else 0.0


def _time(req: Request, name: str) -> Optional[float]:
    raw = req.one(name)
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise bad_param(
            name,
            f"Invalid '{name}': expected an ISO 8601 timestamp with a timezone, such as "
            f"2026-11-28T00:00:00Z, got '{raw[:40]}'.",
        )
    return value.timestamp()


def list_logs(req: Request, ds: Dataset) -> Dict[str, Any]:
    p = _principal(req, ds)
    event_type = req.one("event_type")
    if not event_type:
        raise ApiError(
            400, "Missing required parameter: 'event_type'.", param="event_type", code="missing_required_parameter"
        )
    if not EVENT_TYPE_RE.match(event_type):
        raise bad_param(
            "event_type", f"Invalid 'event_type': expected upper-case letters, digits and '_', got '{event_type[:40]}'."
        )
    limit = LIST_LIMIT.read(req)
    after, before = _time(req, "after"), _time(req, "before")
    part = partition(ds, p, event_type)
    lo = bisect.bisect_right(part.ends, after) if after is not None else 0
    hi = max(lo, bisect.bisect_right(part.ends, before) if before is not None else len(part.files))
    mb = _large_mb(req)
    data = [descriptor(ds, f, mb) for f in part.files[lo : min(hi, lo + limit)]]
    return {
        "object": "list",
        "data": data,
        "has_more": lo + limit < hi,
        "last_end_time": data[-1]["end_time"] if data else None,
    }


# ------------------------------------------------------------------------------------------ download and storage


def find_file(ds: Dataset, p: int, file_id: str) -> Optional[LogFile]:
    for event_type in EVENT_TYPES:
        found = partition(ds, p, event_type).by_id.get(file_id)
        if found is not None:
            return found
    return None


def _secret(ds: Dataset) -> bytes:
    return hexid(ds.seed, "storage-signing-secret", length=32).encode()


def sign(ds: Dataset, token: str) -> str:
    return hmac.new(_secret(ds), token.encode(), hashlib.sha256).hexdigest()


def _other_host(host_header: Optional[str], emu: Any) -> str:
    """127.0.0.1:P <-> localhost:P (the same server under another name)."""
    hostport = host_header or f"{emu.host}:{emu.port}"
    if hostport.startswith("["):  # an IPv6 literal, [::1]:P
        name, _, port = hostport.partition("]")
        port = port.lstrip(":")
    else:
        name, _, port = hostport.partition(":")
    return f"{'127.0.0.1' if name == 'localhost' else 'localhost'}:{port or emu.port}"


def download(req: Request, ds: Dataset) -> Redirect:
    p = _principal(req, ds)
    ident = req.path_params["log_file_id"]
    f = find_file(ds, p, ident)
    if f is None:
        raise ApiError(404, f"No such log file: '{ident[:64]}'.", code="not_found")
    payload = json.dumps(
        {"p": f.principal_id, "f": f.id, "m": _large_mb(req) if is_large(f) else 0},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    location = (
        f"http://{_other_host(req.headers.get('Host'), req.emulator)}{STORAGE_PREFIX}{token}"
        f"?X-Amz-Signature={sign(ds, token)}&X-Amz-Expires={SIGNED_URL_EXPIRES}"
    )
    return Redirect(location)


def storage_object(ds: Dataset, token: str, signature: Optional[str]) -> Tuple[LogFile, float]:
    """The file a pre-signed storage URL names, or a 403 (bad signature) / 404."""
    if not signature or not hmac.compare_digest(signature, sign(ds, token)):
        raise ApiError(
            403,
            "The request signature we calculated does not match the signature you provided.",
            type="SignatureDoesNotMatch",
            code="SignatureDoesNotMatch",
        )
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        p = principals(ds).index(payload["p"])
        f = find_file(ds, p, payload["f"])
        mb = float(payload.get("m") or 0)
    except (ValueError, KeyError, TypeError):
        f = None
        mb = 0.0
    if f is None:
        raise ApiError(404, "The specified key does not exist.", type="NoSuchKey", code="NoSuchKey")
    return f, mb


# ------------------------------------------------------------------------------------------ routes and shapes

ROUTES: List[Tuple[str, Callable[[Request, Dataset], Any]]] = [
    ("/compliance/{principal_kind}/{principal_id}/logs", list_logs),
    ("/compliance/{principal_kind}/{principal_id}/logs/{log_file_id}", download),
    ("/manage/workspaces/{workspace_id}/users", current_users),
    ("/compliance/workspaces/{workspace_id}/users", users_history),
]

_STR = {"type": "string"}
DESCRIPTOR_SCHEMA = {
    "type": "object",
    "required": [
        "object",
        "id",
        "event_type",
        "file_name",
        "file_size",
        "file_sha256",
        "start_time",
        "end_time",
        "created_at",
    ],
    "properties": {
        "object": {"const": "compliance.log_file"},
        "id": _STR,
        "event_type": _STR,
        "file_name": _STR,
        "file_size": {"type": "integer"},
        "file_sha256": _STR,
        "start_time": _STR,
        "end_time": _STR,
        "created_at": _STR,
    },
}
USER_SCHEMA = {
    "type": "object",
    "required": ["object", "id", "name", "email", "role", "seat_type", "is_scim_managed", "created_at"],
    "properties": {
        "object": {"const": "workspace.user"},
        "id": _STR,
        "name": _STR,
        "email": _STR,
        "role": _STR,
        "seat_type": _STR,
        "is_scim_managed": {"type": "boolean"},
        "created_at": _STR,
        "status": {"enum": ["active", "removed"]},
        "removed_at": {"type": ["string", "null"]},
    },
}
