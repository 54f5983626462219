"""Issue 5 end to end: `ctxlean report` on a real Claude Code session (main agent, a Haiku subagent, a big
Bash output that ctxlean offloads) reports exactly the usage the fake API returned, token for token, priced
by the price data, with the offload in its saving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import run_claude
from ctxlean.fakeapi.messages import input_tokens_for, output_tokens_for
from ctxlean.fakeapi.script import has_agent_header, reply, text, tool_result_for, tool_use
from ctxlean.usage.pricing import load_prices

pytestmark = pytest.mark.e2e
SRC = Path(__file__).resolve().parents[2] / "src"


class CachingUsage:
    """Reports usage the way the real API does with prompt caching: what the agent's previous request
    already sent is read from the cache, the rest is written (1-hour entries for the main agent, 5-minute
    for subagents), a few tokens stay uncached input. Every usage it returns is kept, per model."""

    def __init__(self):
        self.previous: dict[str, int] = {}
        self.reported: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, body: dict, blocks: list[dict]) -> dict:
        prompt = input_tokens_for(body)
        agent = "sub" if any(m.get("role") == "user" and "MECH TASK" in json.dumps(m) for m in
                             body.get("messages", [])[:1]) else "main"
        with self.lock:
            cached = min(self.previous.get(agent, 0), prompt - 3)
            self.previous[agent] = prompt
            written = prompt - 3 - cached
            one_hour = written if agent == "main" else 0
            usage = {"input_tokens": 3, "output_tokens": output_tokens_for(blocks),
                     "cache_read_input_tokens": cached, "cache_creation_input_tokens": written,
                     "cache_creation": {"ephemeral_1h_input_tokens": one_hour,
                                        "ephemeral_5m_input_tokens": written - one_hour}}
            self.reported.append((body.get("model"), usage))
        return dict(usage)


def script() -> Script:
    agent_call = {"subagent_type": "general-purpose", "description": "count", "run_in_background": False,
                  "prompt": "MECH TASK: say how many lines seq 1 3 prints"}
    return Script([
        Rule("sub", match=has_agent_header, respond=reply(text("MECH RESULT: 3 lines"))),
        Rule("done", match=tool_result_for("Bash"), respond=reply(text("All done."))),
        Rule("bash", match=tool_result_for("Agent"),
             respond=reply(tool_use("Bash", {"command": "seq 1 40000", "description": "big"}))),
        Rule("agent", match=lambda req: True, respond=reply(tool_use("Agent", agent_call))),
    ])


def test_report_totals_equal_the_usage_the_api_reported(ctxlean_home, project, tmp_path):
    usage = CachingUsage()
    env = {"CLAUDE_CODE_SUBAGENT_MODEL": "claude-haiku-5-5"}
    with FakeAnthropic(script(), log_path=ctxlean_home / "requests.jsonl", usage=usage) as api:
        run = run_claude("Please do the task.", home=ctxlean_home, cwd=project, base_url=api.url, env=env)
    assert run.result is not None and run.result["subtype"] == "success", run.stderr[-2000:]
    models = {m for m, _ in usage.reported}
    assert models == {"claude-opus-5-5", "claude-haiku-5-5"}, models  # the subagent ran on Haiku

    page = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "ctxlean", "report", "--json", "--by", "model", "--html", str(page)],
        cwd=project, capture_output=True, text=True, timeout=120,
        env={"HOME": str(ctxlean_home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC),
             "CLAUDE_PLUGIN_DATA": str(ctxlean_home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean")})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)

    prices = load_prices()
    for model in models:
        sent = [u for m, u in usage.reported if m == model]
        row = next(r for r in report["rows"] if r["key"] == model)
        assert row["requests"] == len(sent)
        assert row["input_tokens"] == sum(u["input_tokens"] for u in sent)
        assert row["output_tokens"] == sum(u["output_tokens"] for u in sent)
        assert row["cache_read_tokens"] == sum(u["cache_read_input_tokens"] for u in sent)
        assert row["cache_write_1h_tokens"] == sum(u["cache_creation"]["ephemeral_1h_input_tokens"] for u in sent)
        assert row["cache_write_5m_tokens"] == sum(u["cache_creation"]["ephemeral_5m_input_tokens"] for u in sent)
        cost = sum(prices.cost(model, u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"],
                               u["cache_creation"]["ephemeral_5m_input_tokens"],
                               u["cache_creation"]["ephemeral_1h_input_tokens"]) for u in sent)
        assert row["cost_usd"] == pytest.approx(cost, abs=1e-6)
    assert report["total"]["requests"] == len(api.model_requests()) == len(usage.reported)

    saving = report["ctxlean_saving"]  # the 40,000-line output was offloaded, then re-read once ("All done.")
    assert saving["offloads"] == 1 and saving["kept_out_tokens"] > 40_000
    assert saving["reread_tokens_avoided"] == saving["kept_out_tokens"]
    html = page.read_text()
    assert "<svg" in html and "claude-haiku-5-5" in html
