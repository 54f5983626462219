"""Issue 2, points 3 and 4: small outputs pass byte for byte, and a broken store fails open."""

from __future__ import annotations

import os

import pytest

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL
from ctxlean.fakeapi.script import has_tool_result, not_, reply, text, tool_result_for, tool_results, tool_use

pytestmark = pytest.mark.e2e

MEDIUM_OUTPUT_LINES = 6000  # `seq 1 6000`: 28,893 bytes, ~7,200 tokens: over the offload threshold, and
# under Claude Code's own 30,000-character cut, so without ctxlean the model gets it whole


def two_tools_script(command: str, path: str) -> Script:
    """Bash `command`, then Read `path`, then stop."""
    return Script([
        Rule("bash", match=not_(has_tool_result), respond=reply(tool_use("Bash", {"command": command}))),
        Rule("read", match=tool_result_for("Bash"), respond=reply(tool_use("Read", {"file_path": path}))),
        Rule("done", match=tool_result_for("Read"), respond=reply(text("Done."))),
    ])


def offered_tools(api) -> list[str]:
    return [tool["name"] for tool in api.model_requests()[0]["body"]["tools"]]


def received_results(api) -> list[dict]:
    """Every tool_result block of the session's last model request."""
    return tool_results(api.model_requests()[-1]["body"])


def test_small_outputs_reach_the_model_byte_identical_to_a_run_without_the_plugin(
        session, plain_home, ctxlean_home, project):
    notes = project / "notes.txt"
    notes.write_text("first note\nsecond note: café ✓\n")
    runs = {}
    for name, home in (("without", plain_home), ("with", ctxlean_home)):
        run, api = session(two_tools_script("printf 'alpha\\nbeta  \\n\\tgamma\\n'", str(notes)), home=home)
        assert run.result["subtype"] == "success"
        assert (FETCH_DETAIL in offered_tools(api)) == (name == "with")  # the plugin is live in one run only
        runs[name] = received_results(api)
    assert "alpha\nbeta  \n\tgamma" in runs["without"][0]["content"]
    assert "second note: café ✓" in runs["without"][1]["content"]
    assert runs["with"] == runs["without"]


def unwritable_store(tmp_path) -> str:
    """A store location ctxlean cannot write: a read-only dir, or, as root (whom file modes do not stop),
    a regular file standing where the dir should be."""
    if os.geteuid() == 0:
        blocker = tmp_path / "store-blocked"
        blocker.write_text("not a directory")
        return str(blocker / "store")
    store = tmp_path / "store-readonly"
    store.mkdir(mode=0o500)
    return str(store)


def test_broken_store_leaves_the_original_output_and_the_session_going(
        session, ctxlean_home, project, tmp_path):
    notes = project / "notes.txt"
    notes.write_text("the session went on\n")
    script = two_tools_script(f"seq 1 {MEDIUM_OUTPUT_LINES}", str(notes))
    run, api = session(script, home=ctxlean_home, env={"CTXLEAN_STORE": unwritable_store(tmp_path)})

    bash_result, read_result = received_results(api)
    assert bash_result["content"] == "\n".join(str(i) for i in range(1, MEDIUM_OUTPUT_LINES + 1))
    assert "the session went on" in read_result["content"]
    assert run.result["subtype"] == "success" and run.result["result"] == "Done."
    # The hook did run, tried to store the output, failed, and exited 0 (Claude Code logs its stderr).
    failures = [line for line in run.debug.splitlines() if "ctxlean: hook post-tool-use failed" in line]
    assert len(failures) == 1 and "store" in failures[0]
