"""The replay engine: steps from real Claude Code transcripts, used facts, and the cost rebuild.

Transcripts are the real CLI's (tests/fixtures/transcripts/: replay_session/ has a persisted Bash output,
a failing command Claude Code cut, a Read and a subagent; auto_compact_session.jsonl a compaction)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ctxlean.config import Config
from ctxlean.replay import engine
from ctxlean.replay.claude_transcript import read_session
from ctxlean.replay.engine import Setup, replay
from ctxlean.replay.facts import Mentions, identifiers
from ctxlean.replay.session import Block, Compaction, Request
from ctxlean.replay.trajectory import session_of
from ctxlean.usage.pricing import load_prices
from ctxlean.usage.transcripts import find_transcripts

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
SETUP = Setup(Config(), load_prices())


def projects_with(tmp_path: Path, *names: str) -> Path:
    """A Claude Code projects dir holding the named fixture transcripts (files or session dirs)."""
    root = tmp_path / "projects" / "-work-proj"
    root.mkdir(parents=True)
    for name in names:
        source = FIXTURES / name
        if source.is_dir():
            shutil.copytree(source, root, dirs_exist_ok=True)
        else:
            shutil.copy(source, root / name)
    return root.parent


def session_from(root: Path):
    files = find_transcripts(root)
    main = next(f for f in files if f.agent_id is None)
    return read_session(main, [f for f in files if f.agent_id])


def results(chain):
    return [item for item in chain.items if isinstance(item, Block) and item.kind == "tool_result"]


@pytest.fixture
def recorded(tmp_path):
    return session_from(projects_with(tmp_path, "replay_session"))


def test_steps_of_a_real_session_with_a_subagent(recorded):
    main, sub = recorded.chains
    tools = [b.call.tool for b in results(main)]
    assert tools == ["Bash", "Bash", "Read", "Agent"]
    assert sub.agent_id and [b.call.tool for b in results(sub)] == ["Bash"]
    assert sub.agent_type == "general-purpose"
    # one Request per API response, however many lines Claude Code wrote for it
    assert sum(isinstance(i, Request) for i in main.items) == 5
    assert all(i.usage and i.billed for i in main.items if isinstance(i, Request))
    assert recorded.offered_tools and "Bash" in recorded.offered_tools
    assert "dataviz" in recorded.listed_skills
    assert not recorded.ran_with_ctxlean


def test_persisted_output_is_found_beside_the_transcript_wherever_it_was_recorded(recorded, tmp_path):
    persisted = results(recorded.main)[0].call
    assert "<persisted-output>" in persisted.shown
    assert not os.path.exists(persisted.response["persistedOutputPath"])  # the recording machine's path
    assert persisted.full_path.startswith(str(tmp_path))
    assert os.path.getsize(persisted.full_path) == persisted.response["persistedOutputSize"]
    assert not persisted.cut


def test_failed_tool_is_marked_and_keeps_what_claude_code_showed(recorded):
    failing = results(recorded.main)[1].call
    assert failing.error
    assert failing.shown.startswith("Exit code 1") and "characters truncated" in failing.shown


def test_a_persisted_output_without_its_file_is_flagged_cut(tmp_path):
    root = projects_with(tmp_path, "replay_session")
    for results_dir in root.rglob("tool-results"):
        shutil.rmtree(results_dir)
    session = session_from(root)
    assert results(session.main)[0].call.cut and session.outputs_cut


def test_compaction_resets_the_context(tmp_path):
    session = session_from(projects_with(tmp_path, "auto_compact_session.jsonl"))
    items = session.main.items
    at = next(i for i, item in enumerate(items) if isinstance(item, Compaction))
    after = [i for i in items[at:] if isinstance(i, Block)]
    assert any(b.text.startswith("This session is being continued") for b in after)
    replayed = replay(session, SETUP)
    # the request after the compaction sees only the prefix and what followed it, in both arms
    assert replayed.without.context[-1] < replayed.without.context[-2] / 3


def test_rebuild_without_ctxlean_reproduces_the_recorded_usage(recorded):
    """The fake API counts tokens as the replay does: the rebuild must give back what was recorded."""
    replayed = replay(recorded, SETUP)
    assert replayed.without.context == replayed.recorded.context
    for name in ("input", "cache_read", "cache_write", "output"):  # subagents' estimates are rounded per block
        assert getattr(replayed.without, name) == pytest.approx(getattr(replayed.recorded, name), rel=1e-3), name
    assert replayed.without.cost == pytest.approx(replayed.recorded.cost, rel=1e-3)


def test_calibration_follows_a_tokenizer_that_counts_more(tmp_path):
    """Real sessions count tokens with the model's tokenizer, not ctxlean's estimate: the same session with
    every recorded count 30% higher must rebuild to its recorded cost and keep its estimated saving."""
    root = projects_with(tmp_path, "replay_session")
    for path in root.rglob("*.jsonl"):
        lines = []
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            usage = (rec.get("message") or {}).get("usage") if rec.get("type") == "assistant" else None
            for key, value in (usage or {}).items():
                if isinstance(value, int):
                    usage[key] = round(value * 1.3)
            lines.append(json.dumps(rec))
        path.write_text("\n".join(lines) + "\n")
    scaled = replay(session_from(root), SETUP)
    plain = replay(session_from(projects_with(tmp_path / "plain", "replay_session")), SETUP)
    assert scaled.without.cost == pytest.approx(scaled.recorded.cost, rel=0.02)
    assert scaled.estimated_cost / scaled.actual_cost == pytest.approx(plain.estimated_cost / plain.actual_cost,
                                                                        abs=0.02)


def test_cache_simulation_accounts_for_every_prompt_token(recorded, monkeypatch):
    """input + cache read + cache write is the whole rebuilt prompt, in both arms, request by request."""
    seen = []
    account = engine.CacheSim.account

    def checked(self, model, blocks, output_tokens=0):
        usage = account(self, model, blocks, output_tokens)
        seen.append((sum(b.tokens for b in blocks), usage))
        return usage

    monkeypatch.setattr(engine.CacheSim, "account", checked)
    replay(recorded, Setup(Config(offload_threshold_tokens=100), load_prices()))
    assert len(seen) >= 2 * 6
    for prompt, usage in seen:
        assert usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"] \
            == prompt


def test_nothing_offloaded_nothing_changed(recorded):
    replayed = replay(recorded, Setup(Config(offload_tools=()), load_prices()))
    assert replayed.offloads == 0 and replayed.fetches == 0
    assert replayed.with_ctxlean.cost == pytest.approx(replayed.without.cost)
    assert replayed.estimated_cost == pytest.approx(replayed.actual_cost)


def test_offloading_the_persisted_output_keeps_it_out(recorded):
    replayed = replay(recorded, SETUP)
    assert replayed.offloads >= 1 and replayed.kept_out_tokens > 0
    # the model used "29999" (from the persisted output) in its answer; "test_item_03999" came from the
    # failing command, which Claude Code showed: both count as used
    assert replayed.facts.used >= 2


def test_lean_and_plugin_change_every_request_of_the_main_agent(recorded):
    base = replay(recorded, Setup(Config(offload_tools=()), load_prices()))
    lean = replay(recorded, Setup(Config(offload_tools=()), load_prices(), lambda s: 1000, lambda s: 200))
    deltas = {w - b for w, b in zip(lean.with_ctxlean.context, base.with_ctxlean.context, strict=True)}
    assert deltas == {-800}


# --- used facts ---------------------------------------------------------------------------------------

def test_identifier_classes():
    text = ("FAILED tests/test_dates.py::test_parse_iso - expected 78, got 76 at line 1234 in commit 9f3ab12 "
            "version 2.14.1 of numpy.ndarray; plain words and ab and 42 are not facts")
    assert identifiers(text) == {"tests/test_dates.py", "test_parse_iso", "1234", "9f3ab12", "2.14.1",
                                 "numpy.ndarray"}


def test_paths_match_longer_and_shorter_forms():
    seen = Mentions("edit src/ledger/dates.py now")
    assert seen.has("ledger/dates.py") and seen.has("/repo/src/ledger/dates.py")
    assert not seen.has("ledger/times.py") and not seen.has("dates.py.bak")


def _trajectory(observation: str, later: list[str]) -> dict:
    steps = [{"thought": "", "action": {"tool": "Bash", "input": {"command": "python -m pytest -q"}},
              "observation": observation}]
    steps += [{"thought": text, "action": {"tool": "Bash", "input": {"command": "true"}}, "observation": ""}
              for text in later]
    return {"id": "t", "framework": "test", "task": "fix test_known_case", "steps": steps}


def test_a_fact_is_used_only_in_the_next_three_responses_and_only_if_new():
    observation = "tests/test_a.py::test_known_case FAILED\ntests/test_b.py::test_late_one FAILED\n"
    session = session_of(_trajectory(observation, ["look at test_known_case", "x", "y", "now test_late_one"]))
    replayed = replay(session, SETUP)
    # test_known_case was in the task (not new); test_late_one is used four responses later
    assert replayed.facts.used == 0


def test_a_hidden_used_fact_is_charged_one_fetch():
    lines = [f"2026-11-25T10:00:{i % 60:02d}Z INFO request r{i:06d} served in {i % 97} ms" for i in range(4000)]
    lines[2345] = "2026-11-25T10:39:05Z WARN request r002345 slow_backend_q7 took 9001 ms"
    session = session_of(_trajectory("\n".join(lines), ["the slow one is slow_backend_q7, request r002345"]))
    cfg = Config()
    replayed = replay(session, Setup(cfg, load_prices()))
    assert replayed.offloads == 1
    used, kept = replayed.facts.offloaded, replayed.facts.offloaded_kept
    assert used >= 1 and replayed.fetches == used - kept
    assert replayed.with_ctxlean.requests == replayed.without.requests + replayed.fetches


def test_a_framework_cut_shows_the_model_the_cut_and_ctxlean_the_whole():
    observation = "".join(f"line {i:05d} of a long build output\n" for i in range(3000))
    data = {**_trajectory(observation, ["done"]), "shown_max_chars": 30_000}
    call = results(session_of(data).main)[0].call
    assert len(call.shown) < 30_100 and "characters cut" in call.shown
    assert call.output == observation


def test_trajectory_without_usage_is_simulated_in_both_arms():
    session = session_of(_trajectory("ok\n" * 10, ["done"]))
    replayed = replay(session, SETUP)
    assert replayed.recorded is None
    assert replayed.actual_cost == replayed.without.cost > 0


def test_estimate_json_reads_transcripts_and_writes_nothing(recorded, tmp_path, capsys, monkeypatch):
    from ctxlean.replay import estimate

    home = tmp_path / "home"
    projects = home / ".claude" / "projects"
    shutil.copytree(projects_with(tmp_path / "src", "replay_session"), projects)
    before = sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert estimate.main(["estimate", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    total = data["total"]
    for key in ("actual_cost_usd", "estimated_cost_usd", "saving_fraction", "used_facts", "used_facts_kept",
                "fetches_charged"):
        assert key in total and key in data["sessions"][0]
    assert total["sessions"] == 1 and 0 < total["estimated_cost_usd"] < total["actual_cost_usd"]
    assert sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*")) == before


def test_estimate_says_when_there_is_nothing_to_read(tmp_path, capsys, monkeypatch):
    from ctxlean.replay import estimate

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    assert estimate.main(["estimate"]) == 1
    assert "no Claude Code sessions found" in capsys.readouterr().err
    assert estimate.main(["estimate", "--since", "yesterday"]) == 2
