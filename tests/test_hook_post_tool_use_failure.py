"""The failing-command hooks fed with inputs captured from the real Claude Code 2.1.330 (tests/fixtures/
hook_inputs/failure_*.json, with the capture file the wrapper wrote beside each): PostToolUseFailure gives
the model the failures Claude Code cut, with a handle; PreToolUse wraps only what it should; PostToolUse
works as before on a wrapped command; the SDK callbacks pick the new event up."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURES, load_sample

import ctxlean
from ctxlean.capture import capture_path, unwrap, wrap
from ctxlean.hooks import run
from ctxlean.store import open_store
from ctxlean.tokens import estimate_tokens

HANDLE = re.compile(r"ctx_[0-9a-f]{16}")
INPUTS = FIXTURES / "hook_inputs"
FAILED_TEST = "FAILED tests/test_ledger.py::test_month_end_balance_matches_the_ledger"
ASSERTION = "E       AssertionError: balance 1425 for account acct-0042 does not match the ledger"


def failure(name: str, with_capture: bool = True) -> dict:
    """A recorded PostToolUseFailure input; its capture file put where the wrapper wrote it."""
    event = json.loads((INPUTS / f"{name}.json").read_text())
    if with_capture:
        path = Path(capture_path(event["tool_use_id"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(INPUTS / f"{name}.out", path)
    return event


def answer(event_name: str, event: dict):
    out = run(event_name, json.dumps(event).encode())
    return json.loads(out) if out else None


def ledger(event: dict) -> list[tuple]:
    with open_store() as store:
        return store.ledger_for_session(event["session_id"])


def test_a_60_kb_failing_pytest_run_reaches_the_model_as_failures_and_a_handle():
    event = failure("failure_pytest_60kb")
    shown = event["error"]
    assert ASSERTION not in shown and "[20" in shown  # Claude Code's part lacks the failure: cut at 30,000
    out = answer("post-tool-use-failure", event)["hookSpecificOutput"]
    assert out["hookEventName"] == "PostToolUseFailure" and set(out) == {"hookEventName", "additionalContext"}
    context = out["additionalContext"]
    assert context.startswith("[ctxlean] Claude Code showed only part of this Bash output; all of it is stored as")
    assert FAILED_TEST in context and ASSERTION in context and "1 failed, 900 passed" in context
    assert estimate_tokens(context) <= 500
    handle = HANDLE.search(context)[0]
    with open_store() as store:
        info = store.info(handle, event["cwd"])
        assert store.read_bytes(handle, event["cwd"]) == (INPUTS / "failure_pytest_60kb.out").read_bytes()
    assert info.kind == "pytest"  # detected from the model's own command, not the wrapper
    assert not os.path.exists(capture_path(event["tool_use_id"]))
    [(_, tool, logged, original_tokens, summary_tokens, _)] = ledger(event)
    assert (tool, logged, original_tokens) == ("Bash", handle, 0)  # nothing kept out of the context...
    assert summary_tokens == estimate_tokens(context)  # ...and the summary added


def test_the_same_failure_gives_the_same_text():
    first = answer("post-tool-use-failure", failure("failure_pytest_60kb"))
    again = answer("post-tool-use-failure", failure("failure_pytest_60kb"))
    assert first == again


def test_a_failure_claude_code_showed_whole_gets_nothing():
    event = failure("failure_pytest_small")
    assert "1 failed, 900 passed" in event["error"]
    assert answer("post-tool-use-failure", event) is None
    assert not os.path.exists(capture_path(event["tool_use_id"])) and ledger(event) == []


def test_without_a_capture_only_an_output_over_claude_codes_cap_gets_a_note():
    over = failure("failure_unwrapped_over_cap", with_capture=False)
    note = answer("post-tool-use-failure", over)["hookSpecificOutput"]["additionalContext"]
    assert "30,000 characters" in note and not HANDLE.search(note)
    assert answer("post-tool-use-failure", failure("failure_unwrapped_small", with_capture=False)) is None
    assert ledger(over) == []


def test_other_tools_and_interrupted_commands_are_left_alone():
    event = failure("failure_pytest_60kb")
    assert answer("post-tool-use-failure", {**event, "is_interrupt": True}) is None
    assert not os.path.exists(capture_path(event["tool_use_id"]))
    assert answer("post-tool-use-failure", {**failure("failure_pytest_60kb"), "tool_name": "Read"}) is None


def test_a_broken_store_fails_open_and_logs(isolated_env):
    event = failure("failure_pytest_60kb")
    with open_store() as store:  # a store this ctxlean cannot use (a bad file would be moved aside instead)
        store.db.execute("PRAGMA user_version = 99")
    assert run("post-tool-use-failure", json.dumps(event).encode()) == ""
    assert "hook post-tool-use-failure failed" in (isolated_env / "store" / "errors.log").read_text()
    assert not os.path.exists(capture_path(event["tool_use_id"]))


# --- PreToolUse and PostToolUse around it ----------------------------------------------------------------

def bash_pre(command: str, permission_mode: str = "bypassPermissions") -> dict:
    event = load_sample("pre_bash_subagent.json")
    event.update(permission_mode=permission_mode, tool_input={"command": command, "description": "run"})
    return event


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the capture needs /proc")
def test_pre_tool_use_wraps_foreground_commands_in_bypass_mode_only():
    out = answer("pre-tool-use", bash_pre("python -m pytest -q tests"))["hookSpecificOutput"]
    assert set(out) == {"hookEventName", "updatedInput"}  # no permissionDecision: the user's rules decide
    new = out["updatedInput"]
    assert new["description"] == "run" and unwrap(new["command"]) == "python -m pytest -q tests"
    assert unwrap(answer("pre-tool-use", bash_pre("./run_checks.sh"))["hookSpecificOutput"]["updatedInput"]
                  ["command"]) == "./run_checks.sh"
    assert answer("pre-tool-use", bash_pre("make &")) is None  # background: nothing to keep at its exit
    assert answer("pre-tool-use", bash_pre("pytest", permission_mode="default")) is None


def test_post_tool_use_on_a_wrapped_command_works_as_before_and_drops_a_capture():
    plain = load_sample("post_bash_medium.json")
    expected = answer("post-tool-use", plain)
    wrapped = json.loads(json.dumps(plain))
    path = capture_path(wrapped["tool_use_id"])
    wrapped["tool_input"]["command"] = wrap(plain["tool_input"]["command"], path)
    Path(path).parent.mkdir(parents=True)
    Path(path).write_text("left by an exit status Claude Code reads as success")
    assert answer("post-tool-use", wrapped) == expected
    assert not os.path.exists(path)


def test_the_sdk_callbacks_run_the_failure_hook_like_the_command_hook():
    from ctxlean.sdk.hooks import command_hooks, hook_matchers

    assert ("PostToolUseFailure", "Bash", "post-tool-use-failure", 60) in command_hooks()
    assert any(matcher == "Read|Bash" and handler == "pre-tool-use" for _, matcher, handler, _ in command_hooks())
    callback = hook_matchers()["PostToolUseFailure"][0].hooks[0]
    expected = answer("post-tool-use-failure", failure("failure_pytest_60kb"))
    event = failure("failure_pytest_60kb")
    assert asyncio.run(callback(event, event["tool_use_id"], {"signal": None})) == expected


def test_the_failure_hooks_import_only_the_standard_library(tmp_path):
    event = failure("failure_pytest_60kb")
    pre = tmp_path / "pre.json"
    pre.write_text(json.dumps(bash_pre("pytest -x")))
    post = tmp_path / "post.json"
    post.write_text(json.dumps(event))
    code = ("import sys, json; from ctxlean.hooks import run; "
            "run('pre-tool-use', open(sys.argv[1], 'rb').read()); "
            "assert run('post-tool-use-failure', open(sys.argv[2], 'rb').read()); "
            "heavy = {'mcp', 'anthropic', 'claude_agent_sdk', 'pydantic', 'rich', 'orjson', 'httpx'}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")
    source = str(Path(ctxlean.__file__).resolve().parents[1])  # this checkout's ctxlean, not an installed one
    proc = subprocess.run([sys.executable, "-c", code, str(pre), str(post)], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": source})
    assert json.loads(proc.stdout) == []
