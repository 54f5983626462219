"""Shared by the batch and fan-out tests: the fake API with prompt caching, `ctxlean batch` runs (in this
process, or as a separate process a test can kill), and the price book everything is priced with."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from ctxlean.usage.pricing import load_prices, min_cacheable_tokens

SRC = Path(__file__).resolve().parents[1] / "src"
MODEL = "claude-haiku-5-5"  # what `--model haiku` resolves to in the price data
BOOK = load_prices()  # the shipped price data, as `ctxlean batch` uses it (no [pricing] config in tests)


def echo_script(*rules):
    """The given rules first, then a model that answers every request with `echo: <its user text>`."""
    from ctxlean.fakeapi import Rule, Script
    from ctxlean.fakeapi.script import last_user_text, reply, text

    return Script([*rules, Rule("echo", respond=lambda req: reply(text("echo: " + last_user_text(req.body))))])


def fake_api(*rules):
    """The fake API answering with echo_script(*rules), simulating prompt caching as the API does."""
    from ctxlean.fakeapi import FakeAnthropic
    from ctxlean.fakeapi.cache import PromptCache

    return FakeAnthropic(echo_script(*rules), usage=PromptCache(min_cacheable_tokens=min_cacheable_tokens))


def write_items(path: Path, n: int, text=lambda i: f"item number {i}") -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"id-{i}", "text": text(i), "topic": f"topic {i % 3}"}) + "\n")
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    """`ctxlean <args>` in this process: (exit code, stdout, stderr)."""
    import ctxlean.cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = ctxlean.cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def spawn_cli(*args: str) -> subprocess.Popen:
    """`ctxlean <args>` as a separate process (so a test can kill it), with this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "ctxlean", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def out_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fake_cost(usages: list[dict]) -> float:
    """What the fake's reported usage costs at the shipped prices, request by request, batch discount applied."""
    from ctxlean.batch.costs import request_cost

    return sum(request_cost(BOOK, MODEL, usage) for usage in usages)
