"""Context accounting on transcripts captured from the real Claude Code, and the budget policy."""

import json
from pathlib import Path

import pytest
from support import FIXTURES

from ctxlean import budget, config
from ctxlean.tokens import estimate_tokens

TRANSCRIPTS = FIXTURES / "transcripts"


def lines_of(name: str) -> list[str]:
    return (TRANSCRIPTS / name).read_text().splitlines(keepends=True)


def cut(tmp_path: Path, name: str, upto: int, tail: str = "") -> Path:
    """The transcript as it was on disk when its line `upto` (0-based) was the last one written."""
    path = tmp_path / f"{name}.{upto}.jsonl"
    path.write_text("".join(lines_of(name)[:upto + 1]) + tail)
    return path


def usage_total(line: str) -> int:
    usage = json.loads(line)["message"]["usage"]
    return sum(usage[k] for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
                                  "output_tokens"))


def test_one_response_on_several_lines_is_counted_once(tmp_path):
    # dup_ids_session: the second response (text + two tool calls) is three lines with one message id,
    # each carrying the full usage: 200 input + 12,500 cache read + 1,200 cache write + 60 output.
    lines = lines_of("dup_ids_session.jsonl")
    ids = [json.loads(line)["message"]["id"] for line in lines[29:32]]
    assert len(set(ids)) == 1
    use = budget.context_use(cut(tmp_path, "dup_ids_session.jsonl", 31))
    assert use.response_tokens == 200 + 12_500 + 1_200 + 60 == usage_total(lines[31])
    assert use.appended_tokens == 0 and use.tokens == 13_960


def test_what_came_after_the_last_response_is_estimated(tmp_path):
    lines = lines_of("dup_ids_session.jsonl")
    use = budget.context_use(cut(tmp_path, "dup_ids_session.jsonl", 39))
    results = [json.loads(lines[i])["message"]["content"][0]["content"] for i in (34, 37)]
    notes = [json.loads(lines[i])["rendered"][0]["content"] for i in (36, 39)]
    assert results == ["alpha", "beta"] and all("budget state line" in n for n in notes)
    assert use.response_tokens == 13_960
    assert use.appended_tokens == sum(map(estimate_tokens, results + notes))
    assert use.tokens == 13_960 + use.appended_tokens


def test_whole_session_ends_at_the_last_response():
    use = budget.context_use(TRANSCRIPTS / "dup_ids_session.jsonl")
    assert use.tokens == 100 + 13_700 + 400 + 5 and not use.compacted
    # Claude Code's fake-driven auto compaction sample: the last response reported 8,000 in + 20 out.
    assert budget.context_use(TRANSCRIPTS / "auto_compact_session.jsonl").tokens == 8_020


def test_a_compaction_resets_the_count(tmp_path):
    lines = lines_of("auto_compact_session.jsonl")
    assert '"compact_boundary"' in lines[39]
    before = budget.context_use(cut(tmp_path, "auto_compact_session.jsonl", 38))
    assert before.response_tokens == 75_020 and not before.compacted  # the response that crossed the threshold
    after = budget.context_use(cut(tmp_path, "auto_compact_session.jsonl", 49))
    summary = json.loads(lines[42])["message"]["content"]
    assert after.compacted and after.response_tokens == 0
    assert estimate_tokens(summary) < after.tokens < 10_000


def test_a_long_line_across_many_blocks_is_read_whole(tmp_path):
    lines = lines_of("dup_ids_session.jsonl")
    big = "x" * (5 * budget.BLOCK_BYTES + 123)
    entry = json.loads(lines[34])
    entry["message"]["content"][0]["content"] = big
    path = cut(tmp_path, "dup_ids_session.jsonl", 33, tail=json.dumps(entry) + "\n")
    use = budget.context_use(path)
    assert use.response_tokens == 13_960 and use.appended_tokens == estimate_tokens(big)


def test_history_before_the_last_response_is_never_parsed(tmp_path):
    # Megabytes of garbage in front of the tail change nothing: the scan stops at the last response.
    path = tmp_path / "long.jsonl"
    with path.open("wb") as fh:
        fh.write(b"not json at all " * 200_000 + b"\n")
        fh.write("".join(lines_of("dup_ids_session.jsonl")).encode())
    assert budget.context_use(path) == budget.context_use(TRANSCRIPTS / "dup_ids_session.jsonl")


