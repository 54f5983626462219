"""How often a user's sessions used each tool and skill, from Claude Code's transcripts.

A tool is used when the model called it (an assistant tool_use block with its name, main agent or
subagent). A skill is used when the model invoked it (a Skill tool_use with input.skill == its name) or
the user typed it (a user message holding `<command-name>/name</command-name>`). Lines are found with
byte searches first (ctxlean.usage.transcripts.scan_records), so only the few lines that can matter are
parsed; a block or command copied into a resumed session's transcript is counted once (by id).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ctxlean.lean.catalog import SKILL, TOOL
from ctxlean.usage.records import parse_ts
from ctxlean.usage.transcripts import TranscriptFile, find_transcripts, scan_records, stderr_progress

_COMMAND = re.compile(r"<command-name>/?([^<\s]+)</command-name>")
_COMMAND_MARK = b"<command-name>/"


@dataclass
class Uses:
    counts: Counter  # (TOOL or SKILL, name) -> uses
    sessions: int  # main-agent sessions read
    files: int  # transcript files read (main and subagent)

    def of(self, kind: str, name: str) -> int:
        return self.counts[(kind, name)]


def in_window(files: Iterable[TranscriptFile], since: float) -> list[TranscriptFile]:
    """The transcripts written to since `since` (epoch seconds): older files cannot hold a use in the window."""
    kept = []
    for tf in files:
        try:
            if tf.path.stat().st_mtime >= since:
                kept.append(tf)
        except OSError:
            continue
    return kept


def count_uses(
    files: list[TranscriptFile],
    tools: Iterable[str],
    since: float,
    progress: Callable[[int, int], None] | None = None,
) -> Uses:
    """Uses of `tools` (by name) and of every skill, in lines timestamped at or after `since`."""
    tools = frozenset(tools) | {"Skill"}
    # `"name":"X","input":` is how a tool_use block is serialized; tool definitions (in request-shape
    # lines) have "description" after the name and are never matched.
    marks = tuple(b'"name":"%s","input":' % name.encode() for name in sorted(tools)) + (_COMMAND_MARK,)
    counts: Counter = Counter()
    seen: set[str] = set()
    for i, tf in enumerate(files):
        for rec in scan_records(tf.path, marks):
            ts = parse_ts(rec.get("timestamp"))
            if ts and ts < since:  # a use of unknown time counts: hiding a used item is the worse error
                continue
            for key, uid in _uses_in(rec, tools):
                if uid is None or uid not in seen:
                    counts[key] += 1
                    if uid is not None:
                        seen.add(uid)
        if progress:
            progress(i + 1, len(files))
    sessions = len({tf.session_id for tf in files if tf.agent_id is None})
    return Uses(counts, sessions, len(files))


def _uses_in(rec: dict, tools: frozenset[str]) -> list[tuple[tuple[str, str], str | None]]:
    """((kind, name), id for de-duplication) of each use in one transcript line."""
    msg = rec.get("message")
    if not isinstance(msg, dict):
        return []
    content = msg.get("content")
    found = []
    if rec.get("type") == "assistant" and isinstance(content, list):
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "tool_use" or block.get("name") not in tools:
                continue
            uid = block.get("id") if isinstance(block.get("id"), str) else None
            if block["name"] == "Skill":
                skill = (block.get("input") or {}).get("skill")
                if isinstance(skill, str) and skill:
                    found.append(((SKILL, skill.lstrip("/")), uid))
            else:
                found.append(((TOOL, block["name"]), uid))
    elif rec.get("type") == "user" and not rec.get("isMeta"):
        texts = [content] if isinstance(content, str) else [
            b.get("text") for b in content or () if isinstance(b, dict) and b.get("type") == "text"
        ]
        uid = rec.get("uuid") if isinstance(rec.get("uuid"), str) else None
        for text in texts:
            if isinstance(text, str):
                found.extend(((SKILL, name), uid) for name in _COMMAND.findall(text)[:1])
    return found


def read_recent(days: int, tools: frozenset[str]) -> Uses:
    """Uses in every project's transcripts of the last `days` days."""
    since = time.time() - days * 86400
    files = in_window(find_transcripts(), since)
    return count_uses(files, tools, since, progress=stderr_progress(len(files)))
