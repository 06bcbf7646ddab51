"""Shared pieces of the emulator: OpenAI's error body, query parameters, the three paging styles, hashing."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

# --------------------------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An HTTP error answered with OpenAI's body: {"error": {"message", "type", "param", "code"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        param: Optional[str] = None,
        code: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> Dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


@dataclass(frozen=True)
class Redirect:
    """What a handler returns to answer with a redirect (an empty body and `Location`) instead of JSON."""

    location: str
    status: int = 302


def bad_param(name: str, message: str) -> ApiError:
    return ApiError(400, message, param=name, code="invalid_value" if "Invalid" in message else None)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"No such {what}: '{ident}'.", param=None, code="not_found")


# --------------------------------------------------------------------------------------------- hashing


def h64(*parts: Any) -> int:
    """A deterministic 64-bit hash of the parts (stable across runs and platforms)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def frac(*parts: Any) -> float:
    """A deterministic number in [0, 1)."""
    return h64(*parts) / 2.0**64


def pick(options: Sequence[Any], *parts: Any) -> Any:
    return options[h64(*parts) % len(options)]


def hexid(*parts: Any, length: int = 12) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()[:length]


def encode_token(payload: Mapping[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return "page_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(name: str, token: str) -> Dict[str, Any]:
    try:
        if not token.startswith("page_"):
            raise ValueError
        raw = token[5:]
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(payload, dict):
            raise ValueError
        return payload
    except Exception:
        raise bad_param(name, f"Invalid '{name}': the page token is not one this API returned.") from None


# --------------------------------------------------------------------------------------------- request


@dataclass
class Request:
    method: str
    path: str  # the path below the family prefix, e.g. /organization/users
    query: Dict[str, List[str]]
    headers: Mapping[str, str]
    path_params: Dict[str, str] = field(default_factory=dict)
    key: Optional[str] = None
    key_class: Optional[str] = None
    project_id: Optional[str] = None  # the project a project key belongs to
    emulator: Any = None

    # -- raw access
    def one(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise bad_param(name, f"Invalid '{name}': expected a single value, got {len(values)}.")
        return values[0]

    def many(self, name: str) -> List[str]:
        return [v for v in self.query.get(name, []) if v != ""]

    # -- typed access
    def integer(self, name: str, default: Optional[int] = None, required: bool = False) -> Optional[int]:
        raw = self.one(name)
        if raw is None or raw == "":
            if required:
                raise ApiError(
                    400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
                )
            return default
        try:
            return int(raw)
        except ValueError:
            raise bad_param(name, f"Invalid '{name}': expected an integer, got '{raw[:40]}'.") from None

    def boolean(self, name: str, default: Optional[bool] = None) -> Optional[bool]:
        raw = self.one(name)
        if raw is None or raw == "":
            return default
        low = raw.lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
        raise bad_param(name, f"Invalid '{name}': expected a boolean, got '{raw[:40]}'.")

    def choice(self, name: str, allowed: Sequence[str], default: Optional[str] = None) -> Optional[str]:
        raw = self.one(name)
        if raw is None or raw == "":
            return default
        if raw not in allowed:
            raise bad_param(name, f"Invalid '{name}': expected one of {', '.join(allowed)}, got '{raw[:40]}'.")
        return raw

    def choices(self, name: str, allowed: Sequence[str]) -> List[str]:
        values = self.many(name)
        for value in values:
            if value not in allowed:
                raise bad_param(name, f"Invalid '{name}': '{value[:40]}' is not one of {', '.join(allowed)}.")
        return values


@dataclass(frozen=True)
class Limit:
    """A `limit` parameter: documented range and default. maximum=None: the spec names no maximum."""

    default: int
    minimum: int = 1
    maximum: Optional[int] = 100

    def read(self, req: Request, name: str = "limit") -> int:
        value = req.integer(name, self.default)
        assert value is not None
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            upper = "" if self.maximum is None else f" and {self.maximum}"
            raise ApiError(
                400,
                f"Invalid 'limit': integer must be between {self.minimum}{upper}, got {value}."
                if self.maximum is not None
                else f"Invalid 'limit': integer must be at least {self.minimum}, got {value}.",
                param=name,
                code="integer_out_of_range" if value > (self.maximum or value) else "integer_below_min_value",
            )
        return value


# --------------------------------------------------------------------------------------------- collections


class Collection:
    """A lazily generated, ordered list of records: item(i) builds record i; index 0 is the oldest.

    `ids` (optional) gives each record's id up front (children that reuse ids of other objects); otherwise the
    id of record i is parsed from its last 7 digits, as generated by `make_id`.
    """

    def __init__(
        self, count: int, make: Callable[[int], Dict[str, Any]], ids: Optional[List[str]] = None, id_field: str = "id"
    ) -> None:
        self.count = count
        self._make = make
        self._ids = ids
        self._index: Optional[Dict[str, int]] = None
        self.id_field = id_field

    def __len__(self) -> int:
        return self.count

    def item(self, i: int) -> Dict[str, Any]:
        return self._make(i)

    def items(self) -> List[Dict[str, Any]]:
        return [self._make(i) for i in range(self.count)]

    def index_of(self, ident: str) -> Optional[int]:
        if self._ids is not None:
            if self._index is None:
                self._index = {v: i for i, v in enumerate(self._ids)}
            return self._index.get(ident)
        tail = ident[-7:]
        if not tail.isdigit():
            return None
        i = int(tail)
        if 0 <= i < self.count and self._make(i)[self.id_field] == ident:
            return i
        return None


def make_id(prefix: str, *parts: Any, index: int) -> str:
    """An id that ends in the record's 7-digit index, so that `after=<id>` finds its place in O(1)."""
    return f"{prefix}{hexid(prefix, *parts, index, length=10)}{index:07d}"


Sequence_ = Union[range, List[int]]


def ordered(coll: Collection, order: str, keep: Optional[Callable[[int], bool]] = None) -> Sequence_:
    seq: Sequence_ = range(coll.count) if order == "asc" else range(coll.count - 1, -1, -1)
    if keep is not None:
        seq = [i for i in seq if keep(i)]
    return seq


def _position(coll: Collection, seq: Sequence_, name: str, ident: str) -> int:
    i = coll.index_of(ident)
    if i is None:
        raise bad_param(name, f"Invalid '{name}': no object with id '{ident[:64]}' in this list.")
    try:
        return seq.index(i)
    except ValueError:
        raise bad_param(name, f"Invalid '{name}': object '{ident[:64]}' is not part of this (filtered) list.") from None


def window(
    req: Request, coll: Collection, seq: Sequence_, limit: int, before: bool = False
) -> Tuple[List[Dict[str, Any]], bool]:
    """The records of one page and whether more follow, for `after` (and, where supported, `before`) cursors."""
    after = req.one("after")
    before_id = req.one("before") if before else None
    if after:
        start = _position(coll, seq, "after", after) + 1
        end = min(start + limit, len(seq))
        has_more = end < len(seq)
    elif before_id:
        stop = _position(coll, seq, "before", before_id)
        start = max(0, stop - limit)
        end = stop
        has_more = start > 0
    else:
        start, end = 0, min(limit, len(seq))
        has_more = end < len(seq)
    return [coll.item(i) for i in seq[start:end]], has_more


def id_cursor_page(
    records: List[Dict[str, Any]], has_more: bool, with_ids: bool = True, id_field: str = "id"
) -> Dict[str, Any]:
    """Style 1: {object: list, data, first_id, last_id, has_more} (fine-tuning lists: no first_id/last_id)."""
    body: Dict[str, Any] = {"object": "list", "data": records}
    if with_ids:
        body["first_id"] = records[0][id_field] if records else None
        body["last_id"] = records[-1][id_field] if records else None
    body["has_more"] = has_more
    return body


def next_cursor_page(records: List[Dict[str, Any]], has_more: bool, id_field: str = "id") -> Dict[str, Any]:
    """Style 2 (groups, roles): {object: list, data, has_more, next}; `next` is the id to pass as `after`."""
    return {
        "object": "list",
        "data": records,
        "has_more": has_more,
        "next": records[-1][id_field] if has_more and records else None,
    }


def page_token_page(buckets: List[Dict[str, Any]], next_page: Optional[str]) -> Dict[str, Any]:
    """Style 3 (usage, costs, Codex analytics): {object: page, data, has_more, next_page}."""
    return {"object": "page", "data": buckets, "has_more": next_page is not None, "next_page": next_page}
