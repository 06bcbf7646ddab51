"""Stored chat completions, their messages and voice consents (project key), per the official OpenAPI description
(the Admin-key checkpoint permissions of fine-tuned models: checkpoints.py):

* GET /chat/completions (listChatCompletions) -> ChatCompletionList. `model`, `metadata[key]=value` (all must
  match), `after` (a completion id), `limit` (default 20; the spec names no maximum: the emulator allows 100 and
  answers a larger value with a 400 whose `param` is "limit"), `order` asc|desc (default asc, by `created`).
  Items are CreateChatCompletionResponse objects plus `metadata`; some carry tool calls, audio, refusals or
  url_citation annotations. `request_id` appears only in the spec's example, not its schema, so it is not sent.
* GET /chat/completions/{completion_id}/messages (getChatCompletionMessages) -> ChatCompletionMessageList:
  `after`, `limit` (default 20, maximum 100 as above), `order` asc|desc (default asc). Items:
  {id "<completion id>-<n>", role, content, refusal, name, content_parts}. The schema types `role` as
  "assistant" only (it reuses ChatCompletionResponseMessage), but its own example and the API return the stored
  input messages, so roles are developer/system/user/assistant. Unknown completion -> 404.
* GET /audio/voice_consents (listVoiceConsents) -> VoiceConsentListResource: `after`, `limit` (1..100, default 20),
  newest first.

Everything is a pure function of (seed, scale, now).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from .common import Collection, Limit, Request, id_cursor_page, not_found, ordered, window
from .data import DAY, MODELS, Dataset
from .project import data

KEY_CLASS = "project"

COMPLETIONS_LIMIT = Limit(default=20, minimum=1, maximum=100)  # no documented maximum; 100 chosen
MESSAGES_LIMIT = Limit(default=20, minimum=1, maximum=100)  # no documented maximum; 100 chosen
VOICE_CONSENTS_LIMIT = Limit(default=20, minimum=1, maximum=100)  # "Limit can range between 1 and 100"

COMPLETION_MODELS = [MODELS[0], MODELS[1], MODELS[4]]
TEAMS = ["search", "ads"]
ENVS = ["prod", "dev"]
MAX_MESSAGES = 120
COMPLETIONS_PER_SCALE = {"small": 150, "medium": 600, "large": 3000}
LANGUAGES = ["en-US", "fr-FR", "de-DE", "es-ES", "ja-JP"]


def completion_count(ds: Dataset) -> int:
    return COMPLETIONS_PER_SCALE.get(ds.scale.name, 150)


def message_count(ds: Dataset, p: int, i: int) -> int:
    """1..120 messages; completion 0 and every 37th have more than 100 (two pages at limit 100)."""
    if i % 37 == 0:
        return 101 + ds.h("msgs_big", p, i) % (MAX_MESSAGES - 100)
    return 1 + ds.h("msgs", p, i) % 24


class StoredData:
    """The stored completions and voice consents of project `p`."""

    def __init__(self, ds: Dataset, p: int) -> None:
        self.ds = ds
        self.p = p
        self.completions = Collection(completion_count(ds), self._completion)
        self.voice_consents = Collection(ds.scale.project_resources + 2, self._voice_consent)
        self._messages: Dict[int, Collection] = {}

    def _completion(self, i: int) -> Dict[str, Any]:
        ds, p = self.ds, self.p
        cid = ds.id("chatcmpl-", "chatcmpl", p, index=i)
        created = ds.created(f"chatcmpl:{p}", i, self.completions.count, start=ds.period_start, end=ds.now - 60)
        model = COMPLETION_MODELS[ds.h("ccmodel", p, i) % len(COMPLETION_MODELS)]
        variant = i % 10
        message: Dict[str, Any] = {
            "role": "assistant",
            "content": f"Answer number {i}.",
            "refusal": None,
            "annotations": [],
        }
        finish = "stop"
        prompt, completion = 20 + ds.h("ccprompt", p, i) % 2000, 5 + ds.h("cccompl", p, i) % 500
        audio_tokens = 0
        if variant == 3:  # a function call
            message["content"] = None
            message["tool_calls"] = [
                {
                    "id": f"call_{ds.id('', 'call', p, i, index=k)}",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": f'{{"city": "City {i}", "day": {k}}}'},
                }
                for k in range(1 + i % 2)
            ]
            finish = "tool_calls"
        elif variant == 6:  # audio output
            message["content"] = None
            message["audio"] = {
                "id": ds.id("audio_", "audio", p, index=i),
                "expires_at": created + DAY,
                "data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=",
                "transcript": f"Spoken answer number {i}.",
            }
            audio_tokens = completion // 2
        elif variant == 8:  # a refusal
            message["content"] = None
            message["refusal"] = "I'm sorry, I can't help with that."
        elif variant == 5:  # web search citations
            text = f"See the docs for answer {i}."
            message["content"] = text
            message["annotations"] = [
                {
                    "type": "url_citation",
                    "url_citation": {
                        "start_index": 4,
                        "end_index": 12,
                        "url": f"https://example.com/docs/{i}",
                        "title": f"Docs {i}",
                    },
                }
            ]
        elif variant == 9 and i % 20 == 9:
            finish = "length"
        metadata: Dict[str, str] = (
            {} if i % 7 == 6 else {"team": TEAMS[ds.h("ccteam", p, i) % 2], "env": ENVS[ds.h("ccenv", p, i) % 2]}
        )
        reasoning = completion // 3 if model == MODELS[4] else 0
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": prompt // 4 if i % 3 == 0 else 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning,
                    "audio_tokens": audio_tokens,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": ["default", "default", "flex", "priority"][ds.h("cctier", p, i) % 4],
            "system_fingerprint": "fp_" + ds.id("", "fp", model, index=0)[:10],
            "metadata": metadata,
        }

    def messages(self, completion_id: str) -> Collection:
        i = self.completions.index_of(completion_id)
        if i is None:
            raise not_found("chat completion", completion_id)
        if i not in self._messages:
            count = message_count(self.ds, self.p, i)
            ids = [f"{completion_id}-{k}" for k in range(count)]
            self._messages[i] = Collection(count, lambda k, c=completion_id, n=count: self._message(c, k, n), ids=ids)
        return self._messages[i]

    def _message(self, completion_id: str, k: int, count: int) -> Dict[str, Any]:
        if k == 0:
            role = "developer" if count % 2 else "system"
            content = "You are a helpful assistant."
        else:
            role = "user" if k % 2 else "assistant"
            content = f"Message {k} of {count}."
        parts = None
        if role == "user" and k % 5 == 1:
            parts = [
                {"type": "text", "text": content},
                {"type": "image_url", "image_url": {"url": f"https://example.com/images/{k}.png", "detail": "auto"}},
            ]
        return {
            "id": f"{completion_id}-{k}",
            "role": role,
            "content": content,
            "refusal": None,
            "name": None,
            "content_parts": parts,
        }

    def _voice_consent(self, i: int) -> Dict[str, Any]:
        ds, p = self.ds, self.p
        return {
            "object": "audio.voice_consent",
            "id": ds.id("cons_", "voice_consent", p, index=i),
            "name": f"Voice actor {i}",
            "language": LANGUAGES[ds.h("vclang", p, i) % len(LANGUAGES)],
            "created_at": ds.created(
                f"voice_consent:{p}", i, self.voice_consents.count, start=ds.period_start - 90 * DAY, end=ds.now - 3600
            ),
        }


def stored(req: Request, ds: Dataset) -> StoredData:
    pd = data(req, ds)  # 404 for an unknown project
    return ds.cached(("stored_data", pd.p), lambda: StoredData(ds, pd.p))


_METADATA = re.compile(r"^metadata\[(.+)\]$")


def chat_completions(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = stored(req, ds)
    n = COMPLETIONS_LIMIT.read(req)
    order = req.choice("order", ["asc", "desc"], "asc") or "asc"
    model = req.one("model")
    wanted = {}
    for name in req.query:
        m = _METADATA.match(name)
        if m:
            wanted[m.group(1)] = req.one(name)
    keep: Optional[Callable[[int], bool]] = None
    if model or wanted:

        def keep(i: int) -> bool:
            rec = d.completions.item(i)
            if model and rec["model"] != model:
                return False
            return all(rec["metadata"].get(k) == v for k, v in wanted.items())

    records, has_more = window(req, d.completions, ordered(d.completions, order, keep), n)
    return id_cursor_page(records, has_more)


def chat_completion_messages(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = stored(req, ds)
    coll = d.messages(req.path_params["completion_id"])
    n = MESSAGES_LIMIT.read(req)
    order = req.choice("order", ["asc", "desc"], "asc") or "asc"
    records, has_more = window(req, coll, ordered(coll, order), n)
    return id_cursor_page(records, has_more)


def voice_consents(req: Request, ds: Dataset) -> Dict[str, Any]:
    d = stored(req, ds)
    n = VOICE_CONSENTS_LIMIT.read(req)
    records, has_more = window(req, d.voice_consents, ordered(d.voice_consents, "desc"), n)
    return id_cursor_page(records, has_more)


ROUTES: List[Tuple[str, Callable[[Request, Dataset], Dict[str, Any]]]] = [
    ("/chat/completions", chat_completions),
    ("/chat/completions/{completion_id}/messages", chat_completion_messages),
    ("/audio/voice_consents", voice_consents),
]
