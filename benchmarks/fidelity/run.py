"""Fidelity benchmark: does the summary the model sees keep the facts that matter, within its budget?

    python benchmarks/fidelity/run.py [--corpus DIR] [--only REGEX] [--show NAME] [--json FILE] [--no-asked]

Every corpus payload goes through the real offload path (ctxlean.offload: store, summarize, render the
replacement the model sees), with the agent's words before the call (the sidecar's `asked`) as the hook
passes them, into a temporary store; needles are then looked up in that replacement and,
failing that, in the answer of one real fetch_detail call (ctxlean.mcp_server.fetch). Prints:
- needle recall in the summary (also on offloaded payloads alone); within one fetch_detail call (the
  needle's own call); and with the summary's own hint (the follow-up the summary suggests)
- false-success claims: a summary of a payload that shows failures using a success phrase it did not
  quote from the payload ("all tests passed", "no errors", "0 failed", ...; see success_claim), and, as
  information, the failing payloads whose summary names no failure at all
- summaries within the configured summary budget
- median compression (payload tokens / replacement tokens) on payloads over 20 KB
- summarizer throughput in MB/s over the whole corpus (summarize() alone, CPU time, best of 5 passes)
- recall by content kind, by tool family, by program, by needle class and by the classes of outside work
  that issue 18 measured; then every needle missing from the summary, grouped by needle class
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE))

from ctxlean.config import Config  # noqa: E402
from ctxlean.mcp_server.fetch import FetchError, fetch_detail  # noqa: E402
from ctxlean.offload import offload  # noqa: E402
from ctxlean.store.sqlite import SqliteStore  # noqa: E402
from ctxlean.summarize import Payload, summarize  # noqa: E402
from ctxlean.summarize.asked import asked_text  # noqa: E402
from ctxlean.tokens import estimate_tokens  # noqa: E402
from ctxlean.tool_output import ToolOutput  # noqa: E402

PROJECT = "/fidelity-benchmark"
BIG_BYTES = 20_000
# A success claim: what a summary must never say about a payload that shows failures or errors (unless it
# quotes the payload's own line, e.g. cargo's "test result: ok." of a test binary that did pass).
SUCCESS = re.compile(r"(?i)\b(?:all (?:\w+ )?(?:passed|succeeded|ok|green)|no (?:errors?|failures?|issues|problems)"
                     r"(?: found)?|succe(?:ss|eded|ssful(?:ly)?)|passed!|0 failed|0 errors?|build ok|tests? ok)\b"
                     r"|^OK\b")


# A failure named in a summary: any of these means the summary does not hide that something failed.
FAILURE = re.compile(r"(?i)\b(?:fail(?:ed|ure|ures|ing|s)?|errors?|panic(?:ked)?|exception|traceback|fatal|"
                     r"segmentation fault|conflict|abort(?:ed)?|refused|not found|no such|cannot|could not|unable|"
                     r"invalid|violat\w*|exit (?:code|status) [1-9]\d*|killed)\b|ERR!|✖|×|✗")


@dataclass
class Case:
    name: str
    text: str
    meta: dict
    binary: bool
    size: int

    def payload(self, with_asked: bool = True) -> Payload:
        """The Payload offload() builds for this case (its asked text as the hook would make it)."""
        return Payload(text=self.text, tool=self.meta["tool"], tool_input=self.meta["tool_input"], size=self.size,
                       binary=self.binary, asked=asked_text(self.words(with_asked), self.meta["tool_input"]))

    def words(self, with_asked: bool = True) -> str:
        """The agent's words before the call: what it was looking for (the sidecar's `asked`)."""
        return self.meta.get("asked", "") if with_asked else ""


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
    names_failure: bool = True  # for a failing payload: the replacement names a failure somewhere
    within_budget: bool = True
    offloaded: bool = True


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


def evaluate(cases: list[Case], store: SqliteStore, cfg: Config, with_asked: bool = True) -> list[Result]:
    results = []
    for case in cases:
        output = ToolOutput(case.text, lambda summary: summary)
        done = offload(output, tool=case.meta["tool"], tool_input=case.meta["tool_input"], project=PROJECT,
                       cfg=cfg, store=store, words=case.words(with_asked))
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
        result.offloaded = done is not None
        if case.meta["failing"]:
            result.false_success = success_claim(replacement, case.text)
            result.names_failure = bool(FAILURE.search(replacement))
        results.append(result)
    return results


def success_claim(summary: str, payload: str) -> str:
    """The first success phrase in summary that is not a quote of the payload ("" when there is none). A
    quote is the phrase with what follows it on the summary's line (up to 20 characters, a trailing "…" cut
    off) or with what precedes it (line-number prefixes come first), found in the payload as it is."""
    for line in summary.split("\n"):
        for claim in SUCCESS.finditer(line):
            right = line[claim.start():claim.end() + 20].rstrip(" …")
            left = line[max(0, claim.start() - 20):claim.end()].lstrip()
            if right not in payload and left not in payload:
                return claim.group(0)
    return ""


def throughput(cases: list[Case], budget: int, with_asked: bool = True) -> tuple[float, dict[str, float]]:
    """MB/s of summarize() alone over the whole corpus: CPU time of this process (the machine is shared,
    wall time would measure the neighbours), the best of five passes; and each payload's best time (s)."""
    payloads = [(c.name, c.payload(with_asked)) for c in cases]
    total = sum(len(c.text.encode("utf-8", "surrogatepass")) for c in cases)
    best = float("inf")
    each = {name: float("inf") for name, _ in payloads}
    for _ in range(5):
        start = time.process_time()
        for name, payload in payloads:
            before = time.process_time()
            summarize(payload, budget)
            each[name] = min(each[name], time.process_time() - before)
        best = min(best, time.process_time() - start)
    return total / 1e6 / best, each


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fidelity benchmark for ctxlean summaries.")
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--only", help="regex on payload names")
    parser.add_argument("--show", help="print the replacement of the payloads whose name matches this regex")
    parser.add_argument("--json", type=Path, help="also write every payload's results to this file")
    parser.add_argument("--no-asked", action="store_true",
                        help="summarize without the agent's words before the call (the sidecars' asked)")
    args = parser.parse_args(argv)
    cases = load(args.corpus, args.only)
    if not cases:
        print(f"no payloads in {args.corpus}: run build_corpus.py first", file=sys.stderr)
        return 1
    cfg = Config()
    with tempfile.TemporaryDirectory(prefix="ctxlean-fidelity-") as tmp:
        store = SqliteStore(Path(tmp) / "store.sqlite3")
        try:
            results = evaluate(cases, store, cfg, with_asked=not args.no_asked)
        finally:
            store.close()
    if args.show:
        for r in results:
            if re.search(args.show, r.case.name):
                print(f"===== {r.case.name} ({r.case.size:,} bytes)\n{r.replacement}\n")
    from report import report, write_json  # beside this file; only the command line needs it

    mb_per_s, seconds = throughput(cases, cfg.summary_budget_tokens - 70, with_asked=not args.no_asked)
    report(results, mb_per_s, cfg, seconds)
    if args.json:
        write_json(results, mb_per_s, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
