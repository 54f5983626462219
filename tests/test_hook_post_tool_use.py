"""The PostToolUse hook fed with inputs captured from the real Claude Code (tests/fixtures/samples)."""

import json
import re
import subprocess
import sys

from support import load_sample

from ctxlean.hooks import run
from ctxlean.store import open_store
from ctxlean.tokens import estimate_tokens

HANDLE = re.compile(r"ctx_[0-9a-f]{16}")


def answer(event: dict) -> dict | None:
    out = run("post-tool-use", json.dumps(event).encode())
    return json.loads(out) if out else None


def updated(event: dict):
    return answer(event)["hookSpecificOutput"]["updatedToolOutput"]


def test_bash_cut_by_claude_code_stores_the_persisted_full_output(tmp_path):
    event = load_sample("post_bash_persisted.json")
    full = "".join(f"{i}\n" for i in range(1, 200_001))
    results = tmp_path / "d0db5838" / "tool-results"  # where Claude Code writes it: beside the transcript
    results.mkdir(parents=True)
    persisted = results / "b018xao5x.txt"
    persisted.write_text(full)
    event["transcript_path"] = str(tmp_path / "d0db5838.jsonl")
    event["tool_response"].update(persistedOutputPath=str(persisted), persistedOutputSize=len(full))
    new = updated(event)
    # Same schema as Bash's own output, minus the persisted-output fields (else Claude Code re-wraps it).
    assert set(new) == {"stdout", "stderr", "interrupted", "isImage", "noOutputExpected"}
    assert new["stderr"] == "" and new["interrupted"] is False
    text = new["stdout"]
    handle = HANDLE.search(text)[0]
    assert f"{len(full.encode()):,} bytes" in text and "200,000 lines" in text
    assert "fetch_detail" in text and estimate_tokens(text) <= 400
    with open_store() as store:
        assert store.read_bytes(handle, event["cwd"]) == full.encode()


def test_read_keeps_the_read_schema_and_replaces_content():
    event = load_sample("post_read_big.json")
    new = updated(event)
    original = event["tool_response"]
    assert new["type"] == "text" and set(new["file"]) == set(original["file"])
    assert new["file"]["filePath"] == original["file"]["filePath"]
    assert HANDLE.search(new["file"]["content"]) and estimate_tokens(new["file"]["content"]) <= 400
    with open_store() as store:
        handle = HANDLE.search(new["file"]["content"])[0]
        assert store.read_bytes(handle, event["cwd"]).decode() == original["file"]["content"]


def _transcript_with_call(path, event: dict, tool_input: dict) -> str:
    """A transcript whose last response is the model's call, as Claude Code writes it before PostToolUse."""
    line = {"type": "assistant", "message": {"id": "msg_1", "role": "assistant", "content": [
        {"type": "text", "text": "Reading the part I will change."},
        {"type": "tool_use", "id": event["tool_use_id"], "name": event["tool_name"], "input": tool_input}]}}
    path.write_text(json.dumps(line) + "\n")
    return str(path)


def test_a_partial_read_the_model_asked_for_reaches_it_whole(tmp_path):
    event = load_sample("post_read_big.json")
    asked = {"file_path": "/home/user/proj/src/billing.py", "offset": 1, "limit": 2000}  # source: one edits it
    event["tool_input"] = asked
    event["transcript_path"] = _transcript_with_call(tmp_path / "t.jsonl", event, asked)
    assert answer(event) is None  # passed through: Claude Code shows it as it is


def test_with_edited_views_kept_a_file_the_session_changed_reaches_the_model_whole(tmp_path, monkeypatch):
    event = load_sample("post_read_big.json")
    asked = {"file_path": "/home/user/proj/src/billing.py"}
    event["tool_input"] = asked
    transcript = tmp_path / "t.jsonl"
    _transcript_with_call(transcript, event, asked)
    edit = {"type": "assistant", "message": {"id": "msg_0", "role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_edit", "name": "Edit", "input": {"file_path": asked["file_path"],
                                                                          "old_string": "a", "new_string": "b"}}]}}
    transcript.write_text(json.dumps(edit) + "\n" + transcript.read_text())
    event["transcript_path"] = str(transcript)
    assert HANDLE.search(updated(event)["file"]["content"])  # the default keeps only partial views whole
    monkeypatch.setenv("CTXLEAN_KEEP_WHOLE_VIEWS", "partial,edited")
    assert answer(event) is None


