"""JavaScript test runs (jest, vitest, node --test): the result lines, failing suites and tests, first errors."""

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
    matches_on_lines,
    matches_with_lines,
    runs,
    seen,
    tail,
)
from ctxlean.summarize.text import head_tail, split_lines

PROGRAM = lazy(r"(?:jest|vitest|mocha|ava|tap)\b|node[ \t]+(?:\S+[ \t]+)*--test\b|(?:npm|pnpm|yarn|bun)[ \t]+"
                     r"(?:run[ \t]+)?test\b")
CONTENT_WORDS = ("PASS", "FAIL", "✓", "✗", "×", "❯", "Test", "# tests", "# pass", "# fail", "TAP version", "ℹ ")
CONTENT = lazy(
    r"^[ \t]*(?:PASS|FAIL)[ \t]+\S+\.(?:[cm]?[jt]sx?)\b|^[ \t]*(?:✓|✗|×|❯)[ \t]+\S+\.(?:test|spec)\.[cm]?[jt]sx?|"
    r"^(?:Test Suites|Tests):[ \t]+\d+|^[ \t]*Test Files[ \t]+\d+|^# (?:tests|pass|fail) \d+$|^TAP version \d+$", re.M)
RESULT = lazy(
    r"^(?:Test Suites|Tests|Snapshots):[^\n]*$|^ *(?:Test Files|Tests) {2,}\d[^\n]*$|^# (?:tests|suites|pass|fail|"
    r"cancelled|skipped|todo) \d+$|^ℹ (?:tests|pass|fail|skipped) \d+$", re.M)
FAIL_SUITE = lazy(r"^[ \t]*FAIL[ \t]+(\S+)(?: > ([^\n]*))?$", re.M)
JEST_BULLET = lazy(r"^ {2}● (?!Console$)([^\n]+)$", re.M)
VITEST_CROSS = lazy(r"^[ \t]+(?:×|✗|✖) ([^\n]+?)(?: \d+(?:\.\d+)?m?s)?$", re.M)
TAP_NOT_OK = lazy(r"^[ \t]*not ok \d+ - ([^\n]+)$", re.M)
SPEC_CROSS = lazy(r"^✖ (?!failing tests:)([^\n]+?)(?: \([\d.]+m?s\))?$", re.M)  # node --test spec reporter
# The literal every line a failure pattern matches holds: each pattern is tried on those lines only.
FAILURE_LITERALS = {JEST_BULLET: ("  ● ",), FAIL_SUITE: ("FAIL",), VITEST_CROSS: ("×", "✗", "✖"),
                    TAP_NOT_OK: ("not ok ",), SPEC_CROSS: ("✖ ",)}
ERROR_LINE = lazy(
    r"^[ \t]*(?:expect\(|Expected|Received|\w*Error\b|→ |error: )[^\n]*$", re.M)
AT_FRAME = lazy(r"\(?((?:[^\s():]+/)?[^\s():/]+\.[cm]?[jt]sx?):(\d+):\d+\)?")


def is_js_tests(payload: Payload) -> int:
    if runs(payload.command, PROGRAM):
        return BY_NAME
    sample, end = head(payload.text), tail(payload.text, 1024)
    return BY_CONTENT if seen(sample, CONTENT_WORDS, CONTENT) or seen(end, CONTENT_WORDS, RESULT) else 0


def _runner(text: str) -> str:
    if "Test Files " in text or "⎯⎯" in text:
        return "vitest"
    if "Test Suites:" in text or "  ● " in text:
        return "jest"
    if "# pass " in text or "ℹ pass " in text or "not ok " in text:
        return "node --test"
    return "js tests"


def summarize_js_tests(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    runner = _runner(text)
    body = Body(budget_tokens)
    results = matches_with_lines(RESULT, text)
    if results:
        first_line = results[0][0]
        block = [m for n, m in results if n >= results[-1][0] - 12]  # the closing block of result lines
        joined = "; ".join(" ".join(m.group(0).split()) for m in block[:8])
        body.add(clip(f"{runner}: {joined} (L{first_line})", 300))
        description = f"{runner}: {joined}"
    else:
        body.add(f"{runner}: no closing result lines in the output (cut short or interrupted?)")
        description = f"{runner}, no result line"

    suites = list(dict.fromkeys(m.group(1) for _, m in matches_with_lines(FAIL_SUITE, text)))
    if suites:
        body.add(f"failing files ({len(suites)}): " + ", ".join(suites[:8]) + (" ..." if len(suites) > 8 else ""))
    failures = _failures(text)
    if failures:
        body.add(f"failing tests ({len(failures)}):")
        body.add_all([clip(f"  {line}", 260) for line in failures])
    if failures or suites:
        first = _first_failure_line(text)
        hint = lines_hint(first, first + 60) if first else grep_hint(r"FAIL|●|not ok")
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
        if not results:
            body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))
    return Summary(runner.split()[0] if runner != "js tests" else "js-tests", body.text(), description, hint)


def _failures(text: str) -> list[str]:
    """One line per failing test: name, where, first error line, with the payload line number."""
    bullets = _failure_matches(JEST_BULLET, text)
    if not bullets:
        bullets = _failure_matches(FAIL_SUITE, text)
        bullets = [(n, m) for n, m in bullets if m.group(2)]
    if not bullets:
        bullets = (_failure_matches(VITEST_CROSS, text) or _failure_matches(TAP_NOT_OK, text)
                   or _first_each(_failure_matches(SPEC_CROSS, text)))
    found = []
    for i, (line_no, match) in enumerate(bullets):
        stop = bullets[i + 1][1].start() if i + 1 < len(bullets) else min(len(text), match.end() + 4000)
        block = text[match.end():stop]
        name = match.group(0).strip() if match.re is not SPEC_CROSS else f"✖ {match.group(1)}"
        error = ERROR_LINE.search(block)
        frame = AT_FRAME.search(block)
        where = f" ({frame.group(1)}:{frame.group(2)})" if frame else ""
        detail = ""
        if error:
            error_line = line_no + block.count("\n", 0, error.start())
            detail = f" L{error_line}: {error.group(0).strip()}"
        found.append(f"{name}{where}{detail or f' L{line_no}'}")
    return list(dict.fromkeys(found))


def _failure_matches(pattern: re.Pattern, text: str, limit: int | None = None) -> list[tuple[int, re.Match]]:
    return matches_on_lines(pattern, text, lines_containing(text, FAILURE_LITERALS[pattern]), limit)


def _first_failure_line(text: str) -> int:
    for pattern in (JEST_BULLET, FAIL_SUITE, VITEST_CROSS, TAP_NOT_OK, SPEC_CROSS):
        found = _failure_matches(pattern, text, limit=1)
        if found:
            return found[0][0]
    return 0


def _first_each(found: list[tuple[int, re.Match]]) -> list[tuple[int, re.Match]]:
    """The first of each repeated name (node's spec reporter lists failures twice)."""
    seen: dict[str, tuple[int, re.Match]] = {}
    for line_no, match in found:
        seen.setdefault(match.group(1), (line_no, match))
    return list(seen.values())
