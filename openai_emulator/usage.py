"""Usage (10 endpoints) and costs of the Administration API (its audit logs: audit.py).

Usage is generated top-down so that every bucket width agrees exactly: each series (one combination of all
dimensions) has a daily amount per metric part; a day is split into hours, and an hour into minutes, by
deterministic cumulative weights (floor differences telescope, so the 24 hours of a day sum to the day and the 60
minutes of an hour to the hour, to the unit). Buckets that are not grouped by a dimension carry null for it.
Costs are derived from the usage of the same day (`cost_lines`): one line item per priced measure of each usage
series (input, cached input and output tokens, batch, embeddings, images, speech characters, transcription seconds,
code interpreter sessions, file search and web search tool calls, vector storage), plus fine-tuning training, which
no usage endpoint measures. Amounts are integer micro-dollars, so every grouping sums exactly.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import audit
from .audit import (  # noqa: F401  (their former home: callers may still import them from here)
    AUDIT_LIMIT,
    AUDIT_TYPES,
    TENANT_TYPES,
    audit_events,
    audit_logs,
    is_tenant,
)
from .common import Limit, Request, bad_param, decode_token, encode_token, page_token_page
from .data import DAY, MODELS, Dataset

KEY_CLASS = "admin"

WIDTHS = {"1m": 60, "1h": 3600, "1d": DAY}
USAGE_LIMITS = {
    "1d": Limit(default=7, minimum=1, maximum=31),
    "1h": Limit(default=24, minimum=1, maximum=168),
    "1m": Limit(default=60, minimum=1, maximum=1440),
}
COSTS_LIMIT = Limit(default=7, minimum=1, maximum=180)

COMMON_DIMS = ["project_id", "user_id", "api_key_id", "model"]
COMMON_FILTERS = {"project_ids": "project_id", "user_ids": "user_id", "api_key_ids": "api_key_id", "models": "model"}

# parts: additive base quantities generated per series; derive: parts -> the result's metric fields
COMPLETION_PARTS = ["it_unc", "it_cw", "it_c", "ia_unc", "ia_c", "ii_unc", "ii_c", "ot", "oa", "oi", "req"]
COMPLETION_BASE = [60000, 4000, 20000, 900, 300, 1200, 200, 15000, 500, 300, 120]


def _completions(p: Sequence[int]) -> Dict[str, int]:
    it_unc, it_cw, it_c, ia_unc, ia_c, ii_unc, ii_c, ot, oa, oi, req = p
    inp = it_unc + it_cw + it_c + ia_unc + ia_c + ii_unc + ii_c
    cached = it_c + ia_c + ii_c
    return {
        "input_tokens": inp,
        "input_cached_tokens": cached,
        "input_cache_write_tokens": it_cw,
        "input_uncached_tokens": inp - cached,
        "output_tokens": ot + oa + oi,
        "input_text_tokens": it_unc + it_cw + it_c,
        "output_text_tokens": ot,
        "input_cached_text_tokens": it_c,
        "input_audio_tokens": ia_unc + ia_c,
        "input_cached_audio_tokens": ia_c,
        "output_audio_tokens": oa,
        "input_image_tokens": ii_unc + ii_c,
        "input_cached_image_tokens": ii_c,
        "output_image_tokens": oi,
        "num_model_requests": req,
    }


ENDPOINTS: Dict[str, Dict[str, Any]] = {
    "completions": {
        "object": "organization.usage.completions.result",
        "dims": COMMON_DIMS + ["batch", "service_tier"],
        "filters": dict(COMMON_FILTERS, batch="batch"),
        "parts": COMPLETION_PARTS,
        "base": COMPLETION_BASE,
        "derive": _completions,
    },
    "embeddings": {
        "object": "organization.usage.embeddings.result",
        "dims": COMMON_DIMS,
        "filters": COMMON_FILTERS,
        "parts": ["input_tokens", "num_model_requests"],
        "base": [40000, 80],
    },
    "moderations": {
        "object": "organization.usage.moderations.result",
        "dims": COMMON_DIMS,
        "filters": COMMON_FILTERS,
        "parts": ["input_tokens", "num_model_requests"],
        "base": [8000, 60],
    },
    "images": {
        "object": "organization.usage.images.result",
        "dims": COMMON_DIMS + ["size", "source"],
        "filters": dict(COMMON_FILTERS, sources="source", sizes="size"),
        "parts": ["images", "num_model_requests"],
        "base": [40, 30],
    },
    "audio_speeches": {
        "object": "organization.usage.audio_speeches.result",
        "dims": COMMON_DIMS,
        "filters": COMMON_FILTERS,
        "parts": ["characters", "num_model_requests"],
        "base": [30000, 40],
    },
    "audio_transcriptions": {
        "object": "organization.usage.audio_transcriptions.result",
        "dims": COMMON_DIMS,
        "filters": COMMON_FILTERS,
        "parts": ["seconds", "num_model_requests"],
        "base": [3600, 40],
    },
    "vector_stores": {
        "object": "organization.usage.vector_stores.result",
        "dims": ["project_id"],
        "filters": {"project_ids": "project_id"},
        "parts": ["usage_bytes"],
        "base": [50_000_000],
    },
    "code_interpreter_sessions": {
        "object": "organization.usage.code_interpreter_sessions.result",
        "dims": ["project_id"],
        "filters": {"project_ids": "project_id"},
        "parts": ["num_sessions"],
        "base": [25],
    },
    "file_search_calls": {
        "object": "organization.usage.file_searches.result",
        "dims": ["project_id", "user_id", "api_key_id", "vector_store_id"],
        "filters": {
            "project_ids": "project_id",
            "user_ids": "user_id",
            "api_key_ids": "api_key_id",
            "vector_store_ids": "vector_store_id",
        },
        "parts": ["num_requests"],
        "base": [90],
    },
    "web_search_calls": {
        "object": "organization.usage.web_searches.result",
        "dims": COMMON_DIMS + ["context_level"],
        "filters": dict(COMMON_FILTERS, context_levels="context_level"),
        "parts": ["num_model_requests", "num_requests"],
        "base": [70, 110],
    },
}

COST_DIMS = ["project_id", "line_item", "api_key_id"]
# micro-dollars per 1,000 tokens, (input, output); cached input costs a quarter of input, batch half of either
PRICES = {
    "gpt-4o-2024-08-06": (2500, 10000),
    "gpt-4o-mini-2024-07-18": (150, 600),
    "gpt-4.1-2025-04-14": (2000, 8000),
    "o3-2025-04-16": (2000, 8000),
    "gpt-5-2025-08-07": (1250, 10000),
}
# The other priced measures: endpoint -> (line item after "<model>, " or alone, usage field, unit, micro-dollars per
# `per` units, per). Moderations are free. Project-level endpoints (no model) have line items without a model.
UNIT_PRICES: Dict[str, Tuple[str, str, str, int, int]] = {
    "embeddings": ("embeddings", "input_tokens", "tokens", 100, 1000),
    "images": ("images", "images", "images", 40000, 1),
    "audio_speeches": ("speech characters", "characters", "characters", 15, 1),
    "audio_transcriptions": ("transcription seconds", "seconds", "seconds", 100, 1),
    "code_interpreter_sessions": ("Code interpreter sessions", "num_sessions", "sessions", 30000, 1),
    "file_search_calls": ("File search tool calls", "num_requests", "calls", 2500, 1),
    "web_search_calls": ("web search tool calls", "num_requests", "calls", 10000, 1),
    "vector_stores": ("Vector store storage", "usage_bytes", "bytes", 1, 10000),
}
FINE_TUNING_MODEL = "gpt-4o-mini-2024-07-18"
FINE_TUNING_PRICE = 3000  # micro-dollars per 1,000 training tokens

IMAGE_SIZES = ["256x256", "512x512", "1024x1024", "1792x1792", "1024x1792"]
IMAGE_SOURCES = ["image.generation", "image.edit", "image.variation"]


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: "OrderedDict[Any, Any]" = OrderedDict()

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        try:
            self.data.move_to_end(key)
            return self.data[key]
        except KeyError:
            value = build()
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)
            return value


class UsageModel:
    """The usage of one organisation: series per endpoint and exact amounts per day, hour and minute."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self._days = _LRU(200_000)
        self._hours = _LRU(200_000)
        self._minutes = _LRU(100_000)
        self.series: Dict[str, List[Dict[str, Any]]] = {name: self._series(name) for name in ENDPOINTS}

    # ------------------------------------------------------------------ series
    def _series(self, endpoint: str) -> List[Dict[str, Any]]:
        ds = self.ds
        active = ds.active_projects() or [0]
        n = ds.scale.usage_series
        if endpoint in ("vector_stores", "code_interpreter_sessions"):
            n = min(n, len(active))
        out = []
        for s in range(n):
            p = active[0] if s == 0 else ds.pick(active, "usage_project", endpoint, s)
            members = ds.subset("project_users", p, ds.scale.users, cap=None if p == 0 else 100)
            keys = ds.api_key_ids(p)
            user = (
                None
                if not members or ds.h("svc", endpoint, s) % 5 == 4
                else ds.users.item(members[ds.h("u", endpoint, s) % len(members)])["id"]
            )
            dims: Dict[str, Any] = {
                "project_id": ds.projects.item(p)["id"],
                "user_id": user,
                "api_key_id": keys[ds.h("k", endpoint, s) % len(keys)],
                "model": ds.pick(MODELS, "m", endpoint, s),
            }
            dims["batch"] = ds.h("batch", endpoint, s) % 4 == 3
            dims["service_tier"] = ds.pick(["default", "default", "flex", "priority"], "tier", endpoint, s)
            dims["size"] = ds.pick(IMAGE_SIZES, "size", s)
            dims["source"] = ds.pick(IMAGE_SOURCES, "source", s)
            dims["context_level"] = ds.pick(["low", "medium", "high"], "ctx", s)
            dims["vector_store_id"] = "vs_" + format(ds.h("vs", p, s % 3), "x")[:16]
            scale = 0.2 + 1.6 * ds.f("mag", endpoint, s)
            out.append({"index": s, "dims": dims, "scale": scale})
        return out

    # ------------------------------------------------------------------ amounts
    def day(self, endpoint: str, s: int, day_start: int) -> Optional[Tuple[int, ...]]:
        """The full-day amounts of series s (None when idle). Only days in [period_start, now) have usage."""
        ds = self.ds
        if day_start < ds.period_start or day_start >= ds.now:
            return None

        def build() -> Optional[Tuple[int, ...]]:
            if s != 0 and ds.f("active", endpoint, s, day_start) < 0.25:
                return None
            spec = ENDPOINTS[endpoint]
            series = self.series[endpoint][s]
            factor = ds.revision_factor(day_start)
            parts = []
            for k, base in enumerate(spec["base"]):
                value = int(base * series["scale"] * (0.5 + ds.f("amt", endpoint, s, day_start, k)))
                if spec["parts"][k] in ("ia_unc", "ia_c", "ii_c", "oa", "oi") and ds.h("modal", endpoint, s) % 3:
                    value = 0  # most series are text-only
                parts.append(int(value * factor))
            return tuple(parts) if any(parts) else None

        return self._days.get((endpoint, s, day_start, len(ds.revisions)), build)

    def _hour_weights(self, endpoint: str, s: int, day_start: int) -> List[int]:
        ds = self.ds
        weights = [0] * 24
        for hour in range(24):
            if ds.f("hact", endpoint, s, day_start, hour) < 0.55:
                weights[hour] = 1 + ds.h("hw", endpoint, s, day_start, hour) % 9
        if not any(weights):
            weights[ds.h("hfix", endpoint, s, day_start) % 24] = 1
        cum = [0]
        for w in weights:
            cum.append(cum[-1] + w)
        return cum

    def hours(self, endpoint: str, s: int, day_start: int) -> Optional[List[Optional[Tuple[int, ...]]]]:
        """The 24 hourly amounts of a day; they sum exactly to the day."""
        parts = self.day(endpoint, s, day_start)
        if parts is None:
            return None

        def build() -> List[Optional[Tuple[int, ...]]]:
            cum = self._hour_weights(endpoint, s, day_start)
            total = cum[-1]
            out: List[Optional[Tuple[int, ...]]] = []
            for hour in range(24):
                if cum[hour + 1] == cum[hour]:
                    out.append(None)
                    continue
                vals = tuple(d * cum[hour + 1] // total - d * cum[hour] // total for d in parts)
                out.append(vals if any(vals) else None)
            return out

        return self._hours.get((endpoint, s, day_start, len(self.ds.revisions)), build)

    def minutes(self, endpoint: str, s: int, day_start: int, hour: int) -> Dict[int, Tuple[int, ...]]:
        """The non-zero minute amounts of an hour (minute -> amounts); they sum exactly to the hour."""
        hours = self.hours(endpoint, s, day_start)
        if hours is None or hours[hour] is None:
            return {}
        amounts = hours[hour]

        def build() -> Dict[int, Tuple[int, ...]]:
            ds = self.ds
            k = 1 + ds.h("mk", endpoint, s, day_start, hour) % 8
            chosen = sorted({ds.h("mm", endpoint, s, day_start, hour, j) % 60 for j in range(k)})
            weights = [1 + ds.h("mw", endpoint, s, day_start, hour, m) % 5 for m in chosen]
            cum = [0]
            for w in weights:
                cum.append(cum[-1] + w)
            total = cum[-1]
            out = {}
            for j, minute in enumerate(chosen):
                vals = tuple(a * cum[j + 1] // total - a * cum[j] // total for a in amounts)
                if any(vals):
                    out[minute] = vals
            return out

        return self._minutes.get((endpoint, s, day_start, hour, len(self.ds.revisions)), build)

    def amount(self, endpoint: str, s: int, start: int, width: int) -> Optional[Tuple[int, ...]]:
        """Amounts of series s in the bucket [start, start + width), clipped at `now` (the open bucket is partial)."""
        ds = self.ds
        end = min(start + width, ds.now)
        if end <= start:
            return None
        day_start = start // DAY * DAY
        if width == DAY and end == start + DAY:
            return self.day(endpoint, s, day_start)
        if width == 60:
            return self.minutes(endpoint, s, day_start, (start - day_start) // 3600).get((start % 3600) // 60)
        # an hour bucket, or a partial day/hour: whole hours, then the minutes of a partial hour
        hours = self.hours(endpoint, s, day_start)
        if hours is None:
            return None
        total: Optional[List[int]] = None
        t = start
        while t < end:
            hour = (t - day_start) // 3600
            if t % 3600 == 0 and t + 3600 <= end:
                vals: Any = hours[hour]
                t += 3600
                if vals is not None:
                    total = list(vals) if total is None else [a + b for a, b in zip(total, vals)]
                continue
            stop = min(end, (t // 3600 + 1) * 3600)
            for minute, vals in self.minutes(endpoint, s, day_start, hour).items():
                minute_start = day_start + hour * 3600 + minute * 60
                if t <= minute_start < stop:
                    total = list(vals) if total is None else [a + b for a, b in zip(total, vals)]
            t = stop
        return tuple(total) if total is not None and any(total) else None


def model(ds: Dataset) -> UsageModel:
    return ds.cached(("usage_model",), lambda: UsageModel(ds))


# ------------------------------------------------------------------------------------------ paging of buckets


def _bucket_range(req: Request, ds: Dataset, width: int, limit: int) -> Tuple[List[int], Optional[str]]:
    start_time = req.integer("start_time", required=True)
    end_time = req.integer("end_time")
    assert start_time is not None
    if start_time < 0:
        raise bad_param("start_time", "Invalid 'start_time': must be a non-negative Unix timestamp in seconds.")
    if end_time is not None and end_time <= start_time:
        raise bad_param("end_time", "Invalid 'end_time': must be greater than 'start_time'.")
    first = start_time // width * width
    stop = ds.now if end_time is None else min(end_time, ds.now)
    token = req.one("page")
    t = first
    if token:
        payload = decode_token("page", token)
        t = payload.get("t")
        if not isinstance(t, int) or t < first or (t - first) % width or payload.get("w") != width:
            raise bad_param("page", "Invalid 'page': the page token does not belong to this query.")
    starts = []
    while t < stop and len(starts) < limit:
        starts.append(t)
        t += width
    next_page = encode_token({"t": t, "w": width}) if t < stop and starts else None
    return starts, next_page


def _group_by(req: Request, allowed: List[str]) -> List[str]:
    values = req.many("group_by")
    for value in values:
        if value not in allowed:
            raise bad_param("group_by", f"Invalid 'group_by': '{value[:40]}' is not one of {', '.join(allowed)}.")
    return [d for d in allowed if d in values]


def usage_handler(endpoint: str) -> Callable[[Request, Dataset], Dict[str, Any]]:
    spec = ENDPOINTS[endpoint]

    def handle(req: Request, ds: Dataset) -> Dict[str, Any]:
        width_name = req.choice("bucket_width", list(WIDTHS), "1d")
        assert width_name is not None
        width = WIDTHS[width_name]
        limit = USAGE_LIMITS[width_name].read(req)
        group = _group_by(req, spec["dims"])
        filters: Dict[str, set] = {}
        for param, dim in spec["filters"].items():
            if dim == "batch":
                batch = req.boolean("batch")
                if batch is not None:
                    filters[dim] = {batch}
                continue
            values = req.many(param)
            if param == "sources":
                req.choices(param, IMAGE_SOURCES)
            if param == "sizes":
                req.choices(param, IMAGE_SIZES)
            if param == "context_levels":
                req.choices(param, ["low", "medium", "high"])
            if values:
                filters[dim] = set(values)
        starts, next_page = _bucket_range(req, ds, width, limit)
        um = model(ds)
        series = [s for s in um.series[endpoint] if all(s["dims"][d] in allowed for d, allowed in filters.items())]
        buckets = []
        for start in starts:
            groups: Dict[Tuple[Any, ...], List[int]] = {}
            for s in series:
                vals = um.amount(endpoint, s["index"], start, width)
                if vals is None:
                    continue
                key = tuple(s["dims"][d] for d in group)
                acc = groups.get(key)
                groups[key] = list(vals) if acc is None else [a + b for a, b in zip(acc, vals)]
            results = []
            for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
                parts = groups[key]
                metrics = spec["derive"](parts) if "derive" in spec else dict(zip(spec["parts"], parts))
                result: Dict[str, Any] = {"object": spec["object"]}
                result.update(metrics)
                for dim in spec["dims"]:
                    result[dim] = key[group.index(dim)] if dim in group else None
                results.append(result)
            buckets.append({"object": "bucket", "start_time": start, "end_time": start + width, "results": results})
        return page_token_page(buckets, next_page)

    return handle


def cost_lines(ds: Dataset, day_start: int) -> List[Dict[str, Any]]:
    """The billed lines of one daily costs bucket, before grouping: one per usage series and priced measure (with
    the series' `user_id` and `endpoint`, which the costs endpoint does not show), plus fine-tuning training per
    project (`endpoint` None: no usage endpoint measures it). `micro` is the cost in micro-dollars."""
    um = model(ds)
    lines: List[Dict[str, Any]] = []

    def add(series: Dict[str, Any], endpoint: str, line_item: str, quantity: int, unit: str, micro: int) -> None:
        if quantity:
            dims = series["dims"]
            project_level = ENDPOINTS[endpoint]["dims"] == ["project_id"]
            lines.append(
                {
                    "project_id": dims["project_id"],
                    "api_key_id": None if project_level else dims["api_key_id"],
                    "user_id": None if project_level else dims["user_id"],
                    "endpoint": endpoint,
                    "line_item": line_item,
                    "quantity": quantity,
                    "unit": unit,
                    "micro": micro,
                }
            )

    for s in um.series["completions"]:
        vals = um.amount("completions", s["index"], day_start, DAY)
        if vals is None:
            continue
        metrics = _completions(vals)
        name = s["dims"]["model"]
        price_in, price_out = PRICES[name]
        if s["dims"]["batch"]:
            tokens = metrics["input_tokens"]
            add(s, "completions", f"{name}, batch input", tokens, "tokens", tokens * price_in // 2000)
            tokens = metrics["output_tokens"]
            add(s, "completions", f"{name}, batch output", tokens, "tokens", tokens * price_out // 2000)
            continue
        tokens = metrics["input_uncached_tokens"]
        add(s, "completions", f"{name}, input", tokens, "tokens", tokens * price_in // 1000)
        tokens = metrics["input_cached_tokens"]
        add(s, "completions", f"{name}, cached input", tokens, "tokens", tokens * price_in // 4000)
        tokens = metrics["output_tokens"]
        add(s, "completions", f"{name}, output", tokens, "tokens", tokens * price_out // 1000)
    for endpoint, (label, field, unit, price, per) in UNIT_PRICES.items():
        spec = ENDPOINTS[endpoint]
        position = spec["parts"].index(field)
        for s in um.series[endpoint]:
            vals = um.amount(endpoint, s["index"], day_start, DAY)
            if vals is None:
                continue
            line_item = f"{s['dims']['model']}, {label}" if "model" in spec["dims"] else label
            add(s, endpoint, line_item, vals[position], unit, vals[position] * price // per)
    if day_start + DAY <= ds.now:  # training is billed for whole days
        factor = ds.revision_factor(day_start)
        for p in ds.active_projects():
            if day_start < ds.period_start or ds.f("ft_train", p, day_start) >= 0.3:
                continue
            tokens = int((100_000 + ds.h("ft_tokens", p, day_start) % 2_000_000) * factor)
            lines.append(
                {
                    "project_id": ds.projects.item(p)["id"],
                    "api_key_id": None,
                    "user_id": None,
                    "endpoint": None,
                    "line_item": f"{FINE_TUNING_MODEL}, fine-tuning training",
                    "quantity": tokens,
                    "unit": "tokens",
                    "micro": tokens * FINE_TUNING_PRICE // 1000,
                }
            )
    return lines


def costs(req: Request, ds: Dataset) -> Dict[str, Any]:
    req.choice("bucket_width", ["1d"], "1d")
    limit = COSTS_LIMIT.read(req)
    group = _group_by(req, COST_DIMS)
    project_ids = set(req.many("project_ids"))
    api_key_ids = set(req.many("api_key_ids"))
    starts, next_page = _bucket_range(req, ds, DAY, limit)
    buckets = []
    for start in starts:
        groups: Dict[Tuple[Any, ...], List[Any]] = {}
        for line in cost_lines(ds, start):
            if (project_ids and line["project_id"] not in project_ids) or (
                api_key_ids and line["api_key_id"] not in api_key_ids
            ):
                continue
            key = tuple(line[d] for d in group)
            acc = groups.setdefault(key, [0, 0, set()])
            acc[0] += line["micro"]
            acc[1] += line["quantity"]
            acc[2].add(line["unit"])
        results = []
        for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
            micro, quantity, units = groups[key]
            by_line = "line_item" in group and len(units) == 1
            result = {"object": "organization.costs.result", "amount": {"value": micro / 1_000_000, "currency": "usd"}}
            for dim in COST_DIMS:
                result[dim] = key[group.index(dim)] if dim in group else None
            result["quantity"] = float(quantity) if by_line else None
            result["quantity_unit"] = next(iter(units)) if by_line else None
            results.append(result)
        buckets.append({"object": "bucket", "start_time": start, "end_time": start + DAY, "results": results})
    return page_token_page(buckets, next_page)


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    (f"/organization/usage/{name}", usage_handler(name)) for name in ENDPOINTS
] + [
    ("/organization/costs", costs),
]
# The audit-log route stays in this list (after costs, as before), so that readers of usage.ROUTES
# (testing.sample_requests) still see every Administration API reporting endpoint.
ROUTES += audit.ROUTES
