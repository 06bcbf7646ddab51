"""Codex Enterprise Analytics (Codex key): usage, code reviews and code review responses per ChatGPT workspace.

There is no official OpenAPI description of this API; the shapes follow openai-api-notes.md section 3 (pieced
together from public sources). Times are Unix seconds, `start_time` inclusive and `end_time` exclusive, rows are
UTC days (or weeks with group_by=week). Paging: `limit` (1..max_limit, a knob; default 500) and `page` = the
previous `next_page`. An unknown workspace answers 404. `group=user` (default) gives one usage row per user per
day, `group=workspace` one total row per day.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from .common import ApiError, Limit, Request, bad_param, decode_token, encode_token, page_token_page
from .data import DAY, Dataset

KEY_CLASS = "codex"
DEFAULT_MAX_LIMIT = 500
CLIENTS = ["cli", "ide_extension", "cloud", "github_code_review"]
CODEX_MODELS = ["gpt-5-codex", "gpt-5.1-codex-max", "gpt-5-codex-mini"]
WEEK_ANCHOR = 4 * DAY  # 1970-01-01 was a Thursday: weeks start on Monday 00:00 UTC


def _workspace(req: Request, ds: Dataset) -> int:
    ws = req.path_params["workspace_id"]
    if ws not in ds.workspaces:
        raise ApiError(
            404, f"Workspace '{ws[:64]}' not found, or this key may not read its analytics.", code="not_found"
        )
    return ds.workspaces.index(ws)


def _user(ds: Dataset, w: int, u: int) -> Dict[str, Any]:
    person = ds.person(1000 * (w + 1) + u)
    return {"user_id": f"user-{ds.seed}w{w}u{u:05d}", "email": person["email"]}


def _days(ds: Dataset, start: int, end: int) -> List[int]:
    first = max(ds.period_start, (start + DAY - 1) // DAY * DAY)
    last = min(end, ds.now)
    return list(range(first, last, DAY)) if first < last else []


def usage_row(ds: Dataset, w: int, u: int, day: int) -> Optional[Dict[str, Any]]:
    if ds.f("cx_active", w, u, day) < 0.35 or day >= ds.now:
        return None
    user = _user(ds, w, u)
    clients = []
    for c, client in enumerate(CLIENTS):
        if ds.f("cx_client", w, u, day, c) < 0.5 and c:
            continue
        threads = 1 + ds.h("cx_thr", w, u, day, c) % 6
        turns = threads * (1 + ds.h("cx_turn", w, u, day, c) % 8)
        uncached = 2000 * turns + ds.h("cx_unc", w, u, day, c) % 5000
        cached = 1000 * turns
        output = 300 * turns
        clients.append(
            {
                "client_id": client,
                "threads": threads,
                "turns": turns,
                "credits": round(turns * 0.25, 2),
                "uncached_text_input_tokens": uncached,
                "cached_text_input_tokens": cached,
                "text_output_tokens": output,
                "text_total_tokens": uncached + cached + output,
            }
        )
    models = [
        {
            "model": m,
            "credits": round(sum(c["credits"] for c in clients) / (k + 1), 2),
            "speed": None if k else "standard",
        }
        for k, m in enumerate(CODEX_MODELS[: 1 + ds.h("cx_models", w, u, day) % 2])
    ]
    totals = {
        "threads": sum(c["threads"] for c in clients),
        "turns": sum(c["turns"] for c in clients),
        "credits": round(sum(c["credits"] for c in clients), 2),
    }
    return {
        "object": "codex.usage",
        "start_time": day,
        "end_time": day + DAY,
        "user_id": user["user_id"],
        "actor": {"type": "user", "user_id": user["user_id"], "email": user["email"]},
        "email": user["email"],
        "totals": totals,
        "clients": clients,
        "models": models,
        "code_attribution": {"lines_added": 10 * totals["turns"], "lines_removed": 3 * totals["turns"]}
        if u % 3
        else None,
    }


def _sum_rows(rows: List[Dict[str, Any]], start: int, end: int) -> Dict[str, Any]:
    clients: Dict[str, Dict[str, Any]] = {}
    models: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        for c in row["clients"]:
            acc = clients.setdefault(c["client_id"], {k: 0 for k in c if k != "client_id"})
            for k, v in c.items():
                if k != "client_id":
                    acc[k] = round(acc[k] + v, 2) if isinstance(v, float) else acc[k] + v
        for m in row["models"] or []:
            acc = models.setdefault(m["model"], {"credits": 0.0, "speed": m["speed"]})
            acc["credits"] = round(acc["credits"] + m["credits"], 2)
    totals = {
        "threads": sum(r["totals"]["threads"] for r in rows),
        "turns": sum(r["totals"]["turns"] for r in rows),
        "credits": round(sum(r["totals"]["credits"] for r in rows), 2),
    }
    return {
        "object": "codex.usage",
        "start_time": start,
        "end_time": end,
        "user_id": None,
        "actor": None,
        "email": None,
        "totals": totals,
        "clients": [dict(client_id=k, **v) for k, v in sorted(clients.items())],
        "models": [dict(model=k, **v) for k, v in sorted(models.items())],
        "code_attribution": None,
    }


def review_row(ds: Dataset, w: int, day: int, responses: bool) -> Optional[Dict[str, Any]]:
    if ds.f("cx_rev", w, day) < 0.2 or day >= ds.now:
        return None
    reviews = 1 + ds.h("cx_prs", w, day) % 20
    p0, p1, p2 = ds.h("cx_p0", w, day) % 3, ds.h("cx_p1", w, day) % 6, ds.h("cx_p2", w, day) % 10
    comments = p0 + p1 + p2
    if not responses:
        return {
            "object": "codex.code_review",
            "start_time": day,
            "end_time": day + DAY,
            "pull_request_reviews": reviews,
            "comments": comments,
            "comment_details": {"p0": p0, "p1": p1, "p2": p2},
        }
    up, down, other = comments // 2, comments // 5, comments // 7
    replies = comments // 3
    return {
        "object": "codex.code_review_response",
        "start_time": day,
        "end_time": day + DAY,
        "pull_request_reviews": reviews,
        "comments": comments,
        "replies": replies,
        "reactions": up + down + other,
        "reaction_details": {"upvotes": up, "downvotes": down, "other": other},
        "comment_response_details": {
            "engaged": min(comments, replies + up + down + other),
            "reacted": up + down + other,
            "upvoted": up,
            "downvoted": down,
            "reacted_other": other,
            "replied": replies,
        },
    }


def _sum_reviews(rows: List[Dict[str, Any]], start: int, end: int) -> Dict[str, Any]:
    out = {"object": rows[0]["object"], "start_time": start, "end_time": end}
    for key, value in rows[0].items():
        if key in out:
            continue
        if isinstance(value, dict):
            out[key] = {k: sum(r[key][k] for r in rows) for k in value}
        else:
            out[key] = sum(r[key] for r in rows)
    return out


def _serve(req: Request, ds: Dataset, build: Callable[[int, int, int, bool], List[Dict[str, Any]]]) -> Dict[str, Any]:
    w = _workspace(req, ds)
    max_limit = (
        getattr(req.emulator, "codex_max_limit", DEFAULT_MAX_LIMIT) if req.emulator is not None else DEFAULT_MAX_LIMIT
    )
    limit = Limit(default=min(100, max_limit), minimum=1, maximum=max_limit).read(req)
    start = req.integer("start_time", ds.now - 30 * DAY)
    end = req.integer("end_time", ds.now)
    assert start is not None and end is not None
    if end <= start:
        raise bad_param("end_time", "Invalid 'end_time': must be greater than 'start_time'.")
    weekly = req.choice("group_by", ["day", "week"], "day") == "week"
    rows = build(w, start, end, weekly)
    offset = 0
    token = req.one("page")
    if token:
        payload = decode_token("page", token)
        offset = payload.get("o", -1)
        if (
            not isinstance(offset, int)
            or offset < 0
            or offset > len(rows)
            or payload.get("w") != req.path_params["workspace_id"]
        ):
            raise bad_param("page", "Invalid 'page': the page token does not belong to this query.")
    chunk = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return page_token_page(
        chunk, encode_token({"o": offset + limit, "w": req.path_params["workspace_id"]}) if more else None
    )


def _weeks(days: List[int]) -> Dict[int, List[int]]:
    weeks: Dict[int, List[int]] = {}
    for day in days:
        weeks.setdefault((day - WEEK_ANCHOR) // (7 * DAY) * 7 * DAY + WEEK_ANCHOR, []).append(day)
    return weeks


def usage(req: Request, ds: Dataset) -> Dict[str, Any]:
    per_user = req.choice("group", ["user", "workspace"], "user") == "user"

    def build(w: int, start: int, end: int, weekly: bool) -> List[Dict[str, Any]]:
        days = _days(ds, start, end)
        periods = _weeks(days) if weekly else {d: [d] for d in days}
        out = []
        for period_start, members in sorted(periods.items()):
            period_end = period_start + (7 * DAY if weekly else DAY)
            if per_user:
                for u in range(ds.scale.codex_users):
                    rows = [r for r in (usage_row(ds, w, u, d) for d in members) if r]
                    if rows:
                        row = (
                            rows[0]
                            if len(rows) == 1 and not weekly
                            else dict(
                                _sum_rows(rows, period_start, period_end),
                                user_id=rows[0]["user_id"],
                                actor=rows[0]["actor"],
                                email=rows[0]["email"],
                            )
                        )
                        out.append(row)
            else:
                rows = [r for r in (usage_row(ds, w, u, d) for d in members for u in range(ds.scale.codex_users)) if r]
                if rows:
                    out.append(_sum_rows(rows, period_start, period_end))
        return out

    return _serve(req, ds, build)


def _reviews(responses: bool) -> Callable[[Request, Dataset], Dict[str, Any]]:
    def handle(req: Request, ds: Dataset) -> Dict[str, Any]:
        def build(w: int, start: int, end: int, weekly: bool) -> List[Dict[str, Any]]:
            days = _days(ds, start, end)
            periods = _weeks(days) if weekly else {d: [d] for d in days}
            out = []
            for period_start, members in sorted(periods.items()):
                rows = [r for r in (review_row(ds, w, d, responses) for d in members) if r]
                if rows:
                    out.append(rows[0] if not weekly else _sum_reviews(rows, period_start, period_start + 7 * DAY))
            return out

        return _serve(req, ds, build)

    return handle


# JSON schemas of the rows (there is no official spec to validate against; these pin the emulator's shapes).
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_STR = {"type": "string"}
ROW_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "usage": {
        "type": "object",
        "required": ["object", "start_time", "end_time", "user_id", "totals", "clients", "models"],
        "properties": {
            "object": _STR,
            "start_time": _INT,
            "end_time": _INT,
            "user_id": {"type": ["string", "null"]},
            "actor": {"type": ["object", "null"]},
            "email": {"type": ["string", "null"]},
            "totals": {"type": "object", "required": ["threads", "turns", "credits"]},
            "clients": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "client_id",
                        "threads",
                        "turns",
                        "credits",
                        "uncached_text_input_tokens",
                        "cached_text_input_tokens",
                        "text_output_tokens",
                        "text_total_tokens",
                    ],
                },
            },
            "models": {
                "type": ["array", "null"],
                "items": {"type": "object", "required": ["model", "credits", "speed"]},
            },
            "code_attribution": {"type": ["object", "null"]},
        },
    },
    "code_reviews": {
        "type": "object",
        "required": ["object", "start_time", "end_time", "pull_request_reviews", "comments", "comment_details"],
        "properties": {
            "start_time": _INT,
            "end_time": _INT,
            "pull_request_reviews": _INT,
            "comments": _INT,
            "comment_details": {"type": "object", "required": ["p0", "p1", "p2"]},
        },
    },
    "code_review_responses": {
        "type": "object",
        "required": [
            "object",
            "start_time",
            "end_time",
            "pull_request_reviews",
            "comments",
            "replies",
            "reactions",
            "reaction_details",
            "comment_response_details",
        ],
        "properties": {
            "start_time": _INT,
            "end_time": _INT,
            "replies": _INT,
            "reactions": _INT,
            "reaction_details": {"type": "object", "required": ["upvotes", "downvotes", "other"]},
            "comment_response_details": {
                "type": "object",
                "required": ["engaged", "reacted", "upvoted", "downvoted", "reacted_other", "replied"],
            },
        },
    },
}
PAGE_SCHEMA = {
    "type": "object",
    "required": ["object", "data", "has_more", "next_page"],
    "properties": {
        "object": {"const": "page"},
        "data": {"type": "array"},
        "has_more": {"type": "boolean"},
        "next_page": {"type": ["string", "null"]},
    },
}

ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/workspaces/{workspace_id}/usage", usage),
    ("/workspaces/{workspace_id}/code_reviews", _reviews(False)),
    ("/workspaces/{workspace_id}/code_review_responses", _reviews(True)),
]
