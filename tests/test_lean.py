"""`ctxlean lean`: counts the uses of optional tools and skills in transcripts, hides only the unused ones
in Claude Code's settings, and takes back exactly what it added (--undo, uninstall)."""

from __future__ import annotations

import json
import os
import time

import pytest
from transcript_writer import SessionWriter

from ctxlean import install
from ctxlean.claude_settings import state_path
from ctxlean.lean import command
from ctxlean.lean.catalog import SKILL, TOOL, load
from ctxlean.lean.uses import count_uses, in_window
from ctxlean.paths import claude_config_dir
from ctxlean.usage.transcripts import find_transcripts

NOW = time.time()
CATALOG = load()
TOOLS = sorted(CATALOG.tools)
SKILLS = sorted(item.name for item in CATALOG.items if item.kind == SKILL)


def projects():
    return claude_config_dir() / "projects"


def settings_file():
    return claude_config_dir() / "settings.json"


def settings() -> dict:
    return json.loads(settings_file().read_text())


def write_settings(value) -> None:
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text(value if isinstance(value, str) else json.dumps(value))


def lean(capsys, *args: str) -> tuple[int, str, str]:
    rc = command.main(["lean", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def row(out: str, name: str) -> list[str]:
    """The table row of one item, split into columns."""
    line = next(line for line in out.splitlines() if line.startswith(name + " "))
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


def test_uses_come_from_tool_calls_skill_calls_and_slash_commands_in_the_window():
    with SessionWriter(projects(), "/work/app") as main:
        main.user("plan the release", NOW - 3600)
        main.tool_use("Workflow", {"script": "x"}, NOW - 3000, tool_id="toolu_wf1")
        main.tool_use("Skill", {"skill": "dataviz"}, NOW - 2900)
        main.slash_command("init", NOW - 2800)  # its meta line quotes /simplify: not a use
        main.tool_use("ScheduleWakeup", {"delaySeconds": 60}, NOW - 40 * 86400)  # before the window
        # a request shape carries every tool's definition: not a call
        main.request(NOW - 2700, "h1", {"tools": [{"name": "ListAgents", "description": "d", "input_schema": {}}]},
                     tools=["ListAgents"])
        with main.subagent("a1", "general-purpose", "claude-haiku-5-5") as sub:
            sub.tool_use("ReportFindings", {"findings": []}, NOW - 2600)
    with SessionWriter(projects(), "/work/app") as resumed:  # a resumed session repeats earlier lines
        resumed.tool_use("Workflow", {"script": "x"}, NOW - 3000, tool_id="toolu_wf1")
        resumed.tool_use("Workflow", {"script": "y"}, NOW - 100)

    uses = count_uses(in_window(find_transcripts(), NOW - 30 * 86400), TOOLS, NOW - 30 * 86400)

    assert (uses.sessions, uses.files) == (2, 3)
    assert {tool: uses.of(TOOL, tool) for tool in TOOLS} == {
        "Workflow": 2, "ReportFindings": 1, "ScheduleWakeup": 0, "ListAgents": 0}
    assert uses.of(SKILL, "dataviz") == 1 and uses.of(SKILL, "init") == 1 and uses.of(SKILL, "simplify") == 0


def test_old_transcripts_are_not_read():
    with SessionWriter(projects(), "/work/old") as old:
        old.tool_use("Workflow", {}, NOW - 60 * 86400)
    os.utime(old.path, (NOW - 60 * 86400, NOW - 60 * 86400))
    assert in_window(find_transcripts(), NOW - 30 * 86400) == []


def test_report_changes_nothing_and_shows_uses_costs_and_plan(capsys):
    with SessionWriter(projects(), "/work/app") as main:
        main.tool_use("Workflow", {}, NOW - 100)
    rc, out, _ = lean(capsys)
    assert rc == 0 and not settings_file().exists()
    assert out.startswith("1 session(s) in the last 30 days")
    tokens = {item.name: item.tokens for item in CATALOG.items}
    assert row(out, "Workflow") == ["Workflow", "tool", "1", f"{tokens['Workflow']:,}", "keep: used"]
    assert row(out, "dataviz") == ["dataviz", "skill description", "0", f"{tokens['dataviz']:,}", "hide"]
    saved = sum(tokens.values()) - tokens["Workflow"]
    assert f"--apply would save ~{saved:,} tokens per request" in out


def test_apply_hides_only_unused_items_and_keeps_the_users_own_entries(capsys):
    mine = {"model": "opus", "permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(rm:*)", "ListAgents"]},
            "skillOverrides": {"loop": "off"}}
    write_settings(mine)
    with SessionWriter(projects(), "/work/app") as main:
        main.tool_use("Workflow", {}, NOW - 100)
        main.tool_use("Skill", {"skill": "dataviz"}, NOW - 90)

    rc, out, _ = lean(capsys, "--apply")

    now = settings()
    assert rc == 0 and now["model"] == "opus" and now["permissions"]["allow"] == ["Bash(ls:*)"]
    deny = now["permissions"]["deny"]
    assert deny[:2] == ["Bash(rm:*)", "ListAgents"] and sorted(deny[2:]) == ["ReportFindings", "ScheduleWakeup"]
    assert now["skillOverrides"] == {"loop": "off", **{s: "name-only" for s in SKILLS if s not in ("loop", "dataviz")}}
    assert row(out, "Workflow")[-1] == "keep: used" and row(out, "dataviz")[-1] == "keep: used"
    assert row(out, "ListAgents")[-1] == row(out, "loop")[-1] == "left: your setting"
    assert "hid tool ScheduleWakeup" in out and "hid tool Workflow" not in out
    assert "undo with `ctxlean lean --undo`" in out


