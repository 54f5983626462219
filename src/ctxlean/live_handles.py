"""Handles that must survive a compaction: the compaction's keep-instruction and the index re-injected after it.

A handle is live for an agent when that agent offloaded it in this session (the store's ledger says so) and
the store still holds its payload. Both texts list them with their one-line descriptions, last offloaded
first, and stay under MAX_CHARS (Claude Code cuts each PreCompact hook's text at 10,000 characters).
"""

from __future__ import annotations

from ctxlean.store import PayloadInfo

MAX_CHARS = 6_000
MAX_HANDLES = 40
MORE = "- ... and older handles: list_details() shows them"


def live_handles(project: str, session_id: str, agent_id: str | None = None, store=None) -> list[PayloadInfo]:
    """This agent's live handles in this session, last offloaded first: MAX_HANDLES, plus one if there are
    more (the texts below then point to list_details for the rest)."""
    if store is not None:
        return store.session_handles(store.scope(project), session_id, agent_id, MAX_HANDLES + 1)
    from ctxlean.store import open_store

    with open_store() as own:
        return own.session_handles(own.scope(project), session_id, agent_id, MAX_HANDLES + 1)


def _size(info: PayloadInfo) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if info.size >= scale:
            return f"{info.size / scale:.1f} {unit}"
    return f"{info.size} bytes"


def _rows(handles: list[PayloadInfo], room: int) -> str:
    rows: list[str] = []
    used = 0
    for i, info in enumerate(handles):
        row = f"- {info.handle} ({info.tool}, {_size(info)}, {info.lines:,} lines): {info.description}"
        if i == MAX_HANDLES or used + len(row) + 1 > room - len(MORE):
            rows.append(MORE)
            break
        rows.append(row)
        used += len(row) + 1
    return "\n".join(rows)


def keep_instructions(handles: list[PayloadInfo]) -> str:
    """The compaction instruction that keeps every live handle ('' when there are none)."""
    if not handles:
        return ""
    head = ("ctxlean: big tool outputs of this session are stored out of band behind handles (ctx_ and 16 hex "
            "digits). Keep every handle below in the summary, verbatim, each with its description, so the work "
            "can go on with fetch_detail(handle) after the compaction:")
    return head + "\n" + _rows(handles, MAX_CHARS - len(head))


def handle_index(handles: list[PayloadInfo]) -> str:
    """The index of live handles given back to the model after a compaction or resume ('' when none)."""
    if not handles:
        return ""
    head = ("[ctxlean] Tool outputs stored out of band earlier in this session; read any part with "
            'fetch_detail(handle, lines="A-B" | grep="REGEX"):')
    return head + "\n" + _rows(handles, MAX_CHARS - len(head))
