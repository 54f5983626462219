"""Logs: level counts, time span, the first and last ERROR/FATAL lines with their line numbers, and repeats
folded into one line with a count."""

from __future__ import annotations

import re
from collections import Counter

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary, forms
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    LineIndex,
    clip,
    count_lines,
    grep_hint,
    head,
    lines_hint,
    mostly,
    nbytes,
    plural,
    runs,
)
from ctxlean.summarize.text import serious_lines, split_lines
from ctxlean.summarize.traceback import python_trace

LEVELS = r"(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|SEVERE|PANIC|EMERG|ALERT)\b"
SERIOUS_LEVELS = r"(ERROR|ERR|FATAL|CRIT(?:ICAL)?|SEVERE|PANIC|EMERG|ALERT)\b"
LEVEL_WORDS = ("INFO", "ERROR", "WARN", "DEBUG", "TRACE", "FATAL", "CRIT", "NOTICE", "SEVERE", "level", "severity")
SERIOUS = ("ERROR", "ERR", "FATAL", "CRIT", "CRITICAL", "SEVERE", "PANIC", "EMERG", "ALERT")
# Where the level sits, learned from the head: the n-th whitespace-separated field, or a key=value / JSON
# key. Each layout is (pattern for any level, pattern for ERROR-like levels only). The any-level patterns
# run over "\n" + text (see _levels): a field-position one starts with "\n" where it means "line start".
LAYOUTS = [(lazy(r"level=\"?(\w+)", re.M),
            lazy(r"level=\"?(?i:(error|err|fatal|crit|critical|panic|emerg|alert))\b", re.M)),
           (lazy(r"\"(?:level|severity|lvl)\": ?\"(\w+)\"", re.M),
            lazy(r"\"(?:level|severity|lvl)\": ?\"(?i:(error|err|fatal|crit|critical|panic|emerg|alert))\"",
                       re.M))]
LAYOUTS += [(lazy(rf"\n(?:\S+\s+){{{k}}}[\[(<|]?" + LEVELS),
             lazy(rf"^(?:\S+\s+){{{k}}}[\[(<|]?" + SERIOUS_LEVELS, re.M)) for k in range(6)]
