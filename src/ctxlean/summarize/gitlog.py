"""git log: how many commits, the date range, authors with counts, the newest and the oldest commits."""

from __future__ import annotations

import re

from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    grep_hint,
    head,
    matches_at_line_starts,
    matches_with_lines,
    plural,
    runs,
)
from ctxlean.summarize.diff import COMMIT, files_of

PROGRAM = re.compile(r"git\s+(?:-C\s+\S+\s+)?(?:log|reflog|shortlog|whatchanged)\b")
ONELINE = re.compile(r"^(?:[*|\\/ ]+)?([0-9a-f]{7,40}) ([^\n]*)$", re.M)
AUTHOR = re.compile(r"^Author:\s*([^<\n]*?)\s*(?:<[^>\n]*>)?\s*$", re.M)
DATE = re.compile(r"^(?:Author)?Date:\s*([^\n]*?)\s*$", re.M)


def is_git_log(payload: Payload) -> int:
    if runs(payload.command, PROGRAM):
        return BY_NAME
    sample = head(payload.text)
    return BY_CONTENT if COMMIT.match(sample) and "\nAuthor:" in sample else 0


def summarize_git_log(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    commits = matches_at_line_starts(COMMIT, text, "commit ")
    if not commits:
        return _oneline(payload, budget_tokens)
    body = Body(budget_tokens)
    authors: dict[str, int] = {}
    for name in AUTHOR.findall(text):
        authors[name] = authors.get(name, 0) + 1
    dates = DATE.findall(text)
    merges = text.count("\nMerge: ")
    top = f"git log: {plural(len(commits), 'commit')}"
    if dates:
        top += f", {dates[-1]} .. {dates[0]}"
    body.add(top)
    ranked = sorted(authors.items(), key=lambda kv: (-kv[1], kv[0]))
    body.add(clip(f"authors ({len(ranked)}): " + ", ".join(f"{a} {n}" for a, n in ranked[:8])
                  + (" ..." if len(ranked) > 8 else ""), 300))
    if merges:
        body.add(f"merge commits: {merges:,}")
    if "\ndiff --git " in text:
        files = files_of(text)
        body.add(f"patches: {plural(len(files), 'file diff')}, +{sum(f['added'] for f in files):,} "
                 f"-{sum(f['removed'] for f in files):,} lines")
    rows = []
    for line_no, m in commits:
        rows.append(clip(f"  L{line_no} {m.group(1)[:10]} {_subject(text, m.end())}", 140))
    body.add("commits, newest first:")
    _newest_and_oldest(body, rows, "  ... {n} more (" + grep_hint("^commit ") + ")")
    first = commits[0][0]
    return Summary("git-log", body.text(), top, f'lines="{first}-{first + 40}"')


def _subject(text: str, start: int) -> str:
    for line in text[start:start + 4000].split("\n", 15)[1:15]:
        if line.startswith("    ") and line.strip():
            return line.strip()
    return ""


def _oneline(payload: Payload, budget_tokens: int) -> Summary:
    """git log --oneline (or --graph): one commit per line."""
    from ctxlean.summarize.text import summarize_text

    rows = matches_with_lines(ONELINE, payload.text)
    if not rows:
        fallback = summarize_text(payload, budget_tokens)
        return Summary("git-log", fallback.body, fallback.description, fallback.hint)
    body = Body(budget_tokens)
    top = f"git log: {plural(len(rows), 'commit')} (one line each)"
    body.add(top)
    _newest_and_oldest(body, [clip(f"  L{n}: {m.group(0).strip()}", 140) for n, m in rows], "  ... {n} more")
    return Summary("git-log", body.text(), top, f'lines="1-{min(len(rows), 200)}"')


def _newest_and_oldest(body: Body, rows: list[str], more: str) -> None:
    """As many rows from the top as fit, then always the last (the oldest commit)."""
    if len(rows) <= 2:
        body.add_all(rows)
        return
    oldest = "  oldest: " + rows[-1].strip()
    body.add_all(rows[:-1], more=more, reserve=len(oldest.encode("utf-8", "surrogatepass")) + 1)
    body.add(oldest)