def test_a_limit_only_ctxlean_added_is_not_a_partial_read(tmp_path):
    """PreToolUse's bounded Read adds a limit the model never asked for: that Read is still offloaded."""
    event = load_sample("post_read_big.json")
    event["tool_input"] = {"file_path": "/home/user/proj/src/billing.py"}
    event["transcript_path"] = _transcript_with_call(tmp_path / "t.jsonl", event, dict(event["tool_input"]))
    event["tool_input"] = {**event["tool_input"], "limit": 2000}
    assert HANDLE.search(updated(event)["file"]["content"])


def test_mcp_string_and_block_results():
    event = load_sample("post_mcp_str.json")
    as_string = updated(event)
    assert isinstance(as_string, str) and HANDLE.search(as_string)
    event["tool_response"] = [{"type": "text", "text": event["tool_response"]},
                              {"type": "image", "data": "AAAA", "mimeType": "image/png"}]
    as_blocks = updated(event)
    assert as_blocks[0]["type"] == "text" and HANDLE.search(as_blocks[0]["text"])
    assert as_blocks[1]["type"] == "image"  # non-text blocks pass through
    # the same text gives the same handle and the same summary, whatever the wrapping
    assert as_blocks[0]["text"] == as_string


def test_small_output_prints_nothing():
    assert answer(load_sample("post_bash_small.json")) is None


def test_same_payload_same_text_in_another_session():
    event = load_sample("post_bash_medium.json")
    first = updated(event)["stdout"]
    event["session_id"] = "another-session"
    assert updated(event)["stdout"] == first


def test_threshold_is_configurable_per_tool(monkeypatch):
    event = load_sample("post_bash_medium.json")  # ~6,000 tokens
    monkeypatch.setenv("CTXLEAN_OFFLOAD_THRESHOLD_TOKENS", "10000")
    assert answer(event) is None


def test_ledger_records_the_offload():
    event = load_sample("post_bash_medium.json")
    text = updated(event)["stdout"]
    with open_store() as store:
        [(_, tool, handle, original, summary, _)] = store.ledger_for_session(event["session_id"])
    assert (tool, handle) == ("Bash", HANDLE.search(text)[0])
    assert original > 5000 and summary == estimate_tokens(text)


def test_fails_open_on_broken_store_and_logs(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("CTXLEAN_STORE", str(blocker / "store"))
    out = run("post-tool-use", json.dumps(load_sample("post_bash_medium.json")).encode())
    assert out == ""


def test_fails_open_on_malformed_input_and_logs_it(tmp_path):
    for raw in (b"", b"{not json", b"[1,2]", b'{"tool_name": 5}', b"\xff\xfe"):
        assert run("post-tool-use", raw) == ""
    log = (tmp_path / "store" / "errors.log").read_text()
    assert "hook post-tool-use failed" in log


def test_command_line_hook_exits_0_and_prints_json():
    event = load_sample("post_bash_medium.json")
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"],
                          input=json.dumps(event).encode(), capture_output=True)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["hookSpecificOutput"]["hookEventName"] == "PostToolUse"


def test_hook_path_imports_only_the_standard_library():
    code = ("import sys, json; from ctxlean.hooks import run; "
            "run('post-tool-use', open(sys.argv[1], 'rb').read()); "
            "heavy = {'mcp', 'anthropic', 'claude_agent_sdk', 'pydantic', 'rich', 'orjson', 'httpx'}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")
    from support import FIXTURES
    proc = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "samples" / "post_bash_medium.json")],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == []
