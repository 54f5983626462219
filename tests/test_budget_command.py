"""`ctxlean budget`: finds this project's newest session under Claude Code's projects dir and shows its
context use against the budget."""

import os
import shutil
import subprocess
import sys

from support import FIXTURES

from ctxlean import budget_command

TRANSCRIPTS = FIXTURES / "transcripts"


def ctxlean(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ctxlean", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_newest_session_of_the_project(tmp_path):
    project = tmp_path / "my_proj"
    project.mkdir()
    folder = budget_command.sessions_dir(os.path.realpath(project))
    assert folder.name.endswith("-my-proj")  # Claude Code's naming: non-alphanumerics become '-'
    folder.mkdir(parents=True)
    shutil.copy(TRANSCRIPTS / "auto_compact_session.jsonl", folder / "old.jsonl")
    os.utime(folder / "old.jsonl", (1, 1))
    shutil.copy(TRANSCRIPTS / "dup_ids_session.jsonl", folder / "new.jsonl")
    (project / ".claude").mkdir()
    (project / ".claude" / "ctxlean.toml").write_text("context_budget_tokens = 20000\n")
    out = ctxlean("budget", cwd=project)
    assert out.returncode == 0, out.stderr
    assert "new.jsonl" in out.stdout and "14,205 / 20,000 tokens" in out.stdout and "71%" in out.stdout
    assert "(soft)" in out.stdout and "ctxlean install --project" in out.stdout
    old = ctxlean("budget", "--session", "old", cwd=project)
    assert "8,020 / 20,000" in old.stdout


def test_explicit_transcript_and_subagents(tmp_path):
    main = tmp_path / "s1.jsonl"
    shutil.copy(TRANSCRIPTS / "dup_ids_session.jsonl", main)
    (tmp_path / "s1" / "subagents").mkdir(parents=True)
    shutil.copy(TRANSCRIPTS / "plugin_subagent.jsonl", tmp_path / "s1" / "subagents" / "agent-abc.jsonl")
    out = ctxlean("budget", "--transcript", str(main), cwd=tmp_path)
    assert "14,205 / 160,000" in out.stdout and "agent-abc: 120 tokens" in out.stdout


def test_no_session_is_one_clear_line(tmp_path):
    out = ctxlean("budget", cwd=tmp_path)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no Claude Code session found" in out.stderr


def test_bar_marks():
    assert budget_command.bar(0.5, 0.6, 0.85, width=20) == "[##########--|----!--]"
    assert budget_command.bar(1.3, 0.6, 0.85, width=10) == "[##########]"
