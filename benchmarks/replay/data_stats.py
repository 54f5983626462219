"""What the replay data holds, per framework: trajectories, steps, and the share of steps whose output
is over 6,000 bytes (about what ctxlean's default threshold of 1,500 estimated tokens offloads).

    python benchmarks/replay/data_stats.py

For Claude Code a step is one tool_result block in the main or a subagent transcript (its text parts'
UTF-8 bytes); for the normalized frameworks it is one step's observation.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import orjson
from trajectory_io import DATA

BIG = 6000


def claude_code_outputs(path: Path) -> list[int]:
    sizes = []
    for line in gzip.open(path, "rb"):
        if b'"tool_result"' not in line:
            continue
        content = (orjson.loads(line).get("message") or {}).get("content")
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                text = (
                    inner
                    if isinstance(inner, str)
                    else "".join(part.get("text", "") for part in inner or [] if isinstance(part, dict))
                )
                sizes.append(len(text.encode()))
    return sizes


def output_sizes() -> dict[str, list[list[int]]]:
    """framework -> one list of output sizes per trajectory."""
    sizes: dict[str, list[list[int]]] = defaultdict(list)
    for record in sorted((DATA / "claude-code").glob("*.json")):
        files = orjson.loads(record.read_bytes())["files"]
        sizes["claude-code"].append([n for f in files for n in claude_code_outputs(DATA / "claude-code" / f["path"])])
    for path in sorted(DATA.glob("*/*.json.gz")):
        if path.parent.name != "claude-code":
            steps = orjson.loads(gzip.open(path).read())["steps"]
            sizes[path.parent.name].append([len(s["observation"].encode()) for s in steps])
    return sizes


def main() -> None:
    print(f"{'framework':16} {'runs':>5} {'steps':>6} {f'>{BIG} B':>8} {'share':>6} {'MB out':>7}")
    total_runs = total_steps = total_big = 0
    for framework, runs in sorted(output_sizes().items()):
        steps = [n for run in runs for n in run]
        big = sum(n > BIG for n in steps)
        total_runs, total_steps, total_big = total_runs + len(runs), total_steps + len(steps), total_big + big
        print(f"{framework:16} {len(runs):5} {len(steps):6} {big:8} {big / len(steps):6.1%} {sum(steps) / 1e6:7.2f}")
    print(f"{'all':16} {total_runs:5} {total_steps:6} {total_big:8} {total_big / total_steps:6.1%}")
    size = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    print(f"data on disk: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
