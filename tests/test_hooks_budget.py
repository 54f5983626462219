"""The budget hooks fed with inputs captured from the real Claude Code: PreToolUse steering, the PostToolUse
budget note and tightening, PreCompact's keep-the-handles text, SessionStart's handle index."""

import json
import re
import subprocess
import sys
from pathlib import Path

from support import FIXTURES, load_sample

from ctxlean import config
from ctxlean.hooks import run
from ctxlean.tokens import estimate_tokens

HANDLE = re.compile(r"ctx_[0-9a-f]{16}")


def answer(event_name: str, event: dict):
    out = run(event_name, json.dumps(event).encode())
    return json.loads(out) if out else None


def transcript_at(tmp_path: Path, tokens: int, agent_id: str | None = None) -> Path:
    """The main transcript path of a session whose agent (the main one, or subagent agent_id, whose
    transcript Claude Code writes beside the main one) last reported `tokens` of context."""
    lines = (FIXTURES / "transcripts" / "dup_ids_session.jsonl").read_text().splitlines()[:32]
    last = json.loads(lines[-1])
    last["message"]["usage"].update(input_tokens=tokens, cache_read_input_tokens=0,
                                    cache_creation_input_tokens=0, output_tokens=0)
    main = tmp_path / f"session-{tokens}.jsonl"
    path = main.parent / main.stem / "subagents" / f"agent-{agent_id}.jsonl" if agent_id else main
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    return main


def read_event(tmp_path: Path, lines: int, tokens_in_context: int | None = None, **tool_input) -> dict:
    event = load_sample("pre_read.json")
    project = tmp_path / "proj"
    project.mkdir(exist_ok=True)
    big = project / "big.log"
    big.write_text("".join(f"2026-11-25 12:00:{i % 60:02d} INFO worker {i} finished step {i * 7}\n"
                           for i in range(lines)))
    event.update(cwd=str(project), tool_input={"file_path": str(big), **tool_input})
    event["transcript_path"] = str(transcript_at(tmp_path, tokens_in_context)) if tokens_in_context else ""
    return event


# --- PreToolUse ----------------------------------------------------------------------------------------

