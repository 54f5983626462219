"""The savings benchmark's machinery, end to end through the real Claude Code CLI: the first steps of the
log-triage trajectory without a plugin and with ctxlean (both get every needle to the model, ctxlean's
run keeps the context smaller and costs less), and an Edit whose old_string sits in the middle of a file
that ctxlean offloaded (the scripted model fetches the lines before editing; without a plugin it saw them
in the Read)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "savings"
sys.path.insert(0, str(BENCH))
from agent import FETCH_DETAIL, Step, Trajectory  # noqa: E402
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
        assert run.transcripts and (tmp_path / arm / run.transcripts[0]).is_file()  # kept for the replay engine
        assert (tmp_path / arm / "requests.jsonl").is_file()
    ours, base = figures(asdict(runs["ctxlean"])), figures(asdict(runs["none"]))
    assert ours["peak"] < base["peak"]  # the big outputs stayed out of the context
    assert ours["cost"] < base["cost"]
    assert runs["ctxlean"].cost == pytest.approx(ours["cost"], abs=1e-5)


def test_an_edit_fetches_its_old_string_when_the_read_was_offloaded(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    source = "".join(f"def handler_{n}(event):\n    return event.get('field_{n}', {n})\n\n\n" for n in range(400))
    (base / "handlers.py").write_text(source)
    subprocess.run(["git", "init", "-q"], cwd=base, check=True)
    old = "    return event.get('field_217', 217)"
    steps = [Step("Read", {"file_path": "{cwd}/handlers.py"}, "Reading the handlers.", edit=True, seconds=2),
             Step("Edit", {"file_path": "{cwd}/handlers.py", "old_string": old,
                           "new_string": "    return event.get('field_217', -217)"}, seconds=2)]
    trajectory = Trajectory("edit", "Edit a big file", "Make handler 217 default to -217.", steps, heavy=False)
    cert, key = self_signed_cert(tmp_path)
    with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
        runs = {arm: run_arm(trajectory, arm, base, tmp_path / arm, pages=pages, cert=cert)
                for arm in ("none", "ctxlean")}
    for arm, run in runs.items():
        assert run.rc == 0, (arm, run.error)
        assert run.complete and run.blind_edits == 0, arm
        assert "field_217', -217)" in (tmp_path / arm / "work" / "handlers.py").read_text(), arm
    assert runs["none"].edit_lookups == 0  # the whole file reached the model
    assert runs["ctxlean"].edit_lookups == 1 and runs["ctxlean"].tools_used.get(FETCH_DETAIL) == 1
