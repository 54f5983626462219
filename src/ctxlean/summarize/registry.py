"""Every summarizer, in the order kinds are tried: (kind, detect, summarize).

detect(payload) -> 0 | BY_CONTENT | BY_NAME must be cheap (the command, the tool, the file name, and the
first or last few KB of text). The strongest answer wins and, between equals, the earlier entry: a
command that names its program (`pytest`, `git diff`, `grep`) beats content that merely looks like a
kind. `text` at the end matches everything.
"""

from __future__ import annotations

from collections.abc import Callable

from ctxlean.summarize import (
    Payload,
    Summary,
    cargo_tests,
    diagnostics,
    diff,
    gitlog,
    go_tests,
    grep,
    html_page,
    js_tests,
    jsondata,
    listing,
    log,
    python_tests,
    source,
    table,
    text,
    traceback,
)
from ctxlean.summarize.common import BY_NAME

Detector = Callable[[Payload], int]
Summarizer = Callable[[Payload, int], Summary]

SUMMARIZERS: list[tuple[str, Detector, Summarizer]] = [
    ("binary", text.is_binary, text.summarize_binary),
    ("pytest", python_tests.is_pytest, python_tests.summarize_pytest),
    ("unittest", python_tests.is_unittest, python_tests.summarize_unittest),
    ("js-tests", js_tests.is_js_tests, js_tests.summarize_js_tests),
    ("go-test", go_tests.is_go_tests, go_tests.summarize_go_tests),
    ("cargo-test", cargo_tests.is_cargo_tests, cargo_tests.summarize_cargo_tests),
    ("diagnostics", diagnostics.is_diagnostics, diagnostics.summarize_diagnostics),
    ("git-log", gitlog.is_git_log, gitlog.summarize_git_log),
    ("diff", diff.is_diff, diff.summarize_diff),
    ("grep", grep.is_grep, grep.summarize_grep),
    ("listing", listing.is_listing, listing.summarize_listing),
    ("source", source.is_source, source.summarize_source),
    ("json", jsondata.is_json, jsondata.summarize_json),
    ("html", html_page.is_html, html_page.summarize_html),
    ("log", log.is_log, log.summarize_log),
    ("traceback", traceback.is_traceback, traceback.summarize_traceback),
    ("table", table.is_table, table.summarize_table),
    ("text", lambda p: 1, text.summarize_text),
]


def pick(payload: Payload) -> tuple[str, Summarizer]:
    """The kind and summarizer for payload: the first entry with the strongest detector answer."""
    best, best_strength = SUMMARIZERS[-1], 0
    for entry in SUMMARIZERS:
        strength = entry[1](payload)
        if strength == BY_NAME:
            return entry[0], entry[2]
        if strength > best_strength:
            best, best_strength = entry, strength
    return best[0], best[2]
