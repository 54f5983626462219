"""Every summarizer, in the order kinds are tried: (kind, detect, summarize).

detect(payload) -> bool must be cheap (look at the command and the first few KB); the first match wins,
and `text` at the end matches everything.
"""

from __future__ import annotations

from collections.abc import Callable

from ctxlean.summarize import Payload, Summary, text

Detector = Callable[[Payload], bool]
Summarizer = Callable[[Payload, int], Summary]

SUMMARIZERS: list[tuple[str, Detector, Summarizer]] = [
    ("binary", text.is_binary, text.summarize_binary),
    ("text", lambda p: True, text.summarize_text),
]


def pick(payload: Payload) -> tuple[str, Summarizer]:
    for kind, detect, summarizer in SUMMARIZERS:
        if detect(payload):
            return kind, summarizer
    raise AssertionError("the text summarizer matches everything")
