"""The emulator's stored chat completions, their messages, voice consents and checkpoint permissions."""

import copy
from pathlib import Path

import jsonschema
import pytest

from openai_emulator import checkpoints, stored
from openai_emulator.project import ProjectData
from test_support.emulator_client import get
from test_support.minimum import MAX_LIMIT, minimum_requests, template_of

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "openai-openapi.yaml"


def keys(emu):
    return sorted(emu.admin_keys)[0], sorted(emu.project_keys)[0]


def read_all(emu, path, key, params):
    out, after, pages = [], None, 0
    while True:
        status, body, _ = get(emu, path, key, dict(params, **({"after": after} if after else {})))
        assert status == 200, body
        pages += 1
        out.extend(body["data"])
        if body["data"]:
            assert body["first_id"] == body["data"][0]["id"] and body["last_id"] == body["data"][-1]["id"]
        if not body["has_more"]:
            return out, pages
        after = body["last_id"]


def checkpoint_ids(emu):
    pd = ProjectData(emu.data, 0)
    return [c["fine_tuned_model_checkpoint"] for c in checkpoints.project_checkpoints(emu.data, 0)], pd


# ------------------------------------------------------------------------------------------ chat completions


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_completions_paging_two_pages(emulator, order):
    _, pkey = keys(emulator)
    records, pages = read_all(emulator, "/chat/completions", pkey, {"limit": 100, "order": order})
    assert pages == 2
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == stored.completion_count(emulator.data) == 150
    created = [r["created"] for r in records]
    assert created == sorted(created, reverse=order == "desc")
    assert all(emulator.data.period_start <= t < emulator.data.now for t in created)
    assert all(i.startswith("chatcmpl-") for i in ids)


def test_completions_default_order_and_limit(emulator):
    _, pkey = keys(emulator)
    status, body, _ = get(emulator, "/chat/completions", pkey)
    assert status == 200 and len(body["data"]) == 20 and body["has_more"] is True
    assert body["object"] == "list"
    created = [r["created"] for r in body["data"]]
    assert created == sorted(created)


def test_completions_filters(emulator):
    _, pkey = keys(emulator)
    everything, _ = read_all(emulator, "/chat/completions", pkey, {"limit": 100})
    models = {r["model"] for r in everything}
    assert 2 <= len(models) <= 3
    model = sorted(models)[0]
    by_model, _ = read_all(emulator, "/chat/completions", pkey, {"limit": 30, "model": model})
    assert [r["id"] for r in by_model] == [r["id"] for r in everything if r["model"] == model]
    filt = {"metadata[team]": "search", "metadata[env]": "prod"}
    by_meta, _ = read_all(emulator, "/chat/completions", pkey, dict(filt, limit=10))
    expected = [
        r["id"] for r in everything if r["metadata"].get("team") == "search" and r["metadata"].get("env") == "prod"
    ]
    assert expected and [r["id"] for r in by_meta] == expected
    status, body, _ = get(emulator, "/chat/completions", pkey, {"metadata[team]": "nobody"})
    assert status == 200 and body["data"] == [] and body["has_more"] is False


@pytest.mark.parametrize("path", ["/chat/completions", "/chat/completions/{cid}/messages", "/audio/voice_consents"])
def test_limit_bounds(emulator, path):
    _, pkey = keys(emulator)
    cid = stored.StoredData(emulator.data, 0).completions.item(0)["id"]
    path = path.format(cid=cid)
    assert get(emulator, path, pkey, {"limit": 100})[0] == 200
    for bad in (101, 0):
        status, body, _ = get(emulator, path, pkey, {"limit": bad})
        assert status == 400
        assert body["error"]["param"] == "limit" and "limit" in body["error"]["message"]


def test_variants_present(emulator):
    _, pkey = keys(emulator)
    records, _ = read_all(emulator, "/chat/completions", pkey, {"limit": 100})
    messages = [r["choices"][0]["message"] for r in records]
    assert any(m.get("tool_calls") for m in messages)
    assert any(m.get("audio") for m in messages)
    assert any(m["refusal"] for m in messages)
    assert any(m["annotations"] for m in messages)
    assert any(r["metadata"] == {} for r in records) and any(r["metadata"] for r in records)
    for r in records:
        assert r["object"] == "chat.completion" and isinstance(r["created"], int)
        assert set(r["usage"]) >= {
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "prompt_tokens_details",
            "completion_tokens_details",
        }
        assert all(isinstance(v, str) for v in r["metadata"].values())


