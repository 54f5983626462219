"""ctxlean_client end to end: the budget wrapper over ctxlean_options, with every ctxlean hook in process
and the in-process MCP tools (no plugin installed), against the fake API.

Reuses the budget suite's scripted session (budget_session.py): step logs offloaded by the PostToolUse
callback, a /compact at the budget, then fetch_detail on a handle from before the compaction.
"""

from __future__ import annotations

import asyncio

import budget_session as bs
import pytest

from ctxlean.fakeapi import FakeAnthropic
from ctxlean.fakeapi.claude import claude_env, claude_executable
from ctxlean.fakeapi.script import HANDLE_RE
from ctxlean.paths import SDK_TOOL_PREFIX

pytestmark = pytest.mark.e2e


def test_ctxlean_client_compacts_at_the_budget_and_in_process_hooks_keep_the_handles(tmp_path, project,
                                                                                     monkeypatch):
    from claude_agent_sdk import ClaudeAgentOptions

    from ctxlean.sdk import ctxlean_client

    monkeypatch.setattr(bs, "FETCH_DETAIL", SDK_TOOL_PREFIX + "fetch_detail")  # the in-process server's name
    bs.write_data(project)
    home = tmp_path / "home"  # made by conftest's isolated_env; no plugin installed there
    session = bs.BudgetSession(turns=True)

    async def drive(url: str):
        options = ClaudeAgentOptions(cwd=str(project), permission_mode="bypassPermissions",
                                     env=claude_env(home, url), cli_path=claude_executable())
        async with ctxlean_client(options, budget_tokens=bs.BUDGET) as client:
            await bs.play(client)
        return client

    with FakeAnthropic(session.script(), usage=bs.usage) as api:
        client = asyncio.run(asyncio.wait_for(drive(api.url), 400))
        requests = api.model_requests()

    [done] = client.compactions
    [compaction] = [i for i, r in enumerate(requests) if r["rule"] == "compaction"]
    assert done.tokens_before >= bs.BUDGET and session.handles[bs.FETCH_STEP] in done.handles
    instructions = bs.compaction_instructions(requests[compaction]["body"])
    # Once from the client's /compact argument, once from the in-process PreCompact callback, whose
    # plain-text answer went to Claude Code as systemMessage.
    assert instructions.count(bs.KEEP_MARK) == 2 and set(done.handles) <= set(HANDLE_RE.findall(instructions))
    # The in-process SessionStart callback re-injected the handle index after the compaction.
    after = str(requests[compaction + 1]["body"]["messages"])
    assert bs.INDEX_MARK in after and set(done.handles) <= set(HANDLE_RE.findall(after))
    # And the in-process fetch_detail still reads the payload stored before the compaction.
    assert requests[-1]["rule"] == "fetched"
    result = bs.last_user_text(requests[-1]["body"])
    assert all(row in result for row in bs.expected_fetch_rows())
