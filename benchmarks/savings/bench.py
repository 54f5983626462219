"""The savings benchmark: every trajectory through the real Claude Code CLI without a plugin, with
ctxlean and with context-mode, against the fake API with prompt caching simulated; writes
benchmarks/savings/results.json, benchmarks/README.md and the context chart.

    python benchmarks/savings/bench.py [--only NAME ...] [--arms none,ctxlean,context-mode]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from report import write_report
from runner import ARMS, context_mode_package, run_arm
from trajectories import NAMES, build_workspace, prefetch

from ctxlean.fakeapi import FakeAnthropic, Script
from ctxlean.fakeapi.claude import isolate_network
from ctxlean.fakeapi.tls import self_signed_cert

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
CONTEXT_MODE_PREFIX = HERE / ".context-mode"  # npm install target, not committed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="trajectory names (default: all)")
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--no-report", action="store_true", help="print figures, leave README and chart alone")
    parser.add_argument("--keep", type=Path, help="work in this (new) directory and keep it: per run "
                        "DIR/<trajectory>/<arm>/ with work/, home/ (Claude Code's transcripts under "
                        "home/.claude/projects/) and requests.jsonl")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite README and chart from results.json (e.g. after a price change)")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.report_only:
        return write_report(json.loads(RESULTS.read_text()))
    arms = args.arms.split(",")
    chosen = [t for t in NAMES if not args.only or t in args.only]
    built = {}
    package = None
    if "context-mode" in arms:
        print("installing context-mode with npm (once) ...", file=sys.stderr, flush=True)
        package = context_mode_package(CONTEXT_MODE_PREFIX)
    print("fetching the trajectories' inputs (once) ...", file=sys.stderr, flush=True)
    for name in chosen:
        prefetch(name)
    isolated = isolate_network()  # from here on, nothing reaches past 127.0.0.1
    runs = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ctxlean-savings-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        cert, key = self_signed_cert(root)
        with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
            for name in chosen:
                base = root / name / "base"
                trajectory = built[name] = build_workspace(name, base, {"pages": pages.https_url})
                for arm in arms:
                    if arm == "context-mode" and trajectory.context_mode_note:
                        continue
                    print(f"{name} / {arm} ...", file=sys.stderr, flush=True)
                    run = run_arm(trajectory, arm, base, root / name / arm, pages=pages, cert=cert,
                                  context_mode_package=package)
                    print(f"  rc={run.rc} complete={run.complete} requests={len(run.requests)} "
                          f"compactions={run.compactions} look-ups={run.follow_ups} "
                          f"{run.wall:.0f} s", file=sys.stderr, flush=True)
                    runs.append(asdict(run))
    results = {"runs": runs, "heavy": [t.name for t in built.values() if t.heavy and not t.long],
               "long": [t.name for t in built.values() if t.long],
               "budgets": {t.name: t.budget for t in built.values() if t.budget},
               "titles": {t.name: t.title for t in built.values()},
               "context_mode_notes": {t.name: t.context_mode_note for t in built.values() if t.context_mode_note},
               "wall_seconds": round(time.monotonic() - started), "network_isolated": isolated,
               "context_mode_version": package and json.loads((package / "package.json").read_text())["version"],
               "node_version": package and subprocess.run(["node", "--version"], capture_output=True,
                                                          text=True).stdout.strip(),
               "command": _command(argv)}
    if args.no_report:
        from report import print_summary

        print_summary(results)
        return 0
    if RESULTS.exists() and (args.only or set(arms) != set(ARMS)):
        results = merged(json.loads(RESULTS.read_text()), results)
    RESULTS.write_text(json.dumps(results, indent=1))
    return write_report(results)


def _command(argv: list[str]) -> str:
    """The command line that produced the figures (--keep only decides where the files stay)."""
    shown = [a for i, a in enumerate(argv) if a != "--keep" and (i == 0 or argv[i - 1] != "--keep")]
    return " ".join(["python benchmarks/savings/bench.py", *shown])


def merged(previous: dict, new: dict) -> dict:
    """A partial run (--only, --arms) replaces its own trajectory/arm pairs in results.json and keeps the
    others, so the README keeps the whole table."""
    done = {(r["trajectory"], r["arm"]) for r in new["runs"]}
    kept = [r for r in previous["runs"] if (r["trajectory"], r["arm"]) not in done]
    out = dict(new, runs=kept + new["runs"])
    for key in ("heavy", "long"):
        out[key] = [*previous.get(key, []), *(n for n in new[key] if n not in previous.get(key, []))]
    for key in ("budgets", "titles", "context_mode_notes"):
        out[key] = {**previous.get(key, {}), **new[key]}
    for key in ("context_mode_version", "node_version"):
        out[key] = new[key] or previous.get(key)
    out["kept_runs"] = len(kept)
    out["wall_seconds"] = previous.get("wall_seconds", 0) if kept else new["wall_seconds"]
    out["command"] = previous.get("command", new["command"]) if kept else new["command"]
    out["partial_commands"] = [*previous.get("partial_commands", []), new["command"]] if kept else []
    return out


if __name__ == "__main__":
    sys.exit(main())
