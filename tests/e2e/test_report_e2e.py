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
from ctxlean.fakeapi.cache import PromptCache
from ctxlean.fakeapi.claude import run_claude
from ctxlean.fakeapi.script import has_agent_header, reply, text, tool_result_for, tool_use
from ctxlean.usage.pricing import load_prices, min_cacheable_tokens

pytestmark = pytest.mark.e2e
SRC = Path(__file__).resolve().parents[2] / "src"


class RecordedCache:
    """The fake API's prompt-cache simulation (cache reads and 5-minute/1-hour writes by prefix, per model,
    as Claude Code's own cache breakpoints ask), keeping every usage it reports, per model."""

    def __init__(self):
        self.cache = PromptCache(min_cacheable_tokens=min_cacheable_tokens)
        self.reported: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, body: dict, blocks: list[dict]) -> dict:
        usage = self.cache(body, blocks)
        with self.lock:
            self.reported.append((body.get("model"), json.loads(json.dumps(usage))))
        return usage


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
    usage = RecordedCache()
    env = {"CLAUDE_CODE_SUBAGENT_MODEL": "claude-haiku-5-5", "ENABLE_PROMPT_CACHING_1H": "1"}
    with FakeAnthropic(script(), log_path=ctxlean_home / "requests.jsonl", usage=usage) as api:
        run = run_claude("Please do the task.", home=ctxlean_home, cwd=project, base_url=api.url, env=env)
    assert run.result is not None and run.result["subtype"] == "success", run.stderr[-2000:]
    models = {m for m, _ in usage.reported}
    assert models == {"claude-opus-5-5", "claude-haiku-5-5"}, models  # the subagent ran on Haiku

    page = tmp_path / "report.html"
    # a plain terminal: HOME and PATH only, no CLAUDE_PLUGIN_DATA or CTXLEAN_STORE (the store must be found)
    terminal = {"HOME": str(ctxlean_home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-m", "ctxlean", "report", "--json", "--by", "model", "--html", str(page)],
        cwd=project, capture_output=True, text=True, timeout=120, env=terminal)
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
        cost = sum(prices.usage_cost(model, u) for u in sent)
        assert row["cost_usd"] == pytest.approx(cost, abs=1e-6)
    assert report["total"]["requests"] == len(api.model_requests()) == len(usage.reported)
    assert report["total"]["cache_read_tokens"] > 0 and report["total"]["cache_write_5m_tokens"] \
        + report["total"]["cache_write_1h_tokens"] > 0  # the session really used the cache

    saving = report["ctxlean_saving"]  # the 40,000-line output was offloaded, then re-read once ("All done.")
    assert saving["offloads"] == 1 and saving["kept_out_tokens"] > 40_000
    assert saving["reread_tokens_avoided"] == saving["kept_out_tokens"]
    html = page.read_text()
    assert "<svg" in html and "claude-haiku-5-5" in html

    # `ctxlean gc` from the same terminal cleans the store the hooks wrote, and there is only that one
    store = ctxlean_home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "store.sqlite3"
    gc = subprocess.run([sys.executable, "-m", "ctxlean", "gc"], cwd=project, capture_output=True, text=True,
                        timeout=120, env=terminal)
    assert gc.returncode == 0, gc.stderr
    assert f"ctxlean gc: store {store}: 1 payload(s) before, 1 after" in gc.stdout
    assert list(ctxlean_home.rglob("store.sqlite3")) == [store]
    assert not list(project.rglob("*.sqlite3"))


def test_report_slash_command_gives_the_model_the_report(session, ctxlean_home, project):
    # A first session, so there is something to report on.
    first = Script([Rule("done", match=lambda req: True, respond=reply(text("Hello.")))])
    session(first, home=ctxlean_home)
    summary = Script([Rule("done", match=lambda req: True, respond=reply(text("Summarized.")))])
    run, api = session(summary, home=ctxlean_home, prompt="/ctxlean:report --by model")
    assert run.result["subtype"] == "success"
    sent = json.dumps(api.model_requests()[-1]["body"]["messages"])
    assert "ctxlean report: " in sent and "claude-opus-5-5" in sent  # the command's output reached the model
    assert "Summarize the report above" in sent
