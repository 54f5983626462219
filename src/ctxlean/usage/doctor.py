"""`ctxlean doctor`: cache misses, their likely cause, and what to do about each.

A request should read from the cache everything the previous request of the same agent read or wrote
(Claude Code moves its cache breakpoint to the newest message each turn). When a request instead writes a
large part of that prefix again, the cache missed. The cause is inferred from what changed between the two
requests: a compaction, the model, the gap in time against the cache TTL (5 minutes or 1 hour, from the
usage's cache_creation split), the tools or the system prompt (from the transcript's api-request shapes and
tools-used lines), in that order.

    ctxlean doctor [--session ID | --project DIR | --since DATE] [--json]
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from ctxlean.usage.chart import human
from ctxlean.usage.pricing import PriceBook
from ctxlean.usage.report import add_scope_arguments, load, money, since_and_prices
from ctxlean.usage.transcripts import Transcript, Turn

MIN_MISS_TOKENS = 1024  # below the smallest cacheable prefix: noise, not a miss
TTL_5M, TTL_1H = 300.0, 3600.0

ADVICE = {
    "compaction": (
        "expected: compaction replaces the conversation with a summary, so the next request rebuilds the "
        "cache once. Fewer compactions mean fewer rebuilds: keep big tool outputs out of context (ctxlean "
        "offloads them) so the budget lasts longer."),
    "model switch": (
        "each model has its own cache: switching the main model mid-session rewrites the whole prefix. "
        "Keep one model per session and send mechanical work to a Haiku subagent instead."),
    "idle gap": (
        "the cache expired while the session was idle. Resume within the TTL, or request the 1-hour cache "
        "for sessions with long pauses (a 1h write costs 2x input instead of 1.25x; Claude Code 2.1.330 "
        "honours ENABLE_PROMPT_CACHING_1H=1)."),
    "tools changed": (
        "the tool definitions are part of the cached prefix: adding or removing a tool (an MCP server "
        "connecting late, a deferred tool being loaded) rewrites everything after them. Load MCP servers "
        "up front (alwaysLoad) and keep the tool set stable within a session."),
    "system prompt changed": (
        "the system prompt is the start of the prefix: any change (date, git status, memory files, output "
        "style) invalidates all of it. Keep dynamic text out of the system prompt and CLAUDE.md."),
    "system prompt or tools changed": (
        "the system prompt and the tool definitions start the cached prefix: keep both stable within a "
        "session (no dynamic text in the system prompt, MCP servers loaded up front)."),
    "unknown": (
        "the prefix changed inside the conversation: an earlier message was edited or rewritten (e.g. by a "
        "hook), or the cache breakpoint moved. Check hooks that rewrite earlier context."),
}


@dataclass
class Miss:
    session_id: str
    agent: str
    turn: int  # 1-based index of the request in its agent's transcript
    ts: float
    model: str
    expected_tokens: int  # what should have been read from the cache
    read_tokens: int
    rewritten_tokens: int
    causes: list[str]
    detail: str
    extra_usd: float | None  # what the rewrite cost beyond reading the same tokens

    @property
    def expected(self) -> bool:
        return self.causes == ["compaction"]

    def as_dict(self) -> dict:
        return {
            "session": self.session_id,
            "agent": self.agent,
            "turn": self.turn,
            "ts": self.ts,
            "model": self.model,
            "expected_cached_tokens": self.expected_tokens,
            "cache_read_tokens": self.read_tokens,
            "rewritten_tokens": self.rewritten_tokens,
            "causes": self.causes,
            "detail": self.detail,
            "expected_rebuild": self.expected,
            "extra_cost_usd": None if self.extra_usd is None else round(self.extra_usd, 6),
            "advice": [ADVICE[c] for c in self.causes],
        }


def _ttl(turn: Turn) -> float:
    return TTL_1H if turn.cache_write_1h or turn.cache_ttl == "1h" else TTL_5M


def _minutes(seconds: float) -> str:
    return f"{seconds / 3600:.1f}h" if seconds >= 5400 else f"{seconds / 60:.0f}m"


def diagnose(prev: Turn, cur: Turn, ttl: float, shapes: dict) -> tuple[list[str], str]:
    """The likely causes of a miss between two consecutive requests, and a one-line detail."""
    causes, details = [], []
    if cur.segment != prev.segment:
        causes.append("compaction")
        details.append("a compaction happened between the two requests")
    if cur.model != prev.model:
        causes.append("model switch")
        details.append(f"model {prev.model} -> {cur.model}")
    gap = cur.ts - prev.ts
    if prev.ts and cur.ts and gap > ttl:
        causes.append("idle gap")
        details.append(f"{_minutes(gap)} since the previous request, beyond the {_minutes(ttl)} cache TTL")
    a, b = shapes.get(prev.shape or ""), shapes.get(cur.shape or "")
    if a and b and prev.shape != cur.shape:
        if a["tools_sha"] != b["tools_sha"]:
            added = sorted(set(b["tools"]) - set(a["tools"]))
            removed = sorted(set(a["tools"]) - set(b["tools"]))
            causes.append("tools changed")
            details.append(
                "tools " + ", ".join([f"+{t}" for t in added] + [f"-{t}" for t in removed] or ["redefined"])
            )
        if a["system_sha"] != b["system_sha"]:
            causes.append("system prompt changed")
            details.append(f"system prompt {a['system_chars']} -> {b['system_chars']} chars")
    elif prev.tools_used is not None and cur.tools_used is not None and prev.tools_used != cur.tools_used:
        causes.append("tools changed")
        details.append("tools loaded: " + ", ".join(sorted(set(cur.tools_used) - set(prev.tools_used))))
    elif prev.shape and cur.shape and prev.shape != cur.shape:
        causes.append("system prompt or tools changed")
        details.append("the request shape changed (its definition is not in the transcript)")
    if not causes:
        causes.append("unknown")
        details.append("nothing changed before the conversation itself")
    return causes, "; ".join(details)


def find_misses(transcript: Transcript, prices: PriceBook) -> list[Miss]:
    """Cache misses in one agent's transcript."""
    misses = []
    turns = sorted(transcript.turns, key=lambda t: t.ts)
    agent = (
        "main"
        if transcript.file.agent_id is None
        else f"{transcript.file.agent_type or 'subagent'} {transcript.file.agent_id}"
    )
    ttl = TTL_5M
    for i in range(1, len(turns)):
        prev, cur = turns[i - 1], turns[i]
        if prev.cache_write:
            ttl = _ttl(prev)  # the TTL of the newest cache entry covering the prefix
        expected = prev.cache_read + prev.cache_write
        lost = expected - cur.cache_read
        if lost < max(MIN_MISS_TOKENS, expected // 10) or cur.cache_write < MIN_MISS_TOKENS:
            continue
        causes, detail = diagnose(prev, cur, ttl, transcript.shapes)
        rewritten = min(lost, cur.cache_write)
        price = prices.resolve(cur.model)
        extra = None
        if price is not None:
            rates = price.rates_at(cur.ts, cur.prompt)
            write = rates.cache_write_1h if cur.cache_write_1h > cur.cache_write_5m else rates.cache_write_5m
            extra = rewritten * (write - rates.cache_read) / 1_000_000
        misses.append(
            Miss(
                transcript.file.session_id,
                agent,
                i + 1,
                cur.ts,
                cur.model,
                expected,
                cur.cache_read,
                rewritten,
                causes,
                detail,
                extra,
            )
        )
    return misses


def render_text(misses: list[Miss], sessions: int, requests: int | None = None, cached: int | None = None) -> str:
    """The misses for a terminal; `requests` and `cached` (how many used the cache at all) tell "no misses"
    apart from "no caching": a session whose responses carry no cache reads or writes has nothing to miss."""
    if requests and not cached:
        return (f"ctxlean doctor: no prompt caching in {sessions} session(s): none of their {requests:,} "
                "responses read or wrote the cache, so there are no misses to explain. Caching is off "
                "(DISABLE_PROMPT_CACHING?) or whatever answered these requests does not report cache usage")
    if not misses:
        return f"ctxlean doctor: no cache misses in {sessions} session(s)"
    real = [m for m in misses if not m.expected]
    cost = sum(m.extra_usd or 0 for m in real)
    lines = [
        f"ctxlean doctor: {len(real)} cache miss(es) in {sessions} session(s), {money(cost)} spent "
        f"re-writing the cache; {len(misses) - len(real)} expected rebuild(s) after compaction"
    ]
    for m in misses:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(m.ts)) if m.ts else "?"
        extra = "" if m.extra_usd is None else f", {money(m.extra_usd)} extra"
        lines.append("")
        lines.append(
            f"{m.session_id[:8]} {m.agent} turn {m.turn} at {stamp} ({m.model}): "
            f"{human(m.rewritten_tokens)} of {human(m.expected_tokens)} cached tokens re-written{extra}"
        )
        lines.append(f"  cause: {', '.join(m.causes)}: {m.detail}")
        for c in m.causes:
            lines.append(f"  fix: {ADVICE[c]}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from ctxlean.helptext import parser as help_parser

    parser = help_parser(
        "ctxlean doctor", "Find cache misses in Claude Code sessions, with their likely cause and what to do.",
        reads="Claude Code's transcripts (~/.claude/projects), their request shapes, the price data",
        writes="nothing",
        examples=["ctxlean doctor", "ctxlean doctor --session 33f2", "ctxlean doctor --since 2026-11-01 --json"])
    add_scope_arguments(parser, "misses")
    parser.add_argument("--json", action="store_true", help="print the misses as JSON")
    args = parser.parse_args(argv[1:])
    scope = since_and_prices(args, "ctxlean doctor")
    if scope is None:
        return 2
    since, prices = scope
    transcripts = load(args.session, args.project, progress=True, details=True)
    if not transcripts:
        print("ctxlean doctor: no Claude Code transcripts found", file=sys.stderr)
        return 1
    misses = [m for t in transcripts for m in find_misses(t, prices) if since is None or m.ts >= since]
    misses.sort(key=lambda m: m.ts)
    sessions = len({t.file.session_id for t in transcripts})
    turns = [turn for t in transcripts for turn in t.turns]
    cached = sum(1 for turn in turns if turn.cache_read or turn.cache_write)
    if args.json:
        import json

        print(json.dumps({"sessions": sessions, "requests": len(turns), "requests_using_the_cache": cached,
                          "misses": [m.as_dict() for m in misses]}, indent=2))
    else:
        print(render_text(misses, sessions, len(turns), cached))
    return 0
