"""SessionStart (sources compact and resume): give the model back the index of its live handles.

After a compaction the summary may have dropped a handle despite the PreCompact instruction; the index,
added as SessionStart additional context, names them all again with their descriptions.
"""

from __future__ import annotations

from ctxlean.live_handles import handle_index, live_handles
from ctxlean.paths import project_of

SOURCES = ("compact", "resume")


def handle(event: dict) -> dict | None:
    session_id = event.get("session_id")
    if event.get("source") not in SOURCES or not isinstance(session_id, str):
        return None
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    agent_id = event.get("agent_id") if isinstance(event.get("agent_id"), str) else None
    index = handle_index(live_handles(project, session_id, agent_id))
    if not index:
        return None
    return {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": index}}
