"""Review a file with four model steps: three independent reads run in parallel, then one combines them.

    ANTHROPIC_API_KEY=... python examples/fanout_review.py path/to/file.py
    python examples/fanout_review.py --offline path/to/file.py   # ctxlean's fake API on 127.0.0.1, no key

The three reads use a small model (mechanical work); the final review uses a larger one. With the graph
below the run takes two rounds of model calls instead of four, and prints a cost/latency table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from ctxlean.batch import costs
from ctxlean.fanout import AnthropicSteps, Step, run_graph


def review_steps(source: str, small: str, large: str) -> list[Step]:
    def read(task: str) -> str:
        return f"{task}\n\n<file>\n{source}\n</file>"

    return [
        Step("summary", read("Summarise what this file does in five bullet points."), model=small),
        Step("bugs", read("List likely bugs, each with its line and why."), model=small),
        Step("tests", read("List the behaviours that need a test and are not obviously covered."), model=small),
        Step("review", lambda got: ("Write a code review from these notes; most important first.\n\n"
                                    f"Summary:\n{got['summary']}\n\nBugs:\n{got['bugs']}\n\n"
                                    f"Missing tests:\n{got['tests']}"),
             depends_on=("summary", "bugs", "tests"), model=large, max_tokens=2048),
    ]


async def review(path: Path, small: str, large: str) -> int:
    import anthropic

    client = anthropic.AsyncAnthropic()
    report = await run_graph(review_steps(path.read_text(), small, large), AnthropicSteps(client), model=small,
                             max_concurrency=3, prices=costs.price_book())
    if report.results["review"].text:
        print(report.results["review"].text)
    print(report.summary(), file=sys.stderr)
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--small", default="claude-haiku-4-5", help="model for the three reads")
    parser.add_argument("--large", default="claude-sonnet-4-5", help="model for the final review")
    parser.add_argument("--offline", action="store_true", help="answer from ctxlean's fake API (echoes)")
    args = parser.parse_args()
    if not args.offline:
        return asyncio.run(review(args.file, args.small, args.large))

    from ctxlean.fakeapi import FakeAnthropic, Rule, Script
    from ctxlean.fakeapi.script import last_user_text, reply, text

    echo = Script([Rule("echo", respond=lambda req: reply(text(last_user_text(req.body)[:300])))])
    with FakeAnthropic(echo) as api:
        os.environ.update(ANTHROPIC_BASE_URL=api.url, ANTHROPIC_API_KEY="offline")
        return asyncio.run(review(args.file, args.small, args.large))


if __name__ == "__main__":
    sys.exit(main())
