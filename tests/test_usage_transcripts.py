"""Reading Claude Code transcripts: exact token totals on captured sessions and on synthetic ones with
duplicate lines, missing request ids, 1-hour cache writes, subagents, compaction and damaged files."""

from __future__ import annotations

import os
from pathlib import Path

from transcript_writer import SessionWriter
from usage_helpers import (
    CAPTURED,
    CWD,
    PLUGIN_AGENT,
    PLUGIN_SESSION,
    install_captured,
    last_cost_state,
    projects,
    report_json,
    run,
)

T0 = 1_795_000_000.0  # 2026-11-18


def home() -> Path:
    return Path(os.environ["HOME"])


def test_captured_sessions_match_claude_codes_own_totals(capsys):
    install_captured(home())
    report = report_json(capsys)
    rows = {r["key"]: r for r in report["rows"]}
    assert set(rows) == {PLUGIN_SESSION, "2e9bcc5e-4b80-41e1-a83b-f455a4b6597b",
                         "11111111-2222-3333-4444-555555555555"}
    # Each session's tokens and cost equal what Claude Code itself recorded (its cost-state line),
    # including the compaction requests it never writes as responses.
    for sid, fixture in ((PLUGIN_SESSION, "plugin_main_session.jsonl"),
                         ("2e9bcc5e-4b80-41e1-a83b-f455a4b6597b", "auto_compact_session.jsonl"),
                         ("11111111-2222-3333-4444-555555555555", "manual_compact_session.jsonl")):
        state = last_cost_state(CAPTURED / fixture)
        usage = state["modelUsage"].values()
        assert rows[sid]["input_tokens"] == sum(u["inputTokens"] for u in usage)
        assert rows[sid]["output_tokens"] == sum(u["outputTokens"] for u in usage)
        assert round(rows[sid]["cost_usd"], 6) == round(state["totalCostUSD"], 6)


def test_subagent_is_attributed_to_its_parent_session_and_its_model(capsys):
    install_captured(home())
    row = next(r for r in report_json(capsys)["rows"] if r["key"] == PLUGIN_SESSION)
    agents = {a["key"]: a for a in row["agents"]}
    assert agents["main (claude-opus-5-5)"]["requests"] == 4
    mech = agents[f"ctxlean:mech {PLUGIN_AGENT} (claude-haiku-5-5)"]
    assert (mech["requests"], mech["input_tokens"], mech["output_tokens"]) == (2, 200, 40)
    assert mech["cost_usd"] == round((200 * 0.1 + 40 * 0.5) / 1e6, 6)
    by_model = {r["key"]: r for r in report_json(capsys, "--by", "model")["rows"]}
    assert by_model["claude-haiku-5-5"]["input_tokens"] == 200


def test_duplicate_lines_and_missing_request_ids_count_each_response_once(capsys):
    with SessionWriter(projects(home()), CWD) as s:
        s.user("go", T0)
        s.assistant("claude-opus-5-5", T0 + 1, input=1000, output=50, blocks=3)
        s.assistant("claude-opus-5-5", T0 + 2, input=10, output=20, cache_read=1000, blocks=2, request_id=False)
        s.assistant("claude-opus-5-5", T0 + 3, input=10, output=30, cache_read=1010, blocks=1, request_id=False)
    total = report_json(capsys)["total"]
    assert (total["requests"], total["input_tokens"], total["output_tokens"], total["cache_read_tokens"]) == \
        (3, 1020, 100, 2010)


def test_usage_that_grew_between_lines_of_one_response_keeps_the_final_figures(capsys):
    with SessionWriter(projects(home()), CWD) as s:
        msg = s.assistant("claude-opus-5-5", T0, input=100, output=1, blocks=1)
        s.assistant("claude-opus-5-5", T0, input=100, output=250, blocks=1, msg_id=msg)
    total = report_json(capsys)["total"]
    assert (total["requests"], total["input_tokens"], total["output_tokens"]) == (1, 100, 250)


def test_one_hour_cache_writes_are_priced_at_the_one_hour_rate(capsys):
    with SessionWriter(projects(home()), CWD) as s:
        s.assistant("claude-opus-5-5", T0, input=3, output=100, write_1h=20_000, write_5m=1_000, ttl="1h")
    total = report_json(capsys)["total"]
    assert (total["cache_write_1h_tokens"], total["cache_write_5m_tokens"]) == (20_000, 1_000)
    # Opus 5.5: input $4, output $20, 5m write $5, 1h write $8 per million.
    assert total["cost_usd"] == round((3 * 4 + 100 * 20 + 1_000 * 5 + 20_000 * 8) / 1e6, 6)


