"""Messages API endpoints: /v1/messages (streaming SSE and JSON), count_tokens, and the model list.

The scripted response becomes a Message with deterministic ids (derived from the request's seq) and
usage from `server.usage(body, blocks)`, which defaults to `usage_for` below: the one place where the
fake decides token counts, so a prompt-cache simulation can replace it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from ctxlean.fakeapi.routing import Reply, Request, error_reply, json_reply, route
from ctxlean.tokens import estimate_tokens

# Model ids Claude Code 2.1.330 asks for by default (main model, and the `haiku` alias).
MODELS = ("claude-opus-5-5", "claude-haiku-5-5")
TEXT_DELTA_CHARS = 400  # streamed text arrives in pieces, as from the real API


def input_tokens_for(body: dict) -> int:
    """Estimated input tokens: system + tools + messages, serialized deterministically."""
    prompt = [body.get("system"), body.get("tools"), body.get("messages")]
    return estimate_tokens(json.dumps(prompt, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def output_tokens_for(blocks: list[dict]) -> int:
    parts = [b.get("text") or b.get("thinking") or json.dumps(b.get("input"), sort_keys=True) for b in blocks]
    return estimate_tokens("".join(parts))


def usage_for(body: dict, blocks: list[dict]) -> dict:
    """The usage reported for a response: estimated input and output tokens, no prompt caching."""
    return {"input_tokens": input_tokens_for(body), "output_tokens": output_tokens_for(blocks),
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _id(prefix: str, seq: int, index: int = 0) -> str:
    return prefix + hashlib.sha256(f"{seq}/{index}".encode()).hexdigest()[:24]


def build_message(req: Request, response: dict) -> dict:
    """The Message object answering req: scripted blocks with ids, stop reason and usage."""
    blocks = []
    for index, block in enumerate(response.get("content", [])):
        block = dict(block)
        if block["type"] == "tool_use":
            block.setdefault("id", _id("toolu_", req.seq, index))
        elif block["type"] == "thinking":
            block.setdefault("signature", "fake-signature")
        blocks.append(block)
    has_tool_use = any(b["type"] == "tool_use" for b in blocks)
    usage = req.server.usage(req.body, blocks)
    usage.update(response.get("usage") or {})
    return {"id": _id("msg_", req.seq), "type": "message", "role": "assistant",
            "model": req.body.get("model", MODELS[0]), "content": blocks,
            "stop_reason": response.get("stop_reason") or ("tool_use" if has_tool_use else "end_turn"),
            "stop_sequence": None, "usage": usage}


def _block_events(index: int, block: dict) -> Iterator[dict]:
    kind = block["type"]
    if kind == "text":
        yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
        value = block["text"]
        for start in range(0, len(value), TEXT_DELTA_CHARS):
            delta = {"type": "text_delta", "text": value[start:start + TEXT_DELTA_CHARS]}
            yield {"type": "content_block_delta", "index": index, "delta": delta}
    elif kind == "tool_use":
        yield {"type": "content_block_start", "index": index,
               "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}
        yield {"type": "content_block_delta", "index": index,
               "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}}
    elif kind == "thinking":
        yield {"type": "content_block_start", "index": index,
               "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
        yield {"type": "content_block_delta", "index": index,
               "delta": {"type": "thinking_delta", "thinking": block["thinking"]}}
        yield {"type": "content_block_delta", "index": index,
               "delta": {"type": "signature_delta", "signature": block["signature"]}}
    else:
        raise ValueError(f"the fake API cannot stream a {kind!r} block")
    yield {"type": "content_block_stop", "index": index}


def stream_events(message: dict) -> Iterator[dict]:
    """The SSE events of a streamed message, in the order the real API sends them."""
    start = dict(message, content=[], stop_reason=None, usage=dict(message["usage"], output_tokens=1))
    yield {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        yield from _block_events(index, block)
    yield {"type": "message_delta", "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
           "usage": message["usage"]}
    yield {"type": "message_stop"}


def sse_reply(events: list[dict]) -> Reply:
    chunks = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
    return Reply(content_type="text/event-stream", headers={"cache-control": "no-cache"}, chunks=chunks)


@route("POST", r"/v1/messages")
def messages(req: Request) -> Reply:
    if not isinstance(req.body, dict) or "messages" not in req.body:
        req.rule = "invalid"
        return error_reply(400, "invalid_request_error", "fake: body must be JSON with messages")
    req.rule, response = req.server.script.pick(req)
    if response.get("error"):
        return json_reply({"type": "error", "error": response["error"]}, response.get("status", 500))
    message = build_message(req, response)
    if req.body.get("stream"):
        return sse_reply(list(stream_events(message)))
    return json_reply(message)


@route("POST", r"/v1/messages/count_tokens")
def count_tokens(req: Request) -> Reply:
    req.rule = "count_tokens"
    return json_reply({"input_tokens": input_tokens_for(req.body or {})})


def _model(model_id: str) -> dict:
    return {"type": "model", "id": model_id, "display_name": model_id, "created_at": "2026-01-01T00:00:00Z"}


@route("GET", r"/v1/models")
def list_models(req: Request) -> Reply:
    req.rule = "models"
    return json_reply({"data": [_model(m) for m in MODELS], "has_more": False,
                       "first_id": MODELS[0], "last_id": MODELS[-1]})


@route("GET", r"/v1/models/(?P<model_id>[^/]+)")
def get_model(req: Request) -> Reply:
    req.rule = "models"
    return json_reply(_model(req.params["model_id"]))
