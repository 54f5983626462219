"""Shared by the batch tests: fixture prices, a fake API with batches, and `ctxlean batch` runs.

FixtureBook stands in for the price book (ctxlean.usage.pricing) until it is on this branch; run as a
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
class FixtureModel:
    id: str
    batch_discount: float = 0.5


class FixtureBook:
    """Prices shaped like Haiku's (USD per million tokens), with the API of ctxlean.usage.pricing.PriceBook
    (resolve, cost) that the batch code uses: a stand-in until the price data is on this branch."""

    RATES = {"input": 1.0, "output": 5.0, "cache_read": 0.1, "cache_write_5m": 1.25, "cache_write_1h": 2.0}
    ALIASES = {"haiku": MODEL}

    def resolve(self, model_id: str) -> FixtureModel | None:
        model_id = self.ALIASES.get(model_id, model_id)
        return FixtureModel(model_id) if model_id.startswith("claude-") else None

    def cost(self, model_id, input, output, cache_read, cache_write_5m, cache_write_1h) -> float | None:
        if self.resolve(model_id) is None:
            return None
        tokens = {"input": input, "output": output, "cache_read": cache_read, "cache_write_5m": cache_write_5m,
                  "cache_write_1h": cache_write_1h}
        return sum(tokens[k] * rate for k, rate in self.RATES.items()) / 1e6


BOOK = FixtureBook()


def fixture_book():
    return BOOK


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
    saved, ctxlean.batch.costs.price_book = ctxlean.batch.costs.price_book, fixture_book
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = ctxlean.cli.main(list(args))
    finally:
        ctxlean.batch.costs.price_book = saved
    return code, out.getvalue(), err.getvalue()


def spawn_cli(*args: str, **popen) -> subprocess.Popen:
    """`ctxlean <args>` as a separate process (so a test can kill it), with the fixture prices."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(Path(__file__).parent)])}
    return subprocess.Popen([sys.executable, __file__, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def out_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fake_cost(usages: list[dict]) -> float:
    """What the fake's reported usage costs at the fixture prices, request by request, batch discount applied."""
    from ctxlean.batch.costs import Usage, request_cost

    return sum(request_cost(BOOK, MODEL, Usage.from_api(usage)) for usage in usages)


if __name__ == "__main__":
    import ctxlean.batch.costs
    import ctxlean.cli

    ctxlean.batch.costs.price_book = fixture_book
    sys.exit(ctxlean.cli.main(sys.argv[1:]))
