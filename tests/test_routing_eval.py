"""The routing eval's graders, task set and report (the sessions themselves: tests/e2e/test_routing_eval_e2e.py)."""

import re

import pytest

from ctxlean.agents import load_agents
from ctxlean.routing_eval import report
from ctxlean.routing_eval.grading import JsonEqual, Labels, Needles, Sections, Table, parse_json
from ctxlean.routing_eval.runner import Outcome
from ctxlean.routing_eval.tasks import TASKS, tasks_for


def test_every_agent_has_a_task_set_and_every_expected_answer_grades_as_correct():
    assert {t.agent for t in TASKS} == set(load_agents())
    assert all(sum(t.agent == agent for t in TASKS) >= 4 for agent in load_agents())
    for task in TASKS:
        assert task.grader.canonical(task.grader.render()) == task.grader.expected(), task.id
        assert ("{handle}" in task.prompt) == (task.payload is not None), task.id
        assert ("{file}" in task.prompt) == (task.file is not None), task.id


def test_payloads_are_deterministic_and_hold_the_evidence_the_fake_looks_for():
    for task in TASKS:
        if task.payload is None:
            continue
        text = task.payload()
        assert text == task.payload() and task.evidence in text, task.id
        grep = (task.fake_call[1] or {}).get("grep")
        if grep:  # the fake's grep reaches the evidence (else the offline run could not be right)
            assert any(task.evidence in line for line in text.splitlines() if re.search(grep, line)), task.id


def test_tasks_for_filters_by_agent_and_limit():
    chosen = tasks_for(["digest", "format"], limit=2)
    assert [t.agent for t in chosen] == ["digest", "digest", "format", "format"]


def test_graders_read_answers_as_models_write_them():
    assert parse_json('Here you go:\n```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json("no json here") is None
    needles = Needles("tests/test_cart.py:88", "TS2339")
    assert needles.canonical("Failed at TESTS/test_cart.py:88 with  ts2339") == (True, True)
    assert needles.canonical("Failed at tests/test_cart.py:89") == (False, False)
    assert JsonEqual({"httpx": None}).canonical('{"httpx": "0.27.0"}') != JsonEqual({"httpx": None}).expected()
    labels = Labels({"#101": "bug", "tests/x.py::test_a": "flaky"})
    assert labels.canonical('{"101": "Bug", "test_a": {"label": "flaky", "reason": "timing"}}') == labels.expected()
    assert labels.canonical('{"#101": "feature"}') == {"101": "feature", "test_a": None}
    table = Table([["a", "b"], ["1", "2"]], "markdown")
    assert table.canonical("| a | b |\n|:---|---:|\n| 1 | 2 |\n") == [["a", "b"], ["1", "2"]]
    assert Table([["a", "b"], ["x,y", "2"]], "csv").canonical('a,b\n"x,y",2\n') == [["a", "b"], ["x,y", "2"]]
    sections = Sections({"Added": ["X"], "Fixed": ["Y"]})
    assert sections.canonical("## Added\n* X.\n\n## Fixed\n- Y\n") == sections.expected()


def outcome(task, model, answer, error=None):
    return Outcome(task, model, answer=answer, usage={model: {"inputTokens": 1000, "outputTokens": 50}}, error=error)


def test_report_counts_agreement_correctness_and_cost_per_agent():
    digest, extract = tasks_for(["digest"], 1)[0], tasks_for(["extract"], 1)[0]
    pairs = [(outcome(digest, "claude-opus-5-5", digest.grader.render()),
              outcome(digest, "claude-haiku-5-5", "tests/test_cart.py:88 only")),
             (outcome(extract, "claude-opus-5-5", extract.grader.render()),
              outcome(extract, "claude-haiku-5-5", "", error="error_max_turns: ")),]
    rows = {row["agent"]: row for row in report.agent_rows(pairs)}
    assert (rows["digest"]["agree"], rows["digest"]["ref_correct"], rows["digest"]["cand_correct"]) == (0, 1, 0)
    # priced from pricing.json: Opus 5.5 $4 in / $20 out, Haiku 5.5 $0.10 / $0.50 per million tokens
    assert rows["digest"]["ref_cost"] == pytest.approx((1000 * 4 + 50 * 20) / 1e6)
    assert rows["digest"]["cost_ratio"] == pytest.approx((1000 * 0.1 + 50 * 0.5) / (1000 * 4 + 50 * 20))
    assert rows["all"]["tasks"] == 2 and rows["all"]["errors"] == 1
    text = report.render(pairs, "opus", "haiku", offline=False)
    assert "| digest | 1 | 0/1 (0%) | 1/1 (100%) | 0/1 (0%) | $0.0050 | $0.0001 | 0.03 |" in text
    assert "### pytest-failures (candidate, claude-haiku-5-5)" in text and "error: error_max_turns" in text
    assert "plumbing only" not in text and "plumbing only" in report.render(pairs, "opus", "haiku", offline=True)
