"""Failing commands in the real Claude Code: the model gets the failures Claude Code cuts from a failing
test run (as a summary with a handle that fetch_detail reads), a succeeding big command is offloaded as
before, a small failing command reaches the model exactly as without ctxlean, nothing is rewritten outside
bypassPermissions mode, and the Agent SDK's in-process callbacks do the same as the plugin."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL, claude_env, claude_executable
from ctxlean.fakeapi.script import (
    has_tool_result,
    not_,
    reply,
    results_for,
    text,
    tool_result_for,
    tool_results,
    tool_use,
    tool_use_names,
)
from ctxlean.paths import SDK_TOOL_PREFIX, capture_dir
from ctxlean.tokens import estimate_tokens

pytestmark = pytest.mark.e2e

HANDLE = re.compile(r"ctx_[0-9a-f]{16}")
HOOK_CONTEXT = "PostToolUseFailure:Bash hook additional context: "  # how Claude Code hands it to the model
FAILED_TEST = "FAILED tests/test_ledger.py::test_month_end_balance_matches_the_ledger"
ASSERTION = "E       AssertionError: balance 1425 for account acct-0042 disagrees with the ledger"
# 900 passing tests and one failing last: `pytest -v` prints ~73 KB, the failure at the very end. (Its
# message avoids "does not match": the debug log echoes hook answers, and that phrase marks a rejection.)
LEDGER_TESTS = '''import pytest

RATES = {f"acct-{i:04d}": (i * 37) % 1000 for i in range(900)}


@pytest.mark.parametrize("account", sorted(RATES))
def test_rate_is_in_range(account):
    assert 0 <= RATES[account] < 1000


def test_month_end_balance_matches_the_ledger():
    opening, postings = 1200, [300, -150, 75]
    balance = opening + sum(postings)
    assert balance == 1450, f"balance {balance} for account acct-0042 disagrees with the ledger"
'''
PYTEST = f"{sys.executable} -m pytest -p no:cacheprovider -v tests"
RUFF = Path(sys.executable).with_name("ruff")


@pytest.fixture
def ledger_project(project) -> Path:
    (project / "tests").mkdir()
    (project / "tests" / "test_ledger.py").write_text(LEDGER_TESTS)
    return project


def captures(home: Path) -> list[Path]:
    """What the capture dir of the installed plugin holds (None if PreToolUse never created it)."""
    directory = home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "captures"
    assert directory.is_dir(), "PreToolUse did not wrap the command"
    return list(directory.iterdir())


def hook_contexts(body: dict) -> list[str]:
    """The additional context PostToolUseFailure hooks gave the model (Claude Code sends it as a system
    message after the tool result)."""
    return [m["content"] if isinstance(m["content"], str) else "".join(b.get("text", "") for b in m["content"])
            for m in body["messages"] if m["role"] == "system" and HOOK_CONTEXT in str(m["content"])]


def bash_result(body: dict) -> dict:
    names = tool_use_names(body)
    [block] = [b for b in tool_results(body) if names.get(b.get("tool_use_id")) == "Bash"]
    return block


def run_then_fetch(command: str, fetches: list[dict]) -> Script:
    """Run `command`, then fetch_detail with each of `fetches` on the handle the model was given, then stop."""

    def handle_of(req) -> str:
        return HANDLE.search("\n".join(hook_contexts(req.body)) + "\n".join(results_for(req.body, "Bash")))[0]

    rules = [Rule("run", match=not_(has_tool_result), respond=reply(tool_use("Bash", {
        "command": command, "description": "run the test suite"})))]
    for i, fetch in enumerate(fetches):
        previous = "Bash" if i == 0 else FETCH_DETAIL
        rules.append(Rule(f"fetch{i}", times=1, match=tool_result_for(previous),
                          respond=lambda req, fetch=fetch: reply(tool_use(FETCH_DETAIL, {"handle": handle_of(req),
                                                                                         **fetch}))))
    rules.append(Rule("done", match=has_tool_result, respond=reply(text("Done."))))
    return Script(rules)


def test_a_failing_60_kb_test_run_shows_the_model_the_failure_and_a_handle_to_all_of_it(
        session, ctxlean_home, ledger_project):
    script = run_then_fetch(PYTEST, [{"grep": "AssertionError|acct-0500\\]"}])
    run, api = session(script, home=ctxlean_home)

    last = api.model_requests()[-1]["body"]
    shown = bash_result(last)
    assert shown["is_error"] and shown["content"].startswith("Exit code 1\n")
    assert ASSERTION not in shown["content"] and FAILED_TEST not in shown["content"]  # Claude Code cut them
    [context] = hook_contexts(last)
    assert FAILED_TEST in context and ASSERTION in context and "1 failed, 900 passed" in context
    assert estimate_tokens(context) <= 500
    handle = HANDLE.search(context)[0]
    [grep_answer] = results_for(last, FETCH_DETAIL)
    assert handle in grep_answer
    assert ASSERTION in grep_answer  # exact lines of the whole output, the tail Claude Code dropped
    assert "tests/test_ledger.py::test_rate_is_in_range[acct-0500] PASSED" in grep_answer  # and the middle
    assert captures(ctxlean_home) == []  # the hook took its capture file away
    assert not run.rejected_outputs() and run.result["subtype"] == "success"


def test_any_failing_command_claude_code_cuts_gets_a_handle(session, ctxlean_home, project):
    """Not only test runners: a project's own check script that prints 120 KB and fails at its end."""
    script_lines = [f"echo 'checking fixture {i:05d}: ok'" for i in range(4000)]
    script_lines += ["echo 'check_fixture_03999: FAILED: checksum 9f3ab12 expected, got 77aa0c1'", "exit 3"]
    (project / "check.sh").write_text("\n".join(script_lines) + "\n")
    run, api = session(run_then_fetch("sh check.sh", [{"grep": "FAILED"}]), home=ctxlean_home)
    last = api.model_requests()[-1]["body"]
    shown = bash_result(last)
    assert shown["is_error"] and "check_fixture_03999" not in shown["content"]  # Claude Code cut the end
    [context] = hook_contexts(last)
    assert "check_fixture_03999: FAILED" in context and HANDLE.search(context)
    assert "checksum 9f3ab12 expected, got 77aa0c1" in results_for(last, FETCH_DETAIL)[0]
    assert not run.rejected_outputs()


