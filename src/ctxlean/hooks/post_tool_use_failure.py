"""PostToolUseFailure: give the model what Claude Code cut from a failing Bash command's output.

Claude Code shows a failing command's output cut (at most its first 30,000 characters, as the first and
last 5,000 of those) and this event may only add `additionalContext`, never replace the output. When
PreToolUse wrapped the command (ctxlean.capture), the whole output is in a capture file: it is stored with
the offload core, and the model gets a summary of all of it (the failures at the end included) with the
handle to fetch any part. An output Claude Code showed whole gets nothing.

This adds tokens, it saves none: the model has Claude Code's part of the output anyway. The ledger row
says so (original_tokens 0, summary_tokens the summary's); it is there for the handle's sake (the live
handle index that survives compaction reads the ledger).

Without a capture (the command was not wrapped), a short note is added only when the output reached
Claude Code's 30,000-character cap, because then the visible "end" is not the end of the output.
"""

from __future__ import annotations

import os

from ctxlean import budget, capture, config
from ctxlean.capture import TRUNCATED, reached_cap, shown_output
from ctxlean.paths import project_of
from ctxlean.safe_open import open_regular
from ctxlean.tool_output import ToolOutput


def seen_whole(path: str, shown: str) -> bool:
    """True when the model got the whole captured output (Claude Code trims only trailing whitespace)."""
    if TRUNCATED.search(shown):
        return False
    limit = len(shown.encode("utf-8", "surrogatepass")) + 4096
    with open_regular(path) as fh:
        data = fh.read(limit + 1)
    return len(data) <= limit and data.decode("utf-8", "replace").rstrip() == shown.rstrip()


def handle(event: dict) -> dict | None:
    if event.get("tool_name") != "Bash" or event.get("is_interrupt"):
        capture.discard(event.get("tool_use_id"))
        return None
    path = capture.capture_path(event.get("tool_use_id"))
    shown = shown_output(event.get("error"))
    try:
        if path and os.path.isfile(path):
            text = None if seen_whole(path, shown) else summary_of(event, path)
        else:
            text = cap_note() if reached_cap(shown) else None
    finally:
        capture.discard(event.get("tool_use_id"))
    return {"hookSpecificOutput": {"hookEventName": "PostToolUseFailure", "additionalContext": text}} if text else None


def summary_of(event: dict, path: str) -> str:
    """Store the captured output; the summary with its handle, for the model."""
    from ctxlean import last_words
    from ctxlean.offload import offload

    cwd = event.get("cwd") if isinstance(event.get("cwd"), str) else None
    project = project_of(cwd)
    cfg = config.load(project)
    transcript = budget.transcript_for(event)
    use = budget.context_use(transcript) if transcript else None
    fill = use.tokens / cfg.context_budget_tokens if use else 0.0
    output = ToolOutput("", lambda summary: summary, full_path=path)  # nothing to replace: only added to
    done = offload(output, tool="Bash", tool_input=capture.original_input(event.get("tool_input")),
                   project=project, cfg=budget.tightened(cfg, "Bash", fill), session_id=event.get("session_id"),
                   agent_id=event.get("agent_id"), kept_out=False,
                   words=last_words.from_transcript(transcript) if transcript else "")
    return done.text


def cap_note() -> str:
    return ("[ctxlean] This failing command printed more than the 30,000 characters Claude Code keeps: what "
            "follows its \"characters truncated\" line is not the end of the output, and the end (where test "
            "runners and compilers report failures) is gone. To see it, run the command again with its output "
            "in a file and read the file's tail.")
