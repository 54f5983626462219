"""Fan-out through Claude Agent SDK query(): each step is a real Claude Code run against the fake API."""

from __future__ import annotations

import asyncio
import re

import pytest
from batch_helpers import BOOK, echo_script

from ctxlean.batch.costs import Usage, request_cost
from ctxlean.fakeapi import FakeAnthropic
from ctxlean.fakeapi.claude import claude_env, claude_executable
from ctxlean.fakeapi.messages import input_tokens_for, output_tokens_for
from ctxlean.fakeapi.script import last_user_text, text
from ctxlean.fanout import AgentSDKSteps, Step, run_graph

pytestmark = pytest.mark.e2e
HAIKU, OPUS = "claude-haiku-5-5", "claude-opus-5-5"


def test_agent_sdk_steps_run_the_graph_with_their_models_and_inputs(tmp_path):
    from claude_agent_sdk import ClaudeAgentOptions

    home = tmp_path / "home"  # the test's own HOME (tests/conftest.py)
    with FakeAnthropic(echo_script()) as api:
        options = ClaudeAgentOptions(cwd=str(tmp_path), tools=[], cli_path=claude_executable(),
                                     env=claude_env(home, api.url))
        steps = [
            Step("x", "[step x] list the facts"),
            Step("y", "[step y] list the risks"),
            Step("z", lambda got: f"[step z] review using:\n{got['x']}\n{got['y']}", depends_on=("x", "y"),
                 model=OPUS),
        ]
        report = asyncio.run(run_graph(steps, AgentSDKSteps(options), model=HAIKU, prices=BOOK))
        requests = api.model_requests()

    assert report.ok, report.summary()
    by_step = {re.search(r"\[step (\w)\]", last_user_text(r["body"])).group(1): r for r in requests}
    assert sorted(by_step) == ["x", "y", "z"] and len(requests) == 3
    assert by_step["x"]["body"]["model"] == HAIKU and by_step["z"]["body"]["model"] == OPUS
    # z ran after both inputs were answered, and received them
    assert by_step["z"]["ts"] > max(by_step["x"]["ts"], by_step["y"]["ts"])
    z_prompt = last_user_text(by_step["z"]["body"])
    assert "echo: [step x] list the facts" in z_prompt and "echo: [step y] list the risks" in z_prompt
    assert report.results["x"].text.startswith("echo: ") and report.results["z"].output.usage.output_tokens > 0
    # priced from the pricing data, per model, from the usage Claude Code reported (the fake's figures)
    reported = [(r["body"]["model"], Usage(input_tokens=input_tokens_for(r["body"]),
                 output_tokens=output_tokens_for([text("echo: " + last_user_text(r["body"]))]))) for r in requests]
    assert report.cost_usd == pytest.approx(sum(request_cost(BOOK, m, u.as_api(), batch=False) for m, u in reported))
