"""`ctxlean lean` in the real Claude Code: after --apply the model is no longer sent the unused optional
tools nor the unused skills' descriptions, the request shrinks by about what data/lean.json says, and
--undo (or uninstall) brings the original request back."""

from __future__ import annotations

import json

import pytest

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.claude import run_ctxlean
from ctxlean.fakeapi.script import has_tool_result, not_, reply, text, tool_use
from ctxlean.lean.catalog import SKILL, load
from ctxlean.tokens import estimate_tokens

pytestmark = pytest.mark.e2e

CATALOG = load()
SKILLS_HEADER = "The following skills are available for use with the Skill tool:\n\n"


def ctxlean(home, project, *args: str) -> str:
    proc = run_ctxlean(home, project, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def first_request(api) -> dict:
    return next(r["body"] for r in api.model_requests() if r["body"].get("tools"))


def tool_names(body: dict) -> list[str]:
    return [tool["name"] for tool in body["tools"]]


def skill_lines(body: dict) -> dict[str, str]:
    """skill name -> its listing line, as the model received it."""
    for message in body["messages"]:
        content = message["content"]
        for block in [{"text": content}] if isinstance(content, str) else content:
            found = (block.get("text") or "").find(SKILLS_HEADER)
            if found != -1:
                listing = block["text"][found + len(SKILLS_HEADER):].split("\n\n")[0]
                return {line[2:].split(":")[0]: line for line in listing.splitlines() if line.startswith("- ")}
    return {}


def size(body: dict) -> int:
    return estimate_tokens(json.dumps({k: body[k] for k in ("system", "tools", "messages")},
                                      separators=(",", ":"), ensure_ascii=False))


def uses_simplify() -> Script:
    """The model invokes the simplify skill once, then stops: simplify counts as used."""
    return Script([
        Rule("skill", match=not_(has_tool_result), respond=reply(tool_use("Skill", {"skill": "simplify"})), times=1),
        Rule("done", respond=reply(text("Done."))),
    ])


def test_apply_hides_unused_items_from_the_request_and_undo_brings_them_back(session, plain_home, project):
    before = first_request(session(uses_simplify(), home=plain_home)[1])
    assert {"Workflow", "ScheduleWakeup", "ReportFindings", "ListAgents"} <= set(tool_names(before))
    assert skill_lines(before)["dataviz"].startswith("- dataviz: ")

    out = ctxlean(plain_home, project, "lean", "--apply")
    assert "1 session(s) in the last 30 days" in out
    lean = first_request(session(Script([Rule("done", respond=reply(text("Done.")))]), home=plain_home)[1])

    assert not {"Workflow", "ScheduleWakeup", "ReportFindings", "ListAgents"} & set(tool_names(lean))
    assert set(tool_names(before)) - set(tool_names(lean)) == CATALOG.tools
    lines = skill_lines(lean)
    assert lines["simplify"].startswith("- simplify: ")  # used in the first session: still described
    assert {name for name, line in lines.items() if line == f"- {name}"} == \
        {item.name for item in CATALOG.items if item.kind == SKILL} - {"simplify"}
    expected = sum(item.tokens for item in CATALOG.items if item.name != "simplify")
    assert 0.9 * expected <= size(before) - size(lean) <= 1.1 * expected

    ctxlean(plain_home, project, "lean", "--undo")
    after = first_request(session(Script([Rule("done", respond=reply(text("Done.")))]), home=plain_home)[1])
    assert tool_names(after) == tool_names(before)
    assert skill_lines(after) == skill_lines(before)


def test_install_lean_hides_and_uninstall_takes_it_back(session, plain_home, project):
    out = ctxlean(plain_home, project, "install", "--lean")
    assert "no sessions in the last 30 days: every optional item counts as unused" in out
    lean = first_request(session(Script([Rule("done", respond=reply(text("Done.")))]), home=plain_home)[1])
    assert not CATALOG.tools & set(tool_names(lean))
    assert all(line == f"- {name}" for name, line in skill_lines(lean).items() if name in
               {item.name for item in CATALOG.items})

    ctxlean(plain_home, project, "uninstall")
    assert not (plain_home / ".claude" / "settings.json").exists()  # there was none before install
