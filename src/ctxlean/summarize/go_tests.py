"""`go test` runs: package results, every `--- FAIL` test with its first message, panics, build errors."""

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
    matches_with_lines,
    plural,
    runs,
    seen,
)
from ctxlean.summarize.text import head_tail, split_lines

PROGRAM = lazy(r"go[ \t]+(?:test|vet)\b|gotestsum\b")
CONTENT = lazy(
    r"^=== RUN[ \t]+Test|^--- (?:FAIL|PASS|SKIP): Test|^(?:ok|FAIL)[ \t]+\S+[ \t]+(?:[\d.]+s|\(cached\))", re.M)
CONTENT_WORDS = ("=== RUN", "--- ", "ok  ", "FAIL")
PACKAGE = lazy(r"^(ok|FAIL|\?)[ \t]+(\S+)[ \t]+([^\n]*)$", re.M)
TEST = lazy(r"^( *)--- (FAIL|PASS|SKIP): (\S+) \(([\d.]+)s\)$", re.M)
PANIC = lazy(r"^panic: [^\n]*$", re.M)
BUILD_ERROR = lazy(r"^(?:\./)?[^\s:]+\.go:\d+:\d+: [^\n]*$", re.M)


def is_go_tests(payload: Payload) -> int:
    if runs(payload.command, PROGRAM):
        return BY_NAME
    return BY_CONTENT if seen(head(payload.text), CONTENT_WORDS, CONTENT) else 0


def summarize_go_tests(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    packages = matches_with_lines(PACKAGE, text)
    status = {"ok": 0, "FAIL": 0, "?": 0}
    for _, m in packages:
        status[m.group(1)] += 1
    tests = matches_with_lines(TEST, text)
    outcome = {"FAIL": 0, "PASS": 0, "SKIP": 0}
    for _, m in tests:
        outcome[m.group(2)] += 1
    if packages:
        line = (f"go test: packages {status['ok']} ok, {status['FAIL']} FAIL, {status['?']} without tests; "
                f"--- lines: {outcome['FAIL']} FAIL, {outcome['PASS']} PASS, {outcome['SKIP']} SKIP")
    else:
        line = (f"go test: no package result lines (cut short or interrupted?); --- lines: {outcome['FAIL']} FAIL, "
                f"{outcome['PASS']} PASS, {outcome['SKIP']} SKIP")
    body.add(line)
    failed_packages = [(n, m) for n, m in packages if m.group(1) == "FAIL"]
    body.add_all([clip(f"  L{n}: {m.group(0)}", 200) for n, m in failed_packages])

    failures = []
    for line_no, m in tests:
        if m.group(2) == "FAIL":
            message = _message(text, m)
            failures.append(clip(f"  {m.group(3)} (L{line_no})" + (f": {message}" if message else ""), 240))
    panics = matches_with_lines(PANIC, text)
    builds = matches_with_lines(BUILD_ERROR, text)
    if failures:
        body.add(f"failing tests ({len(failures)}):")
        body.add_all(failures, more='  ... {n} more (grep="--- FAIL")')
    if panics:
        body.add(f"panics ({len(panics)}):")
        body.add_all([clip(f"  L{n}: {m.group(0)}", 220) for n, m in panics[:5]], len(panics))
    if builds:
        body.add(f"build errors ({len(builds)}):")
        body.add_all([clip(f"  {m.group(0)}", 220) for _, m in builds],
                     more="  ... {n} more (" + grep_hint(r"\.go:\d+:\d+: ") + ")")

    first_fail = next((n for n, m in tests if m.group(2) == "FAIL"), None)
    if panics:
        hint = lines_hint(panics[0][0], panics[0][0] + 40)
    elif first_fail:
        hint = lines_hint(max(1, first_fail - 2), first_fail + 30)
    elif builds:
        hint = grep_hint(r"\.go:\d+:\d+: ")
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
        if not packages:
            body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))
    description = line if len(failures) == 0 else f"go test: {plural(len(failures), 'failing test')}, " \
        f"{status['FAIL']} FAIL packages"
    return Summary("go-test", body.text(), description, hint)


def _message(text: str, fail: re.Match) -> str:
    """The first indented message line a failing test printed: go -v prints them between the test's
    `=== RUN` line and its `--- FAIL` line (without -v, right after the `--- FAIL` line)."""
    name = fail.group(3)
    window = text[max(0, fail.start() - 20000):fail.start()]
    run_at = window.rfind(f"=== RUN   {name}\n")
    candidates = window[run_at:].split("\n")[1:] if run_at >= 0 else []
    candidates += text[fail.end() + 1:fail.end() + 2000].split("\n")[:8]
    for line in candidates:
        stripped = line.strip()
        if line.startswith("    ") and stripped and not stripped.startswith(("---", "===")):
            return stripped
    return ""
