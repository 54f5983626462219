"""PreToolUse: steer a call that would blow the context budget, keep what a failing command prints, and
answer a WebFetch without its page-reading model call (ctxlean.web_fetch).

A Read without a limit of a text file bigger than the read cap (ctxlean.budget.limits_at: it tightens as
the context fills) is rewritten to read only the lines that fit the cap, and the model is told how to read
the rest. A Bash command that runs a test runner, build or checker (config capture_commands) gets a prefix
that keeps its whole output if it fails (ctxlean.capture); the command itself runs unchanged, and a
successful one leaves nothing behind. Both answers give `updatedInput` without a permissionDecision:
Claude Code applies the rewrite and its own permission rules still decide (an "allow" would grant calls
the user never allowed).
"""

from __future__ import annotations

import os

from ctxlean import budget, capture, config
from ctxlean.paths import project_of
from ctxlean.safe_open import open_regular
from ctxlean.tokens import BYTES_PER_TOKEN, tokens_for_bytes

SAMPLE_BYTES = 64 << 10  # the start of the file, to learn its bytes per line
LINE_NUMBER_BYTES = 7  # Read prefixes every line with its number and a tab
MAX_READ_LINES = 2000  # Read's own default page: a bounded read never asks for more


def bounded_read(tool_input: dict, cwd: str | None, cap_tokens: int) -> tuple[dict, str] | None:
    """(rewritten input, note for the model) when this Read would bring more than cap_tokens, else None."""
    path = tool_input.get("file_path")
    if not isinstance(path, str) or tool_input.get("limit") is not None:
        return None
    path = os.path.join(cwd or "", os.path.expanduser(path))
    try:
        with open_regular(path) as fh:
            info = os.fstat(fh.fileno())
            if tokens_for_bytes(info.st_size) <= cap_tokens:
                return None
            sample = fh.read(SAMPLE_BYTES)
    except OSError:
        return None  # Read itself will tell the model what is wrong
    if b"\0" in sample:
        return None  # images, PDFs and other binaries: Read has its own ways with them
    bytes_per_line = len(sample) / max(sample.count(b"\n"), 1)
    limit = max(1, min(MAX_READ_LINES, int(cap_tokens * BYTES_PER_TOKEN / (bytes_per_line + LINE_NUMBER_BYTES))))
    start = int(tool_input.get("offset") or 1)
    total_lines = round(info.st_size / bytes_per_line)
    note = (f"[ctxlean] {tool_input['file_path']} has {info.st_size:,} bytes (~{tokens_for_bytes(info.st_size):,} "
            f"tokens, about {total_lines:,} lines), more than the context budget allows in one Read: this Read "
            f"was limited to lines {start:,}-{start + limit - 1:,}. Read on with offset={start + limit} "
            f"limit={limit}, or use Grep to find the part you need.")
    return {**tool_input, "limit": limit}, note


def handle(event: dict) -> dict | None:
    tool_input = event.get("tool_input")
    tool = event.get("tool_name")
    if tool not in ("Read", "Bash", "WebFetch") or not isinstance(tool_input, dict):
        return None
    cwd = event.get("cwd") if isinstance(event.get("cwd"), str) else None
    if tool == "WebFetch":
        from ctxlean import web_fetch

        return web_fetch.handle(event, tool_input, cwd)
    cfg = config.load(project_of(cwd))
    if tool == "Bash":
        kept = cfg.capture_failures and capture.rewrite(tool_input, event.get("tool_use_id"),
                                                         event.get("permission_mode"), cfg.capture_commands)
        return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": kept}} if kept else None
    transcript = budget.transcript_for(event)
    use = budget.context_use(transcript) if transcript else None
    fill = use.tokens / cfg.context_budget_tokens if use else 0.0
    steered = bounded_read(tool_input, cwd, budget.limits_at(fill, cfg.for_tool("Read")).read_max_tokens)
    if steered is None:
        return None
    new_input, note = steered
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": new_input,
                                   "additionalContext": note}}
