"""Shared by the tests/test_summarize_*.py files: summarize a payload the way the hook does and check the
promises every summary makes."""

from __future__ import annotations

import re

from ctxlean.summarize import Payload, Summary, summarize
from ctxlean.summarize.registry import pick
from ctxlean.tokens import estimate_tokens

BUDGET = 330  # what the hook leaves the body of a 400-token summary


def summary_of(text: str, command: str = "", tool: str = "Bash", file_path: str | None = None,
               budget: int = BUDGET) -> Summary:
    tool_input = {"file_path": file_path} if file_path else {"command": command}
    summary = summarize(Payload(text=text, tool=tool, tool_input=tool_input, size=len(text.encode())), budget)
    assert estimate_tokens(summary.body) <= budget
    assert_line_refs_are_real(summary.body, text)
    return summary


def kind_of(text: str, command: str = "", tool: str = "Bash", file_path: str | None = None) -> str:
    tool_input = {"file_path": file_path} if file_path else {"command": command}
    return pick(Payload(text=text, tool=tool, tool_input=tool_input))[0]


def assert_line_refs_are_real(body: str, text: str) -> None:
    """Every `L<n>: <quote>` the summary cites quotes (the start of) payload line n."""
    lines = text.split("\n")
    for number, quote in re.findall(r"\bL(\d+): (.{12,}?)(?:\.\.\.|$)", body, re.M):
        n = int(number)
        assert 1 <= n <= len(lines), f"L{n} is outside the payload"
        assert quote.strip()[:30] in lines[n - 1], f"L{n} does not hold {quote[:30]!r}: {lines[n - 1][:80]!r}"
