"""Shared by the reliability suite and benchmarks/soak.py: realistic hook inputs (built from the events
Claude Code really sent, tests/fixtures/samples) and the real hook process started the way Claude Code
starts it, stdin from a file so 64 of them start at once."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from ctxlean.paths import project_of
from ctxlean.store import open_store
from ctxlean.tokens import estimate_tokens

SRC = Path(__file__).resolve().parents[2] / "src"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
HANDLE = re.compile(r"ctx_[0-9a-f]{16}")
BASH_CUT = 30_000  # Claude Code cuts Bash stdout at 30,000 characters and persists the whole output


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def handle_of(data: bytes) -> str:
    return "ctx_" + hashlib.sha256(data).hexdigest()[:16]


_LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")


def log_text(seed: int, n_bytes: int) -> str:
    """Deterministic build-log-like text of about n_bytes, different for each seed (compresses like logs)."""
    block = "".join(f"2025-03-{1 + i % 28:02d} 12:{i % 60:02d}:{(i * 7) % 60:02d} {_LEVELS[i % 6]} "
                    f"worker-{i % 16} step {i}: compiled module_{i % 997}.py in {(i * 37) % 1000} ms, "
                    f"cache={'hit' if i % 3 else 'miss'}\n" for i in range(4000))
    head = f"run {seed}: build log\n"
    return head + block * max(1, (n_bytes - len(head)) // len(block))


def hook_env(store: Path, **extra: str) -> dict:
    """The environment of a hook run against `store`, importing this tree's ctxlean."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "CTXLEAN_STORE": str(store), **extra}
    env.pop("CLAUDE_PROJECT_DIR", None)  # the event's cwd names the project
    return env


def bash_persisted_event(path: Path, text: str, cwd: str, session: str = "s") -> tuple[dict, bytes]:
    """A Bash call whose output Claude Code cut and persisted: (event, the full payload). The file is
    written where Claude Code writes it, <session>/tool-results/<name> beside the transcript, with the
    session's directory beside `path`."""
    data = text.encode()
    results = path.parent / session / "tool-results"
    results.mkdir(parents=True, exist_ok=True)
    (results / path.name).write_bytes(data)
    event = sample("post_bash_persisted.json")
    event.update(cwd=cwd, session_id=session, transcript_path=str(path.parent / f"{session}.jsonl"))
    event["tool_response"].update(stdout=text[:BASH_CUT], stderr="", persistedOutputPath=str(results / path.name),
                                  persistedOutputSize=len(data))
    return event, data


def bash_event(text: str, cwd: str, session: str = "s") -> tuple[dict, bytes]:
    event = sample("post_bash_medium.json")
    event.update(cwd=cwd, session_id=session)
    event["tool_response"].update(stdout=text, stderr="")
    return event, text.encode()


def read_event(text: str, cwd: str, session: str = "s") -> tuple[dict, bytes]:
    event = sample("post_read_big.json")
    event.update(cwd=cwd, session_id=session)
    event["tool_response"]["file"].update(content=text, numLines=text.count("\n"), totalLines=text.count("\n"))
    return event, text.encode()


def mcp_event(text: str, cwd: str, session: str = "s") -> tuple[dict, bytes]:
    event = sample("post_mcp_str.json")
    event.update(cwd=cwd, session_id=session, tool_response=text)
    return event, text.encode()


def start_hook(event: dict, workdir: Path, name: str, env: dict, **popen) -> subprocess.Popen:
    """`python -m ctxlean hook post-tool-use` with the event on stdin (from a file: writing 64 pipes in
    turn would start the hooks one after another)."""
    stdin = workdir / f"{name}.json"
    stdin.write_text(json.dumps(event))
    with stdin.open("rb") as fh:
        return subprocess.Popen([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], stdin=fh,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **popen)


def summaries(value):
    """Every model-visible string in an answer that ctxlean wrote (they start with its header)."""
    if isinstance(value, str):
        return [value] if value.startswith("[ctxlean]") else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in summaries(v)]
    if isinstance(value, list):
        return [s for v in value for s in summaries(v)]
    return []


def check_answer(raw: bytes, out: str) -> None:
    """The hook either passed through (prints nothing) or answered in bounds with a retrievable handle."""
    if out == "":
        return
    out.encode("utf-8")  # valid UTF-8, whatever came in
    answer = json.loads(out)["hookSpecificOutput"]
    assert answer["hookEventName"] == "PostToolUse"
    [text] = summaries(answer["updatedToolOutput"])
    assert estimate_tokens(text) <= 400
    handle = HANDLE.search(text)[0]
    event = json.loads(raw)
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    with open_store() as store:
        data = store.read_bytes(handle, project)
    assert "ctx_" + hashlib.sha256(data).hexdigest()[:16] == handle  # the bytes behind it are what it names
    assert f"{len(data):,} bytes" in text


def printed_handle(stdout: bytes) -> str | None:
    """The handle a hook's answer hands to the model, if it answered."""
    if not stdout:
        return None
    found = HANDLE.search(json.dumps(json.loads(stdout)["hookSpecificOutput"]["updatedToolOutput"]))
    return found[0] if found else None


# Linux charges a vforked child with its parent's peak RSS until exec, so a hook started from a big test
# process would report the test's memory: a small launcher starts it and reports the hook's own peak.
_LAUNCHER = """
import json, os, subprocess, sys
with open(sys.argv[1], "rb") as stdin:
    proc = subprocess.Popen(sys.argv[2:], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out, err = proc.stdout.read(), proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
                  "stdout": out.decode(), "stderr": err.decode()}))
"""


def hook_peak_memory(event: dict, workdir: Path, name: str, env: dict) -> dict:
    """Run the hook on `event`: {code, maxrss_kb (its own peak RSS), stdout, stderr}."""
    stdin = workdir / f"{name}.json"
    stdin.write_text(json.dumps(event))
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, str(stdin), sys.executable, "-m", "ctxlean", "hook",
                           "post-tool-use"], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)
