"""Plain text (head, tail, line count) and binary payloads (size and type only)."""

from __future__ import annotations

from ctxlean.summarize import Payload, Summary
from ctxlean.tokens import estimate_tokens, truncate_to_tokens


def is_binary(payload: Payload) -> bool:
    return payload.binary


def summarize_binary(payload: Payload, budget_tokens: int) -> Summary:
    body = f"Binary data, {payload.size:,} bytes; not shown."
    return Summary("binary", body, f"binary data ({payload.size:,} bytes)", 'page=1')


def head_tail(lines: list[str], budget_tokens: int, head_share: float = 0.6) -> str:
    """As many whole lines from the head and tail as fit the budget, with the omitted count between."""
    if estimate_tokens("\n".join(lines)) <= budget_tokens:
        return "\n".join(lines)
    head: list[str] = []
    tail: list[str] = []
    used = estimate_tokens("... 0000000 lines omitted ...")
    head_budget = int(budget_tokens * head_share)
    for line in lines:
        cost = estimate_tokens(line) + 1
        if used + cost > head_budget:
            break
        head.append(line)
        used += cost
    for line in reversed(lines[len(head):]):
        cost = estimate_tokens(line) + 1
        if used + cost > budget_tokens:
            break
        tail.append(line)
        used += cost
    tail.reverse()
    if not head and not tail:  # a single enormous line
        return truncate_to_tokens(lines[0], budget_tokens - 8) + " ..."
    omitted = len(lines) - len(head) - len(tail)
    return "\n".join(head + [f"... {omitted:,} lines omitted ..."] + tail)


def summarize_text(payload: Payload, budget_tokens: int) -> Summary:
    lines = payload.text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    description = f"text, {len(lines):,} lines: {first[:60]}"
    return Summary("text", head_tail(lines, budget_tokens), description, 'lines="1-200"')
