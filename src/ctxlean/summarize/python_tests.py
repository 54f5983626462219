"""pytest and unittest runs: the runner's own result line, every failing test, each failure's first error."""

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
    lines_containing,
    lines_hint,
    matches_at_line_starts,
    matches_on_lines,
    matches_with_lines,
    plural,
    runs,
    seen,
    tail,
)
from ctxlean.summarize.text import head_tail, split_lines

PYTEST_WORDS = ("test session starts", "collected ", "::", "%]", "FAILURES", "ERRORS", "short test summary")
UNITTEST_WORDS = ("FAIL: ", "ERROR: ", "Ran ", " ... ")
PYTEST_PROGRAM = lazy(r"(?:pytest|py\.test|tox|nox)\b")
PYTEST_CONTENT = lazy(
    r"^=+ test session starts =+$|^collected \d+ items?|^[.FEsxX]+\s+\[\s*\d+%\]$|"
    r"^\S+::\S+ (?:PASSED|FAILED|ERROR|SKIPPED)|^=+ (?:FAILURES|ERRORS|short test summary info) =+$", re.M)
RESULT = lazy(  # pytest's closing line, with or without the ==== frame (-q)
    r"^=+ ((?:\d+ \w+|no tests ran)[^=\n]* in [\d.]+s[^=\n]*) =+\s*$|"
    r"^((?:\d+ (?:failed|passed|skipped|errors?|xfailed|xpassed|deselected|warnings?|rerun)(?:, )?)+"
    r" in [\d.]+s(?: \([\d:.]+\))?)\s*$", re.M)
COUNT = lazy(r"(\d+) (failed|passed|skipped|errors?|xfailed|xpassed|deselected|warnings?|rerun)")
# A test id is path::name, then parameters in brackets that may hold spaces ("test_slug[Q1 Report]").
TEST_ID = r"[^\s\[]+(?:\[[^\n]*?\])?"
SHORT = lazy(rf"^(FAILED|ERROR) ({TEST_ID})(?: - ([^\n]*))?$", re.M)
VERBOSE_FAIL = lazy(rf"^(\S+::{TEST_ID}) (FAILED|ERROR)\b", re.M)
SECTION_BANNER = lazy(r"^=+ ([A-Za-z][^=\n]*?) =+\s*$", re.M)
TEST_HEADER = lazy(r"^_{3,} (.+?) _{3,}$", re.M)
E_LINE = lazy(r"^E +\S[^\n]*$", re.M)
LOCATION = lazy(r"^([^\s:][^\n:]*):(\d+): (?:in )?(\w+)$", re.M)  # --tb=long: ": Error"; short: ": in fn"
INTERRUPTED = lazy(r"^(?:!+ )?(Interrupted: [^\n!]*?)(?: !+)?$", re.M)


def is_pytest(payload: Payload) -> int:
    if runs(payload.command, PYTEST_PROGRAM):
        return BY_NAME
    sample = head(payload.text)
    if seen(sample, PYTEST_WORDS, PYTEST_CONTENT):
        return BY_CONTENT
    end = tail(payload.text, 512)
    return BY_CONTENT if seen(end, (" in ",), RESULT) else 0


def summarize_pytest(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    results = matches_on_lines(RESULT, text, lines_containing(text, (" in ",)))  # "... in 0.12s"
    short = matches_at_line_starts(SHORT, text, ("FAILED ", "ERROR "))
    summary_lines = bool(short)  # the short test summary's lines, else the verbose run's
    if not short and "::" in text and (" FAILED" in text or " ERROR" in text):  # literals it needs: cheap
        short = matches_with_lines(VERBOSE_FAIL, text)
    failures = _failure_sections(text)
    interrupted = matches_with_lines(INTERRUPTED, text) if "Interrupted: " in text else []

    if results:
        line_no, match = results[-1]
        result = (match.group(1) or match.group(2)).strip()
        body.add(f"pytest: {result} (L{line_no})")
        counts = {word.rstrip("s") if word != "passed" else word: int(n) for n, word in COUNT.findall(result)}
        description = f"pytest: {result}"
    else:
        counts = {}
        seen = f"{plural(len(short), 'FAILED/ERROR line')} seen" if short else "no FAILED/ERROR lines seen"
        body.add(f"pytest: no closing result line in the output (cut short or interrupted?); {seen}")
        description = f"pytest, no result line; {seen}"
    for line_no, match in interrupted[-1:]:
        body.add(f"{match.group(1)} (L{line_no})")

    if summary_lines:
        names = [f"{m.group(1)} {m.group(2)}" + (f" - {m.group(3)}" if m.group(3) else "") for _, m in short]
    else:
        names = [f"{m.group(2)} {m.group(1)}" for _, m in short]
    names = list(dict.fromkeys(names))
    if names:
        body.add(f"failing ({len(names)}):")
        body.add_all([clip("  " + name, 200) for name in names],
                     more="  ... {n} more (" + grep_hint(r"^(FAILED|ERROR) ") + ")")
    if failures:
        body.add("first error of each failure:")
        body.add_all([clip(f"  {f.describe()}", 240) for f in failures])

    if failures:
        first = failures[0]
        hint = lines_hint(first.line, min(first.end, first.line + 79))
    elif names:
        hint = grep_hint(r"^(FAILED|ERROR) ")
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
    if not names and not failures and not counts.get("passed") and not results:
        body.add("output:")
        body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))
    return Summary("pytest", body.text(), description, hint)


