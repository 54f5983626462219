"""Properties every summarizer keeps for any input: no crash, within budget, deterministic."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxlean.summarize import Payload, summarize
from ctxlean.summarize.common import clamp
from ctxlean.summarize.registry import SUMMARIZERS
from ctxlean.tokens import estimate_tokens

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# text that looks like tool output: lines built from the characters and words the detectors react to
WORDS = st.sampled_from(["FAILED", "ERROR", "error:", "PASSED", "::", "Traceback (most recent call last):",
                         "  File \"a.py\", line 3, in f", "diff --git a/x b/x", "@@ -1 +1 @@", "commit abc1234",
                         "{", "}", "[", "]", '"id": 1,', ",", "\t", ":12:3:", "--> src/a.rs:1:2", "<h1>", "</h1>",
                         "def f():", "class A:", "## Head", "2026-03-02T10:00:00Z", "INFO", "FATAL", "test result:",
                         "--- FAIL: TestX (0.00s)", "ok  \tpkg\t0.1s", "Found 3 errors", " ", "é", "\x00", "\ud800"])
LINES = st.lists(st.lists(WORDS | st.text(max_size=12), max_size=8).map(" ".join), max_size=60).map("\n".join)
ANY_TEXT = st.text() | LINES
BUDGETS = st.integers(min_value=0, max_value=500)
TOOLS = st.sampled_from([("Bash", "command", ""), ("Bash", "command", "pytest -q"), ("Bash", "command", "git diff"),
                         ("Read", "file_path", "/a/b.py"), ("Read", "file_path", "/a/b.md"), ("Grep", "pattern", "x"),
                         ("Glob", "pattern", "**"), ("Read", "file_path", "/a/b.csv"), ("Bash", "command", "mypy .")])


@pytest.mark.parametrize("kind, detect, summarizer", SUMMARIZERS, ids=[k for k, _, _ in SUMMARIZERS])
@FAST
@given(text=ANY_TEXT, budget=BUDGETS)
def test_each_summarizer_survives_any_text(kind, detect, summarizer, text, budget):
    payload = Payload(text, "Bash", {"command": ""}, size=len(text))
    detect(payload)
    summarizer(payload, budget)  # must not raise; summarize() clamps the result


@FAST
@given(text=ANY_TEXT, budget=BUDGETS, tool=TOOLS)
def test_summarize_is_bounded_and_deterministic(text, budget, tool):
    name, key, value = tool
    payload = Payload(text, name, {key: value}, size=len(text))
    summary = summarize(payload, budget)
    assert estimate_tokens(summary.body) <= budget
    assert len(summary.description) <= 100 and "\n" not in summary.description
    assert summary == summarize(Payload(text, name, {key: value}, size=len(text)), budget)


@FAST
@given(data=st.binary(max_size=4000), budget=BUDGETS)
def test_any_bytes_as_the_hook_decodes_them(data, budget):
    text = data.decode("utf-8", "replace")
    summary = summarize(Payload(text, "Bash", {"command": "cat blob"}, binary="\x00" in text, size=len(data)), budget)
    assert estimate_tokens(summary.body) <= budget


@FAST
@given(body=st.text(), budget=st.integers(min_value=-5, max_value=200))
def test_clamp_always_fits(body, budget):
    assert estimate_tokens(clamp(body, budget)) <= max(0, budget)
