"""`ctxlean report` against ccusage on the same generated transcripts: token totals and time, in one run.

    python benchmarks/usage_vs_ccusage.py [--sessions 200] [--runs 3]

Generates (once, cached under benchmarks/out/) a realistic set of Claude Code transcripts: ~200 sessions,
~100 MB, each response written as 2-3 assistant lines with the full usage, big tool results, attachments,
api-request lines, subagents on Haiku, compactions, 5-minute and 1-hour cache writes. Installs ccusage with
the machine's npm into benchmarks/.ccusage/ (not committed): 20.0.24 (a Node.js launcher for its native
binary, the newest release with a linux-x64 binary) and 18.0.11 (the last pure-JavaScript release). Prints
both sides' token totals and the wall time of each as a ratio (median of --runs fresh processes each).
A second, tiny set shows where the two disagree (missing request ids, pricing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from transcript_writer import SessionWriter  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "usage"
CCUSAGE_DIR = ROOT / "benchmarks" / ".ccusage"
CCUSAGE = {"20.0.24": "node_modules/.bin/ccusage", "18.0.11": "node_modules/.bin/ccusage"}
T0 = 1_794_000_000.0  # 2026-11-06
WORDS = ("error warning passed failed src/app/main.py:42 def return import class self value result "
         "config request response token cache model session handle summary").split()


def text_of(rng: random.Random, n_bytes: int) -> str:
    words, size = [], 0
    while size < n_bytes:
        w = rng.choice(WORDS)
        words.append(w)
        size += len(w) + 1
    return " ".join(words)


def generate(root: Path, sessions: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    for s in range(sessions):
        cwd = f"/home/dev/project-{s % 12}"
        start = T0 + s * 3_600 * 5
        with SessionWriter(root, cwd, f"{s:08d}-0000-4000-8000-{rng.getrandbits(48):012x}") as w:
            model = "claude-opus-5-5" if s % 4 else "claude-sonnet-5-5"
            prefix, ts = 20_000, start
            w.user("please fix the failing tests", ts)
            for turn in range(rng.randint(60, 140)):
                ts += rng.uniform(2, 90)
                ref = w.request(ts, "shape-a", {"system": [], "tools": []} if turn == 0 else None)
                one_hour = s % 3 == 0
                grow = rng.randint(200, 6_000)
                w.assistant(model, ts, input=rng.randint(1, 8), output=rng.randint(20, 2_000), cache_read=prefix,
                            write_1h=grow if one_hour else 0, write_5m=0 if one_hour else grow,
                            blocks=rng.choice((1, 2, 2, 3)), request_ref=ref, ttl="1h" if one_hour else "5m",
                            text=text_of(rng, rng.randint(100, 1_000)))
                prefix += grow
                w.tool_result(text_of(rng, rng.choice((300, 800, 1_500, 3_000, 8_000))), ts + 1)
                w.raw(json.dumps({"parentUuid": None, "type": "attachment", "attachment": {
                    "type": "hook_success", "content": text_of(rng, 600)}, "timestamp": "x"}) + "\n")
                if prefix > 600_000:
                    w.compact(ts + 2, pre_tokens=prefix)
                    prefix = 15_000
                if turn % 45 == 20:
                    sub = w.subagent(f"a{s}x{turn}", "Explore", "claude-haiku-5-5")
                    for k in range(rng.randint(3, 8)):
                        sub.assistant("claude-haiku-5-5", ts + k, input=3, output=rng.randint(20, 400),
                                      cache_read=8_000 + 500 * k, write_5m=500, text=text_of(rng, 300))
                        sub.tool_result(text_of(rng, 3_000), ts + k + 0.5)
                    sub.close()


def ensure_ccusage() -> dict[str, list[str]]:
    """The ccusage commands (node + its cli), installed into benchmarks/.ccusage/<version> when missing."""
    commands = {}
    for version, rel in CCUSAGE.items():
        folder = CCUSAGE_DIR / f"v{version}"
        if not (folder / rel).exists():
            print(f"installing ccusage {version} with npm into {folder} ...", file=sys.stderr)
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                            f"ccusage@{version}"], check=True, capture_output=True)
        commands[version] = ["node", str(folder / rel)]
    return commands


def timed(commands: dict[str, tuple[list[str], dict]], runs: int) -> dict[str, tuple[float, float, str]]:
    """Median wall time, median CPU time (user + system, the process and its children) and last stdout of
    each command; runs interleaved so load from other processes on the machine falls on every side alike
    (CPU time is the steadier figure on a busy machine)."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    outs: dict[str, str] = {}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            walls[name].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
            outs[name] = proc.stdout
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]), outs[name]) for name in commands}


