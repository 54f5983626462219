"""Hook wall time per call, as Claude Code runs it (sh shim -> recorded interpreter), against bare Python.

Interleaves the cases round by round so machine noise hits them alike, and prints medians and ratios to
`python -c pass` measured in the same run. Also prints the tokens the model receives per offloaded call.

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
        data = Path(tmp) / "plugin-data"
        env = {**os.environ, "CLAUDE_PLUGIN_DATA": str(data), "HOME": tmp}
        env.pop("CTXLEAN_STORE", None)
        subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                       env=env, check=True)
        small = bash_event(tmp, "3 passed in 0.12s\n")
        hook = ["sh", str(SHIM), "hook", "post-tool-use"]
        cases = {"python -c pass": [], "hook pass-through": [], "hook 1 MB offload": []}
        tokens = []
        for r in range(args.rounds):
            cases["python -c pass"].append(timed([sys.executable, "-c", "pass"], b"", env)[0])
            cases["hook pass-through"].append(timed(hook, small, env)[0])
            seconds, out = timed(hook, bash_event(tmp, one_megabyte(r)), env)
            cases["hook 1 MB offload"].append(seconds)
            text = json.loads(out)["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
            from ctxlean.tokens import estimate_tokens

            tokens.append(estimate_tokens(text))
        base = statistics.median(cases["python -c pass"])
        print(f"{'case':<20} {'median ms':>10} {'x python -c pass':>18}   ({args.rounds} interleaved rounds)")
        for name, samples in cases.items():
            med = statistics.median(samples)
            print(f"{name:<20} {med * 1000:>10.1f} {med / base:>18.2f}")
        print(f"tokens the model received per 1 MB offload: median {statistics.median(tokens):.0f} "
              f"(payload ~{(1 << 20) // 4:,} tokens)")


if __name__ == "__main__":
    main()
