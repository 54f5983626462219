"""`ctxlean report`: groupings, ctxlean's ledger saving, the terminal chart and the HTML page."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from transcript_writer import SessionWriter
from usage_helpers import CWD, install_captured, projects, report_json, run

from ctxlean.store import open_store

T0 = 1_795_000_000.0


def home() -> Path:
    return Path(os.environ["HOME"])


def offload(session_id: str, ts: float, original: int, summary: int, agent_id: str | None = None) -> None:
    with open_store() as store:
        store.record_offload(project=CWD, session_id=session_id, agent_id=agent_id, tool="Bash",
                             handle="ctx_0123456789abcdef", original_tokens=original, summary_tokens=summary)
        store.db.execute("UPDATE ledger SET ts = ? WHERE id = (SELECT MAX(id) FROM ledger)", (ts,))


def test_saving_counts_later_turns_until_the_next_compaction(capsys):
    with SessionWriter(projects(home()), CWD, "sess-1") as s:
        for i in range(3):  # turns at T0, T0+10, T0+20
            s.assistant("claude-opus-5-5", T0 + 10 * i, input=10, cache_read=20_000, output=5)
        s.compact(T0 + 25)
        s.assistant("claude-opus-5-5", T0 + 30, input=3_000, output=5)
    offload("sess-1", T0 + 5, original=30_000, summary=1_000)  # re-read by the turns at +10 and +20 only
    saving = report_json(capsys)["ctxlean_saving"]
    assert (saving["offloads"], saving["kept_out_tokens"], saving["reread_tokens_avoided"]) == (1, 29_000, 58_000)
    assert saving["estimated_saving_usd"] == pytest.approx(58_000 * 0.20 / 1e6)  # Opus 5.5 cache read
    assert "estimate" in saving["how"]
    code, out, _ = run(capsys, "report")
    assert "ctxlean kept 29.0k tokens out of context in 1 offload(s)" in out and "estimate" in out


def test_a_failing_commands_stored_output_is_not_counted_as_a_saving(capsys):
    with SessionWriter(projects(home()), CWD, "sess-f") as s:
        for i in range(3):
            s.assistant("claude-opus-5-5", T0 + 10 * i, input=10, cache_read=20_000, output=5)
    offload("sess-f", T0 + 5, original=0, summary=160)  # PostToolUseFailure: a note added, nothing kept out
    saving = report_json(capsys)["ctxlean_saving"]
    assert (saving["offloads"], saving["kept_out_tokens"], saving["reread_tokens_avoided"]) == (0, 0, 0)


def test_subagent_offload_counts_the_subagents_own_turns(capsys):
    with SessionWriter(projects(home()), CWD, "sess-2") as s:
        s.assistant("claude-opus-5-5", T0, input=10, output=5)
        sub = s.subagent("agent7", "ctxlean:mech", "claude-haiku-5-5")
        for i in range(4):
            sub.assistant("claude-haiku-5-5", T0 + 1 + i, input=10, cache_read=5_000, output=5)
        sub.close()
        s.assistant("claude-opus-5-5", T0 + 10, input=10, output=5)
    offload("sess-2", T0 + 1.5, original=2_000, summary=100, agent_id="agent7")
    saving = report_json(capsys)["ctxlean_saving"]
    assert saving["reread_tokens_avoided"] == 1_900 * 3
    assert saving["estimated_saving_usd"] == pytest.approx(1_900 * 3 * 0.01 / 1e6)  # Haiku 5.5 cache read


def test_groupings_by_day_and_turn(capsys):
    with SessionWriter(projects(home()), CWD, "sess-3") as s:
        s.assistant("claude-opus-5-5", T0, input=100, output=1)
        s.assistant("claude-sonnet-5-5", T0 + 86_400, input=200, output=2)
    days = report_json(capsys, "--by", "day")["rows"]
    assert [(d["key"], d["input_tokens"]) for d in days] == [
        (time.strftime("%Y-%m-%d", time.localtime(T0)), 100),
        (time.strftime("%Y-%m-%d", time.localtime(T0 + 86_400)), 200)]
    turns = report_json(capsys, "--by", "turn")["rows"]
    assert [(t["model"], t["agent"], t["context_tokens"]) for t in turns] == [
        ("claude-opus-5-5", "main", 100), ("claude-sonnet-5-5", "main", 200)]


def test_text_report_shows_rows_hit_ratio_and_a_context_chart(capsys):
    install_captured(home())
    with SessionWriter(projects(home()), CWD, "zz-cached") as s:
        for i in range(20):
            s.assistant("claude-opus-5-5", T0 + i, input=50, cache_read=10_000 + 2_000 * i, write_5m=2_000,
                        output=30)
    code, out, _ = run(capsys, "report", "--session", "zz-cached")
    assert code == 0
    table, chart = out.split("context per turn")
    assert "zz-cache proj" in table and "main (claude-opus-5-5)" in table
    assert "93%" in table  # 580k cache read of 621k prompt tokens
    assert "█" in chart and "turn 20" in chart


def test_html_report_is_self_contained_with_an_svg_chart(capsys, tmp_path):
    install_captured(home())
    page = tmp_path / "report.html"
    code, out, _ = run(capsys, "report", "--html", str(page))
    assert code == 0 and f"wrote {page}" in out
    html = page.read_text()
    assert html.startswith("<!doctype html>") and html.count("<svg") == 3
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Where the tokens go" in html and "ctxlean:mech" in html and "$0.5204" in html