class Failure:
    """One failure section: `____ name ____` and its first `E` line and location line."""

    def __init__(self, name: str, line: int, end: int, error: tuple[int, str] | None,
                 location: str | None):
        self.name, self.line, self.end, self.error, self.location = name, line, end, error, location

    def describe(self) -> str:
        where = f" ({self.location})" if self.location else ""
        if self.error:
            return f"{self.name}{where} L{self.error[0]}: {self.error[1].strip()}"
        return f"{self.name}{where} L{self.line}"


def _failure_sections(text: str) -> list[Failure]:
    """The sections under pytest's FAILURES and ERRORS banners, in order."""
    banners = matches_at_line_starts(SECTION_BANNER, text, "=")
    regions = []
    for i, (line_no, match) in enumerate(banners):
        if match.group(1).strip() in ("FAILURES", "ERRORS"):
            end = banners[i + 1][1].start() if i + 1 < len(banners) else len(text)
            regions.append((line_no, match.end(), end))
    failures = []
    for base_line, start, end in regions:
        region = text[start:end]
        headers = matches_at_line_starts(TEST_HEADER, region, "___")
        for j, (rel_line, match) in enumerate(headers):
            stop = headers[j + 1][1].start() if j + 1 < len(headers) else len(region)
            section = region[match.end():stop]
            line_no = base_line + rel_line - 1
            error = E_LINE.search(section)
            error_at = None
            if error:
                error_at = (line_no + section.count("\n", 0, error.start()), clip(error.group(0), 200))
            locations = LOCATION.findall(section)
            location = f"{locations[-1][0]}:{locations[-1][1]}" if locations else None
            end_line = line_no + section.count("\n")
            failures.append(Failure(match.group(1), line_no, end_line, error_at, location))
    return failures


UNITTEST_PROGRAM = lazy(r"unittest\b|(?:python\S*\s+)?\S*(?:manage|setup)\.py\s+test\b")
UNITTEST_HEADER = lazy(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([^)\n]+)\)", re.M)
UNITTEST_RAN = lazy(r"^Ran (\d+) tests? in [\d.]+s\s*\n\s*\n?(OK|FAILED)\b([^\n]*)$", re.M)
UNITTEST_CONTENT = lazy(r"^(?:FAIL|ERROR): \w+ \(|^Ran \d+ tests? in |^\w+ \([\w.]+\) \.\.\. (?:ok|FAIL|ERROR)",
                              re.M)
SEPARATOR = lazy(r"^(?:={40,}|-{40,})$", re.M)


def is_unittest(payload: Payload) -> int:
    if runs(payload.command, UNITTEST_PROGRAM):
        return BY_NAME
    sample, end = head(payload.text), tail(payload.text, 512)
    found = seen(sample, UNITTEST_WORDS, UNITTEST_CONTENT) or seen(end, ("Ran ",), UNITTEST_RAN)
    return BY_CONTENT if found else 0


def summarize_unittest(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    ran = matches_with_lines(UNITTEST_RAN, text)
    if ran:
        line_no, match = ran[-1]
        status = f"Ran {match.group(1)} tests; {match.group(2)}{match.group(3)}".rstrip()
        body.add(f"unittest: {status} (L{line_no})")
        description = f"unittest: {status}"
    else:
        body.add("unittest: no closing 'Ran N tests' line in the output (cut short or interrupted?)")
        description = "unittest, no result line"
    failures = []
    headers = matches_with_lines(UNITTEST_HEADER, text)
    for i, (line_no, match) in enumerate(headers):
        stop = headers[i + 1][1].start() if i + 1 < len(headers) else len(text)
        block = text[match.end():stop]
        separators = [m for m in SEPARATOR.finditer(block)]
        # the traceback runs from the dashed line after the header to the next separator
        last = separators[1].start() if len(separators) > 1 else len(block)
        first = separators[0].end() if separators else 0
        lines = [line for line in block[first:last].split("\n") if line.strip()]
        error = clip(lines[-1].strip(), 200) if lines else ""
        failures.append(f"  {match.group(1)}: {match.group(2)} ({match.group(3)}) (L{line_no}) {error}")
    if failures:
        body.add(f"failing ({len(failures)}):")
        body.add_all([clip(f, 260) for f in failures])
        hint = lines_hint(headers[0][0], headers[0][0] + 60)
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
        if not ran:
            body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))
    return Summary("unittest", body.text(), description, hint)
