"""Message Batches endpoints of the fake API: create, retrieve, list, results (JSONL), cancel, delete.

Shapes follow what `anthropic`'s `client.messages.batches.*` sends and parses (no beta header; results
fetched from the batch's absolute `results_url`). Each server has its own batches (`batches_of(server)`),
configured with a `BatchBehaviour`:

    with FakeAnthropic(script, usage=PromptCache(min_cacheable_tokens)) as api:
        fake = batches_of(api, BatchBehaviour(processing_seconds=0.2))

A batch stays `in_progress` for `processing_seconds` (+ `stagger_seconds` per batch created before it) on
the behaviour's clock, then every request is answered at once by the server's Script and built like a
POST /v1/messages answer: a scripted `error(...)` becomes an `errored` result, `expired()` an `expired`
one. Usage comes from the server's usage function, so with a PromptCache the batch requests read and
write the same prompt cache as Messages calls (the first request with a cached prefix writes it, later
ones read it), as on the API.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctxlean.fakeapi.cache import CacheControlError
from ctxlean.fakeapi.messages import build_message
from ctxlean.fakeapi.routing import Reply, Request, error_reply, json_reply, route

CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
RESULT_CHUNK_BYTES = 64 * 1024


def expired() -> dict:
    """A scripted response that makes a batch request come back `expired` (batches only)."""
    return {"batch_result": "expired"}


@dataclass
class BatchBehaviour:
    processing_seconds: float = 0.0
    stagger_seconds: float = 0.0  # the n-th batch created (0-based) takes n times this much longer
    create_delay_seconds: float = 0.0  # the create call answers this late (the batch exists already)
    rate_limited_creates: int = 0  # the first N create calls get 429 ...
    retry_after_seconds: float = 0.5  # ... with this retry-after
    max_requests: int = 100_000
    max_bytes: int = 256 * 1024 * 1024
    api_key: str | None = None  # when set, any other x-api-key gets 401
    clock: Callable[[], float] = time.time


@dataclass
class FakeBatch:
    id: str
    requests: list[dict]
    created_at: float
    ends_at: float
    status: str = "in_progress"  # -> canceling -> ended
    cancel_initiated_at: float | None = None
    ended_at: float | None = None
    results: list[dict] = field(default_factory=list)  # the JSONL lines, once ended


class FakeBatches:
    """One server's batches, in creation order; `create_calls` counts create calls, rate-limited ones too."""

    def __init__(self, behaviour: BatchBehaviour):
        self.behaviour = behaviour
        self.batches: dict[str, FakeBatch] = {}
        self.create_calls = 0
        self.answered = 0  # requests answered so far: numbers their messages, as seq does for Messages calls
        self.lock = threading.RLock()

    def reported_usage(self) -> list[dict]:
        """The usage of every succeeded result of every ended batch: what the fake billed."""
        with self.lock:
            return [r["result"]["message"]["usage"] for b in self.batches.values() for r in b.results
                    if r["result"]["type"] == "succeeded"]

    def advance(self, server) -> None:
        """End every batch whose time has come (answering its requests) and finish cancellations."""
        now = self.behaviour.clock()
        with self.lock:
            for batch in self.batches.values():
                if batch.status == "canceling" or (batch.status == "in_progress" and now >= batch.ends_at):
                    self._process(server, batch, now)

    def _process(self, server, batch: FakeBatch, now: float) -> None:
        for index, request in enumerate(batch.requests):
            if batch.status == "canceling":
                result = {"type": "canceled"}
            else:
                result = self._answer(server, batch, index, request)
            batch.results.append({"custom_id": request["custom_id"], "result": result})
        batch.status, batch.ended_at = "ended", now

    def _answer(self, server, batch: FakeBatch, index: int, request: dict) -> dict:
        self.answered += 1
        fake_req = Request(seq=self.answered, method="POST", path=f"/v1/messages/batches/{batch.id}/requests",
                           query={}, headers={}, body=request["params"], server=server)
        _, response = server.script.pick(fake_req)
        if response.get("batch_result") == "expired":
            return {"type": "expired"}
        error = response.get("error")
        if not error:
            try:
                message = build_message(fake_req, response)
            except CacheControlError as exc:
                error = {"type": "invalid_request_error", "message": str(exc)}
        if error:
            return {"type": "errored", "error": {"type": "error", "error": error,
                                                 "request_id": f"req_{batch.id}_{index}"}}
        message["usage"]["service_tier"] = "batch"
        return {"type": "succeeded", "message": message}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _rfc3339(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def batches_of(server, behaviour: BatchBehaviour | None = None) -> FakeBatches:
    """The batches of this server (created on first use); a given behaviour replaces the current one."""
    state = _STATES.get(server)
    if state is None:
        state = _STATES[server] = FakeBatches(behaviour or BatchBehaviour())
    elif behaviour is not None:
        state.behaviour = behaviour
    return state


def _as_json(server, batch: FakeBatch) -> dict:
    counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    if batch.status == "ended":
        for line in batch.results:
            counts[line["result"]["type"]] += 1
    else:
        counts["processing"] = len(batch.requests)
    return {"id": batch.id, "type": "message_batch", "processing_status": batch.status,
            "request_counts": counts, "created_at": _rfc3339(batch.created_at),
            "expires_at": _rfc3339(batch.created_at + 86400), "ended_at": _rfc3339(batch.ended_at),
            "cancel_initiated_at": _rfc3339(batch.cancel_initiated_at), "archived_at": None,
            "results_url": f"{server.url}/v1/messages/batches/{batch.id}/results" if batch.status == "ended" else None}


def _checked(req: Request, rule: str) -> tuple[FakeBatches, Reply | None]:
    """The server's batches after advancing the clock, or an authentication error reply."""
    req.rule = rule
    state = batches_of(req.server)
    key = state.behaviour.api_key
    if key is not None and req.headers.get("x-api-key") != key:
        return state, error_reply(401, "authentication_error", "invalid x-api-key")
    state.advance(req.server)
    return state, None


def _invalid(requests) -> str | None:
    if not isinstance(requests, list) or not requests:
        return "requests: expected a non-empty list"
    seen = set()
    for n, request in enumerate(requests):
        custom = request.get("custom_id") if isinstance(request, dict) else None
        if not isinstance(custom, str) or not CUSTOM_ID.fullmatch(custom):
            return f"requests.{n}.custom_id: must match ^[a-zA-Z0-9_-]{{1,64}}$"
        if custom in seen:
            return f"requests.{n}.custom_id: {custom!r} is not unique in this batch"
        seen.add(custom)
        params = request.get("params")
        if not isinstance(params, dict) or not params.get("model") or not isinstance(params.get("max_tokens"), int) \
                or not isinstance(params.get("messages"), list):
            return f"requests.{n}.params: model, max_tokens and messages are required"
    return None


@route("POST", r"/v1/messages/batches")
def create(req: Request) -> Reply:
    state, denied = _checked(req, "batches.create")
    if denied:
        return denied
    behaviour = state.behaviour
    with state.lock:
        state.create_calls += 1
        if state.create_calls <= behaviour.rate_limited_creates:
            reply = error_reply(429, "rate_limit_error", "fake: rate limited")
            reply.headers["retry-after"] = str(behaviour.retry_after_seconds)
            return reply
        requests = (req.body or {}).get("requests") if isinstance(req.body, dict) else None
        problem = _invalid(requests)
        if problem:
            return error_reply(400, "invalid_request_error", problem)
        if len(requests) > behaviour.max_requests:
            return error_reply(400, "invalid_request_error",
                               f"requests: at most {behaviour.max_requests} per batch, got {len(requests)}")
        size = len(json.dumps(req.body, ensure_ascii=False, separators=(",", ":")).encode())
        if size > behaviour.max_bytes:
            return error_reply(413, "request_too_large", f"batch of {size} bytes is over {behaviour.max_bytes}")
        now = behaviour.clock()
        order = len(state.batches)
        batch_id = "msgbatch_" + _digest(f"{id(state)}/{order}")
        batch = FakeBatch(batch_id, requests, now,
                          now + behaviour.processing_seconds + order * behaviour.stagger_seconds)
        state.batches[batch_id] = batch
        answer = _as_json(req.server, batch)
    time.sleep(behaviour.create_delay_seconds)
    return json_reply(answer)


def _find(req: Request, rule: str) -> tuple[FakeBatches, FakeBatch | None, Reply | None]:
    """The batch named in the path, or the reply that refuses the request (authentication, 404)."""
    state, denied = _checked(req, rule)
    if denied:
        return state, None, denied
    batch = state.batches.get(req.params["batch_id"])
    if batch is None:
        return state, None, error_reply(404, "not_found_error", f"fake: no batch {req.params['batch_id']!r}")
    return state, batch, None


@route("GET", r"/v1/messages/batches/(?P<batch_id>[^/]+)")
def retrieve(req: Request) -> Reply:
    _, batch, refused = _find(req, "batches.retrieve")
    return refused or json_reply(_as_json(req.server, batch))


@route("GET", r"/v1/messages/batches")
def list_batches(req: Request) -> Reply:
    """Newest first, paginated with limit / after_id / before_id as the SDK's SyncPage expects."""
    state, denied = _checked(req, "batches.list")
    if denied:
        return denied
    with state.lock:
        ids = list(reversed(state.batches))
        limit = int(req.query.get("limit", 20))
        if "after_id" in req.query and req.query["after_id"] in ids:
            ids = ids[ids.index(req.query["after_id"]) + 1:]
        elif "before_id" in req.query and req.query["before_id"] in ids:
            ids = ids[: ids.index(req.query["before_id"])][-limit:]
        page = ids[:limit]
        data = [_as_json(req.server, state.batches[i]) for i in page]
    return json_reply({"data": data, "has_more": len(ids) > len(page),
                       "first_id": page[0] if page else None, "last_id": page[-1] if page else None})


@route("GET", r"/v1/messages/batches/(?P<batch_id>[^/]+)/results")
def results(req: Request) -> Reply:
    """The results as JSONL, deliberately not in request order (the API does not promise it)."""
    _, batch, refused = _find(req, "batches.results")
    if refused:
        return refused
    if batch.status != "ended":
        return error_reply(400, "invalid_request_error", f"fake: batch {batch.id} has not ended")
    lines = sorted(batch.results, key=lambda line: _digest(line["custom_id"]))
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    chunks = [data[i:i + RESULT_CHUNK_BYTES] for i in range(0, len(data), RESULT_CHUNK_BYTES)]
    return Reply(content_type="application/binary", chunks=chunks)


@route("POST", r"/v1/messages/batches/(?P<batch_id>[^/]+)/cancel")
def cancel(req: Request) -> Reply:
    state, batch, refused = _find(req, "batches.cancel")
    if refused:
        return refused
    with state.lock:
        if batch.status == "in_progress":
            batch.status, batch.cancel_initiated_at = "canceling", state.behaviour.clock()
        return json_reply(_as_json(req.server, batch))


@route("DELETE", r"/v1/messages/batches/(?P<batch_id>[^/]+)")
def delete(req: Request) -> Reply:
    state, batch, refused = _find(req, "batches.delete")
    if refused:
        return refused
    with state.lock:
        if batch.status != "ended":
            return error_reply(400, "invalid_request_error", "fake: only ended batches can be deleted")
        state.batches.pop(batch.id, None)  # looked up before the lock: a concurrent delete may have won
    return json_reply({"id": batch.id, "type": "message_batch_deleted"})