def ctxlean_totals(out: str) -> dict:
    t = json.loads(out)["total"]
    return {"input": t["input_tokens"], "output": t["output_tokens"], "cache_read": t["cache_read_tokens"],
            "cache_write": t["cache_write_5m_tokens"] + t["cache_write_1h_tokens"], "cost": t["cost_usd"]}


def ccusage_totals(out: str) -> dict:
    t = json.loads(out)["totals"]
    return {"input": t["inputTokens"], "output": t["outputTokens"], "cache_read": t["cacheReadTokens"],
            "cache_write": t["cacheCreationTokens"], "cost": t.get("totalCost", t.get("costUSD"))}


def envs(config_dir: Path) -> tuple[dict, dict]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config_dir.parent), "TZ": "UTC",
            "CLAUDE_CONFIG_DIR": str(config_dir), "LANG": "C.UTF-8"}
    ours = {**base, "PYTHONPATH": str(ROOT / "src"), "CTXLEAN_STORE": str(config_dir.parent / "store")}
    return ours, base


def compare(config_dir: Path, runs: int, label: str) -> None:
    ours_env, node_env = envs(config_dir)
    commands = {"ctxlean report": ([sys.executable, "-m", "ctxlean", "report", "--json", "--by", "model"], ours_env)}
    for version, cmd in ensure_ccusage().items():
        commands[f"ccusage {version}"] = ([*cmd, "daily", "--json", "--offline"], node_env)
    results = timed(commands, runs)
    rows = [(name, wall, cpu, (ctxlean_totals if name == "ctxlean report" else ccusage_totals)(out))
            for name, (wall, cpu, out) in results.items()]
    print(f"\n{label}")
    print(f"{'':16} {'input':>12} {'output':>12} {'cache read':>14} {'cache write':>13} {'cost $':>10} "
          f"{'wall s':>7} {'cpu s':>7}")
    for name, wall, cpu, tot in rows:
        cost = "n/a" if tot["cost"] is None else f"{tot['cost']:.2f}"
        print(f"{name:16} {tot['input']:>12,} {tot['output']:>12,} {tot['cache_read']:>14,} "
              f"{tot['cache_write']:>13,} {cost:>10} {wall:>7.3f} {cpu:>7.3f}")
    _, wall_ours, cpu_ours, ours = rows[0]
    for name, wall, cpu, tot in rows[1:]:
        same = all(tot[k] == ours[k] for k in ("input", "output", "cache_read", "cache_write"))
        print(f"tokens equal to {name}: {same}; ctxlean report is {wall / wall_ours:.2f}x as fast as {name} "
              f"(wall), {cpu / cpu_ours:.2f}x (cpu)")


def tiny_differences(root: Path) -> None:
    """One response written as three lines without request ids; a 1-hour cache write on a model both
    price tables know (Sonnet 4.5: $6/M for 1-hour writes, $3.75/M for 5-minute ones)."""
    if root.exists():
        shutil.rmtree(root)
    with SessionWriter(root / "projects", "/home/dev/diff") as w:
        w.assistant("claude-sonnet-4-5-20250929", T0, input=1_000, output=500, blocks=3, request_id=False)
        w.assistant("claude-sonnet-4-5-20250929", T0 + 5, input=10, output=100, cache_read=1_000,
                    write_1h=100_000, ttl="1h")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config_dir = OUT / f"claude-{args.sessions}" / ".claude"
    if not (config_dir / "projects").is_dir():
        print(f"generating {args.sessions} sessions into {config_dir} ...", file=sys.stderr)
        generate(config_dir / "projects", args.sessions)
    files = list((config_dir / "projects").rglob("*.jsonl"))
    size = sum(f.stat().st_size for f in files)
    print(f"{args.sessions} sessions, {len(files)} transcript files, {size / 1e6:.0f} MB; median of {args.runs} runs")
    compare(config_dir, args.runs, "same transcripts:")
    diff_dir = OUT / "differences" / ".claude"
    tiny_differences(diff_dir)
    compare(diff_dir, 1, "differences (one response as 3 lines without requestId; 100k 1-hour cache write):")
    return 0


if __name__ == "__main__":
    sys.exit(main())
