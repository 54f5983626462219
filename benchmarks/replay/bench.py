"""The replay benchmark: real agent trajectories from public repositories, replayed through ctxlean.

    .venv/bin/python benchmarks/replay/bench.py [--only FRAMEWORK ...] [--misses N] [--no-readme]
                                                [--set SETTING=VALUE ...]

Every trajectory in benchmarks/replay/data (SOURCES.md says where each comes from) is replayed by the
engine `ctxlean estimate` uses (ctxlean.replay): raw Claude Code transcripts through its transcript
reader, the other frameworks' normalized steps through ctxlean.replay.trajectory. Claude Code sessions get
the prefix `ctxlean install --lean` would give them (lean hides what the session itself never used);
other frameworks keep their own prefix plus ctxlean's MCP tools. Prints per framework: tool-output tokens
kept out, used facts kept (in offloaded outputs, and overall), fetches charged, the estimated cost ratio;
writes them into benchmarks/README.md and every trajectory's figures into benchmarks/replay/results.json.
--misses N lists, per framework, N of the used facts the summaries hid, with the command that printed them.
--set replays with a setting changed (e.g. `--set keep_whole_views=partial,edited`: how a policy compares);
the README is then left alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "src"), str(HERE.parent)]

from readme_section import write_section  # noqa: E402

from ctxlean.config import Config  # noqa: E402
from ctxlean.lean.catalog import load as load_catalog  # noqa: E402
from ctxlean.lean.uses import count_uses  # noqa: E402
from ctxlean.replay import engine, prefix  # noqa: E402
from ctxlean.replay.claude_transcript import read_session  # noqa: E402
from ctxlean.replay.engine import Replayed, replay  # noqa: E402
from ctxlean.replay.trajectory import load, session_of  # noqa: E402
from ctxlean.usage.pricing import load_prices  # noqa: E402
from ctxlean.usage.transcripts import find_transcripts  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results.json"
TARGETS = {"offloaded_kept": 0.80, "overall_kept": 0.97, "kept_out": 0.45}


@dataclass
class Totals:
    runs: int = 0
    tool_output_tokens: int = 0
    kept_out_tokens: int = 0
    used: int = 0
    kept: int = 0
    offloaded: int = 0
    offloaded_kept: int = 0
    fetches: int = 0
    requests: int = 0
    actual: float = 0.0
    estimated: float = 0.0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (run, tool call, fact)

    def add(self, r: Replayed) -> None:
        self.runs += 1
        self.tool_output_tokens += r.tool_output_tokens
        self.kept_out_tokens += r.kept_out_tokens
        self.used += r.facts.used
        self.kept += r.facts.kept
        self.offloaded += r.facts.offloaded
        self.offloaded_kept += r.facts.offloaded_kept
        self.fetches += r.fetches
        self.requests += r.without.requests
        self.actual += r.actual_cost
        self.estimated += r.estimated_cost

    def share(self, part: str, whole: str) -> float | None:
        return getattr(self, part) / getattr(self, whole) if getattr(self, whole) else None


def claude_code_sessions(directory: Path, scratch: Path):
    """(id, files) of each raw Claude Code session, decompressed into a projects dir as Claude Code lays it out."""
    for provenance in sorted(directory.glob("*.json")):
        sid = provenance.stem
        project = scratch / "projects" / f"-replay-{sid}"
        for packed in [directory / f"{sid}.jsonl.gz", *sorted((directory / sid).rglob("*.gz"))]:
            if not packed.is_file():
                continue
            target = project / packed.relative_to(directory).with_suffix("")
            target.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(packed, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        yield sid, find_transcripts(scratch / "projects", project=None, session=sid)


def replay_all(frameworks: list[str] | None, watch: set[str], cfg: Config | None = None) -> dict[str, Totals]:
    prices, catalog = load_prices(), load_catalog()
    cfg = cfg or Config()
    totals: dict[str, Totals] = defaultdict(Totals)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ctxlean-replay-bench-") as tmp:
        for directory in sorted(p for p in DATA.iterdir() if p.is_dir()):
            framework = directory.name
            if frameworks and framework not in frameworks:
                continue
            print(f"{framework} ...", file=sys.stderr, flush=True)
            if framework == prefix.CLAUDE_CODE:
                runs = []
                for sid, files in claude_code_sessions(directory, Path(tmp)):
                    main = next(f for f in files if f.agent_id is None)
                    session = read_session(main, [f for f in files if f.agent_id], warn=lambda m: None)
                    uses = count_uses(files, catalog.tools, since=0)
                    runs.append((sid, session, prefix.lean_install(cfg, prices, catalog,
                                                                    prefix.unused(catalog, uses))))
            else:
                runs = [(path.name.removesuffix(".json.gz"), session_of(load(path)),
                         prefix.lean_install(cfg, prices, catalog, frozenset()))
                        for path in sorted(directory.glob("*.json.gz"))]
            for run_id, session, setup in runs:
                hidden = _watch_misses(totals[framework], run_id) if framework in watch else None
                result = replay(session, setup)
                if hidden:
                    hidden()
                totals[framework].add(result)
                rows.append({"framework": framework, "run": run_id, "requests": result.without.requests,
                             "tool_output_tokens": result.tool_output_tokens,
                             "kept_out_tokens": result.kept_out_tokens, "offloads": result.offloads,
                             "used_facts": result.facts.used, "used_facts_kept": result.facts.kept,
                             "used_facts_offloaded": result.facts.offloaded,
                             "used_facts_offloaded_kept": result.facts.offloaded_kept,
                             "fetches_charged": result.fetches, "actual_cost_usd": round(result.actual_cost, 6),
                             "estimated_cost_usd": round(result.estimated_cost, 6),
                             "rebuild_cost_usd": round(result.without.cost, 6)})
    RESULTS.write_text(json.dumps({"runs": rows}, indent=1) + "\n")
    return totals


def _watch_misses(total: Totals, run_id: str):
    """Record the hidden used facts of one replay (for --misses): wraps the engine's fetch for its duration."""
    original = engine._ChainReplay._fetch

    def noted(self, ctx, model, fact, source, at):
        call = self.items[source].call
        total.misses.append((run_id, f"{call.tool} {json.dumps(call.input)[:140]}", fact))
        return original(self, ctx, model, fact, source, at)

    engine._ChainReplay._fetch = noted
    return lambda: setattr(engine._ChainReplay, "_fetch", original)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def table(totals: dict[str, Totals]) -> list[str]:
    rows = ["| framework | runs | requests | tool-output tokens | kept out | used facts kept in offloaded outputs | "
            "used facts kept overall | fetches charged | estimated cost / actual |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    everything = Totals()
    for framework, t in sorted(totals.items()):
        rows.append(_row(framework, t))
        for name in ("runs", "tool_output_tokens", "kept_out_tokens", "used", "kept", "offloaded",
                     "offloaded_kept", "fetches", "requests", "actual", "estimated"):
            setattr(everything, name, getattr(everything, name) + getattr(t, name))
    rows.append(_row("**all**", everything))
    return rows, everything


def _row(name: str, t: Totals) -> str:
    return (f"| {name} | {t.runs} | {t.requests:,} | {t.tool_output_tokens:,} | "
            f"{_pct(t.share('kept_out_tokens', 'tool_output_tokens'))} | "
            f"{_pct(t.share('offloaded_kept', 'offloaded'))} ({t.offloaded_kept}/{t.offloaded}) | "
            f"{_pct(t.share('kept', 'used'))} ({t.kept}/{t.used}) | {t.fetches} | "
            f"{t.estimated / t.actual if t.actual else 0:.2f} |")


def targets(everything: Totals) -> list[str]:
    found = {"offloaded_kept": everything.share("offloaded_kept", "offloaded"),
             "overall_kept": everything.share("kept", "used"),
             "kept_out": everything.share("kept_out_tokens", "tool_output_tokens")}
    what = {"offloaded_kept": "used facts kept in offloaded outputs", "overall_kept": "used facts kept overall",
            "kept_out": "tool-output tokens kept out"}
    return [f"- {'met' if (found[k] or 0) >= target else '**missed**'}: {what[k]} {_pct(found[k])} "
            f"(target >= {target:.0%})" for k, target in TARGETS.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="frameworks (data/ directory names; default: all)")
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="list N hidden used facts per framework")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE",
                        help="replay with this setting (as CTXLEAN_<SETTING> would set it)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cfg = _config(args.set)
    totals = replay_all(args.only, set(totals_names(args)) if args.misses else set(), cfg)
    rows, everything = table(totals)
    checks = targets(everything)
    print("\n".join(rows + [""] + checks))
    for framework, t in sorted(totals.items()):
        for run_id, call, fact in t.misses[:args.misses]:
            print(f"{framework} {run_id[:40]}: {fact!r} hidden in {call}")
    if not args.no_readme and not args.only and not args.set:
        lines = [f"Produced by `make bench-replay` (wall time {time.monotonic() - started:.0f} s); every run's "
                 "figures in `benchmarks/replay/results.json`, the sources in "
                 "[replay/SOURCES.md](replay/SOURCES.md), the method in [docs/replay.md](../docs/replay.md).",
                 "", *rows, "", "Targets (the summaries-and-policy issue):", "", *checks]
        print(f"wrote {write_section('replay', 'benchmarks/replay/bench.py', lines)}", file=sys.stderr)
    return 0


def _config(settings: list[str]) -> Config:
    """The default config with `SETTING=VALUE` overrides, parsed as the environment's CTXLEAN_<SETTING>."""
    from ctxlean import config

    env = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        env[f"CTXLEAN_{name.strip().upper()}"] = value
    return config.load(None, environ=env)


def totals_names(args) -> list[str]:
    return args.only or [p.name for p in DATA.iterdir() if p.is_dir()]


if __name__ == "__main__":
    sys.exit(main())
