"""Kind-aware, bounded, deterministic summaries of tool payloads.

`summarize(text, ...)` picks a summarizer from the registry (`registry.py`) and returns a Summary whose
body fits the token budget. The same payload always yields the same text (cache-stable prefixes), and a
summary never claims what the payload does not say.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    kind: str  # the detected kind, e.g. "pytest", "json", "text"
    body: str  # the summary proper, within the body budget it was given
    description: str  # one line (<= 100 chars) for list_details and the handle index
    hint: str = 'lines="1-200"'  # the most useful fetch_detail arguments, e.g. 'grep="FAILED"'


@dataclass(frozen=True)
class Payload:
    """What a summarizer sees: the text plus where it came from."""

    text: str
    tool: str = ""
    tool_input: dict | None = None
    binary: bool = False
    size: int = 0  # bytes of the original payload (text may be a sample of a huge payload)

    @property
    def command(self) -> str:
        return str((self.tool_input or {}).get("command", ""))


def summarize(payload: Payload, budget_tokens: int) -> Summary:
    """The summary of payload by the first summarizer in the registry that recognises it."""
    from ctxlean.summarize.registry import pick

    kind, summarizer = pick(payload)
    return summarizer(payload, budget_tokens)
