"""grep results (grep -rn, rg, git grep, the Grep tool): matches per file and the first matches."""

from __future__ import annotations

import re
from collections import Counter

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import BY_CONTENT, BY_NAME, Body, clip, grep_hint, head, mostly, plural, runs
from ctxlean.summarize.listing import common_dir
from ctxlean.summarize.text import split_lines

PROGRAM = lazy(r"(?:grep|egrep|fgrep|rg|ag|ack|git\s+grep)\b")
MATCH = lazy(r"^([^\n:]+?)[:-](\d+)[:-]", re.M)  # path:line: (a match) or path-line- (context)
HIT = lazy(r"^([^\n:]+?):(\d+):([^\n]*)$", re.M)
PATH_HIT = lazy(r"[^\s:]*[./][^\s:]*:\d+[:-]")  # content detection: a path-like name, not a timestamp
NUMBERED = lazy(r"^()(\d+):([^\n]*)$", re.M)  # grep -n on a single file: no path
NUMBERED_ANY = lazy(r"^\d+[:-]")  # ... its matches ("N:") and context lines (-A/-B/-C: "N-")
UNNUMBERED = lazy(r"^([^\s:][^\n:]*\.\w+)():([^\n]*)$", re.M)  # grep -r without -n


def is_grep(payload: Payload) -> int:
    if payload.tool == "Grep" or runs(payload.command, PROGRAM):
        return BY_NAME
    sample = head(payload.text)
    if sample.count(":") < 10:
        return 0
    lines = [line for line in sample.split("\n")[:40] if line.strip()]
    return BY_CONTENT if len(lines) >= 5 and mostly(lines, PATH_HIT.match, 0.8) else 0


def summarize_grep(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    hits = _single_file_hits(text) or HIT.findall(text) or NUMBERED.findall(text) or UNNUMBERED.findall(text)
    if not hits:  # files-with-matches or count mode: one path (or path:count) per line
        return _files_only(payload, budget_tokens)
    per_file = Counter(path for path, _, _ in hits)
    prefix = common_dir(list(per_file))
    cut = len(prefix)
    body = Body(budget_tokens)
    pattern = str((payload.tool_input or {}).get("pattern", ""))
    top = f"grep: {plural(len(hits), 'match', 'matches')} in {plural(len(per_file), 'file')}" + \
        (f" under {prefix}" if prefix else "") + (f" for {pattern!r}" if pattern else "")
    body.add(clip(top, 240))
    ranked = per_file.most_common()  # ties keep the order grep printed them in
    if len(ranked) > 1:
        body.add("per file (most matches first):")
        body.add_all([clip(f"  {n:>5,}  {path[cut:] or path}", 160) for path, n in ranked[:15]], len(ranked),
                     more="  ... {n} more files")
    body.add("first matches:")
    rows = [clip(f"  {':'.join(filter(None, (path[cut:], line)))}: {content.strip()}", 200)
            for path, line, content in hits[:40]]
    body.add_all(rows, len(hits), more="  ... {n} more matches")
    hint = grep_hint(re.escape(ranked[0][0][cut:])[-40:] + ":") if len(ranked) > 1 else 'lines="1-200"'
    return Summary("grep", body.text(), top, hint)


def _single_file_hits(text: str) -> list[tuple[str, str, str]]:
    """The matches of `grep -n` on one file, whose lines carry no path, so a match with a colon in its text
    ("6180:2026-03-14T13:07:00Z ERROR ...") must not be read as path:line. Empty for other output."""
    lines = [line for line in text.split("\n", 400)[:400] if line.strip() and line != "--"]
    if not lines or sum(1 for line in lines if NUMBERED_ANY.match(line)) < 0.9 * len(lines):
        return []
    return NUMBERED.findall(text)


def _files_only(payload: Payload, budget_tokens: int) -> Summary:
    from ctxlean.summarize.listing import summarize_listing

    lines = [line for line in split_lines(payload.text) if line.strip()]
    counts = [line.rsplit(":", 1) for line in lines]
    if counts and all(len(c) == 2 and c[1].strip().isdigit() for c in counts):
        body = Body(budget_tokens)
        total = sum(int(c[1]) for c in counts)
        top = f"grep counts: {plural(total, 'match', 'matches')} in {plural(len(counts), 'file')}"
        body.add(top)
        ranked = sorted(counts, key=lambda c: -int(c[1]))
        body.add_all([clip(f"  {int(c[1]):>5,}  {c[0]}", 160) for c in ranked], more="  ... {n} more files")
        return Summary("grep", body.text(), top, 'lines="1-300"')
    listing = summarize_listing(payload, budget_tokens, label="files with matches")
    return Summary("grep", listing.body, listing.description, listing.hint)