def test_a_half_written_last_line_is_skipped(tmp_path):
    path = cut(tmp_path, "dup_ids_session.jsonl", 31, tail='{"parentUuid":"x","type":"user","message":{"ro')
    assert budget.context_use(path).tokens == 13_960


def test_missing_transcript_and_empty_transcript(tmp_path):
    assert budget.context_use(tmp_path / "nope.jsonl") is None
    (tmp_path / "empty.jsonl").write_text("")
    assert budget.context_use(tmp_path / "empty.jsonl") == budget.ContextUse(0, 0)


def test_subagent_transcript_lives_beside_the_session(tmp_path):
    # Hooks inside a subagent get the main transcript_path plus agent_id (captured in s5_plugin).
    from support import load_sample

    event = load_sample("pre_bash_subagent.json")
    main = Path(event["transcript_path"])
    expected = main.parent / main.stem / "subagents" / f"agent-{event['agent_id']}.jsonl"
    assert budget.transcript_for(event) == str(expected)
    assert budget.transcript_for({"transcript_path": str(main)}) == str(main)
    assert budget.transcript_for({}) is None
    # and the subagent's own transcript is accounted like any other (100 in + 20 out, captured)
    assert budget.context_use(TRANSCRIPTS / "plugin_subagent.jsonl").tokens == 120


# --- policy ------------------------------------------------------------------------------------------

def test_limits_tighten_between_the_marks():
    cfg = config.Config(offload_threshold_tokens=1600, summary_budget_tokens=400, read_max_tokens=8000,
                        budget_soft_mark=0.5, budget_hard_mark=0.9)
    assert budget.limits_at(0.0, cfg) == budget.limits_at(0.5, cfg) == budget.Limits(1600, 400, 8000)
    assert budget.limits_at(0.7, cfg) == budget.Limits(1000, 300, 5000)  # half way: 1 - 0.75/2, 1 - 0.5/2
    assert budget.limits_at(0.9, cfg) == budget.limits_at(1.4, cfg) == budget.Limits(400, 200, 2000)
    fills = [i / 20 for i in range(25)]
    thresholds = [budget.limits_at(f, cfg).offload_threshold_tokens for f in fills]
    assert thresholds == sorted(thresholds, reverse=True)


def test_tightened_applies_per_tool_overrides_first():
    cfg = config.Config(tools={"mcp__*": {"offload_threshold_tokens": 4000}})
    at_hard = budget.tightened(cfg, "mcp__github__search", 0.95)
    assert at_hard.offload_threshold_tokens == 1000 and at_hard.tools == {}
    assert at_hard.for_tool("mcp__github__search").offload_threshold_tokens == 1000  # not undone by offload()
    assert budget.tightened(cfg, "Bash", 0.1).offload_threshold_tokens == 1500


def test_zones_and_note():
    cfg = config.Config(context_budget_tokens=100_000)
    zones = [budget.state_of(t, cfg).zone for t in (10_000, 60_000, 85_000, 100_000)]
    assert zones == ["ok", "soft", "hard", "over"]
    state = budget.state_of(72_000, cfg)
    note = budget.budget_note(state, budget.limits_at(state.fill, cfg))
    assert "72%" in note and "72,000 of 100,000" in note and estimate_tokens(note) < 80


def test_bad_marks_are_a_config_error(monkeypatch):
    monkeypatch.setenv("CTXLEAN_BUDGET_SOFT_MARK", "0.9")
    monkeypatch.setenv("CTXLEAN_BUDGET_HARD_MARK", "0.8")
    with pytest.raises(config.ConfigError, match="budget_soft_mark"):
        config.load()


# --- compaction at the budget --------------------------------------------------------------------------

def threshold(env: dict, model_window: int = 1_000_000) -> int:
    """Claude Code 2.1.330's auto-compaction threshold, as measured against the fake API (see budget.py)."""
    window = min(max(int(env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]), 100_000), model_window)
    effective = window - 20_000
    pct = env.get("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE")
    if pct is None:
        return effective - 13_000
    return min(int(effective * float(pct) / 100), effective - 13_000)


@pytest.mark.parametrize("budget_tokens", [5_000, 12_345, 50_000, 66_999, 67_000, 100_000, 160_000, 777_777])
def test_autocompact_env_puts_the_threshold_at_the_budget(budget_tokens):
    env = budget.autocompact_env(budget_tokens)
    assert threshold(env) == budget_tokens
    assert set(env) <= set(budget.AUTOCOMPACT_VARS)
