"""SessionStart: tell the user what is wrong with ctxlean's config; after a compaction or a resume, give the
model back the index of its live handles.

The hooks fail open on a config they cannot use (the session goes on, nothing is offloaded), so the first
place the user hears of it is here: one `systemMessage` per problem, naming the file and the fix.
After a compaction the summary may have dropped a handle despite the PreCompact instruction; the index,
added as SessionStart additional context, names them all again with their descriptions.
"""

from __future__ import annotations

from ctxlean import config
from ctxlean.paths import StoreLocationError, project_of, store_location

INDEX_SOURCES = ("compact", "resume")


def handle(event: dict) -> dict | None:
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    answer: dict = {}
    if problems := setup_problems(project):
        answer["systemMessage"] = "\n".join(problems)
    session_id = event.get("session_id")
    if event.get("source") in INDEX_SOURCES and isinstance(session_id, str):
        agent_id = event.get("agent_id") if isinstance(event.get("agent_id"), str) else None
        if index := _index(project, session_id, agent_id):
            answer["hookSpecificOutput"] = {"hookEventName": "SessionStart", "additionalContext": index}
    return answer or None


def _index(project: str, session_id: str, agent_id: str | None) -> str | None:
    """The live-handle index, None on any failure (logged): the user's systemMessage must still go out."""
    from ctxlean.live_handles import handle_index, live_handles

    try:
        return handle_index(live_handles(project, session_id, agent_id))
    except Exception as exc:
        from ctxlean.errorlog import log_error

        log_error("session-start: the live handle index could not be built", exc)
        return None


def setup_problems(project: str) -> list[str]:
    """The config's problems (config.problems) and an unusable store setting, one line each, for the user."""
    problems = config.problems(project)
    try:
        store_location()
    except StoreLocationError as exc:
        problems.append(f"ctxlean is off: {exc}")
    return problems
