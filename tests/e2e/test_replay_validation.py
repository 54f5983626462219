"""The replay engine predicts what the savings benchmark measures: for two of its trajectories, replaying
the no-plugin run's transcripts gives that run's cost within 2% and the ctxlean run's within 15%
(benchmarks/replay/validate.py runs all of them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "replay"))
from validate import WITH_CTXLEAN_TOLERANCE, WITHOUT_TOLERANCE, check  # noqa: E402

from ctxlean.fakeapi import FakeAnthropic, Script  # noqa: E402
from ctxlean.fakeapi.tls import self_signed_cert  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("trajectory", ["fix_tests", "log_triage"])
def test_replaying_the_no_plugin_run_predicts_both_runs(trajectory, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
        result = check(trajectory, tmp_path, pages, cert)
    assert abs(result.error_without) <= WITHOUT_TOLERANCE, result
    assert abs(result.error_with) <= WITH_CTXLEAN_TOLERANCE, result
