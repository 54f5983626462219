"""Shared by the usage tests: put transcripts where Claude Code keeps them and run the commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ctxlean.cli import main as cli_main

CAPTURED = Path(__file__).parent / "fixtures" / "transcripts"
PLUGIN_SESSION = "33f29c0b-2059-4a5b-8b27-c85b79765654"
PLUGIN_AGENT = "ab25f6202c9cdb28b"
CWD = "/home/user/proj"


def projects(home: Path) -> Path:
    return home / ".claude" / "projects"


def install_captured(home: Path) -> Path:
    """The captured plugin session (main + Haiku subagent) and the two compaction sessions, laid out as
    Claude Code lays them out; returns the project dir."""
    pdir = projects(home) / "-home-user-proj"
    sub = pdir / PLUGIN_SESSION / "subagents"
    sub.mkdir(parents=True)
    shutil.copy(CAPTURED / "plugin_main_session.jsonl", pdir / f"{PLUGIN_SESSION}.jsonl")
    shutil.copy(CAPTURED / "plugin_subagent.jsonl", sub / f"agent-{PLUGIN_AGENT}.jsonl")
    shutil.copy(CAPTURED / "plugin_subagent.meta.json", sub / f"agent-{PLUGIN_AGENT}.meta.json")
    shutil.copy(CAPTURED / "auto_compact_session.jsonl", pdir / "2e9bcc5e-4b80-41e1-a83b-f455a4b6597b.jsonl")
    shutil.copy(CAPTURED / "manual_compact_session.jsonl", pdir / "11111111-2222-3333-4444-555555555555.jsonl")
    return pdir


def last_cost_state(path: Path) -> dict:
    """Claude Code's own totals for a captured session (its last cost-state line)."""
    states = [json.loads(line) for line in path.read_text().splitlines() if line.startswith('{"type":"cost-state"')]
    return states[-1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli_main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def report_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "report", "--json", *argv)
    assert code == 0, err
    return json.loads(out)
