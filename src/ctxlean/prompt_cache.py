"""The Messages API's prompt cache, simulated over a request's blocks, as the API documents it.

Shared by the fake API (which derives the blocks from request bodies: ctxlean.fakeapi.cache) and the
replay engine (which rebuilds them from transcripts: ctxlean.replay), so a simulated session and a
replayed one are accounted by the same rules.

Documented semantics this follows (platform.claude.com/docs/en/build-with-claude/prompt-caching):
- The prompt is one sequence of blocks; a block with a breakpoint (cache_control) ends a cacheable
  prefix, and the entry written there covers everything up to and including it.
- For every breakpoint the API looks for an earlier entry at the breakpoint and at the block boundaries
  up to 20 blocks before it; the longest live match is read, the rest up to the last breakpoint is
  written. Tokens after the last breakpoint are plain input.
- TTL "5m" (default) or "1h"; a read refreshes the entry's lifetime at no cost. Writes are reported per
  TTL in `cache_creation`.
- A prefix shorter than the model's minimum cacheable length is not cached (no error; plain input).
- Entries are per model (the block digests include it). input_tokens + cache_creation_input_tokens +
  cache_read_input_tokens is the whole prompt.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ctxlean.tokens import estimate_tokens

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


@dataclass(frozen=True)
class Block:
    digest: str  # hash of everything up to and including this block (the prefix key), model included
    tokens: int
    ttl: str | None  # the breakpoint's TTL when this block carries cache_control


def canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def without_marker(block: dict) -> dict:
    return {k: v for k, v in block.items() if k != "cache_control"}


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for item in content if isinstance(content, list) else []:
        if isinstance(item, dict):
            parts.append(item["text"] if item.get("type") == "text" else canonical(without_marker(item)))
    return "\n".join(parts)


def block_text(block: dict) -> str:
    """The text a prompt block is counted by: its text, not its JSON envelope."""
    kind = block.get("type")
    if kind == "text":
        text = block.get("text", "")
    elif kind == "tool_result":
        text = _result_text(block.get("content"))
    elif kind == "tool_use":
        text = str(block.get("name", "")) + canonical(block.get("input"))
    elif kind in ("thinking", "redacted_thinking"):
        text = block.get("thinking") or block.get("data") or ""
    else:
        text = canonical(without_marker(block))
    return text


def block_tokens(block: dict) -> int:
    """Estimated tokens of one prompt block (ctxlean.tokens of its block_text)."""
    return estimate_tokens(block_text(block))


@dataclass
class _Entry:
    expires: float
    ttl: str


@dataclass
class CacheSim:
    """One account's prompt cache: `account(model, blocks, output_tokens)` is the usage the API reports.

    min_cacheable_tokens(model) gives the model's minimum cacheable prefix; `clock` the time of each
    request (a ManualClock for simulated sessions). `history` keeps, per request in order, the model, the
    clock time and the usage reported.
    """

    min_cacheable_tokens: Callable[[str], int]
    clock: Callable[[], float] = time.monotonic
    history: list[dict] = field(default_factory=list)
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _live(self, digest: str, now: float) -> _Entry | None:
        entry = self._entries.get(digest)
        return entry if entry is not None and entry.expires > now else None

    def account(self, model: str, blocks: Sequence[Block], output_tokens: int = 0) -> dict:
        """The usage of one request, updating the cache as the API would."""
        cumulative = []
        total = 0
        for block in blocks:
            total += block.tokens
            cumulative.append(total)
        breakpoints = [i for i, b in enumerate(blocks) if b.ttl]
        with self._lock:
            now = self.clock()
            hit = -1  # index of the last block read from the cache
            for bp in breakpoints:
                for pos in range(bp, max(bp - LOOKBACK_BLOCKS, 0) - 1, -1):
                    if pos <= hit:
                        break
                    if self._live(blocks[pos].digest, now):
                        hit = pos
                        break
            if hit >= 0:
                entry = self._entries[blocks[hit].digest]
                entry.expires = now + TTL_SECONDS[entry.ttl]
            read = cumulative[hit] if hit >= 0 else 0
            written = {"5m": 0, "1h": 0}
            done = read
            minimum = self.min_cacheable_tokens(model)
            for bp in breakpoints:
                if bp <= hit:
                    live = self._live(blocks[bp].digest, now)
                    if live:
                        live.expires = now + TTL_SECONDS[live.ttl]
                    continue
                if cumulative[bp] < minimum:
                    continue
                ttl = blocks[bp].ttl
                written[ttl] += cumulative[bp] - done
                done = cumulative[bp]
                self._entries[blocks[bp].digest] = _Entry(now + TTL_SECONDS[ttl], ttl)
            usage = {"input_tokens": total - done, "cache_creation_input_tokens": done - read,
                     "cache_read_input_tokens": read, "output_tokens": output_tokens,
                     "cache_creation": {"ephemeral_5m_input_tokens": written["5m"],
                                        "ephemeral_1h_input_tokens": written["1h"]}}
            self.history.append({"model": model, "time": now, "usage": usage})
        return dict(usage, cache_creation=dict(usage["cache_creation"]))
