"""Batch and fan-out figures against the fake API on 127.0.0.1, as ratios within one run.

    .venv/bin/python benchmarks/batch_fanout.py [--items 2000] [--delay 0.3]

Batch: a job of --items items (a shared instruction prefix of ~2,000 tokens, items of ~100 tokens) through
`ctxlean batch submit` + `results`, with the fake processing every batch at once. Reported: the share of
input tokens read from the prompt cache; the job's cost against the same requests sent one by one
through the Messages API without caching (both priced from the fake's usage with ctxlean's price data);
and the runner's own speed, items per second from submit to the last result line.

Fan-out: a seven-step review graph whose longest dependency chain is three steps, every answer taking
--delay seconds in the fake: wall time of `run_graph` against the same steps one after another
(max_concurrency=1), and the rounds of requests the fake saw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]  # this checkout's ctxlean, whatever the environment has installed

from ctxlean import cli  # noqa: E402
from ctxlean.batch.costs import Usage, price_book, request_cost  # noqa: E402
from ctxlean.fakeapi import FakeAnthropic, Rule, Script  # noqa: E402
from ctxlean.fakeapi.batches import batches_of  # noqa: E402
from ctxlean.fakeapi.cache import PromptCache  # noqa: E402
from ctxlean.fakeapi.script import last_user_text, reply, text  # noqa: E402
from ctxlean.fanout import AnthropicSteps, Step, run_graph  # noqa: E402
from ctxlean.usage.pricing import min_cacheable_tokens  # noqa: E402

MODEL = "haiku"
INSTRUCTIONS = ("You label customer messages with one of: billing, bug, feature, praise, other. "
                "Answer with the label alone.\n") + "".join(
    f"Example {n}: 'message number {n} about an invoice that was charged twice' -> billing\n" for n in range(90))


def run_quietly(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(list(args))
    if code:
        raise SystemExit(f"ctxlean {' '.join(args)} failed with {code}")
    return out.getvalue()


def batch_figures(items: int, work: Path) -> None:
    label = Script([Rule("label", respond=reply(text("billing")))])
    with FakeAnthropic(label, usage=PromptCache(min_cacheable_tokens=min_cacheable_tokens)) as api:
        os.environ.update(ANTHROPIC_BASE_URL=api.url, ANTHROPIC_API_KEY="benchmark", CTXLEAN_STORE=str(work))
        (work / "prompt.md").write_text(INSTRUCTIONS + "Message from {{customer}}:\n")
        with (work / "items.jsonl").open("w") as fh:
            for n in range(items):
                fh.write(json.dumps({"id": f"m{n}", "customer": f"customer {n % 97}",
                                     "text": f"Message {n}: " + "the invoice shows a charge I do not recognise " * 8})
                         + "\n")
        import anthropic  # noqa: F401 (imported before the clock starts: its import alone takes seconds)

        started = time.perf_counter()
        job = run_quietly("batch", "submit", str(work / "items.jsonl"), "--prompt", str(work / "prompt.md"),
                          "--model", MODEL, "--max-tokens", "16").split()[-1]
        run_quietly("batch", "results", job, "-o", str(work / "out.jsonl"), "--poll", "0.05")
        seconds = time.perf_counter() - started
        usages = [Usage.from_api(u) for u in batches_of(api).reported_usage()]
    book = price_book()
    model = book.resolve(MODEL).id
    total = sum(usages, Usage())
    read_in = total.input_tokens + total.cache_read + total.cache_write_5m + total.cache_write_1h
    batch_cost = sum(request_cost(book, model, u.as_api()) for u in usages)
    plain = [Usage(input_tokens=u.input_tokens + u.cache_read + u.cache_write_1h + u.cache_write_5m,
                   output_tokens=u.output_tokens) for u in usages]
    plain_cost = sum(request_cost(book, model, u.as_api(), batch=False) for u in plain)
    print(f"batch, {items:,} items on {model}:")
    print(f"  input tokens read from cache: {total.cache_read / read_in:.1%} of {read_in:,}")
    print(f"  cost ${batch_cost:.4f} vs ${plain_cost:.4f} sent one by one without caching: "
          f"{batch_cost / plain_cost:.3f}x ({plain_cost / batch_cost:.1f}x cheaper)")
    print(f"  runner: {items / seconds:,.0f} items/s from submit to the last result line ({seconds:.2f} s)")


def review_graph() -> list[Step]:
    def combine(*names):
        return lambda got: "\n".join(f"[{n}] {got[n]}" for n in names)

    return [Step("facts", "[facts]"), Step("risks", "[risks]"), Step("tests", "[tests]"), Step("style", "[style]"),
            Step("summary", combine("facts", "risks"), depends_on=("facts", "risks")),
            Step("advice", combine("tests", "style"), depends_on=("tests", "style")),
            Step("review", combine("summary", "advice"), depends_on=("summary", "advice"))]


def fanout_figures(delay: float) -> None:
    import anthropic

    def slow(req):
        time.sleep(delay)
        return reply(text("ok " + last_user_text(req.body)[:40]))

    walls = {}
    for concurrency in (1, 8):
        with FakeAnthropic(Script([Rule("slow", respond=slow)])) as api:
            client = anthropic.AsyncAnthropic(base_url=api.url, api_key="benchmark", max_retries=0)
            report = asyncio.run(run_graph(review_graph(), AnthropicSteps(client), model="claude-haiku-5-5",
                                           max_concurrency=concurrency))
            assert report.ok, report.summary()
            stamps = sorted(r["ts"] for r in api.model_requests())
            rounds = 1 + sum(b - a > delay / 2 for a, b in zip(stamps, stamps[1:], strict=False))
            walls[concurrency] = (report.wall_seconds, rounds)
    (serial, serial_rounds), (parallel, parallel_rounds) = walls[1], walls[8]
    print(f"fan-out, 7 steps, longest chain 3, {delay:.2f} s per answer:")
    print(f"  wall {parallel:.2f} s in {parallel_rounds} rounds vs {serial:.2f} s in {serial_rounds} one after "
          f"another: {parallel / serial:.2f}x ({serial / parallel:.1f}x faster)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        batch_figures(args.items, Path(tmp))
    fanout_figures(args.delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
