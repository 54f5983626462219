"""`ctxlean doctor`: cache misses with their likely cause, on synthetic sessions where the cause is known."""

from __future__ import annotations

import json
import os
from pathlib import Path

from transcript_writer import SessionWriter
from usage_helpers import CWD, install_captured, projects, run

T0 = 1_795_000_000.0
SYSTEM = [{"type": "text", "text": "You are Claude Code."}]
TOOLS = [{"name": "Bash"}, {"name": "Read"}]


def misses(capsys, *argv: str) -> list[dict]:
    code, out, err = run(capsys, "doctor", "--json", *argv)
    assert code == 0, err
    return json.loads(out)["misses"]


def warm(s: SessionWriter, ts: float, prefix: int, model: str = "claude-opus-5-5", **kw) -> None:
    s.assistant(model, ts, input=20, cache_read=prefix, write_5m=500, output=50, **kw)


def write(path_home: Path, build) -> None:
    with SessionWriter(projects(path_home), CWD, "doc-1") as s:
        build(s)


def test_warm_session_has_no_misses(capsys):
    def build(s):
        s.assistant("claude-opus-5-5", T0, input=20, write_5m=30_000, output=50)  # cold start: expected
        for i in range(1, 6):
            warm(s, T0 + 30 * i, 30_000 + 500 * (i - 1))
    write(Path(os.environ["HOME"]), build)
    assert misses(capsys) == []
    code, out, _ = run(capsys, "doctor")
    assert "no cache misses in 1 session(s)" in out


def test_idle_gap_beyond_the_5_minute_ttl(capsys):
    def build(s):
        s.assistant("claude-opus-5-5", T0, input=20, write_5m=40_000, output=50)
        warm(s, T0 + 60, 40_000)
        s.assistant("claude-opus-5-5", T0 + 60 + 600, input=20, write_5m=40_520, output=50)  # 10 min later
    write(Path(os.environ["HOME"]), build)
    [miss] = misses(capsys)
    assert miss["causes"] == ["idle gap"] and miss["turn"] == 3
    assert "10m since the previous request, beyond the 5m cache TTL" in miss["detail"]
    assert miss["rewritten_tokens"] == 40_500
    assert miss["extra_cost_usd"] == round(40_500 * (5 - 0.2) / 1e6, 6)  # Opus 5.5: 5m write vs read


def test_one_hour_cache_survives_a_20_minute_gap_so_the_cause_is_elsewhere(capsys):
    def build(s):
        s.assistant("claude-opus-5-5", T0, input=20, write_1h=40_000, output=50, ttl="1h")
        s.assistant("claude-opus-5-5", T0 + 1_200, input=20, write_1h=40_020, output=50, ttl="1h")
    write(Path(os.environ["HOME"]), build)
    [miss] = misses(capsys)
    assert "idle gap" not in miss["causes"] and miss["causes"] == ["unknown"]


def test_model_switch_and_compaction(capsys):
    def build(s):
        s.assistant("claude-opus-5-5", T0, input=20, write_5m=50_000, output=50)
        s.assistant("claude-sonnet-5-5", T0 + 30, input=20, write_5m=50_020, output=50)
        warm(s, T0 + 60, 50_040, model="claude-sonnet-5-5")
        s.compact(T0 + 70)
        s.assistant("claude-sonnet-5-5", T0 + 80, input=20, write_5m=4_000, output=50)
    write(Path(os.environ["HOME"]), build)
    found = misses(capsys)
    assert [m["causes"] for m in found] == [["model switch"], ["compaction"]]
    assert found[0]["detail"] == "model claude-opus-5-5 -> claude-sonnet-5-5"
    assert found[1]["expected_rebuild"] is True
    code, out, _ = run(capsys, "doctor")
    assert "1 cache miss(es)" in out and "1 expected rebuild(s) after compaction" in out
    assert "fix: each model has its own cache" in out


def test_tools_list_and_system_prompt_changes_from_request_shapes(capsys):
    def build(s):
        ref = s.request(T0, "shape-a", {"system": SYSTEM, "tools": TOOLS}, tools=["Bash"])
        s.assistant("claude-opus-5-5", T0, input=20, write_5m=30_000, output=50, request_ref=ref)
        ref = s.request(T0 + 10, "shape-b", {"system": SYSTEM, "tools": [*TOOLS, {"name": "mcp__gh__search"}]})
        s.assistant("claude-opus-5-5", T0 + 10, input=20, write_5m=30_100, output=50, request_ref=ref)
        ref = s.request(T0 + 20, "shape-c", {"system": [{"type": "text", "text": "Changed, longer prompt."}],
                                             "tools": [*TOOLS, {"name": "mcp__gh__search"}]})
        s.assistant("claude-opus-5-5", T0 + 20, input=20, write_5m=30_200, output=50, request_ref=ref)
    write(Path(os.environ["HOME"]), build)
    tools, system = misses(capsys)
    assert tools["causes"] == ["tools changed"] and tools["detail"] == "tools +mcp__gh__search"
    assert system["causes"] == ["system prompt changed"]


def test_captured_sessions_without_caching_say_so_rather_than_no_misses(capsys):
    install_captured(Path(os.environ["HOME"]))
    code, out, _ = run(capsys, "doctor")
    assert code == 0 and "no prompt caching in 3 session(s)" in out


def test_sessions_without_any_cache_use_are_not_called_free_of_misses(capsys):
    def build(s):
        for i in range(4):
            s.assistant("claude-opus-5-5", T0 + 30 * i, input=20_000 + 500 * i, output=50)
    write(Path(os.environ["HOME"]), build)
    code, out, _ = run(capsys, "doctor")
    assert code == 0 and "no cache misses" not in out
    assert "no prompt caching in 1 session(s): none of their 4 responses read or wrote the cache" in out
    code, out, _ = run(capsys, "doctor", "--json")
    assert json.loads(out)["requests_using_the_cache"] == 0
