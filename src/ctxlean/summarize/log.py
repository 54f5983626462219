"""Logs: level counts, time span, the first and last ERROR/FATAL lines with their line numbers, and repeats
folded into one line with a count."""

from __future__ import annotations

import re

from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    count_lines,
    grep_hint,
    head,
    lines_hint,
    plural,
    runs,
)
from ctxlean.summarize.text import split_lines

LEVELS = r"(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|SEVERE|PANIC|EMERG|ALERT)\b"
SERIOUS = ("ERROR", "ERR", "FATAL", "CRIT", "CRITICAL", "SEVERE", "PANIC", "EMERG", "ALERT")
# where the level sits: the n-th whitespace-separated field (learned from the head), or a key=value / JSON key
POSITIONAL = [re.compile(r"^(?:\S+\s+){%d}[\[(<|]?" % k + LEVELS, re.M) for k in range(6)]
KEYED = [re.compile(r"\blevel=\"?(\w+)", re.M), re.compile(r"\"(?:level|severity|lvl)\": ?\"(\w+)\"", re.M)]
TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|"
    r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?|\b[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\b")
PROGRAM = re.compile(r"(?:journalctl|docker\s+(?:compose\s+)?logs|kubectl\s+logs|podman\s+logs|"
                     r"(?:cat|tail|head|less|zcat)\s+(?:-\S+\s+)*\S+\.log\b)")
VARIABLE = re.compile(r"\d+|0x[0-9a-f]+|[0-9a-f]{8,}")


def is_log(payload: Payload) -> int:
    if runs(payload.command, PROGRAM) or payload.file_path.endswith((".log", ".log.1")):
        return BY_NAME
    sample = [line for line in head(payload.text).split("\n")[:40] if line.strip()]
    if len(sample) < 5:
        return 0
    stamped = sum(1 for line in sample if TIMESTAMP.search(line[:40]))
    leveled = stamped >= 0.6 * len(sample) or _level_pattern("\n".join(sample), 0.6) is not None
    return BY_CONTENT if leveled else 0


def _level_pattern(sample: str, share: float) -> re.Pattern | None:
    """The level pattern that finds a level on at least `share` of the sample's lines, if any."""
    lines = max(1, sum(1 for line in sample.split("\n") if line.strip()))
    best, best_count = None, 0
    for pattern in KEYED + POSITIONAL:
        n = len(pattern.findall(sample))
        if n > best_count:
            best, best_count = pattern, n
    return best if best_count >= share * lines else None


def summarize_log(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    n_lines = count_lines(text)
    pattern = _level_pattern(head(text, 16384), 0.3)
    levels: dict[str, int] = {}
    serious: list[tuple[int, str]] = []
    if pattern is not None:
        for level in pattern.findall(text):
            level = level.upper()
            levels[level] = levels.get(level, 0) + 1
        serious = _serious_lines(text, pattern)
    stamps = _span(text)
    span = f", {stamps[0]} .. {stamps[1]}" if stamps else ""
    if levels:
        counts = ", ".join(f"{name} {n:,}" for name, n in sorted(levels.items(), key=lambda kv: -kv[1]))
        body.add(clip(f"log: {plural(n_lines, 'line')}{span}; levels: {counts}", 300))
    else:
        body.add(clip(f"log: {plural(n_lines, 'line')}{span}; no level field recognised", 300))
    description = body.lines[0]

    if serious:
        groups = _fold(serious)
        body.add(f"ERROR/FATAL-level lines: {len(serious):,} ({len(groups):,} distinct after folding numbers/ids)")
        ordered = groups[:4] + sorted(groups[4:], key=lambda g: -g[0])[:4] if len(groups) > 8 else groups
        lines = []
        for count, first, last, line in ordered:
            where = f"L{first}" if count == 1 else f"x{count:,} L{first}..L{last}"
            lines.append(clip(f"  {where}: {line.strip()}", 230))
        body.add_all(lines, len(groups), more="  ... {n} more distinct")
        last_line, last_text = serious[-1]
        if all(last_line != g[2] for g in ordered):
            body.add(clip(f"  last: L{last_line}: {last_text.strip()}", 230))
        hint = grep_hint("|".join(sorted({lvl for lvl in levels if lvl in SERIOUS})) or "ERROR")
    else:
        hint = lines_hint(max(1, n_lines - 80), n_lines)
    tail_lines = split_lines(text[-2000:])[-3:]
    if tail_lines and body.add("last lines:"):
        body.add_all([clip(f"  L{n_lines - len(tail_lines) + 1 + i}: {line}", 200)
                      for i, line in enumerate(tail_lines)])
    return Summary("log", body.text(), description, hint)


def _serious_lines(text: str, pattern: re.Pattern) -> list[tuple[int, str]]:
    """(line number, line) of every line whose level is ERROR-like."""
    found = []
    line_no, pos = 1, 0
    for match in pattern.finditer(text):
        if match.group(1).upper() not in SERIOUS:
            continue
        start = text.rfind("\n", 0, match.start(1)) + 1
        line_no += text.count("\n", pos, start)
        pos = start
        end = text.find("\n", start)
        found.append((line_no, text[start:end if end >= 0 else len(text)]))
    return found


def _fold(lines: list[tuple[int, str]]) -> list[tuple[int, int, int, str]]:
    """(count, first line, last line, first text) per template: the line minus its timestamp, with numbers
    and ids masked; in order of first appearance."""
    groups: dict[str, list] = {}
    for line_no, line in lines:
        key = VARIABLE.sub("#", TIMESTAMP.sub("", line, count=1))
        group = groups.get(key)
        if group is None:
            groups[key] = [1, line_no, line_no, line]
        else:
            group[0] += 1
            group[2] = line_no
    return [tuple(g) for g in groups.values()]


def _span(text: str) -> tuple[str, str] | None:
    first = TIMESTAMP.search(text[:4096])
    if not first:
        return None
    last = None
    for last in TIMESTAMP.finditer(text[-4096:]):
        pass
    return first.group(0), (last.group(0) if last else first.group(0))
