"""Fidelity benchmark: does the summary the model sees keep the facts that matter, within its budget?

    python benchmarks/fidelity/run.py [--corpus DIR] [--only REGEX] [--show NAME]

Every corpus payload goes through the real offload path (ctxlean.offload: store, summarize, render the
replacement the model sees) into a temporary store; needles are then looked up in that replacement and,
failing that, in the answer of one real fetch_detail call (ctxlean.mcp_server.fetch). Prints:
- needle recall in the summary; within one fetch_detail call (the needle's own call); and with the
  summary's own hint (the follow-up the summary suggests)
- false-success claims: a summary of a payload that shows failures using a success phrase
- summaries within the configured summary budget
- median compression (payload tokens / replacement tokens) on payloads over 20 KB
- summarizer throughput in MB/s (summarize() alone, CPU time, best of 5 passes)
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from ctxlean.config import Config  # noqa: E402
from ctxlean.mcp_server.fetch import FetchError, fetch_detail  # noqa: E402
from ctxlean.offload import offload  # noqa: E402
from ctxlean.store.sqlite import SqliteStore  # noqa: E402
from ctxlean.summarize import Payload, summarize  # noqa: E402
from ctxlean.tokens import estimate_tokens  # noqa: E402
from ctxlean.tool_output import ToolOutput  # noqa: E402

PROJECT = "/fidelity-benchmark"
BIG_BYTES = 20_000
# A success claim: what a summary must never say about a payload that shows failures or errors.
SUCCESS = re.compile(r"(?i)\b(?:all (?:\w+ )?(?:passed|succeeded|ok|green)|no (?:errors?|failures?|issues|problems)"
                     r"(?: found)?|succe(?:ss|eded|ssful(?:ly)?)|passed!|0 failed|0 errors?|build ok|tests? ok)\b"
                     r"|^OK\b")


@dataclass
class Case:
    name: str
    text: str
    meta: dict
    binary: bool
    size: int

    def payload(self) -> Payload:
        return Payload(text=self.text, tool=self.meta["tool"], tool_input=self.meta["tool_input"], size=self.size,
                       binary=self.binary)


@dataclass
class Result:
    case: Case
    replacement: str
    kind: str
    hint: str
    found: list[bool] = field(default_factory=list)
    found_fetch: list[bool] = field(default_factory=list)
    found_hint: list[bool] = field(default_factory=list)
    false_success: str = ""
    within_budget: bool = True


def load(corpus: Path, only: str | None) -> list[Case]:
    cases = []
    for meta_path in sorted(corpus.glob("*.json")):
        name = meta_path.stem
        if only and not re.search(only, name):
            continue
        meta = json.loads(meta_path.read_text())
        raw_path = corpus / f"{name}.txt"
        if not raw_path.exists():
            raw_path = corpus / f"{name}.bin"
        raw = raw_path.read_bytes()
        text = raw.decode("utf-8", "replace")  # as ctxlean.offload samples a payload
        cases.append(Case(name, text, meta, "\x00" in text[:8192], len(raw)))
    return cases


def hint_arguments(hint: str) -> dict:
    """fetch_detail keyword arguments from a hint such as 'grep="FAILED|Error"'."""
    call = ast.parse(f"f({hint})", mode="eval").body
    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


def fetch(store: SqliteStore, handle: str, arguments: dict, budget: int) -> str:
    try:
        return fetch_detail(store, PROJECT, handle, budget_tokens=budget, **arguments)
    except FetchError as exc:
        return f"fetch error: {exc}"


def evaluate(cases: list[Case], store: SqliteStore, cfg: Config) -> list[Result]:
    results = []
    for case in cases:
        output = ToolOutput(case.text, lambda summary: summary)
        done = offload(output, tool=case.meta["tool"], tool_input=case.meta["tool_input"], project=PROJECT,
                       cfg=cfg, store=store)
        if done is None:  # under the offload threshold: the model sees the payload itself
            replacement, kind, hint, handle = case.text, "(not offloaded)", "", ""
        else:
            replacement, handle = done.text, done.handle
            header = re.search(r"Summary[^(\n]*\(([^)\n]*)\):", replacement.split("\n", 1)[0])
            kind = header.group(1) if header else ""
            hint = replacement.rsplit(f'fetch_detail("{handle}", ', 1)[-1].split("); also", 1)[0]
        result = Result(case, replacement, kind, hint)
        result.within_budget = estimate_tokens(replacement) <= cfg.summary_budget_tokens or done is None
        hinted = fetch(store, handle, hint_arguments(hint), cfg.fetch_budget_tokens) if hint else ""
        for needle in case.meta["needles"]:
            in_summary = needle["text"] in replacement
            result.found.append(in_summary)
            own = in_summary or (done is not None and
                                 needle["text"] in fetch(store, handle, needle["fetch"], cfg.fetch_budget_tokens))
            result.found_fetch.append(own)
            result.found_hint.append(in_summary or needle["text"] in hinted)
        if case.meta["failing"]:
            claim = SUCCESS.search(replacement)
            result.false_success = claim.group(0) if claim else ""
        results.append(result)
    return results


def throughput(cases: list[Case], budget: int) -> float:
    """MB/s of summarize() alone over the whole corpus: CPU time of this process (the machine is shared,
    wall time would measure the neighbours), the best of five passes."""
    payloads = [c.payload() for c in cases]
    total = sum(len(c.text.encode("utf-8", "surrogatepass")) for c in cases)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for payload in payloads:
            summarize(payload, budget)
        best = min(best, time.process_time() - start)
    return total / 1e6 / best


def report(results: list[Result], mb_per_s: float, cfg: Config) -> None:
    def share(flags: list[bool]) -> str:
        return f"{sum(flags)}/{len(flags)} = {100 * sum(flags) / max(1, len(flags)):.1f}%"

    found = [f for r in results for f in r.found]
    found_fetch = [f for r in results for f in r.found_fetch]
    found_hint = [f for r in results for f in r.found_hint]
    failing = [r for r in results if r.case.meta["failing"]]
    false = [r for r in failing if r.false_success]
    big = [r for r in results if r.case.size > BIG_BYTES]
    ratios = [estimate_tokens(r.case.text) / max(1, estimate_tokens(r.replacement)) for r in big]
    print(f"payloads: {len(results)} ({sum(r.case.size for r in results) / 1e6:.2f} MB), "
          f"summary budget {cfg.summary_budget_tokens} tokens, fetch budget {cfg.fetch_budget_tokens} tokens")
    print(f"needle recall in the summary:           {share(found)}   (target >= 95%)")
    print(f"needle recall within one fetch_detail:  {share(found_fetch)}   (target 100%)")
    print(f"needle recall with the summary's hint:  {share(found_hint)}")
    print(f"false-success claims:                   {len(false)} of {len(failing)} failing payloads   (target 0)")
    print(f"summaries within budget:                {share([r.within_budget for r in results])}   (target 100%)")
    if ratios:
        print(f"median compression over 20 KB:          {statistics.median(ratios):.1f}x on {len(big)} payloads "
              f"(min {min(ratios):.1f}x)   (target >= 20x)")
    print(f"summarizer throughput:                  {mb_per_s:.1f} MB/s   (target >= 50 MB/s)")
    misses = [(r, n["text"]) for r in results for n, f in zip(r.case.meta["needles"], r.found, strict=True) if not f]
    if misses:
        print("\nneedles missing from the summary:")
        for r, text in misses:
            print(f"  {r.case.name} [{r.kind}]: {text[:90]!r}")
    for r in false:
        print(f"FALSE SUCCESS {r.case.name}: {r.false_success!r}")
    for r in results:
        if not r.within_budget:
            print(f"OVER BUDGET {r.case.name}: {estimate_tokens(r.replacement)} tokens")
        expected = r.case.meta.get("kind")
        if expected and r.kind and expected not in r.kind and r.kind != "(not offloaded)":
            print(f"kind {r.case.name}: expected {expected}, got {r.kind}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fidelity benchmark for ctxlean summaries.")
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--only", help="regex on payload names")
    parser.add_argument("--show", help="print the replacement of the payloads whose name matches this regex")
    args = parser.parse_args(argv)
    cases = load(args.corpus, args.only)
    if not cases:
        print(f"no payloads in {args.corpus}: run build_corpus.py first", file=sys.stderr)
        return 1
    cfg = Config()
    with tempfile.TemporaryDirectory(prefix="ctxlean-fidelity-") as tmp:
        store = SqliteStore(Path(tmp) / "store.sqlite3")
        try:
            results = evaluate(cases, store, cfg)
        finally:
            store.close()
    if args.show:
        for r in results:
            if re.search(args.show, r.case.name):
                print(f"===== {r.case.name} ({r.case.size:,} bytes)\n{r.replacement}\n")
    report(results, throughput(cases, cfg.summary_budget_tokens - 70), cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
