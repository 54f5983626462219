"""`ctxlean estimate`, end to end: a real Claude Code session without the plugin, then the estimate on its
HOME, checked against the same task run with the plugin installed (`ctxlean install --lean`).

Both sessions run against the fake API with its prompt cache simulated; their costs are priced from what
the API reported. The scripted model does what a model would: it reads a big log, and where what it
needs (the id of the failing request) is not in what it received, it fetches it with fetch_detail.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.cache import PromptCache
from ctxlean.fakeapi.claude import FETCH_DETAIL, install_ctxlean, run_claude
from ctxlean.fakeapi.script import find_handle, last_tool_result_text, reply, text, tool_result_for, tool_use
from ctxlean.usage import pricing

pytestmark = pytest.mark.e2e
FAILED_ID = re.compile(r"ERROR .*req=(r\d{6})")
PERSISTED = re.compile(r"Full output saved to: (\S+)")


def write_log(project: Path) -> None:
    rows = []
    for i in range(1, 12001):
        level, status = ("ERROR", 500) if i == 7321 else ("INFO", 200)
        rows.append(f"2026-11-25T10:{i // 600 % 60:02d}:{i % 60:02d}Z {level} req=r{i:06d} "
                    f"route=/api/orders/{i * 7 % 1000} status={status} ms={i * 13 % 400}\n")
    (project / "app.log").write_text("".join(rows))


def script() -> Script:
    def after_log(req):
        seen = last_tool_result_text(req.body) or ""
        found = FAILED_ID.search(seen)
        if found:
            return reply(text(f"The failing request is {found[1]}."),
                         tool_use("Bash", {"command": f"grep -n {found[1]} app.log"}))
        handle = find_handle(req.body)
        if handle:
            return reply(tool_use(FETCH_DETAIL, {"handle": handle, "grep": "ERROR"}))
        persisted = PERSISTED.search(seen)  # Claude Code cut the output and saved it: look there
        return reply(tool_use("Bash", {"command": f"grep -n ERROR {persisted[1] if persisted else 'app.log'}"}))

    return Script([
        Rule("read", match=lambda req: not last_tool_result_text(req.body),
             respond=reply(text("Reading the log."), tool_use("Bash", {"command": "cat app.log"})), times=1),
        Rule("fetched", match=tool_result_for(FETCH_DETAIL), respond=after_log, times=1),
        Rule("answer", match=lambda req: "grep -n r007321" in json.dumps(req.body["messages"][-2:]),
             respond=reply(text("Request r007321 failed with a 500."))),
        Rule("look", match=tool_result_for("Bash"), respond=after_log, times=2),
    ])


def run_session(home: Path, project: Path) -> float:
    """One session; its cost as the fake API's usage prices it."""
    cache = PromptCache(min_cacheable_tokens=pricing.min_cacheable_tokens)
    with FakeAnthropic(script(), usage=cache) as api:
        result = run_claude("Find the failing request in app.log.", home=home, cwd=project, base_url=api.url)
    assert result.rc == 0, result.stderr[-2000:]
    return sum(pricing.cost_usd(h["model"], h["usage"]) for h in cache.history)


def estimate(home: Path, project: Path) -> dict:
    """`ctxlean estimate --json` as a user runs it, in that HOME."""
    import ctxlean

    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "PYTHONPATH": str(Path(ctxlean.__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "estimate", "--json"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_estimate_predicts_the_session_with_ctxlean(tmp_path):
    plain_home, plugin_home = tmp_path / "plain", tmp_path / "plugin"
    plain_project, plugin_project = tmp_path / "a" / "project", tmp_path / "b" / "project"
    for home, project in ((plain_home, plain_project), (plugin_home, plugin_project)):
        home.mkdir()
        project.mkdir(parents=True)
        write_log(project)
    assert install_ctxlean(plugin_home, plugin_project, "--lean").returncode == 0
    without = run_session(plain_home, plain_project)
    with_plugin = run_session(plugin_home, plugin_project)
    assert with_plugin < without * 0.7  # the log was offloaded: the setup is what ctxlean is for

    data = estimate(plain_home, plain_project)
    total = data["total"]
    assert total["sessions"] == 1 and not data["sessions"][0]["ran_with_ctxlean"]
    assert total["actual_cost_usd"] == pytest.approx(without, rel=0.02)
    assert total["estimated_cost_usd"] == pytest.approx(with_plugin, rel=0.15)
    assert total["used_facts"] >= 1  # r007321, from the log, in the model's next command

    ran = estimate(plugin_home, plugin_project)
    session = ran["sessions"][0]
    assert session["ran_with_ctxlean"] and session["estimated_cost_usd"] == session["actual_cost_usd"]
    assert session["ctxlean"]["offloads"] >= 1  # from the store the plugin's hooks wrote, found from a terminal
