"""Picking a kind (the command or file name beats look-alike content) and what every summary guarantees."""

from summarize_helpers import kind_of

from ctxlean.summarize import Payload, Summary, registry, summarize
from ctxlean.tokens import estimate_tokens


def test_command_names_the_kind_even_when_content_looks_like_another():
    grep_output = "\n".join(f"src/m{i}.py:{i}: error: something" for i in range(1, 400))
    assert kind_of(grep_output, "grep -rn 'error:' src") == "grep"
    assert kind_of(grep_output, "") == "diagnostics"
    assert kind_of("x\n" * 3000, "cd app && timeout 600 uv run pytest -q 2>&1 | tail -80") == "pytest"
    assert kind_of("x\n" * 3000, "git log --stat") == "git-log"
    assert kind_of("x\n" * 3000, "", tool="Glob") == "listing"


def test_summarize_clamps_whatever_a_summarizer_returns(monkeypatch):
    def runaway(payload: Payload, budget_tokens: int) -> Summary:
        return Summary("runaway", "line\n" * 10_000, "a description\nover two lines " + "x" * 300, "grep=" + "y" * 80)

    monkeypatch.setattr(registry, "SUMMARIZERS", [("runaway", lambda p: 1, runaway)])
    summary = summarize(Payload("anything"), 50)
    assert estimate_tokens(summary.body) <= 50
    assert summary.body.endswith("... (summary cut to its budget)")
    assert "\n" not in summary.description and len(summary.description) <= 100
    assert summary.hint == 'lines="1-200"'


def test_same_payload_same_summary():
    text = "\n".join(f"2026-03-02T10:00:{i % 60:02d}Z ERROR job {i % 7} failed" for i in range(5000))
    first = summarize(Payload(text, "Bash", {"command": "cat x.log"}), 300)
    assert first == summarize(Payload(text, "Bash", {"command": "cat x.log"}), 300)
