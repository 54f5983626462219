"""Turns -> report rows: token totals and cost per turn, session, model or day.

A session's row includes its subagents (each also listed under it with its agent type and model), and the
requests Claude Code billed but never wrote to the transcript as responses (compaction summaries): their
usage is the gap between its own per-model running totals (the transcript's cost-state line) and the
responses found. Unknown models keep their tokens and get no price: a row with any unknown model says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ctxlean.usage.pricing import PriceBook
from ctxlean.usage.records import as_int
from ctxlean.usage.transcripts import Transcript, Turn

NOT_IN_TRANSCRIPT = "(not in transcript)"
_BILLED_FIELDS = (
    ("input", "inputTokens"),
    ("output", "outputTokens"),
    ("cache_read", "cacheReadInputTokens"),
    ("cache_write_5m", "cacheCreationEphemeral5mInputTokens"),
    ("cache_write_1h", "cacheCreationEphemeral1hInputTokens"),
)


@dataclass
class Row:
    key: str
    requests: int = 0
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cost: float = 0.0
    unpriced_models: set[str] = field(default_factory=set)
    unpriced_tokens: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    models: set[str] = field(default_factory=set)
    children: list[Row] = field(default_factory=list)  # a session's agents
    detail: dict = field(default_factory=dict)  # per-turn extras (context size, agent, compaction segment)

    def add(self, turn: Turn, cost: float | None) -> None:
        self.requests += 1
        self.input += turn.input
        self.output += turn.output
        self.cache_read += turn.cache_read
        self.cache_write_5m += turn.cache_write_5m
        self.cache_write_1h += turn.cache_write_1h
        self.models.add(turn.model)
        if cost is None and turn.prompt + turn.output:  # ("<synthetic>" error turns carry no tokens)
            self.unpriced_models.add(turn.model)
            self.unpriced_tokens += turn.prompt + turn.output
        elif cost:
            self.cost += cost
        if turn.ts:
            self.first_ts = min(self.first_ts, turn.ts) if self.first_ts else turn.ts
            self.last_ts = max(self.last_ts, turn.ts)

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def hit_ratio(self) -> float | None:
        """Share of prompt tokens served from the cache."""
        prompt = self.input + self.cache_read + self.cache_write
        return self.cache_read / prompt if prompt else None

    @property
    def priced(self) -> bool:
        return not self.unpriced_models

    def as_dict(self) -> dict:
        out = {
            "key": self.key,
            "requests": self.requests,
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cache_read_tokens": self.cache_read,
            "cache_write_5m_tokens": self.cache_write_5m,
            "cache_write_1h_tokens": self.cache_write_1h,
            "cost_usd": round(self.cost, 6),
            "cost_complete": self.priced,
            "cache_hit_ratio": None if self.hit_ratio is None else round(self.hit_ratio, 4),
            "models": sorted(self.models),
        }
        if self.unpriced_models:
            out["unpriced_models"] = sorted(self.unpriced_models)
            out["unpriced_tokens"] = self.unpriced_tokens
        if self.detail:
            out.update(self.detail)
        if self.children:
            out["agents"] = [c.as_dict() for c in self.children]
        return out


def unrecorded_turns(session_transcripts: list[Transcript]) -> list[Turn]:
    """Synthetic turns for what Claude Code billed in a session beyond the responses in its transcripts."""
    main = next((t for t in session_transcripts if t.file.agent_id is None and t.billed), None)
    if main is None:
        return []
    found: dict[str, dict[str, int]] = {}
    last_ts = 0.0
    for t in session_transcripts:
        for turn in t.turns:
            sums = found.setdefault(turn.model, dict.fromkeys((f for f, _ in _BILLED_FIELDS), 0))
            for name, _ in _BILLED_FIELDS:
                sums[name] += getattr(turn, name)
            last_ts = max(last_ts, turn.ts)
    extra = []
    for model, billed in main.billed.items():
        if not isinstance(billed, dict):
            continue
        have = found.get(model, {})
        gap = {name: max(0, as_int(billed.get(key)) - have.get(name, 0)) for name, key in _BILLED_FIELDS}
        if any(gap.values()):
            extra.append(
                Turn(
                    main.file.session_id,
                    None,
                    NOT_IN_TRANSCRIPT,
                    model,
                    last_ts,
                    None,
                    None,
                    gap["input"],
                    gap["output"],
                    gap["cache_read"],
                    gap["cache_write_5m"],
                    gap["cache_write_1h"],
                    project=main.file.project_dir,
                )
            )
    return extra


def all_turns(transcripts: Iterable[Transcript]) -> list[Turn]:
    """Every turn in time order, with each session's unrecorded (billed, not written) usage added."""
    by_session: dict[str, list[Transcript]] = {}
    for t in transcripts:
        by_session.setdefault(t.file.session_id, []).append(t)
    turns = [turn for group in by_session.values() for t in group for turn in t.turns]
    for group in by_session.values():
        turns.extend(unrecorded_turns(group))
    turns.sort(key=lambda t: t.ts)
    return turns


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts)) if ts else "unknown"


def _agent_label(turn: Turn) -> str:
    if turn.agent_id is None and turn.agent_type is None:
        return "main"
    return f"{turn.agent_type or 'subagent'}" + (f" {turn.agent_id}" if turn.agent_id else "")


GROUPINGS: dict[str, Callable[[Turn, PriceBook], str]] = {
    "session": lambda t, prices: t.session_id,
    "model": lambda t, prices: prices.canonical(t.model),
    "day": lambda t, prices: _day(t.ts),
}


def group(turns: list[Turn], by: str, prices: PriceBook) -> list[Row]:
    """Rows by 'turn', 'session', 'model' or 'day'; a session row lists its agents as children."""
    if by == "turn":
        rows = []
        for i, turn in enumerate(turns, 1):
            row = Row(f"{i}")
            row.add(turn, prices.turn_cost(turn))
            row.detail = {
                "session": turn.session_id,
                "agent": _agent_label(turn),
                "model": turn.model,
                "ts": turn.ts,
                "context_tokens": turn.prompt,
                "segment": turn.segment,
            }
            rows.append(row)
        return rows
    keyfn = GROUPINGS[by]
    rows_by_key: dict[str, Row] = {}
    children: dict[tuple[str, str], Row] = {}
    for turn in turns:
        key = keyfn(turn, prices)
        cost = prices.turn_cost(turn)
        row = rows_by_key.setdefault(key, Row(key))
        row.add(turn, cost)
        if by == "session":
            label = f"{_agent_label(turn)} ({turn.model})"
            child = children.setdefault((key, label), Row(label))
            if child not in row.children:
                row.children.append(child)
            child.add(turn, cost)
    rows = list(rows_by_key.values())
    if by == "day":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: r.first_ts)
    return rows


def total(rows: Iterable[Row], key: str = "total") -> Row:
    out = Row(key)
    for r in rows:
        out.requests += r.requests
        out.input += r.input
        out.output += r.output
        out.cache_read += r.cache_read
        out.cache_write_5m += r.cache_write_5m
        out.cache_write_1h += r.cache_write_1h
        out.cost += r.cost
        out.unpriced_models |= r.unpriced_models
        out.unpriced_tokens += r.unpriced_tokens
        out.models |= r.models
        if r.first_ts:
            out.first_ts = min(out.first_ts, r.first_ts) if out.first_ts else r.first_ts
        out.last_ts = max(out.last_ts, r.last_ts)
    return out
