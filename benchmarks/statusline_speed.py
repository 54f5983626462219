"""`ctxlean statusline` latency: Claude Code runs it after every message, the target is < 50 ms.

    python benchmarks/statusline_speed.py [--runs 20]

Times, as fresh processes started the way the plugin's shim starts ctxlean (python -c ... statusline,
with and without -S), the median of --runs: a refresh after one new response in a ~20 MB session with
subagents (the usual case), the first refresh of that session (no state yet: reads at most the last 2 MB),
and bare `python -c pass` for scale. Prints milliseconds and each as a multiple of the bare start.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from transcript_writer import SessionWriter  # noqa: E402

CODE = "import sys; from ctxlean.cli import main; sys.exit(main())"
T0 = 1_795_000_000.0


def build(home: Path) -> tuple[SessionWriter, dict]:
    w = SessionWriter(home / ".claude" / "projects", "/home/dev/big", "bench-session")
    prefix = 20_000
    for turn in range(2_000):  # ~20 MB: big tool results between responses
        w.assistant("claude-opus-5-5", T0 + turn, input=5, output=400, cache_read=prefix, write_5m=300)
        w.tool_result("x" * 9_000, T0 + turn + 0.5)
        prefix += 300
        if turn % 400 == 100:
            sub = w.subagent(f"a{turn}", "Explore", "claude-haiku-5-5")
            for k in range(5):
                sub.assistant("claude-haiku-5-5", T0 + turn + k, input=3, output=50, cache_read=5_000)
            sub.close()
    w.fh.flush()
    event = {"session_id": w.session_id, "transcript_path": str(w.path), "cwd": "/home/dev/big",
             "model": {"id": "claude-opus-5-5"}, "cost": {"total_cost_usd": 1.0}}
    return w, event


def run_once(cmd: list[str], event: dict, env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=json.dumps(event), capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or not proc.stdout.startswith("ctx "):
        raise SystemExit(f"statusline failed: {proc.stdout}{proc.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ctxlean-statusline-"))
    try:
        writer, event = build(home)
        size = sum(p.stat().st_size for p in (home / ".claude").rglob("*.jsonl"))
        env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "src"),
               "CTXLEAN_STORE": str(home / "store"), "PYTHONDONTWRITEBYTECODE": ""}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "ctxlean")], check=True,
                       env=env, capture_output=True)
        state_dir = home / "store" / "statusline"
        results: dict[str, list[float]] = {"bare python -c pass": [], "refresh": [], "refresh (-S)": [],
                                           "first refresh": []}
        for i in range(args.runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env)
            results["bare python -c pass"].append(time.perf_counter() - started)
            shutil.rmtree(state_dir, ignore_errors=True)
            results["first refresh"].append(run_once([sys.executable, "-c", CODE, "statusline"], event, env))
            writer.assistant("claude-opus-5-5", T0 + 10_000 + i, input=5, output=100, cache_read=900_000)
            writer.fh.flush()
            results["refresh"].append(run_once([sys.executable, "-c", CODE, "statusline"], event, env))
            writer.assistant("claude-opus-5-5", T0 + 20_000 + i, input=5, output=100, cache_read=900_000)
            writer.fh.flush()
            results["refresh (-S)"].append(run_once([sys.executable, "-S", "-c", CODE, "statusline"], event, env))
        bare = statistics.median(results["bare python -c pass"])
        print(f"session: {size / 1e6:.0f} MB of transcripts; median of {args.runs} runs")
        for name, times in results.items():
            median = statistics.median(times)
            print(f"{name:22} {median * 1000:7.1f} ms  {median / bare:5.2f}x bare python start")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