def test_deterministic(emulator_factory):
    a = emulator_factory(scale="small", seed=3, now=1_780_000_000)
    b = emulator_factory(scale="small", seed=3, now=1_780_000_000)
    for emu_path in ("/chat/completions", "/audio/voice_consents"):
        pa = get(a, emu_path, keys(a)[1], {"limit": 100})[1]
        pb = get(b, emu_path, keys(b)[1], {"limit": 100})[1]
        assert pa == pb
    cid = get(a, "/chat/completions", keys(a)[1])[1]["data"][0]["id"]
    assert (
        get(a, f"/chat/completions/{cid}/messages", keys(a)[1])[1]
        == get(b, f"/chat/completions/{cid}/messages", keys(b)[1])[1]
    )


# ------------------------------------------------------------------------------------------ messages


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_messages_paging(emulator, order):
    _, pkey = keys(emulator)
    sd = stored.StoredData(emulator.data, 0)
    cid = sd.completions.item(0)["id"]
    count = stored.message_count(emulator.data, 0, 0)
    assert 100 < count <= 120
    records, pages = read_all(emulator, f"/chat/completions/{cid}/messages", pkey, {"limit": 100, "order": order})
    assert pages == 2
    ids = [r["id"] for r in records]
    expected = [f"{cid}-{k}" for k in range(count)]
    assert ids == (expected if order == "asc" else expected[::-1])
    for r in records:
        assert set(r) >= {"id", "role", "content", "refusal", "name", "content_parts"}
    assert any(r["content_parts"] for r in records)


def test_message_counts_range(emulator):
    counts = [stored.message_count(emulator.data, 0, i) for i in range(stored.completion_count(emulator.data))]
    assert min(counts) >= 1 and max(counts) <= 120
    assert sum(1 for c in counts if c > 100) >= 2


def test_not_found(emulator):
    akey, pkey = keys(emulator)
    status, body, _ = get(emulator, "/chat/completions/chatcmpl-nope0000001/messages", pkey)
    assert status == 404 and "error" in body
    status, body, _ = get(emulator, "/fine_tuning/checkpoints/ft:nope:ckpt-step-1/permissions", akey)
    assert status == 404 and "error" in body


# ------------------------------------------------------------------------------------------ voice consents


def test_voice_consents(emulator):
    _, pkey = keys(emulator)
    records, _ = read_all(emulator, "/audio/voice_consents", pkey, {"limit": 2})
    assert len(records) == 5 == len({r["id"] for r in records})
    assert all(set(r) == {"object", "id", "name", "language", "created_at"} for r in records)
    assert all(r["object"] == "audio.voice_consent" for r in records)


# ------------------------------------------------------------------------------------------ checkpoint permissions


def test_permissions_key_classes_and_paging(emulator):
    akey, pkey = keys(emulator)
    ckpts, _ = checkpoint_ids(emulator)
    assert ckpts
    served = [
        c["fine_tuned_model_checkpoint"]
        for c in get(
            emulator,
            f"/fine_tuning/jobs/{ProjectData(emulator.data, 0).ft_jobs.item(0)['id']}/checkpoints",
            pkey,
            {"limit": 100},
        )[1]["data"]
    ]
    assert set(served) <= set(ckpts)
    counts = []
    for ckpt in ckpts:
        path = f"/fine_tuning/checkpoints/{ckpt}/permissions"
        assert get(emulator, path, pkey)[0] == 401
        status, body, _ = get(emulator, path, akey)
        assert status == 200 and body["object"] == "list"
        created = [r["created_at"] for r in body["data"]]
        assert created == sorted(created, reverse=True)  # default descending
        asc, _ = read_all(emulator, path, akey, {"limit": 1, "order": "ascending"})
        assert [r["id"] for r in asc] == [r["id"] for r in body["data"]][::-1]
        for r in asc:
            assert r["object"] == "checkpoint.permission" and r["id"].startswith("cp_")
            only = get(emulator, path, akey, {"project_id": r["project_id"]})[1]["data"]
            assert only and all(o["project_id"] == r["project_id"] for o in only)
        counts.append(len(asc))
    assert all(0 <= c <= 3 for c in counts) and max(counts) > 0
    assert get(emulator, f"/fine_tuning/checkpoints/{ckpts[0]}/permissions", akey, {"limit": 101})[0] == 400
    assert get(emulator, f"/fine_tuning/checkpoints/{ckpts[0]}/permissions", akey, {"order": "asc"})[0] == 400


