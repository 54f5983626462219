"""Unified diffs and patches (git diff/show, diff -u, and the patches of git log -p): the files changed with
their +/- counts, then the changed lines themselves, hunk by hunk with its header and line number, as many
hunks as the budget holds: the smallest first, so the largest are the ones left to fetch_detail."""

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
    lines_hint,
    matches_at_line_starts,
    matches_with_lines,
    nbytes,
    plural,
    runs,
    seen,
)

PROGRAM = lazy(r"(?:git\s+(?:-C\s+\S+\s+)?(?:diff|show|format-patch|stash\s+show)|diff\s+-\S*[uU]|diff\s+-r)\b")
CONTENT = lazy(r"^diff --git |^--- \S[^\n]*\n\+\+\+ \S|^Index: \S", re.M)
CONTENT_WORDS = ("diff --git", "--- ", "Index: ")
FILE_GIT = lazy(r"^diff --git (?:\"?a/)?([^\n]*?)\"? (?:\"?b/)?([^\n\"]*)\"?$", re.M)
FILE_PLAIN = lazy(r"^--- (?:a/)?([^\t\n]*)[^\n]*\n\+\+\+ (?:b/)?([^\t\n]*)[^\n]*$", re.M)
HUNK = lazy(r"^@@ [^\n]*$", re.M)
COMMIT = lazy(r"^commit ([0-9a-f]{7,40})\b[^\n]*$", re.M)
MAX_HUNK_LINES = 2000  # a hunk's lines looked at for its changes
STAT_ROW = lazy(r"^ (\S[^\n]*?) +\| +(\d+|Bin [^\n]*?)(?: [+-]*)?$", re.M)  # the +/- bar is left out
STAT_TOTAL = lazy(r"^ *\d+ files? changed(?:, \d+ insertions?\(\+\))?(?:, \d+ deletions?\(-\))?$", re.M)
CHANGED_CHARS = 160
HUNK_LINE_STARTS = " +-\\"  # context, added, removed, "\\ No newline at end of file"


def is_diff(payload: Payload) -> int:
    if runs(payload.command, PROGRAM) or payload.file_path.endswith((".diff", ".patch")):
        return BY_NAME
    return BY_CONTENT if seen(head(payload.text), CONTENT_WORDS, CONTENT) else 0


def files_of(text: str) -> list[dict]:
    """One dict per changed file: name, line (of its header), added, removed, status, hunks."""
    starts = matches_at_line_starts(FILE_GIT, text, "diff --git ") or matches_with_lines(FILE_PLAIN, text)
    files = []
    for i, (line_no, m) in enumerate(starts):
        end = starts[i + 1][1].start() if i + 1 < len(starts) else len(text)
        files.append(_file(text, m, line_no, end))
    return files