def test_read_of_a_huge_file_becomes_a_bounded_read_with_a_note(tmp_path):
    event = read_event(tmp_path, 50_000)
    out = answer("pre-tool-use", event)["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse"
    assert "permissionDecision" not in out  # Claude Code's own permission rules still decide
    new = out["updatedInput"]
    assert new["file_path"] == event["tool_input"]["file_path"] and 100 < new["limit"] <= 2000
    lines = Path(new["file_path"]).read_text().splitlines(keepends=True)[:new["limit"]]
    numbered = "".join(f"{i + 1}\t{line}" for i, line in enumerate(lines))
    assert estimate_tokens(numbered) <= config.Config().read_max_tokens  # what Read brings back fits the cap
    note = out["additionalContext"]
    assert f"lines 1-{new['limit']:,}" in note and f"offset={new['limit'] + 1} limit={new['limit']}" in note


def test_the_bound_tightens_as_the_context_fills(tmp_path):
    low = answer("pre-tool-use", read_event(tmp_path, 50_000, tokens_in_context=10_000))
    high = answer("pre-tool-use", read_event(tmp_path, 50_000, tokens_in_context=150_000))
    assert high["hookSpecificOutput"]["updatedInput"]["limit"] * 3 < low["hookSpecificOutput"]["updatedInput"]["limit"]


def test_an_offset_is_kept_and_counted_from(tmp_path):
    out = answer("pre-tool-use", read_event(tmp_path, 50_000, offset=30_000))["hookSpecificOutput"]
    limit = out["updatedInput"]["limit"]
    assert out["updatedInput"]["offset"] == 30_000
    assert f"lines 30,000-{30_000 + limit - 1:,}" in out["additionalContext"]


def test_reads_left_alone(tmp_path):
    assert answer("pre-tool-use", read_event(tmp_path, 200)) is None  # small file
    assert answer("pre-tool-use", read_event(tmp_path, 50_000, limit=100)) is None  # the model chose a limit
    binary = read_event(tmp_path, 10)
    Path(binary["tool_input"]["file_path"]).write_bytes(b"\x89PNG\r\n\x1a\n\0\0" * 20_000)
    assert answer("pre-tool-use", binary) is None
    missing = read_event(tmp_path, 10)
    missing["tool_input"]["file_path"] += ".gone"
    assert answer("pre-tool-use", missing) is None
    bash = load_sample("pre_bash_subagent.json")  # only the failure capture's prefix, no bounded read
    assert "additionalContext" not in answer("pre-tool-use", bash)["hookSpecificOutput"]


# --- PostToolUse -------------------------------------------------------------------------------------

def test_budget_note_only_past_the_soft_mark(tmp_path):
    event = load_sample("post_bash_medium.json")  # ~7,000 tokens: offloaded at any fill
    event["transcript_path"] = str(transcript_at(tmp_path, 20_000))
    assert "additionalContext" not in answer("post-tool-use", event)["hookSpecificOutput"]
    event["transcript_path"] = str(transcript_at(tmp_path, 120_000))
    out = answer("post-tool-use", event)["hookSpecificOutput"]
    assert HANDLE.search(out["updatedToolOutput"]["stdout"])
    assert "of 160,000 tokens" in out["additionalContext"] and "75%" in out["additionalContext"]


def test_offload_threshold_tightens_with_the_fill(tmp_path):
    event = load_sample("post_bash_small.json")  # captured inside a subagent: its own transcript counts
    event["tool_response"]["stdout"] = "\n".join(f"row {i}: ok" for i in range(450))  # ~1,200 tokens
    event["transcript_path"] = str(transcript_at(tmp_path, 30_000, event["agent_id"]))
    assert answer("post-tool-use", event) is None  # under the 1,500-token threshold: untouched
    event["transcript_path"] = str(transcript_at(tmp_path, 140_000, event["agent_id"]))  # past the hard mark
    out = answer("post-tool-use", event)["hookSpecificOutput"]
    summary = out["updatedToolOutput"]["stdout"]
    assert HANDLE.search(summary) and estimate_tokens(summary) <= 200  # the summary budget halves too
    assert "Outputs over 375 tokens" in out["additionalContext"]


def test_small_output_past_the_soft_mark_gets_only_the_note(tmp_path):
    event = load_sample("post_bash_small.json")
    event["transcript_path"] = str(transcript_at(tmp_path, 100_000, event["agent_id"]))
    out = answer("post-tool-use", event)["hookSpecificOutput"]
    assert "updatedToolOutput" not in out and out["additionalContext"].startswith("[ctxlean] Context at 6")


# --- PreCompact and SessionStart ------------------------------------------------------------------------

def offload_in(session_id: str, sample: str, agent_id: str | None = None, **changes) -> str:
    """Run the PostToolUse hook on a captured big output in this session; the handle it gave."""
    event = load_sample(sample)
    event.update(session_id=session_id, cwd="/home/user/proj", **changes)
    event.pop("agent_id", None)
    if agent_id:
        event["agent_id"] = agent_id
    out = answer("post-tool-use", event)["hookSpecificOutput"]["updatedToolOutput"]
    text = out if isinstance(out, str) else out.get("stdout") or out["file"]["content"]
    return HANDLE.search(text)[0]


def test_pre_compact_prints_plain_text_keeping_this_sessions_handles():
    event = load_sample("pre_compact_auto.json")
    session = event["session_id"]
    mine = [offload_in(session, "post_bash_medium.json"), offload_in(session, "post_read_big.json")]
    other_session = offload_in("another-session", "post_mcp_str.json")
    subagent = offload_in(session, "post_mcp_str.json", agent_id="a123")
    text = run("pre-compact", json.dumps(event).encode())
    assert not text.startswith("{")  # plain text: Claude Code joins it into the compaction's instructions
    assert all(h in text for h in mine) and other_session not in text and subagent not in text
    assert "Keep every handle" in text and "Bash" in text and "Read" in text
    assert len(text) < 10_000  # Claude Code cuts each PreCompact hook's text at 10,000 characters


def test_pre_compact_without_handles_prints_nothing():
    assert run("pre-compact", json.dumps(load_sample("pre_compact_auto.json")).encode()) == ""


def test_session_start_reinjects_the_index_on_compact_and_resume_only():
    for sample in ("session_start_compact.json", "session_start_resume.json"):
        event = load_sample(sample)
        handle = offload_in(event["session_id"], "post_bash_medium.json")
        out = answer("session-start", event)["hookSpecificOutput"]
        assert out["hookEventName"] == "SessionStart"
        assert handle in out["additionalContext"] and "fetch_detail" in out["additionalContext"]
    startup = load_sample("session_start_startup.json")
    offload_in(startup["session_id"], "post_bash_medium.json")
    assert answer("session-start", startup) is None


def test_many_handles_stay_bounded():
    event = load_sample("session_start_compact.json")
    base = load_sample("post_bash_medium.json")["tool_response"]["stdout"]
    handles = [offload_in(event["session_id"], "post_bash_medium.json",
                          tool_response={**load_sample("post_bash_medium.json")["tool_response"],
                                         "stdout": f"variant {i}\n{base}"}) for i in range(60)]
    index = answer("session-start", event)["hookSpecificOutput"]["additionalContext"]
    assert len(index) <= 6_000 and handles[-1] in index and handles[0] not in index
    assert index.rstrip().endswith("list_details() shows them")


def test_budget_hooks_import_only_the_standard_library(tmp_path):
    event = read_event(tmp_path, 50_000, tokens_in_context=120_000)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    code = ("import sys, json; from ctxlean.hooks import run; raw = open(sys.argv[1], 'rb').read(); "
            "[run(e, raw) for e in ('pre-tool-use', 'post-tool-use', 'pre-compact', 'session-start')]; "
            "heavy = {'mcp', 'anthropic', 'claude_agent_sdk', 'pydantic', 'rich', 'orjson', 'httpx'}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == []


def test_ctxlean_own_answers_are_never_offloaded_again(tmp_path):
    # A fetch_detail answer (up to ~2,000 tokens) is what the model asked for: past the hard mark the
    # threshold is 375 tokens, yet it must reach the model as is.
    event = load_sample("post_mcp_str.json")
    event.update(tool_name="mcp__plugin_ctxlean_ctxlean__fetch_detail",
                 tool_response="\n".join(f"{n}: line {n} of a stored payload" for n in range(1, 200)),
                 transcript_path=str(transcript_at(tmp_path, 140_000)))
    out = answer("post-tool-use", event)["hookSpecificOutput"]
    assert "updatedToolOutput" not in out and "additionalContext" in out
    event["tool_name"] = "mcp__github__search"  # any other MCP tool is offloaded at this fill
    assert HANDLE.search(answer("post-tool-use", event)["hookSpecificOutput"]["updatedToolOutput"])


def test_session_start_tells_the_user_when_the_config_turns_ctxlean_off(tmp_path):
    event = load_sample("session_start_startup.json")
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    path = project / ".claude" / "ctxlean.toml"
    path.write_text("offload_threshold_tokens = 'big'\n")
    event["cwd"] = str(project)
    out = json.loads(run("session-start", json.dumps(event).encode()))
    assert out == {"systemMessage": f"ctxlean is off: {path}: offload_threshold_tokens = 'big': "
                                    "expected an integer, got 'big'"}
    path.write_text("ttl_days = 1\n")  # a user-only setting: ignored, said once at session start
    message = json.loads(run("session-start", json.dumps(event).encode()))["systemMessage"]
    assert message.startswith(f"{path}: ttl_days ignored: it can only be set in your user config")
    path.write_text("offload_threshold_tokens = 900\n")
    assert run("session-start", json.dumps(event).encode()) == ""


def test_session_start_names_an_unusable_store_setting(monkeypatch):
    monkeypatch.setenv("CTXLEAN_STORE", "relative/store")
    out = answer("session-start", load_sample("session_start_startup.json"))
    assert out["systemMessage"].startswith("ctxlean is off: CTXLEAN_STORE = 'relative/store' is a relative path")
