"""One summary from every part of a payload that matters, under one budget.

The kind's own summarizer (registry.py) describes the payload as a whole: a test run's counts, a JSON
document's shape, a diff's files. What other detectors recognise in the same payload is added after it,
ranked by what a coding agent acts on: test failures, then errors, then the lines holding what the model
was looking for (summarize.asked), then a failing exit status (warnings are not added: a build's hundreds
of them are what hides the rest). A build log whose compiler
warnings are its bulk still shows the test that failed at its end; a summary of a grep for a name shows
the lines with that name. Findings the kind's summarizer already covers (a test runner's failures, a
compiler's diagnostics, a log's error levels) are left to it, and a line it shows already is not repeated.
When there is more to add, the kind's summary is cut to a smaller share of the budget (at least
1 - EXTRA_SHARE of it): summaries are written most important line first, so its last lines go; a kind
whose end must stay (REBUILT) is summarized again in the smaller budget. The fetch hint then points at
the most important finding.
"""

from __future__ import annotations

import re

from ctxlean.summarize import Payload, Summary, forms
from ctxlean.summarize.asked import asked_lines
from ctxlean.summarize.common import Body, clamp, clip, grep_hint, nbytes
from ctxlean.tokens import estimate_tokens

EXTRA_SHARE = 0.45
ASKED = "asked"  # the finding kind of a line matching what the model asked for
ORDER = (forms.FAILURE, forms.ERROR, ASKED, forms.EXIT)
PER_KIND = {forms.FAILURE: 12, forms.ERROR: 10, ASKED: 12, forms.EXIT: 2}
HEADINGS = {forms.FAILURE: "test failures", forms.ERROR: "errors", ASKED: "lines with what was asked for",
            forms.EXIT: "exit status"}
# What a kind's own summary already reports, so the composition does not add it again. A kind that is
# content rather than a program's run (a file, a listing, grep matches, a document) has none of these
# findings: its "error:" is a parameter name or prose.
# A test runner's summary reports its failures, errors and totals.
ALL_FORMS = forms.SERIOUS
COVERS = {**{kind: ALL_FORMS for kind in ("pytest", "unittest", "js-tests", "go-test", "cargo-test")},
          "diagnostics": {forms.ERROR}, "log": {forms.ERROR}, "traceback": {forms.ERROR},
          **{kind: ALL_FORMS for kind in ("source", "json", "grep", "listing", "table", "html", "diff", "git-log")},
          "binary": ALL_FORMS | {ASKED}}
# Kinds whose own summarizer never scans for all the forms (summarize.text.serious_lines does): the
# composition scans only for what they leave out. The others share one cached scan of every form.
SCANS_OWN = frozenset({"log", "traceback"})
# Kinds whose summary ends with something that must stay (a text's tail, a file's names): made again in
# the smaller budget instead of cut short.
REBUILT = frozenset({"source", "text", "diagnostics"})
LINE_CHARS = 200


def compose(payload: Payload, kind: str, summarizer, budget_tokens: int) -> Summary:
    """The kind's summary with what else the payload shows, within budget_tokens."""
    own = summarizer(payload, budget_tokens)
    findings = _findings(payload, kind)
    missing = [f for f in findings if not _shown(own.body, f)]
    if not missing:
        return own
    # room for every finding: a smaller summary may no longer show some it showed
    wanted = sum(estimate_tokens(_row(f)) + 1 for f in findings) + 8 * len(ORDER)
    extra_tokens = min(wanted, int(budget_tokens * EXTRA_SHARE))
    if kind in REBUILT:
        body = summarizer(payload, budget_tokens - extra_tokens).body
    else:
        body = clamp(own.body, budget_tokens - extra_tokens)  # its last lines are its least important ones
    missing = [f for f in findings if not _shown(body, f)]
    room = budget_tokens - estimate_tokens(body) - 1
    extra = _section(missing, room)
    if not extra:
        return own
    top = missing[0][2]
    return Summary(own.kind, body + "\n" + extra, own.description, _hint(top, payload, own.hint))


def _findings(payload: Payload, kind: str) -> list[tuple[int, str, str]]:
    """(line number, line, finding kind) of what the payload shows beyond its kind, in ORDER, each kind
    bounded, each line once."""
    covered = COVERS.get(kind, set())
    by_kind: dict[str, list[tuple[int, str, str]]] = {k: [] for k in ORDER}
    wanted = ALL_FORMS - covered
    if wanted:
        for number, line, found in forms.salient_lines(payload.text, wanted if kind in SCANS_OWN else forms.SERIOUS):
            if found in wanted:
                by_kind[found].append((number, line, found))
    if ASKED not in covered and payload.asked:
        lines, _terms = asked_lines(payload.text, payload.asked)
        by_kind[ASKED] = [(n, line, ASKED) for n, line, _ in lines]
    seen: set[int] = set()
    ordered = []
    for k in ORDER:
        rows = by_kind[k]
        if len(rows) > PER_KIND[k] and k != ASKED:  # the first and the last ones (a run's end has its totals)
            rows = rows[: PER_KIND[k] // 2] + rows[-(PER_KIND[k] - PER_KIND[k] // 2):]
        for row in rows[: PER_KIND[k]]:
            if row[0] not in seen:
                seen.add(row[0])
                ordered.append(row)
    return ordered


def _shown(body: str, finding: tuple[int, str, str]) -> bool:
    """The kind's summary already shows this line: by its number (`L12:`, `L12 `, `(L12)`) or its text."""
    number, line, kind = finding
    text = line.strip()[:60]
    if kind == ASKED:  # the line itself: an outline's `name L12` does not show what was asked about it
        return len(text) >= 12 and text in body
    mark = f"L{number}"
    at = body.find(mark)
    while at >= 0:
        after = body[at + len(mark):at + len(mark) + 1]
        if (at == 0 or not body[at - 1].isalnum()) and not after.isdigit():
            return True
        at = body.find(mark, at + 1)
    return len(text) >= 12 and text in body


def _row(finding: tuple[int, str, str]) -> str:
    return clip(f"  L{finding[0]}: {finding[1].strip()}", LINE_CHARS)


def _section(findings: list[tuple[int, str, str]], room_tokens: int) -> str:
    """The findings as headed groups in ORDER, as many rows as fit room_tokens."""
    body = Body(room_tokens)
    for k in ORDER:
        rows = [f for f in findings if f[2] == k]
        if not rows:
            continue
        heading = f"also: {HEADINGS[k]}:"
        first = _row(rows[0])
        if body.room() < nbytes(heading) + nbytes(first) + 2:
            break
        body.add(heading)
        for row in rows:
            if not body.add(_row(row)):
                break
    return body.text() if len(body.lines) > 1 else ""


def _hint(kind: str, payload: Payload, own_hint: str) -> str:
    """fetch_detail arguments for the most important finding: its kind's grep, or the asked-for terms."""
    if kind == ASKED:
        terms = [re.escape(t) for t in asked_lines(payload.text, payload.asked)[1]]
        pattern = ""
        for term in terms:
            candidate = f"{pattern}|{term}" if pattern else term
            if len(grep_hint(candidate)) > 48:
                break
            pattern = candidate
        return grep_hint(pattern) if pattern else own_hint
    if kind in (forms.FAILURE, forms.ERROR):
        return grep_hint(forms.GREP[kind])
    return own_hint
