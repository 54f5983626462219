"""Shared by the batch tests: fixture prices, a fake API with batches, and `ctxlean batch` runs.

FIXTURE_PRICES stand in for the pricing data (ctxlean.usage.pricing) until it is on this branch; run as a
script, this module is `ctxlean` with those prices, for tests that must kill a real process:
    python tests/batch_helpers.py batch results JOB -o OUT
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MODEL = "claude-haiku-5-5"


@dataclass(frozen=True)
class FixturePrices:  # USD per million tokens, shaped like Haiku's
    input: float = 1.0
    cache_write_5m: float = 1.25
    cache_write_1h: float = 2.0
    cache_read: float = 0.1
    output: float = 5.0
    batch_discount: float = 0.5


FIXTURE_PRICES = FixturePrices()


def fixture_pricing(model: str):
    return (MODEL if model == "haiku" else model), FIXTURE_PRICES


def echo_script(*rules):
    """The given rules first, then a model that answers every request with `echo: <its user text>`."""
    from ctxlean.fakeapi import Rule, Script
    from ctxlean.fakeapi.script import last_user_text, reply, text

    return Script([*rules, Rule("echo", respond=lambda req: reply(text("echo: " + last_user_text(req.body))))])


def write_items(path: Path, n: int, text=lambda i: f"item number {i}") -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"id-{i}", "text": text(i), "topic": f"topic {i % 3}"}) + "\n")
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    """`ctxlean <args>` in this process with the fixture prices: (exit code, stdout, stderr)."""
    import ctxlean.batch.costs
    import ctxlean.cli

    out, err = io.StringIO(), io.StringIO()
    saved, ctxlean.batch.costs.pricing_for = ctxlean.batch.costs.pricing_for, fixture_pricing
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = ctxlean.cli.main(list(args))
    finally:
        ctxlean.batch.costs.pricing_for = saved
    return code, out.getvalue(), err.getvalue()


def spawn_cli(*args: str, **popen) -> subprocess.Popen:
    """`ctxlean <args>` as a separate process (so a test can kill it), with the fixture prices."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(Path(__file__).parent)])}
    return subprocess.Popen([sys.executable, __file__, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def out_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fake_cost(usages: list[dict]) -> float:
    """What the fake's reported usage costs at the fixture prices, batch discount applied."""
    from ctxlean.batch.costs import Usage, cost_usd

    total = Usage()
    for usage in usages:
        total += Usage.from_api(usage)
    return cost_usd(total, FIXTURE_PRICES)


if __name__ == "__main__":
    import ctxlean.batch.costs
    import ctxlean.cli

    ctxlean.batch.costs.pricing_for = fixture_pricing
    sys.exit(ctxlean.cli.main(sys.argv[1:]))