def summarize_diff(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    commits = matches_at_line_starts(COMMIT, text, "commit ", limit=20)
    for line_no, m in commits[:3]:
        subject = _subject(text, m.end())
        body.add(clip(f"commit {m.group(1)[:12]} (L{line_no}): {subject}", 200))
    files = files_of(text)
    if not files:  # `git diff --stat`, `--name-only`, or no diff at all: never "0 files changed"
        return _without_patches(payload, budget_tokens, commits)
    top = changes(body, text, files)
    if len(files) > 1:
        hint = grep_hint(r"^(diff --git|@@ )")
    elif files:
        first = files[0]
        hint = lines_hint(first["line"], first["line"] + 120)
    else:
        hint = lines_hint(1, 200)
    return Summary("diff", body.text(), top, hint)


def _without_patches(payload: Payload, budget_tokens: int, commits: list) -> Summary:
    """A diff command's output that holds no patch: its --stat rows and totals line if it has them (quoted,
    never counted from headers that are not there), else the text summary."""
    from ctxlean.summarize.text import summarize_text

    text = payload.text
    totals = matches_with_lines(STAT_TOTAL, text)
    rows = matches_with_lines(STAT_ROW, text)
    if not totals and not rows:
        fallback = summarize_text(payload, budget_tokens)
        return Summary("diff", fallback.body, fallback.description, fallback.hint)
    body = Body(budget_tokens)
    for line_no, m in commits[:3]:
        body.add(clip(f"commit {m.group(1)[:12]} (L{line_no}): {_subject(text, m.end())}", 200))
    top = f"diff --stat: {totals[-1][1].group(0).strip()}" if totals else f"diff --stat: {plural(len(rows), 'file')}"
    body.add(clip(top, 200))
    for line_no, m in totals[:-1][-2:]:
        body.add(clip(f"  L{line_no}: {m.group(0).strip()}", 200))
    body.add_all([clip(f"  L{n}: {m.group(1).strip()} | {m.group(2)}", 200) for n, m in rows],
                 more="  ... {n} more files (" + grep_hint(r"\| +\d") + ")")
    return Summary("diff", body.text(), top, lines_hint(1, 200))


def changes(body: Body, text: str, files: list[dict]) -> str:
    """The diff's totals, its files with +/- counts, then changed lines hunk by hunk, into body; returns the
    totals line."""
    added = sum(f["added"] for f in files)
    removed = sum(f["removed"] for f in files)
    hunks = sum(len(f["hunks"]) for f in files)
    top = f"diff: {plural(len(files), 'file')} changed, +{added:,} -{removed:,} lines, {plural(hunks, 'hunk')}"
    body.add(top)
    if not files:
        body.add("no file headers found (not a unified diff?)")
        return top
    changed = [f"{f['name']}{f['status']}" for f in files if f["status"]]
    if changed and len(files) > 1:
        body.add(clip(f"added/deleted/renamed/binary ({len(changed)}): " + ", ".join(changed), 400))
    rows = [clip(f"  +{f['added']} -{f['removed']}  {f['name']}{f['status']} (L{f['line']}, "
                 f"{plural(len(f['hunks']), 'hunk')})", 200) for f in files]
    listing = sum(nbytes(row) + 1 for row in rows)
    # the file list first (up to 55% of the room), the rest for the changed lines
    hunk_room = max(int(body.room() * 0.45), body.room() - listing) if hunks else 0
    body.add_all(rows, more="  ... {n} more files (" + grep_hint("^diff --git") + ")", reserve=hunk_room)
    _changed_lines(body, text, files)
    return top


def _changed_lines(body: Body, text: str, files: list[dict]) -> None:
    """Whole hunks (header, then the +/- lines), smallest first while they fit, shown in diff order; the
    number of hunks left out at the end."""
    lines = text.split("\n")
    hunks = []  # (changed lines, order, header row, changed lines)
    for f in files:
        for n, header in f["hunks"]:
            changed = []
            for line in lines[n:n + MAX_HUNK_LINES]:  # n is 1-based: lines[n] is the line after the header
                if line and line[0] not in HUNK_LINE_STARTS:
                    break  # the hunk ended: the next header, a commit line (an empty line may be stripped context)
                if line[:1] in ("+", "-") and not line.startswith(("+++ ", "--- ")):
                    changed.append(line)
            hunks.append((len(changed), len(hunks), f"L{n} {f['name']}: {header}", changed))
    if not hunks or not body.add("changed lines, smallest hunks first:"):
        return
    room = body.room() - nbytes("  ... 999,999 more hunks") - 1
    chosen = []
    for _size, order, header, changed in sorted(hunks):
        rows = [clip("  " + line, CHANGED_CHARS) for line in changed]
        header = clip(header, 160)
        cost = sum(nbytes(row) + 1 for row in (header, *rows))
        if cost > room:
            if not chosen and room > 200:  # one hunk too big for the room: its start
                chosen.append((order, header, rows))
            break
        chosen.append((order, header, rows))
        room -= cost
    for _order, header, rows in sorted(chosen):
        body.add(header)
        body.add_all(rows, more="  ... {n} more changed lines in this hunk")
    shown = {order for order, _, _ in chosen}
    rest = [header for _, order, header, _ in sorted(hunks, key=lambda h: h[1]) if order not in shown]
    if rest and body.add("other hunks:", nbytes("  ... 999,999 more hunks") + 1):
        body.add_all(["  " + header for header in rest], more="  ... {n} more hunks")


def _file(text: str, m: re.Match, line_no: int, end: int) -> dict:
    section = text[m.start():end]
    first_hunk = section.find("\n@@")
    header = section if first_hunk < 0 else section[:first_hunk]
    changes = "" if first_hunk < 0 else section[first_hunk:]
    added = changes.count("\n+")
    removed = changes.count("\n-")
    status = ""
    if "\nnew file mode" in header:
        status = " (new)"
    elif "\ndeleted file mode" in header:
        status = " (deleted)"
    elif "\nrename from " in header:
        status = f" (renamed from {m.group(1)})"
    elif "Binary files" in header or "GIT binary patch" in header:
        status = " (binary)"
    hunks = [(line_no + n - 1, clip(h.group(0), 120)) for n, h in matches_at_line_starts(HUNK, section, "@@ ")]
    name = m.group(2) if m.group(2) != "/dev/null" else m.group(1)
    return {"name": name, "line": line_no, "added": added, "removed": removed, "status": status, "hunks": hunks}


def _subject(text: str, start: int) -> str:
    """The first message line after a `commit` header (git show / format-patch)."""
    for line in text[start:start + 2000].split("\n", 12)[1:12]:
        if line.startswith("    ") and line.strip():
            return line.strip()
        if line.startswith("Subject: "):
            return line[9:].strip()
    return ""
