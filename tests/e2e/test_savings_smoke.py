"""The savings benchmark's machinery, end to end on a short trajectory: the real Claude Code CLI runs the
first steps of the log-triage trajectory without a plugin and with ctxlean installed; both runs get every
needle to the model (from a summary or a follow-up), and ctxlean's run keeps the context smaller and
costs less."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "savings"
sys.path.insert(0, str(BENCH))
from report import figures  # noqa: E402
from runner import run_arm  # noqa: E402
from trajectories import build_workspace  # noqa: E402

from ctxlean.fakeapi import FakeAnthropic, Script  # noqa: E402
from ctxlean.fakeapi.tls import self_signed_cert  # noqa: E402

pytestmark = pytest.mark.e2e


def test_a_short_trajectory_reaches_every_needle_and_costs_less_with_ctxlean(tmp_path):
    cert, key = self_signed_cert(tmp_path)
    with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
        full = build_workspace("log_triage", tmp_path / "base", {"pages": pages.https_url})
        short = replace(full, steps=full.steps[:8])  # up to the first two needles
        assert len(short.needles()) == 2
        runs = {arm: run_arm(short, arm, tmp_path / "base", tmp_path / arm, pages=pages, cert=cert)
                for arm in ("none", "ctxlean")}
    for arm, run in runs.items():
        assert run.rc == 0, (arm, run.error)
        assert run.complete and run.needles_in_log, (arm, run.captures)
    ours, base = figures(asdict_of(runs["ctxlean"])), figures(asdict_of(runs["none"]))
    assert ours["peak"] < base["peak"]  # the big outputs stayed out of the context
    assert ours["cost"] < base["cost"]


def asdict_of(run) -> dict:
    from dataclasses import asdict

    return asdict(run)
