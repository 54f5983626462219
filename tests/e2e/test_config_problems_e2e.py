"""Issue 13: a config typo no longer turns ctxlean off in silence. Through the installed plugin, the
SessionStart hook's one line reaches the place Claude Code shows the user (its hook_system_message), while
the session goes on with the output passing through unchanged."""

from __future__ import annotations

import json

import pytest

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.script import has_tool_result, not_, reply, results_for, text, tool_use

pytestmark = pytest.mark.e2e


def transcript_records(home) -> list[dict]:
    [path] = list((home / ".claude" / "projects").glob("*/*.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_broken_project_config_is_shown_at_session_start_and_the_session_goes_on(session, ctxlean_home, project):
    (project / ".claude").mkdir()
    config = project / ".claude" / "ctxlean.toml"
    config.write_text("offload_threshold_tokens = 'big'\n")
    script = Script([
        Rule("run", match=not_(has_tool_result), respond=reply(tool_use("Bash", {"command": "seq 1 30000"}))),
        Rule("done", match=has_tool_result, respond=reply(text("Done."))),
    ])
    run, api = session(script, home=ctxlean_home)
    expected = f"ctxlean is off: {config}: offload_threshold_tokens = 'big': expected an integer, got 'big'"
    shown = [r["attachment"]["content"] for r in transcript_records(ctxlean_home)
             if r.get("type") == "attachment" and r["attachment"].get("type") == "hook_system_message"]
    assert shown == [expected]
    assert run.result["subtype"] == "success"
    [output] = results_for(api.model_requests()[-1]["body"], "Bash")
    # failed open: Claude Code's own cut of the output, no handle
    assert output.startswith("<persisted-output>\nOutput too large") and "stored out of band" not in output
    assert expected not in json.dumps(api.model_requests()[0]["body"])  # for the user, not the model