def test_a_succeeding_big_command_is_still_offloaded(session, ctxlean_home, ledger_project):
    run, api = session(run_then_fetch(f"{PYTEST} -k rate_is_in_range", [{"grep": "acct-0777\\]"}]),
                       home=ctxlean_home)

    last = api.model_requests()[-1]["body"]
    shown = bash_result(last)
    assert not shown.get("is_error") and "900 passed" in shown["content"]
    assert estimate_tokens(shown["content"]) <= 500 and HANDLE.search(shown["content"])
    assert "tests/test_ledger.py::test_rate_is_in_range[acct-0777] PASSED" in results_for(last, FETCH_DETAIL)[0]
    assert hook_contexts(last) == [] and captures(ctxlean_home) == []
    assert not run.rejected_outputs()


def small_failure_script() -> Script:
    return Script([
        Rule("lint", match=not_(has_tool_result), respond=reply(tool_use("Bash", {
            "command": f"{RUFF} check --isolated --no-cache bad.py", "description": "lint"}))),
        Rule("done", match=has_tool_result, respond=reply(text("Done."))),
    ])


def test_a_small_failing_command_reaches_the_model_as_without_ctxlean(session, plain_home, ctxlean_home, project):
    (project / "bad.py").write_text("import os\nx = 1\n")
    received = {}
    for name, home in (("without", plain_home), ("with", ctxlean_home)):
        run, api = session(small_failure_script(), home=home)
        assert run.result["subtype"] == "success"
        received[name] = api.model_requests()[-1]["body"]
    plain = bash_result(received["without"])
    assert plain["is_error"] and "F401" in plain["content"] and "Found 2 errors." in plain["content"]
    assert bash_result(received["with"]) == plain
    assert hook_contexts(received["with"]) == []
    assert captures(ctxlean_home) == []  # it was wrapped, failed, and its capture was dropped


def test_outside_bypass_mode_an_allowed_command_runs_unwrapped(session, ctxlean_home, project):
    """Claude Code checks a rewritten command against the user's rules: ctxlean must not rewrite there, or
    a command the user allowed would be refused."""
    (project / "bad.py").write_text("import os\nx = 1\n")
    run, api = session(small_failure_script(), home=ctxlean_home,
                       args=["--permission-mode", "default", "--allowedTools", f"Bash({RUFF} check:*)"])
    shown = bash_result(api.model_requests()[-1]["body"])
    assert shown["is_error"] and "Found 2 errors." in shown["content"]
    assert not (ctxlean_home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "captures").exists()


def test_the_agent_sdk_callbacks_keep_a_failing_run_too(tmp_path, ledger_project):
    """ctxlean_options' in-process hooks: PreToolUse wraps, the PostToolUseFailure callback adds the summary."""
    from claude_agent_sdk import ClaudeAgentOptions, query

    from ctxlean.sdk import ctxlean_options

    script = Script([
        Rule("run", match=not_(has_tool_result), respond=reply(tool_use("Bash", {
            "command": PYTEST, "description": "run the test suite"}))),
        Rule("done", match=has_tool_result, respond=reply(text("Done."))),
    ])

    async def drive(url: str) -> None:
        options = ctxlean_options(ClaudeAgentOptions(cwd=str(ledger_project), permission_mode="bypassPermissions",
                                                     env=claude_env(tmp_path / "home", url),
                                                     cli_path=claude_executable()), agents=False)
        async for _ in query(prompt="Run the tests.", options=options):
            pass

    with FakeAnthropic(script) as api:
        asyncio.run(asyncio.wait_for(drive(api.url), 300))
    last = api.model_requests()[-1]["body"]
    assert ASSERTION not in bash_result(last)["content"]
    [context] = hook_contexts(last)
    assert FAILED_TEST in context and ASSERTION in context and HANDLE.search(context)
    assert SDK_TOOL_PREFIX + "fetch_detail" in [tool["name"] for tool in last["tools"]]
    assert list(capture_dir().iterdir()) == []
