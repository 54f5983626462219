"""The routing eval's sessions, offline: real Claude Code sessions through the SDK against the fake API."""

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ctxlean
from ctxlean.agents import load_agents
from ctxlean.fakeapi import FakeAnthropic
from ctxlean.fakeapi.script import system_text
from ctxlean.routing_eval import run_pairs
from ctxlean.routing_eval.runner import FakeModel
from ctxlean.routing_eval.tasks import tasks_for

pytestmark = pytest.mark.e2e
SRC = Path(ctxlean.__file__).resolve().parents[1]  # this checkout's package, for the subprocess


def first_user_text(body: dict) -> str:
    content = body["messages"][0]["content"]
    return (content if isinstance(content, str) else "".join(b.get("text", "") for b in content)).strip()


def test_each_agent_runs_on_both_models_with_exactly_its_tools(tmp_path):
    tasks = tasks_for(limit=1)
    # A broken copy of the digest task: its evidence is not in the payload, so the fake must answer wrong.
    broken = dataclasses.replace(tasks[0], id="digest-broken", evidence="NOT IN THE PAYLOAD")
    fake = FakeModel()
    (tmp_path / "eval-home").mkdir()
    with FakeAnthropic(fake.script()) as api:
        env = {"HOME": str(tmp_path / "eval-home"), "ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": "fake",
               "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
        pairs = asyncio.run(run_pairs([*tasks, broken], "opus", None, env, tmp_path / "runs", jobs=2, fake=fake))
        requests = api.model_requests()

    specs = load_agents()
    sessions = {prepared.prompt: task for task, prepared in fake.sessions.values()}
    seen = set()
    for r in requests:
        task = sessions[first_user_text(r["body"])]
        tools = {t["name"] for t in r["body"]["tools"] if not t.get("defer_loading")}
        assert tools == set(specs[task.agent].sdk_tools()), task.id
        assert specs[task.agent].prompt.splitlines()[0] in system_text(r["body"])  # the agent file's prompt
        seen.add((task.agent, r["body"]["model"]))
    assert {agent for agent, _ in seen} == set(specs)
    assert all(any("haiku" in m for a, m in seen if a == agent) and any("opus" in m for a, m in seen if a == agent)
               for agent in specs)

    for ref, cand in pairs[:-1]:
        for outcome in (ref, cand):
            assert outcome.error is None and outcome.correct, (outcome.task.id, outcome.model, outcome.answer)
            assert outcome.cost_usd() > 0 and outcome.tokens("inputTokens") > 1000
        assert list(ref.usage) == [m for a, m in seen if a == ref.task.agent and "opus" in m]
        assert list(cand.usage) == [m for a, m in seen if a == cand.task.agent and "haiku" in m]
    ref, cand = pairs[-1]
    assert not ref.correct and not cand.correct and "NOT IN THE PAYLOAD" in cand.answer


def test_command_writes_a_report_labelled_as_offline(tmp_path):
    out = tmp_path / "report.md"
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "routing-eval", "--offline", "--agents", "format",
                           "--limit", "1", "--out", str(out)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "checks the plumbing only" in text and "| format | 1 | 1/1 (100%) |" in text
    assert "claude-haiku" in text and "[2/2] format/deps-table" in proc.stderr