def test_project_key_routes_reject_admin_key(emulator):
    akey, pkey = keys(emulator)
    assert get(emulator, "/chat/completions", pkey)[0] == 200
    assert get(emulator, "/chat/completions", akey)[0] == 401
    assert get(emulator, "/audio/voice_consents", akey)[0] == 401


# ------------------------------------------------------------------------------------------ minimum.py


def test_minimum_requests(emulator):
    ds = emulator.data
    base = minimum_requests(ds, ds.period_start)
    assert "/chat/completions" not in base
    m = minimum_requests(ds, ds.period_start, with_stored_completions=True)
    assert {k: v for k, v in m.items() if k in base} == base
    n = stored.completion_count(ds)
    assert m["/chat/completions"] == 2
    assert m["/chat/completions/{completion_id}/messages"] == sum(
        2 if stored.message_count(ds, 0, i) > 100 else 1 for i in range(n)
    )
    assert m["/audio/voice_consents"] == 1
    ckpts, _ = checkpoint_ids(emulator)
    assert m["/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"] == len(ckpts)
    for template in (
        "/chat/completions",
        "/chat/completions/{completion_id}/messages",
        "/audio/voice_consents",
        "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
    ):
        assert MAX_LIMIT[template] == 100
    assert template_of("/v1/chat/completions") == "/chat/completions"
    assert template_of("/v1/chat/completions/chatcmpl-x/messages") == "/chat/completions/{completion_id}/messages"
    assert template_of("/v1/audio/voice_consents") == "/audio/voice_consents"
    assert (
        template_of("/v1/fine_tuning/checkpoints/ft:a:b::c:ckpt-step-100/permissions")
        == "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"
    )


# ------------------------------------------------------------------------------------------ official schemas


@pytest.fixture(scope="module")
def spec_components():
    yaml = pytest.importorskip("yaml")
    return {"components": yaml.safe_load(SPEC.read_text())["components"]}


def _validate(components, name, body):
    schema = dict(components, **{"$ref": f"#/components/schemas/{name}"})
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(body))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])


def test_pages_match_the_official_schemas(emulator, spec_components):
    akey, pkey = keys(emulator)
    _validate(spec_components, "ChatCompletionList", get(emulator, "/chat/completions", pkey, {"limit": 100})[1])
    _validate(spec_components, "VoiceConsentListResource", get(emulator, "/audio/voice_consents", pkey)[1])
    ckpt = next(c for c in checkpoint_ids(emulator)[0] if checkpoints.permissions(emulator.data, c).count)
    _validate(
        spec_components,
        "ListFineTuningCheckpointPermissionResponse",
        get(emulator, f"/fine_tuning/checkpoints/{ckpt}/permissions", akey)[1],
    )
    # ChatCompletionMessageList reuses ChatCompletionResponseMessage, whose `role` is "assistant" only; its own
    # example (and the API) return the stored input messages with their roles, so the enum is widened here.
    components = copy.deepcopy(spec_components)
    components["components"]["schemas"]["ChatCompletionResponseMessage"]["properties"]["role"] = {
        "type": "string",
        "enum": ["developer", "system", "user", "assistant", "tool"],
    }
    cid = stored.StoredData(emulator.data, 0).completions.item(0)["id"]
    _validate(
        components,
        "ChatCompletionMessageList",
        get(emulator, f"/chat/completions/{cid}/messages", pkey, {"limit": 100})[1],
    )
