"""`ctxlean statusline`: the line Claude Code shows, read incrementally from the transcript tail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from transcript_writer import SessionWriter
from usage_helpers import CWD, projects

from ctxlean.store import open_store
from ctxlean.usage.statusline import statusline_settings

T0 = 1_795_000_000.0
SRC = Path(__file__).resolve().parents[1] / "src"


def statusline(event: dict, *, probe: bool = False) -> str:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if probe:  # which heavy modules the status line pulls in
        code = ("import json,sys; from ctxlean.usage.statusline import status_line;"
                "print(status_line(json.loads(sys.stdin.read())));"
                "print(sorted(m for m in ('orjson','sqlite3','argparse','ctxlean.usage.transcripts') "
                "if m in sys.modules))")
        cmd = [sys.executable, "-c", code]
    else:
        cmd = [sys.executable, "-m", "ctxlean", "statusline"]
    proc = subprocess.run(cmd, input=json.dumps(event), capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def event_for(s: SessionWriter) -> dict:
    return {"session_id": s.session_id, "transcript_path": str(s.path), "cwd": CWD,
            "model": {"id": "claude-opus-5-5", "display_name": "Opus"}, "cost": {"total_cost_usd": 0.0}}


def test_line_shows_context_cache_cost_and_saving_and_updates_incrementally():
    s = SessionWriter(projects(Path(os.environ["HOME"])), CWD, "live-1")
    s.assistant("claude-opus-5-5", T0, input=1_000, write_5m=20_000, output=500)
    s.fh.flush()
    event = event_for(s)
    first = statusline(event)
    # context = the last response's input + cache + output (ctxlean.budget's figure) against the 160k budget
    assert first.startswith("ctx 21.5k/160.0k 13%")
    assert "cache 0%" in first and f"${(1_000 * 4 + 20_000 * 5 + 500 * 20) / 1e6:.4f}" in first
    # a second response; its second line arrives only with the next refresh and must not count twice
    msg = s.assistant("claude-opus-5-5", T0 + 5, input=100, cache_read=21_000, output=100, blocks=1)
    s.fh.flush()
    second = statusline(event)
    s.assistant("claude-opus-5-5", T0 + 5, input=100, cache_read=21_000, output=100, blocks=1, msg_id=msg)
    s.close()
    with open_store() as store:
        store.record_offload(project=CWD, session_id="live-1", agent_id=None, tool="Bash",
                             handle="ctx_0123456789abcdef", original_tokens=12_000, summary_tokens=300)
    third = statusline(event)
    cost = (1_000 * 4 + 20_000 * 5 + 500 * 20 + 100 * 4 + 21_000 * 0.2 + 100 * 20) / 1e6
    assert f"${cost:.4f}" in second and f"${cost:.4f}" in third
    assert "cache 49%" in third  # 21k read of 42.1k prompt tokens
    assert third.endswith("saved 11.7k tok")


def test_status_line_stays_on_the_standard_library():
    with SessionWriter(projects(Path(os.environ["HOME"])), CWD, "live-2") as s:
        s.assistant("claude-opus-5-5", T0, input=10, output=5)
    line, loaded = statusline(event_for(s), probe=True).splitlines()
    assert line.startswith("ctx ")
    assert loaded == "[]"  # no orjson, no sqlite3 without a store, not the full transcript reader


def test_bad_input_gives_a_fallback_line_not_an_error():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "statusline"], input="not json", text=True,
                          capture_output=True, env=env, timeout=30)
    assert proc.returncode == 0 and proc.stdout.strip() == "ctxlean: status unavailable"


def test_settings_fragment_for_install():
    settings = statusline_settings("/opt/ctxlean/bin/ctxlean statusline")
    assert settings == {"statusLine": {"type": "command", "command": "/opt/ctxlean/bin/ctxlean statusline",
                                       "padding": 0}}
    default = statusline_settings()["statusLine"]["command"]
    proc = subprocess.run(default, shell=True, input="{}", capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode == 0 and proc.stdout.startswith("ctx 0/160.0k")


def test_a_broken_config_shows_in_the_status_line(tmp_path):
    from ctxlean.usage.statusline import status_line

    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    path = project / ".claude" / "ctxlean.toml"
    path.write_text("context_budget_tokens = 'big'\n")
    line = status_line({"session_id": "s", "cwd": str(project)})
    assert line == f"ctxlean is off: {path}: context_budget_tokens = 'big': expected an integer, got 'big'"
