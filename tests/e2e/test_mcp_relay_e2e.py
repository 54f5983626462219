"""Issue 17: the plugin's MCP server is reached through the relay and the user's fork server. In the real
CLI, fetch_detail answers from a forked server, and a fork server killed in the middle of a session leaves
that session's fetch_detail working; the next session starts a fresh fork server."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL
from ctxlean.fakeapi.script import (
    HANDLE_RE,
    has_tool_result,
    not_,
    reply,
    results_for,
    text,
    tool_result_for,
    tool_use,
)

pytestmark = pytest.mark.e2e

BIG = "seq 1 300000"  # 2 MB: offloaded


def forkserver_pid(run_dir: Path) -> int | None:
    locks = sorted((run_dir / "ctxlean").glob("mcp-*.sock.lock")) if (run_dir / "ctxlean").is_dir() else []
    text_ = locks[0].read_text().strip() if locks else ""
    return int(text_) if text_ else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.fixture
def run_dir(tmp_path):
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    yield path
    pid = forkserver_pid(path)
    if pid and alive(pid):
        os.kill(pid, signal.SIGTERM)


def kill_then_fetch(run_dir: Path, line: int) -> Script:
    kill = f"kill -9 $(cat {run_dir}/ctxlean/mcp-*.sock.lock) && echo killed"
    return Script([
        Rule("big", match=not_(has_tool_result), respond=reply(tool_use("Bash", {"command": BIG}))),
        Rule("kill", times=1, match=tool_result_for("Bash"),
             respond=reply(tool_use("Bash", {"command": kill, "description": "end the fork server"}))),
        Rule("fetch", times=1, match=tool_result_for("Bash"),
             respond=lambda req: reply(tool_use(FETCH_DETAIL, {"handle": HANDLE_RE.search(
                 results_for(req.body, "Bash")[0]).group(0), "lines": str(line)}))),
        Rule("done", match=has_tool_result, respond=reply(text("Done."))),
    ])


def test_fetch_detail_survives_the_fork_server_dying_mid_session(session, ctxlean_home, run_dir):
    env = {"XDG_RUNTIME_DIR": str(run_dir)}
    run, api = session(kill_then_fetch(run_dir, 123456), home=ctxlean_home, env=env)

    requests = [r["body"] for r in api.model_requests()]
    assert FETCH_DETAIL in {t["name"] for t in requests[0]["tools"]}  # connected before the first request
    last = requests[-1]
    assert "killed" in results_for(last, "Bash")[1]
    [answer] = results_for(last, FETCH_DETAIL)
    assert "\n123456: 123456\n" in answer + "\n"
    assert run.result["subtype"] == "success"
    first_server = forkserver_pid(run_dir)
    assert first_server is not None and not alive(first_server)

    run, api = session(kill_then_fetch(run_dir, 7), home=ctxlean_home, env=env)
    [answer] = results_for(api.model_requests()[-1]["body"], FETCH_DETAIL)
    assert "\n7: 7\n" in answer + "\n"
    second_server = forkserver_pid(run_dir)
    assert second_server not in (None, first_server)
