"""git log: how many commits, the date range, authors with counts, the newest and the oldest commits; with
patches (git log -p), the changed lines too (summarize.diff)."""

from __future__ import annotations

import re

from ctxlean.lazy_re import lazy
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
from ctxlean.summarize.diff import COMMIT, changes, files_of

PROGRAM = lazy(r"git\s+(?:-C\s+\S+\s+)?(?:log|reflog|shortlog|whatchanged)\b")
ONELINE = lazy(r"^(?:[*|\\/ ]+)?([0-9a-f]{7,40}) ([^\n]*)$", re.M)
AUTHOR = lazy(r"^Author:\s*([^<\n]*?)\s*(?:<[^>\n]*>)?\s*$", re.M)
DATE = lazy(r"^(?:Author)?Date:\s*([^\n]*?)\s*$", re.M)


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
    patches = "\ndiff --git " in text
    rows = []
    for line_no, m in commits:
        rows.append(clip(f"  L{line_no} {m.group(1)[:10]} {_subject(text, m.end())}", 140))
    body.add("commits, newest first:")
    # with patches (git log -p) the changed lines are what the model came for: the commits get a third
    commit_room = body.room() * 2 // 3 if patches else 0
    _newest_and_oldest(body, rows, "  ... {n} more (" + grep_hint("^commit ") + ")", reserve=commit_room)
    if patches:
        changes(body, text, files_of(text))
    first = commits[0][0]
    hint = grep_hint(r"^(commit |diff --git|@@ )") if patches else f'lines="{first}-{first + 40}"'
    return Summary("git-log", body.text(), top, hint)


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


def _newest_and_oldest(body: Body, rows: list[str], more: str, reserve: int = 0) -> None:
    """As many rows from the top as fit (leaving `reserve` bytes), then always the last (the oldest)."""
    if len(rows) <= 2:
        body.add_all(rows, reserve=reserve)
        return
    oldest = "  oldest: " + rows[-1].strip()
    body.add_all(rows[:-1], more=more, reserve=len(oldest.encode("utf-8", "surrogatepass")) + 1 + reserve)
    body.add(oldest)
