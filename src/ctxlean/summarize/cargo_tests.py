"""`cargo test` runs: every `test result:` line, failing tests with their panic message, compile errors."""

from __future__ import annotations

import re

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary, diagnostics
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    grep_hint,
    head,
    lines_hint,
    matches_with_lines,
    runs,
    seen,
)
from ctxlean.summarize.text import head_tail, split_lines

PROGRAM = lazy(r"cargo\s+(?:\+\S+\s+)?(?:test|t|nextest)\b")
CONTENT = lazy(r"^running \d+ tests?$|^test \S+ \.\.\. (?:ok|FAILED|ignored)$", re.M)
CONTENT_WORDS = ("running ", "test ")
RESULT = lazy(r"^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed;[^\n]*$", re.M)
TEST = lazy(r"^test (\S+) \.\.\. (ok|FAILED|ignored)\b", re.M)
PANIC = lazy(r"^thread '([^'\n]+)'(?: \(\d+\))? panicked at ([^\n]*?):?\n([^\n]*)$", re.M)
RERUN = lazy(r"^error: (?:test failed|\d+ targets? failed)[^\n]*$", re.M)


def is_cargo_tests(payload: Payload) -> int:
    if runs(payload.command, PROGRAM):
        return BY_NAME
    return BY_CONTENT if seen(head(payload.text), CONTENT_WORDS, CONTENT) else 0


def summarize_cargo_tests(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    results = matches_with_lines(RESULT, text)
    passed = sum(int(m.group(2)) for _, m in results)
    failed = sum(int(m.group(3)) for _, m in results)
    if results:
        body.add(f"cargo test: {len(results)} test binaries, {passed} passed, {failed} failed in all")
        failing = [(n, m) for n, m in results if m.group(1) == "FAILED"]
        body.add_all([clip(f"  L{n}: {m.group(0)}", 220) for n, m in (failing or results[-1:])])
        description = f"cargo test: {passed} passed, {failed} failed"
    else:
        body.add("cargo test: no `test result:` line in the output (did not compile, or cut short?)")
        description = "cargo test, no result line"
    for n, m in matches_with_lines(RERUN, text)[:2]:
        body.add(clip(f"L{n}: {m.group(0)}", 200))

    panics = {m.group(1): (n, m) for n, m in matches_with_lines(PANIC, text)}
    failures = []
    for n, m in matches_with_lines(TEST, text):
        if m.group(2) != "FAILED":
            continue
        panic = panics.get(m.group(1))
        # the panic message is on the line after `thread '...' panicked at file:line:col:`
        detail = f" panicked at {panic[1].group(2)} L{panic[0] + 1}: {panic[1].group(3).strip()}" if panic else ""
        failures.append(clip(f"  {m.group(1)} (L{n}){detail}", 260))
    if failures:
        body.add(f"failing tests ({len(failures)}):")
        body.add_all(failures, more="  ... {n} more (" + grep_hint(r"\.\.\. FAILED") + ")")

    compile_errors = [d for d in diagnostics.parse(text) if d.rank == 0]
    if compile_errors:
        body.add(f"compile errors ({len(compile_errors)}):")
        body.add_all([d.text for d in compile_errors], more='  ... {n} more (grep="^error")')

    if panics:
        first = min(n for n, _ in panics.values())
        hint = lines_hint(first, first + 30)
    elif failures:
        hint = grep_hint(r"\.\.\. FAILED|panicked at")
    elif compile_errors:
        hint = lines_hint(compile_errors[0].at, compile_errors[0].at + 20)
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
        if not results:
            body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))
    return Summary("cargo-test", body.text(), description, hint)
