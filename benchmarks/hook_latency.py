"""Hook wall time per call, as Claude Code runs it (sh shim -> recorded interpreter), against bare Python.

Interleaves the cases round by round so machine noise hits them alike, and prints medians and ratios to
`python -c pass` measured in the same run: PostToolUse pass-through and 1 MB offload; PreToolUse on an
ordinary Bash command (pass-through) and on a test run (wrapped to keep its output if it fails);
PostToolUseFailure summarizing a captured 70 KB failing run. Also prints the tokens the model receives.

    .venv/bin/python benchmarks/hook_latency.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "plugin" / "bin" / "ctxlean-shim"


def bash_event(cwd: str, stdout: str) -> bytes:
    return json.dumps({"session_id": "bench", "transcript_path": "/dev/null", "cwd": cwd,
                       "hook_event_name": "PostToolUse", "tool_name": "Bash",
                       "tool_input": {"command": "make test", "description": "bench"},
                       "tool_response": {"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False,
                                         "noOutputExpected": False},
                       "tool_use_id": "toolu_bench"}).encode()


def bash_pre_event(cwd: str, command: str) -> bytes:
    return json.dumps({"session_id": "bench", "transcript_path": "/dev/null", "cwd": cwd,
                       "permission_mode": "bypassPermissions", "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": command, "description": "bench"},
                       "tool_use_id": "toolu_bench"}).encode()


def failure_event(cwd: str, tool_use_id: str) -> bytes:
    return json.dumps({"session_id": "bench", "transcript_path": "/dev/null", "cwd": cwd,
                       "permission_mode": "bypassPermissions", "hook_event_name": "PostToolUseFailure",
                       "tool_name": "Bash", "tool_input": {"command": "pytest -v", "description": "bench"},
                       "tool_use_id": tool_use_id, "error": "Exit code 1\n...\n\n... [20000 characters truncated]"
                       " ...\n\n...", "is_interrupt": False}).encode()


def failing_run(round_no: int) -> str:
    """~70 KB of `pytest -v` output ending in a failure, as a capture file holds it."""
    lines = [f"tests/test_mod{i % 40}.py::test_case_{i}_{round_no} PASSED  [{i % 100:3d}%]" for i in range(1000)]
    lines += ["=" * 30 + " FAILURES " + "=" * 30, "E       assert 1425 == 1450",
              "tests/test_mod3.py:14: AssertionError", "FAILED tests/test_mod3.py::test_balance - assert 1425 == 1450",
              "1 failed, 1000 passed in 0.82s"]
    return "\n".join(lines) + "\n"


def one_megabyte(round_no: int) -> str:
    lines = [f"round {round_no}"] + [f"tests/test_mod{i % 40}.py::test_case_{i} PASSED  [{i % 100:3d}%]"
                                     for i in range(17_000)]
    return "\n".join(lines)[: 1 << 20]


def timed(cmd: list[str], stdin: bytes, env: dict) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=True)
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / ".claude" / "plugins" / "data" / "ctxlean-ctxlean"  # as Claude Code passes it
        env = {**os.environ, "CLAUDE_PLUGIN_DATA": str(data), "HOME": tmp}
        env.pop("CTXLEAN_STORE", None)
        # The launcher records the source dir of the ctxlean that writes it: this checkout's, not an installed one.
        subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                       env={**env, "PYTHONPATH": str(ROOT / "src")}, check=True)
        small = bash_event(tmp, "3 passed in 0.12s\n")
        hook = ["sh", str(SHIM), "hook", "post-tool-use"]
        pre = ["sh", str(SHIM), "hook", "pre-tool-use"]
        failure = ["sh", str(SHIM), "hook", "post-tool-use-failure"]
        captures = data / "captures"
        cases = {"python -c pass": [], "hook pass-through": [], "hook 1 MB offload": [],
                 "pre Bash pass-through": [], "pre Bash wrap": [], "failure 70 KB summary": []}
        tokens, failure_tokens = [], []
        from ctxlean.tokens import estimate_tokens

        for r in range(args.rounds):
            cases["python -c pass"].append(timed([sys.executable, "-c", "pass"], b"", env)[0])
            cases["hook pass-through"].append(timed(hook, small, env)[0])
            seconds, out = timed(hook, bash_event(tmp, one_megabyte(r)), env)
            cases["hook 1 MB offload"].append(seconds)
            tokens.append(estimate_tokens(json.loads(out)["hookSpecificOutput"]["updatedToolOutput"]["stdout"]))
            cases["pre Bash pass-through"].append(timed(pre, bash_pre_event(tmp, "git status --short"), env)[0])
            seconds, out = timed(pre, bash_pre_event(tmp, "python -m pytest -q tests"), env)
            cases["pre Bash wrap"].append(seconds)
            assert "updatedInput" in json.loads(out)["hookSpecificOutput"]
            (captures / f"toolu_fail{r}.out").write_text(failing_run(r))
            seconds, out = timed(failure, failure_event(tmp, f"toolu_fail{r}"), env)
            cases["failure 70 KB summary"].append(seconds)
            failure_tokens.append(estimate_tokens(json.loads(out)["hookSpecificOutput"]["additionalContext"]))
        base = statistics.median(cases["python -c pass"])
        print(f"{'case':<22} {'median ms':>10} {'x python -c pass':>18}   ({args.rounds} interleaved rounds)")
        for name, samples in cases.items():
            med = statistics.median(samples)
            print(f"{name:<22} {med * 1000:>10.1f} {med / base:>18.2f}")
        print(f"tokens the model received per 1 MB offload: median {statistics.median(tokens):.0f} "
              f"(payload ~{(1 << 20) // 4:,} tokens)")
        print(f"tokens added per failing 70 KB run (summary + handle): median {statistics.median(failure_tokens):.0f}")


if __name__ == "__main__":
    main()