def test_a_resumed_transcript_repeating_responses_is_not_counted_twice(capsys):
    with SessionWriter(projects(home()), CWD) as first:
        msg = first.assistant("claude-opus-5-5", T0, input=500, output=10)
    with SessionWriter(projects(home()), CWD) as second:  # a fork copies the earlier response
        second.assistant("claude-opus-5-5", T0, input=500, output=10, msg_id=msg)
        second.assistant("claude-opus-5-5", T0 + 5, input=20, output=10, cache_read=500)
    total = report_json(capsys)["total"]
    assert (total["requests"], total["input_tokens"]) == (2, 520)


def test_compaction_splits_the_context_chart_and_the_turns(capsys):
    with SessionWriter(projects(home()), CWD) as s:
        s.assistant("claude-sonnet-5-5", T0, input=100, cache_read=90_000, output=10)
        s.compact(T0 + 10, pre_tokens=90_110)
        s.assistant("claude-sonnet-5-5", T0 + 20, input=5_000, output=10)
    turns = report_json(capsys, "--by", "turn")["rows"]
    assert [(t["context_tokens"], t["segment"]) for t in turns] == [(90_100, 0), (5_000, 1)]
    code, out, _ = run(capsys, "report")
    assert code == 0 and "|" in out.split("context per turn")[1]  # the compaction is marked on the axis


def test_truncated_last_line_and_garbage_give_warnings_not_a_crash(capsys):
    with SessionWriter(projects(home()), CWD) as s:
        s.assistant("claude-opus-5-5", T0, input=100, output=10)
        s.raw('{"type":"assistant","message":{"usage":{ broken\n')
        s.raw('{"parentUuid":null,"type":"assistant","message":{"id":"msg_cut","usage":{"input_tok')
    code, out, err = run(capsys, "report", "--json")
    assert code == 0
    assert "the last line is incomplete" in err and "1 malformed line(s) skipped" in err
    import json

    assert json.loads(out)["total"]["input_tokens"] == 100


def test_claude_config_dir_is_respected(capsys, monkeypatch, tmp_path):
    config_dir = tmp_path / "claude-config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config_dir))
    with SessionWriter(config_dir / "projects", CWD) as s:
        s.assistant("claude-opus-5-5", T0, input=7, output=3)
    assert report_json(capsys)["total"]["input_tokens"] == 7


def test_session_project_and_since_narrow_the_report(capsys, tmp_path):
    with SessionWriter(projects(home()), CWD, "aaaa-1") as a:
        a.assistant("claude-opus-5-5", T0, input=1, output=1)
    with SessionWriter(projects(home()), "/srv/other", "bbbb-2") as b:
        b.assistant("claude-opus-5-5", T0 + 86_400 * 3, input=2, output=1)
    assert report_json(capsys, "--session", "aaaa")["total"]["input_tokens"] == 1
    assert report_json(capsys, "--project", "/srv/other")["total"]["input_tokens"] == 2
    import time

    day = time.strftime("%Y-%m-%d", time.localtime(T0 + 86_400 * 2))
    assert report_json(capsys, "--since", day)["total"]["input_tokens"] == 2
    code, _, err = run(capsys, "report", "--session", "nope")
    assert code == 1 and "no Claude Code transcripts found" in err


def _reencode(path: Path, **dumps) -> None:
    """Rewrite every line of a transcript as another valid JSON encoding of the same object."""
    import json

    lines = path.read_text().splitlines()
    path.write_text("".join(json.dumps(json.loads(line), **dumps) + "\n" for line in lines))


def test_any_json_encoding_of_the_same_lines_gives_the_same_totals(capsys):
    import json
    import shutil

    pdir = install_captured(home())
    compact = report_json(capsys)
    doctor = run(capsys, "doctor", "--json")[1]
    encodings = [{}, {"indent": None, "separators": (" , ", " : ")}, {"sort_keys": True},
                 {"ensure_ascii": True, "separators": (",", ": ")}]
    for dumps in encodings:  # json.dumps' default is '"usage": {', what jq and most exporters write
        shutil.rmtree(projects(home()))
        install_captured(home())
        for path in pdir.rglob("*.jsonl"):
            _reencode(path, **dumps)
        assert '"usage":{' not in (pdir / f"{PLUGIN_SESSION}.jsonl").read_text() or dumps.get("sort_keys")
        spaced = report_json(capsys)
        assert spaced["rows"] == compact["rows"] and spaced["total"] == compact["total"], dumps
        assert json.loads(run(capsys, "doctor", "--json")[1]) == json.loads(doctor), dumps


def test_files_that_yield_nothing_are_reported_as_such(capsys):
    pdir = projects(home()) / "-home-user-proj"
    pdir.mkdir(parents=True)
    (pdir / "0000.jsonl").write_text('{\n  "type": "assistant",\n  "message": {"usage": {}}\n}\n')
    code, out, err = run(capsys, "report")
    assert "1 transcript file(s) under" in err and "none holds an API response" in err
