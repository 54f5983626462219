"""PreCompact: tell the compaction to keep every live handle with its one-line description.

Claude Code joins each PreCompact hook's plain-text stdout into the compaction's custom instructions, so
the summary that replaces the conversation still names the handles and fetch_detail keeps working.
"""

from __future__ import annotations

from ctxlean.live_handles import keep_instructions, live_handles
from ctxlean.paths import project_of


def handle(event: dict) -> str | None:
    session_id = event.get("session_id")
    if not isinstance(session_id, str):
        return None
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    agent_id = event.get("agent_id") if isinstance(event.get("agent_id"), str) else None
    return keep_instructions(live_handles(project, session_id, agent_id)) or None
