"""Validation of the replay engine against the savings benchmark: replaying the no-plugin arm of each
trajectory (its Claude Code transcripts) must predict the measured ctxlean arm's cost within 15% and the
no-plugin cost within 2%.

    .venv/bin/python benchmarks/replay/validate.py [--only NAME ...] [--no-readme]

For each trajectory of benchmarks/savings: runs it through the real Claude Code CLI against the fake API
without a plugin and with `ctxlean install --lean` (benchmarks/savings/runner.py), prices both from what
the API reported, then replays the no-plugin run's transcripts as `ctxlean estimate` would (a fresh HOME:
lean hides every optional item). Prints the table and writes it into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "src"), str(HERE.parent / "savings"), str(HERE.parent)]

from readme_section import write_section  # noqa: E402
from report import figures  # noqa: E402
from runner import run_arm  # noqa: E402
from trajectories import NAMES, build_workspace  # noqa: E402

from ctxlean.config import Config  # noqa: E402
from ctxlean.fakeapi import FakeAnthropic, Script  # noqa: E402
from ctxlean.fakeapi.claude import isolate_network  # noqa: E402
from ctxlean.fakeapi.tls import self_signed_cert  # noqa: E402
from ctxlean.lean.catalog import load as load_catalog  # noqa: E402
from ctxlean.replay import prefix  # noqa: E402
from ctxlean.replay.claude_transcript import read_session  # noqa: E402
from ctxlean.replay.engine import Replayed, replay  # noqa: E402
from ctxlean.usage.pricing import load_prices  # noqa: E402
from ctxlean.usage.transcripts import find_transcripts  # noqa: E402

WITH_CTXLEAN_TOLERANCE = 0.15
WITHOUT_TOLERANCE = 0.02
# Requests Claude Code makes that its transcript does not record: the replay cannot see them.
UNRECORDED = {"web_research": "WebFetch's page-reading requests (one per page) are not in the transcript, and "
                              "ctxlean answers WebFetch in PreToolUse, which a replay of the digests cannot redo"}


@dataclass
class Check:
    trajectory: str
    measured_without: float
    predicted_without: float
    measured_with: float
    predicted_with: float
    fetches_charged: int
    fetch_detail_calls: int  # what the scripted model needed in the ctxlean run
    used_facts: int
    used_facts_kept: int

    @property
    def error_without(self) -> float:
        return self.predicted_without / self.measured_without - 1

    @property
    def error_with(self) -> float:
        return self.predicted_with / self.measured_with - 1

    @property
    def holds(self) -> bool:
        return abs(self.error_without) <= WITHOUT_TOLERANCE and abs(self.error_with) <= WITH_CTXLEAN_TOLERANCE


def replay_home(home: Path) -> Replayed:
    """The estimate of the one session in `home`, as `ctxlean estimate` makes it after a fresh install."""
    files = find_transcripts(home / ".claude" / "projects")
    main = next(f for f in files if f.agent_id is None)
    session = read_session(main, [f for f in files if f.agent_id])
    catalog = load_catalog()
    return replay(session, prefix.lean_install(Config(), load_prices(), catalog, prefix.unused(catalog, None)))


def check(name: str, root: Path, pages: FakeAnthropic, cert: Path) -> Check:
    base = root / name / "base"
    trajectory = build_workspace(name, base, {"pages": pages.https_url})
    runs = {arm: run_arm(trajectory, arm, base, root / name / arm, pages=pages, cert=cert)
            for arm in ("none", "ctxlean")}
    for arm, run in runs.items():
        if run.rc != 0:
            raise SystemExit(f"{name} / {arm}: claude failed: {run.error}")
    predicted = replay_home(root / name / "none" / "home")
    return Check(name, figures(asdict(runs["none"]))["cost"], predicted.without.cost,
                 figures(asdict(runs["ctxlean"]))["cost"], predicted.estimated_cost, predicted.fetches,
                 runs["ctxlean"].fetch_detail_calls, predicted.facts.used, predicted.facts.kept)


def table(checks: list[Check]) -> list[str]:
    rows = ["| trajectory | no plugin: measured | predicted | error | ctxlean: measured | predicted | error | "
            "fetches charged | fetch_detail calls made | used facts kept | holds |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in checks:
        why = UNRECORDED.get(c.trajectory)
        verdict = "yes" if c.holds else f"no: {why}" if why else "**no**"
        kept = f"{c.used_facts_kept}/{c.used_facts}" if c.used_facts else "-"
        rows.append(f"| {c.trajectory} | ${c.measured_without:.4f} | ${c.predicted_without:.4f} | "
                    f"{c.error_without:+.1%} | ${c.measured_with:.4f} | ${c.predicted_with:.4f} | {c.error_with:+.1%}"
                    f" | {c.fetches_charged} | {c.fetch_detail_calls} | {kept} | {verdict} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="trajectory names (default: all)")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args(argv)
    isolate_network()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ctxlean-replay-validate-") as tmp:
        root = Path(tmp)
        cert, key = self_signed_cert(root)
        with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
            checks = []
            for name in [n for n in NAMES if not args.only or n in args.only]:
                print(f"{name} ...", file=sys.stderr, flush=True)
                checks.append(check(name, root, pages, cert))
    rows = table(checks)
    print("\n".join(rows))
    if not args.no_readme:
        lines = [f"Produced by `python benchmarks/replay/validate.py` (wall time {time.monotonic() - started:.0f} s). "
                 "Each savings trajectory runs through the real Claude Code CLI without a plugin and with "
                 "`ctxlean install --lean`; the no-plugin run's transcripts are then replayed as `ctxlean "
                 "estimate` replays them. Targets: the no-plugin cost within "
                 f"{WITHOUT_TOLERANCE:.0%}, the ctxlean run's within {WITH_CTXLEAN_TOLERANCE:.0%}. 'fetches "
                 "charged' are the replay's: one per used fact a summary hid; 'fetch_detail calls made' are what "
                 "the scripted model of the ctxlean run needed for its needles.", "", *rows]
        print(f"wrote {write_section('replay-validation', 'benchmarks/replay/validate.py', lines)}", file=sys.stderr)
    return 0 if all(c.holds or c.trajectory in UNRECORDED for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
