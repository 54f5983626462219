"""Reads for editing reach the model as Claude Code shows them, not as a summary it must fetch from.

A file the model is about to change, it quotes back exactly (Edit's old_string): a summary of it costs a
fetch before the edit. So a view of a file is left whole (not offloaded) when it fits the read cap and
config keep_whole_views says so for it, and it is source code or a document (summarize.source knows its
language: a log or a data file is read, not edited):
  - "partial": a Read with offset or limit, or `sed -n 'A,Bp' FILE` (the model picked the lines),
  - "edited": the session already changed that file (Edit, Write, MultiEdit, NotebookEdit, `sed -i`).
Views of other files (the first look at a big file, a document, a listing) are summarized as before.
A view is partial by what the model asked for: the hook reads the model's own input from the transcript
(`model_input`), since PreToolUse's bounded Read of a huge file adds a limit the model never chose. The
hook finds the session's edits in the transcript's tail (`edited_in`), the replay engine in the session's
blocks; both decide with `keeps_whole`. The default ("partial" only) is what the replay
benchmark measured best (docs/summaries.md).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable

from ctxlean.budget import lines_from_end
from ctxlean.safe_open import open_regular

EDIT_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")
_SED_IN_PLACE = re.compile(r"\bsed\s+(?:-\S*\s+)*-i\S*\s")
# A command that shows one file: a viewer of FILE, then filters that keep its lines (`nl -ba f | sed -n
# '10,80p'`, `cat f | head -200`). A line range (sed -n 'A,Bp', awk NR) makes it a partial view.
_SHOW = re.compile(r"^(?:cat|nl|bat|less|more|head|tail|sed\s+-n\s+\S+)(?:\s+-\S+(?:\s+\d+)?)*\s+([^\s|;&<>]+)$")
_FILTER = re.compile(r"^(?:(?:head|tail|nl|cat)(?:\s+-\S+(?:\s+\d+)?)*|sed\s+-n\s+\S+|awk\s+\S+|cut\s+.*)$")
_RANGE = re.compile(r"sed\s+-n\s+['\"]?\d+(?:,\$?\d*)?p|awk\s+['\"]?NR\s*[>=<]")
_EDIT_MARKS = tuple(b'"name":%s"%s"' % (space, name.encode()) for name in EDIT_TOOLS for space in (b"", b" "))
MAX_TAIL_BYTES = 16 << 20


def _absolute(path: str, cwd: str | None) -> str:
    return os.path.normpath(os.path.join(cwd or "", os.path.expanduser(path)))


def viewed(tool: str, tool_input: dict | None, cwd: str | None) -> tuple[str, bool] | None:
    """(file, partial) when the call shows a file's content: a Read, or cat / sed -n of one file."""
    tool_input = tool_input or {}
    if tool == "Read" and isinstance(tool_input.get("file_path"), str):
        partial = tool_input.get("offset") is not None or tool_input.get("limit") is not None
        return _absolute(tool_input["file_path"], cwd), partial
    command = tool_input.get("command") if tool == "Bash" else None
    shown = shown_file(command) if isinstance(command, str) else None
    return (_absolute(shown[0], cwd), shown[1]) if shown else None


def shown_file(command: str) -> tuple[str, bool] | None:
    """(file, partial) when a shell command prints (a part of) one file's lines, and nothing else."""
    if any(sep in command for sep in (";", "&&", "||", "`", "$(", ">", "\n")):
        return None
    first, *filters = (part.strip() for part in command.split("|"))
    shown = _SHOW.match(first)
    if shown is None or not all(_FILTER.match(f) for f in filters):
        return None
    return shown.group(1).strip("'\""), bool(_RANGE.search(command))


def edited(tool: str, tool_input: dict | None, cwd: str | None) -> str | None:
    """The file a call changes: an edit tool's file_path, or the file of `sed -i ... FILE`."""
    tool_input = tool_input or {}
    if tool in EDIT_TOOLS:
        path = tool_input.get("file_path") or tool_input.get("notebook_path")
        return _absolute(path, cwd) if isinstance(path, str) else None
    command = tool_input.get("command") if tool == "Bash" else None
    if isinstance(command, str) and _SED_IN_PLACE.search(command):
        try:
            words = shlex.split(command)
        except ValueError:
            return None
        return _absolute(words[-1], cwd) if words else None
    return None


def keeps_whole(tool: str, tool_input: dict | None, cwd: str | None, tokens: int, read_cap: int,
                kinds: tuple, edited_files: Callable[[], set[str]]) -> bool:
    """True when this output is a view of a file the model will likely edit or quote from, within the
    read cap, of one of `kinds` (config keep_whole_views): it reaches the model whole. edited_files()
    (asked only when it decides) gives the files the session changed so far."""
    view = viewed(tool, tool_input, cwd)
    if view is None or tokens > read_cap or not editable(view[0]):
        return False
    path, partial = view
    return ("partial" in kinds and partial) or ("edited" in kinds and path in edited_files())


def editable(path: str) -> bool:
    """A file one edits: source code or a document (not a log, a data file or a build output)."""
    from ctxlean.summarize.source import EXTENSIONS

    return os.path.splitext(path)[1].lower() in EXTENSIONS


def _tool_uses(transcript: str | os.PathLike, wanted: Callable[[bytes], bool]):
    """The tool_use blocks of the transcript's assistant lines (its last 16 MB, latest first) that
    `wanted(line)` lets through, read without blocking (a FIFO there must not hold the hook)."""
    try:
        fh = open_regular(transcript)
    except OSError:
        return
    with fh:
        for line in lines_from_end(fh, os.fstat(fh.fileno()).st_size, MAX_TAIL_BYTES):
            if b'"assistant"' not in line[:1000] or not wanted(line):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            content = (entry.get("message") or {}).get("content") if entry.get("type") == "assistant" else None
            for block in content if isinstance(content, list) else ():
                if isinstance(block, dict) and block.get("type") == "tool_use" and isinstance(block.get("input"),
                                                                                              dict):
                    yield block


def model_input(transcript: str | os.PathLike, tool_use_id: str) -> dict | None:
    """The input the model wrote for this call, from the transcript (PreToolUse may have rewritten the one
    the hooks see: ctxlean's own bounded Read adds a limit); None when the transcript does not have it."""
    needle = tool_use_id.encode()
    for block in _tool_uses(transcript, lambda line: needle in line):
        if block.get("id") == tool_use_id:
            return block["input"]
    return None


def edited_in(transcript: str | os.PathLike, cwd: str | None) -> set[str]:
    """The files the session's edit calls changed, from the transcript's tail (its last 16 MB)."""
    def may_edit(line: bytes) -> bool:
        return any(mark in line for mark in _EDIT_MARKS) or (b"sed " in line and b" -i" in line)

    found = (edited(str(block.get("name")), block["input"], cwd) for block in _tool_uses(transcript, may_edit))
    return {path for path in found if path}
