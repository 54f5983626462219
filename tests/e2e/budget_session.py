"""The scripted session behind the budget's end-to-end tests and its benchmark (benchmarks/budget_accounting.py).

The model works through STEPS log files (`cat data/stepNN.log`), each bigger than the one before, then reads
back exact lines of an early one with fetch_detail. The fake reports the request's real size (the fake
API's estimate) plus PAD_PER_RESULT tokens for every tool result in the request: conversation the fake does
not carry (the model's own reading and reasoning), so that a short session crosses a 100k budget. A
compaction replaces the tool results with a summary, and the padding goes with them.

The fake model follows compaction instructions as a compliant model would: its summary repeats every
handle the compaction request's instructions name.
"""

from __future__ import annotations

from pathlib import Path

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.messages import input_tokens_for, usage_for
from ctxlean.fakeapi.script import (
    HANDLE_RE,
    find_handle,
    has_tool_result,
    is_compaction_request,
    last_user_text,
    reply,
    text,
    tool_result_for,
    tool_results,
    tool_use,
)

STEPS = 12
PAD_PER_RESULT = 10_000
BUDGET = 100_000
FETCH_STEP, FETCH_LINES = 3, (10, 12)
FETCH_DETAIL = "mcp__plugin_ctxlean_ctxlean__fetch_detail"
KEEP_MARK = "Keep every handle below"
INDEX_MARK = "[ctxlean] Tool outputs stored out of band earlier in this session"


def step_log(step: int) -> str:
    """Step N's log: about N * 2,400 bytes of distinct lines (under Bash's 30,000-character cut)."""
    lines = step * 2400 // 72
    return "".join(f"step {step:02d} line {n:05d}: worker {n % 7} processed batch {n * 13 + step:06d} "
                   f"in {(n * 37 + step) % 900:03d} ms\n" for n in range(1, lines + 1))


def write_data(project: Path, steps: int = STEPS) -> None:
    (project / "data").mkdir(parents=True, exist_ok=True)
    for step in range(1, steps + 1):
        (project / "data" / f"step{step:02d}.log").write_text(step_log(step))


def reported_input(body: dict) -> int:
    """The input tokens the fake reports for a request body (what Claude Code counts as the context)."""
    return input_tokens_for(body) + PAD_PER_RESULT * len(tool_results(body))


def usage(body: dict, blocks: list[dict]) -> dict:
    return {**usage_for(body, blocks), "input_tokens": reported_input(body)}


def compaction_instructions(body: dict) -> str:
    """The custom instructions part of Claude Code's compaction prompt ('' when there are none)."""
    prompt = last_user_text(body)
    start = prompt.find("Additional Instructions:")
    return prompt[start:] if start >= 0 else ""


class BudgetSession:
    """One run of the scripted model; build a fresh one per CLI session. `handles` maps each step to the
    handle its tool result carried (steps whose output was not offloaded have none)."""

    def __init__(self, steps: int = STEPS, fetch: bool = True, turns: bool = False):
        self.steps = steps
        self.fetch = fetch
        self.turns = turns  # one step per user turn (the SDK test sends a prompt per step)
        self.step = 0
        self.handles: dict[int, str] = {}
        self.handles_at_compaction: dict[int, str] = {}  # what the model had seen when compaction came

    def script(self) -> Script:
        return Script([
            Rule("compaction", match=is_compaction_request, respond=self._summary),
            Rule("fetched", match=tool_result_for(FETCH_DETAIL), respond=reply(text("Done: lines checked."))),
            Rule("work", respond=self._next),
        ])

    def _next(self, req) -> dict:
        if self.step and self.step not in self.handles:
            handle = find_handle(req.body)
            if handle:
                self.handles[self.step] = handle
        if self.turns and has_tool_result(req):
            return reply(text(f"Read log {self.step}."))
        if self.step < self.steps:
            self.step += 1
            return reply(tool_use("Bash", {"command": f"cat data/step{self.step:02d}.log",
                                                   "description": f"read log {self.step}"}))
        handle = self.handles.get(FETCH_STEP)
        if not self.fetch or handle is None:
            return reply(text("All logs read."))
        if handle not in str(req.body.get("messages")):
            return reply(text(f"The handle of step {FETCH_STEP} is gone from my context."))
        first, last = FETCH_LINES
        return reply(tool_use(FETCH_DETAIL, {"handle": handle, "lines": f"{first}-{last}"}))

    def _summary(self, req) -> dict:
        self.handles_at_compaction = dict(self.handles)
        kept = sorted(set(HANDLE_RE.findall(compaction_instructions(req.body))))
        listed = "\n".join(f"- {h}" for h in kept)
        return reply(text(f"<analysis>Reading the step logs one by one.</analysis>\n<summary>Read logs 1-{self.step}."
                          f"\nStored outputs:\n{listed}</summary>"))


async def play(client) -> None:
    """Drive a connected Agent SDK client through the session: one query per step log, then the read-back."""
    for step in range(1, STEPS + 1):
        await client.query(f"Read log {step}.")
        async for _ in client.receive_response():
            pass
    await client.query("Check lines 10-12 of the third log.")
    async for _ in client.receive_response():
        pass


def expected_fetch_rows() -> list[str]:
    """The rows fetch_detail must return for FETCH_LINES of step FETCH_STEP's log ('N: text')."""
    first, last = FETCH_LINES
    lines = step_log(FETCH_STEP).splitlines()
    return [f"{n}: {lines[n - 1]}" for n in range(first, last + 1)]
