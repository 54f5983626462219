"""The model's last words before a tool call: what it said it was looking for.

The text blocks of the latest response that has text, looked for in the last few responses (at most
LOOKBACK_RESPONSES) and never before the user's latest prompt, cut to its last MAX_CHARS characters.
Read from the end of the transcript (the response that made the call is already there when PostToolUse
runs). The replay engine finds the same text in a replayed session's blocks (ctxlean.replay.engine).
"""

from __future__ import annotations

import json
import os

from ctxlean.budget import lines_from_end
from ctxlean.safe_open import open_regular

LOOKBACK_RESPONSES = 3
MAX_CHARS = 2000
MAX_TAIL_BYTES = 4 << 20


def of_responses(responses: list[list[str]]) -> str:
    """The last words, given the texts of the latest responses, latest first."""
    for texts in responses[:LOOKBACK_RESPONSES]:
        if texts:
            return "\n".join(texts)[-MAX_CHARS:]
    return ""


def from_transcript(transcript: str | os.PathLike) -> str:
    """The model's last words in this transcript; "" when there are none or it cannot be read."""
    try:
        fh = open_regular(transcript)  # a FIFO there must not hold the hook
    except OSError:
        return ""
    responses: list[list[str]] = []  # latest first; each response's texts in order
    ids: list[object] = []
    with fh:
        for line in lines_from_end(fh, os.fstat(fh.fileno()).st_size, MAX_TAIL_BYTES):
            head = line[:1000]
            if b'"assistant"' not in head and (b'"user"' not in head or b'"tool_result"' in head):
                continue  # neither a response nor a prompt (tool results are skipped unparsed: they are big)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message = entry.get("message") if isinstance(entry.get("message"), dict) else {}
            content = message.get("content")
            if entry.get("type") == "user":
                if _is_prompt(entry, content):
                    break
                continue
            if entry.get("type") != "assistant" or entry.get("isSidechain"):
                continue
            if not ids or message.get("id") != ids[-1]:
                if len(ids) == LOOKBACK_RESPONSES:
                    break
                ids.append(message.get("id"))
                responses.append([])
            if isinstance(content, list):  # lines come last first: a response's earlier texts go in front
                responses[-1][:0] = [b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text"
                                     and isinstance(b.get("text"), str)]
    return of_responses(responses)


def _is_prompt(entry: dict, content: object) -> bool:
    """A user line the user typed (not a tool result, not Claude Code's own meta line)."""
    if entry.get("isMeta") or entry.get("isCompactSummary"):
        return False
    if isinstance(content, str):
        return True
    return isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == "text" for b in content) \
        and not any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
