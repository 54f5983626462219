"""Prompt caching for the fake API: request bodies -> prompt blocks, accounted by ctxlean.prompt_cache
(the documented cache semantics live there), so cache reads and writes (and what they cost) are measurable
in tests and benchmarks.

What the body adds to the block model:
- The prompt is the blocks in the order tools, system, messages; a `cache_control` block marks a
  breakpoint. At most 4 breakpoints per request (more is a 400 error). A top-level `cache_control`
  (automatic caching) puts one on the last block. Longer TTLs must come before shorter ones (else 400).

Token counts: each block counts `estimate_tokens` of its text (text, tool_result text, tool name plus
JSON input, thinking), other blocks and tool definitions their canonical JSON; the prompt is the sum.
The same function counts every run, so runs compare on equal terms.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ctxlean.fakeapi.messages import output_tokens_for
from ctxlean.prompt_cache import TTL_SECONDS, Block, CacheSim, block_tokens, canonical, without_marker

MAX_BREAKPOINTS = 4


class CacheControlError(ValueError):
    """A request the real API rejects with a 400 (too many breakpoints, bad TTL order)."""


@dataclass
class ManualClock:
    """A clock the caller moves: `clock.advance(30)` stands for 30 s of tool or think time."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        self.now += seconds


def _ttl(block: dict) -> str | None:
    marker = block.get("cache_control")
    if not isinstance(marker, dict):
        return None
    ttl = marker.get("ttl", "5m")
    if ttl not in TTL_SECONDS:
        raise CacheControlError(f"cache_control.ttl must be '5m' or '1h', not {ttl!r}")
    return ttl


def _raw_blocks(body: dict) -> list[tuple[str, dict]]:
    """(section, block) in the API's prefix order: tools, system, then each message's content."""
    out: list[tuple[str, dict]] = [("tool", t) for t in body.get("tools") or [] if isinstance(t, dict)]
    system = body.get("system")
    if isinstance(system, str):
        out.append(("system", {"type": "text", "text": system}))
    elif isinstance(system, list):
        out += [("system", b) for b in system if isinstance(b, dict)]
    for message in body.get("messages") or []:
        role = message.get("role", "user")
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        out += [(role, b) for b in content or [] if isinstance(b, dict)]
    return out


def prompt_blocks(body: dict) -> list[Block]:
    """The request's blocks with their prefix hashes, token counts and breakpoints (validated)."""
    raw = _raw_blocks(body)
    auto = isinstance(body.get("cache_control"), dict)
    blocks: list[Block] = []
    digest = hashlib.sha256(str(body.get("model", "")).encode())
    for index, (section, block) in enumerate(raw):
        digest.update(canonical([section, without_marker(block)]).encode())
        ttl = _ttl(block)
        if auto and index == len(raw) - 1 and ttl is None:
            ttl = _ttl({"cache_control": body["cache_control"]})
        blocks.append(Block(digest.copy().hexdigest(), block_tokens(block), ttl))
    ttls = [b.ttl for b in blocks if b.ttl]
    if len(ttls) > MAX_BREAKPOINTS:
        raise CacheControlError(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
                                f"Found {len(ttls)}.")
    if "5m" in ttls and "1h" in ttls[ttls.index("5m"):]:
        raise CacheControlError("a ttl='1h' cache_control block must not come after a ttl='5m' one")
    return blocks


@dataclass
class PromptCache:
    """The fake API's usage function with a prompt cache: `FakeAnthropic(script, usage=PromptCache(...))`.

    min_cacheable_tokens(model) gives the model's minimum cacheable prefix. `history` keeps, per
    answered request in order, the model, the clock time and the usage reported.
    """

    min_cacheable_tokens: Callable[[str], int]
    clock: Callable[[], float] = time.monotonic
    _sim: CacheSim = field(init=False)

    def __post_init__(self) -> None:
        self._sim = CacheSim(self.min_cacheable_tokens, self.clock)

    @property
    def history(self) -> list[dict]:
        return self._sim.history

    def __call__(self, body: dict, blocks: list[dict]) -> dict:
        return self.account(body, output_tokens_for(blocks))

    def account(self, body: dict, output_tokens: int = 0) -> dict:
        """The usage of one request, updating the cache as the API would."""
        return self._sim.account(str(body.get("model", "")), prompt_blocks(body), output_tokens)
