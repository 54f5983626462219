"""Kind-aware, bounded, deterministic summaries of tool payloads.

`summarize(text, ...)` picks a summarizer from the registry (`registry.py`) and returns a Summary whose
body fits the token budget. The same payload always yields the same text (cache-stable prefixes), and a
summary never claims what the payload does not say.
"""

from __future__ import annotations

from ctxlean.values import Value


class Summary(Value):
    __slots__ = ("kind", "body", "description", "hint")

    def __init__(self, kind: str, body: str, description: str, hint: str = 'lines="1-200"'):
        self.kind = kind  # the detected kind, e.g. "pytest", "json", "text"
        self.body = body  # the summary proper, within the body budget it was given
        self.description = description  # one line (<= 100 chars) for list_details and the handle index
        self.hint = hint  # the most useful fetch_detail arguments, e.g. 'grep="FAILED"'


class Payload(Value):
    """What a summarizer sees: the text plus where it came from."""

    __slots__ = ("text", "tool", "tool_input", "binary", "size", "asked")

    def __init__(self, text: str, tool: str = "", tool_input: dict | None = None, binary: bool = False,
                 size: int = 0, asked: str = ""):
        self.text = text
        self.tool = tool
        self.tool_input = tool_input
        self.binary = binary
        self.size = size  # bytes of the original payload (text may be a sample of a huge payload)
        self.asked = asked  # what the model was looking for: its last words before the call, the call's arguments

    @property
    def command(self) -> str:
        return str((self.tool_input or {}).get("command", ""))

    @property
    def file_path(self) -> str:
        """The file a Read (or Edit/Write) call named; "" for other tools."""
        return str((self.tool_input or {}).get("file_path", ""))


def summarize(payload: Payload, budget_tokens: int) -> Summary:
    """The summary of payload by the first summarizer in the registry that recognises it, with what else
    the payload shows (failures, errors, the lines the model asked for: summarize.compose).

    Whatever the summarizer returned, the body is clamped to budget_tokens, the description to one line
    of at most 100 characters and the hint to HINT_CHARS characters: callers can rely on all three.
    """
    from ctxlean.summarize.common import HINT_CHARS, clamp, one_line
    from ctxlean.summarize.compose import compose
    from ctxlean.summarize.registry import pick

    kind, summarizer = pick(payload)
    summary = compose(payload, kind, summarizer, budget_tokens)
    hint = summary.hint if len(summary.hint) <= HINT_CHARS else 'lines="1-200"'
    return Summary(summary.kind, clamp(summary.body, budget_tokens), one_line(summary.description), hint)