def test_no_sessions_is_said_plainly_and_everything_counts_as_unused(capsys):
    rc, out, _ = lean(capsys, "--apply")
    assert rc == 0
    assert "no sessions in the last 30 days: every optional item counts as unused" in out
    assert sorted(settings()["permissions"]["deny"]) == TOOLS
    assert sorted(settings()["skillOverrides"]) == SKILLS


def test_undo_removes_exactly_what_apply_added_and_leaves_later_user_changes(capsys):
    write_settings({"model": "opus"})
    lean(capsys, "--apply")
    changed = settings()
    changed["permissions"]["deny"].remove("ReportFindings")  # the user un-hid one
    changed["permissions"]["deny"].append("Bash(curl:*)")  # and added a rule of their own
    changed["skillOverrides"]["run"] = "off"  # and turned a skill off
    write_settings(changed)

    rc, out, _ = lean(capsys, "--undo")

    assert rc == 0
    assert settings() == {"model": "opus", "permissions": {"deny": ["Bash(curl:*)"]}, "skillOverrides": {"run": "off"}}
    assert "tool Workflow shown again" in out and "skill run: skillOverrides.run left as it is" in out
    assert not state_path().exists()
    assert "nothing to undo" in lean(capsys, "--undo")[1]


def test_apply_twice_then_undo_restores_the_original_file(capsys):
    write_settings({"model": "opus"})
    lean(capsys, "--apply")
    rc, out, _ = lean(capsys, "--apply")
    assert rc == 0 and "nothing to change" in out and row(out, "Workflow")[-1] == "hidden by ctxlean"
    lean(capsys, "--undo")
    assert settings() == {"model": "opus"}


def test_a_hidden_skill_used_since_gets_its_description_back(capsys):
    lean(capsys, "--apply")
    with SessionWriter(projects(), "/work/app") as main:
        main.slash_command("dataviz", NOW - 10)  # still invocable by name while hidden
    rc, out, _ = lean(capsys, "--apply")
    assert rc == 0 and "skill dataviz described again" in out
    assert "dataviz" not in settings()["skillOverrides"] and "loop" in settings()["skillOverrides"]


def test_uninstall_undoes_lean(capsys, tmp_path):
    write_settings({"model": "opus"})
    lean(capsys, "--apply")
    # only lean ran in this scope: uninstall has no `claude plugin` command to run
    messages = install.uninstall("user", tmp_path, claude="/nonexistent/claude")
    assert settings() == {"model": "opus"}
    assert any("tool Workflow shown again" in m for m in messages)
    assert not state_path().exists()


def test_project_scope_writes_the_projects_local_settings(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, _ = lean(capsys, "--apply", "--project")
    local = tmp_path / ".claude" / "settings.local.json"
    assert rc == 0 and sorted(json.loads(local.read_text())["permissions"]["deny"]) == TOOLS
    assert not settings_file().exists() and "--undo --project" in out
    lean(capsys, "--undo")  # the user scope: nothing of this project's
    assert json.loads(local.read_text())["permissions"]["deny"]
    lean(capsys, "--undo", "--project")
    assert json.loads(local.read_text()) == {}


def test_claude_config_dir_is_respected(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cc"))
    lean(capsys, "--apply")
    assert sorted(json.loads((tmp_path / "cc" / "settings.json").read_text())["skillOverrides"]) == SKILLS


def test_settings_that_are_not_json_are_a_clear_error_and_stay_untouched(capsys):
    write_settings("{oops")
    rc, out, err = lean(capsys, "--apply")
    assert rc == 2 and out == ""  # a settings file it cannot use: exit 2
    assert err.startswith("ctxlean lean: ") and "settings.json is not valid JSON" in err and err.count("\n") == 1
    assert settings_file().read_text() == "{oops"


@pytest.mark.parametrize("days", ["0", "-3", "week"])
def test_bad_days_is_a_clear_error(capsys, days):
    with pytest.raises(SystemExit) as exit_:
        command.main(["lean", "--days", days])
    assert exit_.value.code == 2
    assert "--days: must be a whole number of days above 0" in capsys.readouterr().err
