"""The context budget in the real Claude Code against the fake API: compaction fires at the budget, the
handles survive it, and a Read that would blow the budget becomes a bounded read. Asserted on what the model
received (the fake's request log)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import budget_session as bs
import pytest

from ctxlean import budget
from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import claude_env, claude_executable, run_claude, run_ctxlean
from ctxlean.fakeapi.script import HANDLE_RE, reply, text, tool_result_for, tool_use
from ctxlean.store import open_store

pytestmark = pytest.mark.e2e


def ctxlean_command(home: Path, project: Path, *args: str) -> str:
    """`ctxlean install|uninstall [--project]` as a user runs it, with a throwaway HOME."""
    proc = run_ctxlean(home, project, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def install_ctxlean(home: Path, project: Path, *args: str) -> str:
    return ctxlean_command(home, project, "install", *args)


def plugin_store(home: Path):
    return open_store(home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "store.sqlite3")


@pytest.fixture
def workspace(tmp_path):
    home, project = tmp_path / "home", tmp_path / "proj"
    home.mkdir(exist_ok=True)  # conftest made it HOME already
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text(f"context_budget_tokens = {bs.BUDGET}\n")
    bs.write_data(project)
    return home, project


def blob(message: dict) -> str:
    return json.dumps(message.get("content"), ensure_ascii=False)


def compaction_index(requests: list[dict]) -> int:
    [index] = [i for i, r in enumerate(requests) if r["rule"] == "compaction"]
    return index


def assert_compacted_at_the_budget(requests: list[dict], compaction: int) -> None:
    """The request before the compaction was the first whose context reached the budget: Claude Code compacted
    at its first chance, and no earlier request came close enough for the compaction to be early."""
    reported = [bs.reported_input(r["body"]) for r in requests[:compaction]]
    assert reported[-1] >= bs.BUDGET
    assert max(reported[:-1]) < bs.BUDGET - 2_000


def assert_handles_survive(requests: list[dict], compaction: int, before: set[str]) -> None:
    instructions = bs.compaction_instructions(requests[compaction]["body"])
    assert bs.KEEP_MARK in instructions and before <= set(HANDLE_RE.findall(instructions))
    first_after = requests[compaction + 1]["body"]
    index = next(blob(m) for m in first_after["messages"] if bs.INDEX_MARK in blob(m))
    assert before <= set(HANDLE_RE.findall(index))


def assert_fetch_returns_exact_lines(requests: list[dict]) -> None:
    last = requests[-1]
    assert last["rule"] == "fetched"
    result = bs.last_user_text(last["body"])
    for row in bs.expected_fetch_rows():
        assert row in result


def test_cli_compacts_at_the_budget_and_handles_survive(workspace):
    home, project = workspace
    installed = install_ctxlean(home, project, "--project")
    assert "100,000-token budget" in installed
    session = bs.BudgetSession()
    with FakeAnthropic(session.script(), usage=bs.usage) as api:
        run = run_claude("Read the step logs, then check lines 10-12 of the third.", home=home, cwd=project,
                         base_url=api.url, timeout=400)
        requests = api.model_requests()
    assert run.rc == 0, run.stderr[-2000:]
    assert not run.rejected_outputs()
    compaction = compaction_index(requests)
    [boundary] = [e for e in run.events if e.get("subtype") == "compact_boundary"]
    assert boundary["compact_metadata"]["trigger"] == "auto"
    assert_compacted_at_the_budget(requests, compaction)
    # ctxlean's accounting of the transcript as it stood agrees with Claude Code's own count
    [transcript] = (home / ".claude" / "projects").glob("*/*.jsonl")
    lines = transcript.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"compact_boundary"' in line)
    (home / "before.jsonl").write_text("".join(lines[:cut]))
    counted = budget.context_use(home / "before.jsonl").tokens
    assert abs(counted - boundary["compact_metadata"]["pre_tokens"]) <= 0.01 * bs.BUDGET
    before = set(session.handles_at_compaction.values())
    assert session.handles_at_compaction.get(bs.FETCH_STEP)
    assert_handles_survive(requests, compaction, before)
    assert_fetch_returns_exact_lines(requests)


def test_sdk_client_compacts_at_the_budget_and_handles_survive(workspace):
    from claude_agent_sdk import ClaudeAgentOptions

    from ctxlean.sdk.compaction import BudgetedClient

    home, project = workspace
    install_ctxlean(home, project)  # user scope: the project settings set no compaction window
    session = bs.BudgetSession(turns=True)

    async def drive(url: str) -> BudgetedClient:
        options = ClaudeAgentOptions(cwd=str(project), permission_mode="bypassPermissions",
                                     cli_path=claude_executable(), env=claude_env(home, url))
        async with BudgetedClient(options, budget_tokens=bs.BUDGET) as client:
            await bs.play(client)
        return client

    with FakeAnthropic(session.script(), usage=bs.usage) as api:
        client = asyncio.run(drive(api.url))
        requests = api.model_requests()
    [done] = client.compactions
    compaction = compaction_index(requests)
    assert_compacted_at_the_budget(requests, compaction)
    assert done.tokens_before >= bs.BUDGET
    offloaded = set(session.handles.values())
    assert set(done.handles) <= offloaded and session.handles[bs.FETCH_STEP] in done.handles
    assert_handles_survive(requests, compaction, set(done.handles))
    # once from the client's /compact argument, once from the plugin's PreCompact hook
    assert bs.compaction_instructions(requests[compaction]["body"]).count(bs.KEEP_MARK) == 2
    assert_fetch_returns_exact_lines(requests)


def test_read_of_a_huge_file_becomes_a_bounded_read(workspace):
    home, project = workspace
    install_ctxlean(home, project, "--project")
    huge = project / "data" / "huge.log"
    huge.write_text("".join(bs.step_log(s) for s in range(1, 40)))  # ~1.9 MB: Read alone would refuse it
    script = Script([Rule("read", match=lambda req: not bs.tool_results(req.body),
                          respond=reply(tool_use("Read", {"file_path": str(huge)}))),
                     Rule("done", match=tool_result_for("Read"), respond=reply(text("Read it.")))])
    with FakeAnthropic(script) as api:
        run = run_claude("Look at the huge log.", home=home, cwd=project, base_url=api.url, timeout=300)
        requests = api.model_requests()
    assert run.rc == 0 and not run.rejected_outputs()
    messages = requests[-1]["body"]["messages"]
    [call] = [b for m in messages if m["role"] == "assistant" for b in m["content"] if b.get("type") == "tool_use"]
    assert call["input"] == {"file_path": str(huge)}  # the transcript keeps what the model asked for
    result = bs.tool_results(requests[-1]["body"])[0]
    shown = json.dumps(result["content"])
    handle = HANDLE_RE.search(shown)[0]  # the bounded read was still big enough to be offloaded
    note = next(blob(m) for m in messages if "this Read was limited to lines 1-" in blob(m))
    limit = int(note.split("this Read was limited to lines 1-")[1].split(".")[0].replace(",", ""))
    with plugin_store(home) as store:
        stored = store.read_bytes(handle, os.path.realpath(project)).decode()
    assert stored.splitlines() == huge.read_text().splitlines()[:limit]
    assert f"offset={limit + 1}" in note


def test_uninstall_puts_the_project_settings_back(workspace):
    home, project = workspace
    settings = project / ".claude" / "settings.json"
    settings.write_text(json.dumps({"env": {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "400000", "KEEP_ME": "1"}}))
    install_ctxlean(home, project, "--project")
    assert json.loads(settings.read_text())["env"] == {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "133000", "KEEP_ME": "1"}
    install_ctxlean(home, project, "--project")  # again: the value from before the first install is kept
    assert "restored" in ctxlean_command(home, project, "uninstall", "--project")
    assert json.loads(settings.read_text())["env"] == {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "400000", "KEEP_ME": "1"}
