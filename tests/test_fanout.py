"""Fan-out over a dependency graph, through the async anthropic client against the fake Messages API."""

from __future__ import annotations

import asyncio
import re
import time

import anthropic
import pytest
from batch_helpers import BOOK, echo_script

from ctxlean.batch.costs import Usage, request_cost
from ctxlean.fakeapi import FakeAnthropic, Rule
from ctxlean.fakeapi.messages import input_tokens_for, output_tokens_for
from ctxlean.fakeapi.script import error, last_user_contains, last_user_text, reply, text
from ctxlean.fanout import AnthropicSteps, GraphError, Step, run_graph

DELAY = 0.4  # seconds the fake takes per answer, so rounds of requests are told apart by their times
HAIKU, OPUS = "claude-haiku-5-5", "claude-opus-5-5"


def slow_echo(req):
    time.sleep(DELAY)
    return reply(text("echo: " + last_user_text(req.body)))


@pytest.fixture
def api():
    with FakeAnthropic(echo_script(Rule("slow", respond=slow_echo))) as server:
        yield server


def run(api, steps, **kwargs):
    client = anthropic.AsyncAnthropic(base_url=api.url, api_key="k", max_retries=0)
    runner = AnthropicSteps(client)
    return asyncio.run(run_graph(steps, runner, model=HAIKU, prices=BOOK, **kwargs))


def step_of(request: dict) -> str:
    return re.search(r"\[step (\w+)\]", last_user_text(request["body"])).group(1)


def rounds(api) -> list[list[str]]:
    """The steps the fake answered, grouped into rounds: answers less than half a DELAY apart."""
    answered = sorted(api.model_requests(), key=lambda r: r["ts"])
    groups: list[list[str]] = []
    last = None
    for request in answered:
        if last is None or request["ts"] - last > DELAY / 2:
            groups.append([])
        groups[-1].append(step_of(request))
        last = request["ts"]
    return [sorted(g) for g in groups]


def review_graph() -> list[Step]:
    """Longest chain a -> d -> e: three rounds at least, whatever the number of steps."""
    return [
        Step("a", "[step a] list the facts"),
        Step("b", "[step b] list the risks"),
        Step("c", "[step c] list the open questions"),
        Step("d", lambda got: f"[step d] combine:\n{got['a']}\n{got['b']}", depends_on=("a", "b")),
        Step("e", lambda got: f"[step e] review:\n{got['d']}", depends_on=("d",), model=OPUS),
        Step("f", lambda got: f"[step f] answer:\n{got['c']}", depends_on=("c",)),
    ]


def test_the_graph_runs_in_as_many_rounds_as_its_longest_chain(api):
    report = run(api, review_graph(), max_concurrency=4)
    assert report.ok
    assert rounds(api) == [["a", "b", "c"], ["d", "f"], ["e"]]
    bodies = {step_of(r): r["body"] for r in api.model_requests()}
    # a dependent step received its inputs' outputs, and ran on its own model
    assert "echo: [step a] list the facts" in last_user_text(bodies["d"])
    assert "echo: [step b] list the risks" in last_user_text(bodies["d"])
    assert "echo: [step d] combine" in last_user_text(bodies["e"])
    assert bodies["e"]["model"] == OPUS and {bodies[s]["model"] for s in "abcdf"} == {HAIKU}
    assert report.results["e"].text == "echo: " + last_user_text(bodies["e"])


def test_cost_summary_matches_what_the_fake_reported(api):
    report = run(api, review_graph())
    expected = 0.0
    for request in api.model_requests():
        body = request["body"]
        usage = Usage(input_tokens=input_tokens_for(body),
                      output_tokens=output_tokens_for([text("echo: " + last_user_text(body))]))
        expected += request_cost(BOOK, body["model"], usage.as_api(), batch=False)
    assert report.cost_usd == pytest.approx(expected)
    summary = report.summary()
    assert all(re.search(rf"^{name}\s+succeeded\s+claude-", summary, re.M) for name in "abcdef")
    assert re.search(r"^wall \d+\.\d\ds vs \d+\.\d\ds one after another", summary, re.M)


def test_a_failing_step_cancels_its_dependents_and_only_them(api):
    api.script.rules.insert(0, Rule("b fails", match=last_user_contains("[step b]"),
                                    respond=error(400, "invalid_request_error", "step b is malformed")))
    report = run(api, review_graph())
    status = {name: r.status for name, r in report.results.items()}
    assert status == {"a": "succeeded", "b": "failed", "c": "succeeded", "d": "canceled", "e": "canceled",
                      "f": "succeeded"}
    assert "step b is malformed" in report.results["b"].error
    assert report.results["e"].error == "canceled: needs 'b', which failed"
    assert sorted(step_of(r) for r in api.model_requests()) == ["a", "b", "c", "f"]
    assert not report.ok


def test_concurrency_is_bounded(api):
    steps = [Step(name, f"[step {name}] go") for name in "pqrst"]
    run(api, steps, max_concurrency=2)
    assert [len(group) for group in rounds(api)] == [2, 2, 1]


@pytest.mark.parametrize("steps, message", [
    ([Step("x", "p", depends_on=("y",))], "step 'x' depends on unknown step(s): y"),
    ([Step("x", "p"), Step("x", "q")], "two steps are named 'x'"),
    ([Step("x", "p", depends_on=("z",)), Step("z", "q", depends_on=("x",)), Step("w", "r")],
     "dependency cycle among: x, z"),
])
def test_an_invalid_graph_is_refused_before_any_request(api, steps, message):
    with pytest.raises(GraphError, match=re.escape(message)):
        run(api, steps)
    assert api.requests == []