ACCESS = lazy(r'^\S+ \S+ \S+ \[[^\]\n]+\] "[^"\n]*" (\d)\d\d ', re.M)
ACCESS_5XX = lazy(r'\] "[^"\n]*" 5\d\d ')
TIMESTAMP = lazy(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|"
    r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?|\b[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\b")
PROGRAM = lazy(r"(?:journalctl|docker\s+(?:compose\s+)?logs|kubectl\s+logs|podman\s+logs|"
                     r"(?:cat|tail|head|less|zcat|grep)\s+(?:-\S+(?:\s+\d+)?\s+)*\S*(?:\.log\b|/var/log/))")
# hex ids (request ids, hashes: "req-61228e88") as one token, then any other number
VARIABLE = lazy(r"0x[0-9a-f]+|\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b|\d+")


def is_log(payload: Payload) -> int:
    if runs(payload.command, PROGRAM) or payload.file_path.endswith((".log", ".log.1")):
        return BY_NAME
    sample = [line for line in head(payload.text).split("\n")[:40] if line.strip()]
    if len(sample) < 5:
        return 0
    # every timestamp format has a ':' (hh:mm): a line without one in its first 40 chars needs no regex
    if mostly(sample, lambda line: ":" in line[:40] and TIMESTAMP.search(line, 0, 40), 0.6):
        return BY_CONTENT
    joined = "\n".join(sample)
    if not any(word in joined for word in LEVEL_WORDS):
        return 0
    return BY_CONTENT if _layout(joined, 0.6) is not None else 0


def _layout(sample: str, share: float) -> tuple[re.Pattern, re.Pattern] | None:
    """The layout whose level pattern finds a level on at least `share` of the sample's lines, if any."""
    lines = max(1, sum(1 for line in sample.split("\n") if line.strip()))
    best, best_count = None, 0
    for layout in LAYOUTS:
        n = len(_levels(layout[0], sample))
        if n > best_count:
            best, best_count = layout, n
    return best if best_count >= share * lines else None


def _levels(pattern: re.Pattern, text: str) -> list[str]:
    """The levels a LAYOUTS level pattern finds in text. Run over "\n" + text, a pattern led by "\n" finds
    what the same pattern led by ^ (re.M) would, several times faster (the engine skips ahead to each
    newline instead of trying ^ at every offset). Same matches: each ends in a level word, never just
    after a newline, so no match swallows the newline the next one starts with."""
    return pattern.findall("\n" + text)


def summarize_log(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    n_lines = count_lines(text)
    sample = head(text, 8192)
    levels: dict[str, int] = {}
    if len(ACCESS.findall(sample)) >= 0.6 * max(1, sample.count("\n")):
        levels = {f"{digit}xx": n for digit, n in sorted(Counter(ACCESS.findall(text)).items())}
        serious = _lines_at(text, (m.start() for m in ACCESS_5XX.finditer(text)))
        what, grep = "HTTP 5xx lines", r'" 5\d\d '
    elif (layout := _layout(sample, 0.3)) is not None:
        raw = Counter(_levels(layout[0], text))
        for level, n in raw.items():
            levels[level.upper()] = levels.get(level.upper(), 0) + n
        spellings = [level for level in raw if level.upper() in SERIOUS]
        serious = _lines_at(text, _serious_offsets(text, spellings, layout[1])) if spellings else []
        what, grep = "ERROR/FATAL-level lines", "|".join(sorted(spellings)) or "ERROR"
    else:
        serious = serious_lines(text)
        what, grep = "failure and error lines", forms.GREP[forms.ERROR]
    stamps = _span(text)
    span = f", {stamps[0]} .. {stamps[1]}" if stamps else ""
    if levels:
        counts = ", ".join(f"{name} {n:,}" for name, n in sorted(levels.items(), key=lambda kv: (-kv[1], kv[0])))
        description = clip(f"log: {plural(n_lines, 'line')}{span}; levels: {counts}", 300)
    else:
        description = clip(f"log: {plural(n_lines, 'line')}{span}; no level field recognised", 300)
    body.add(description)
    traces = text.count("Traceback (most recent call last):")
    if traces:
        found = python_trace(text)
        if found:
            body.add(clip(f"Python tracebacks: {traces:,}; last raised L{found[2]}: {found[1]}", 240))

    if serious:
        groups = _fold(serious)
        body.add(f"{what}: {len(serious):,} ({len(groups):,} distinct after folding numbers/ids)")
        ordered = groups[:4] + sorted(groups[4:], key=lambda g: -g[0])[:4] if len(groups) > 8 else groups
        last_line, last_text = serious[-1]
        last = clip(f"  last: L{last_line}: {last_text.strip()}", 230)
        shows_last = any(last_line == g[1] for g in ordered)  # its own text is on show
        lines = []
        for count, first, final, line in ordered:
            repeats = "" if count == 1 else f"x{count:,} (last L{final}) "
            lines.append(clip(f"  {repeats}L{first}: {line.strip()}", 230))
        body.add_all(lines, len(groups), more="  ... {n} more distinct",
                     reserve=0 if shows_last else nbytes(last) + 1)
        if not shows_last:
            body.add(last)
        hint = grep_hint(grep)
    else:
        hint = lines_hint(max(1, n_lines - 80), n_lines)
    tail_lines = split_lines(text[-2000:])[-3:]
    if tail_lines and body.add("last lines:"):
        body.add_all([clip(f"  L{n_lines - len(tail_lines) + 1 + i}: {line}", 200)
                      for i, line in enumerate(tail_lines)])
    return Summary("log", body.text(), description, hint)


def _serious_offsets(text: str, spellings: list[str], pattern: re.Pattern) -> list[int]:
    """Start offsets of the lines whose level is one of spellings: each spelling found with str.find
    (far faster than a regex pass over every line), then its line checked against the layout's pattern."""
    starts = set()
    for word in spellings:
        at = text.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if start not in starts:
                end = text.find("\n", at)
                match = pattern.search(text, start, end if end >= 0 else len(text))
                if match and match.start(1) == at:
                    starts.add(start)
            at = text.find(word, at + len(word))
    return sorted(starts)


def _lines_at(text: str, offsets) -> list[tuple[int, str]]:
    """(line number, line) of the lines holding the given increasing offsets, each line once."""
    index = LineIndex(text)
    found = []
    last_start = -1
    for offset in offsets:
        start = text.rfind("\n", 0, offset) + 1
        if start == last_start:
            continue
        last_start = start
        end = text.find("\n", start)
        found.append((index.at(start), text[start:end if end >= 0 else len(text)]))
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
    return first.group(0), _last_timestamp(text[-4096:]) or first.group(0)


def _last_timestamp(window: str) -> str | None:
    """The last timestamp in window, looked for line by line from the end (no timestamp spans lines, so
    this finds what a scan of the whole window would, usually after one short line)."""
    for line in reversed(window.split("\n")):
        stamps = TIMESTAMP.findall(line)
        if stamps:
            return stamps[-1]
    return None
