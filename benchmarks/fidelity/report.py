"""What run.py prints: the headline figures against issue 18's targets, recall broken down by content kind,
tool family, program, needle class and the classes of outside work issue 18 measured, and every needle
missing from a summary, grouped by needle class."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from ctxlean.config import Config
from ctxlean.tokens import estimate_tokens

BIG_BYTES = 20_000
FAILING_BIG_BYTES = 100_000
TARGET_RECALL = 97.0
TARGET_MB_PER_S = 50.0
WARNING = re.compile(r"(?im)^.*warning")  # a line that reports warnings, in any tool's spelling
DIAGNOSTIC = re.compile(r"\S+(?::\d+:\d+|\(\d+,\d+\)): ")  # file:line:col: or file(line,col): of a compiler


def share(flags: list[bool]) -> str:
    return f"{sum(flags)}/{len(flags)} = {100 * sum(flags) / max(1, len(flags)):.1f}%"


def percent(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):5.1f}%" if flags else "    -"


def issue_classes(result) -> list[str]:
    """The classes of outside work issue 18 found summaries losing, that this payload belongs to."""
    meta, text = result.case.meta, result.case.text
    classes = []
    needle_classes = {n.get("class") for n in meta["needles"]}
    diagnostic = any(n.get("class") == "error" and DIAGNOSTIC.search(n["text"]) for n in meta["needles"])
    if meta["failing"] and "failing-test" in needle_classes and (diagnostic or len(WARNING.findall(text)) >= 3):
        classes.append("warnings then failing tests")
    if re.search(r"\b[\w.-]+-errors?\b", text[:400_000]) and meta.get("program") == "npm":
        classes.append('"error" inside package names')
    if "changed-line" in needle_classes:
        classes.append("patch: changed lines")
    if "asked-line" in needle_classes:
        classes.append("the asked-about line")
    if meta["failing"] and result.case.size > FAILING_BIG_BYTES:
        classes.append("failing, over 100 KB")
    if meta.get("family") in ("search", "listing", "file-read") or meta.get("tool") in ("Read", "Grep", "Glob"):
        classes.append("listings, greps, file reads")
    if meta.get("family") == "test-runner":
        classes.append("test runs")
    return classes


def table(title: str, results: list, key: Callable) -> None:
    groups: dict[str, list] = defaultdict(list)
    for r in results:
        for k in key(r):
            groups[k].append(r)
    print(f"\nby {title}:")
    print(
        f"  {'':34} {'payloads':>8} {'needles':>7} {'summary':>8} {'hint':>7} {'1 fetch':>8} {'budget':>7} {'false':>5}"
    )
    for name in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        rs = groups[name]
        found = [f for r in rs for f in r.found]
        print(
            f"  {name[:34]:34} {len(rs):8} {len(found):7} {percent(found):>8} "
            f"{percent([f for r in rs for f in r.found_hint]):>7} {percent([f for r in rs for f in r.found_fetch]):>8} "
            f"{percent([r.within_budget for r in rs]):>7} {sum(bool(r.false_success) for r in rs):5}"
        )


def by_needle_class(results: list) -> None:
    flags: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        for needle, found in zip(r.case.meta["needles"], r.found, strict=True):
            flags[needle.get("class", "(none)")].append(found)
    print("\nby needle class:")
    for name in sorted(flags, key=lambda c: -len(flags[c])):
        print(f"  {name:34} {len(flags[name]):7} needles {percent(flags[name]):>8} in the summary")


def program(result) -> list[str]:
    name = result.case.meta.get("program") or "(unknown)"
    return [name.split()[0] if name.split()[0] in ("git", "go", "cargo", "npm", "pip") else name]


def slowest(results: list, seconds: dict[str, float], count: int = 8) -> None:
    """The payloads that take the most of summarize()'s time, with their own MB/s."""
    total = sum(seconds.values()) or 1.0
    print("\nslowest to summarize (share of the corpus's summarize() time):")
    for r in sorted(results, key=lambda r: -seconds.get(r.case.name, 0))[:count]:
        took = seconds.get(r.case.name, 0)
        speed = r.case.size / 1e6 / max(took, 1e-9)
        print(f"  {r.case.name:40} {100 * took / total:5.1f}%  {speed:7.1f} MB/s  [{r.kind}]")


def report(results: list, mb_per_s: float, cfg: Config, seconds: dict[str, float] | None = None) -> None:
    found = [f for r in results for f in r.found]
    offloaded = [f for r in results if r.offloaded for f in r.found]
    failing = [r for r in results if r.case.meta["failing"]]
    false = [r for r in failing if r.false_success]
    silent = [r for r in failing if not r.names_failure]
    big = [r for r in results if r.case.size > BIG_BYTES]
    ratios = [estimate_tokens(r.case.text) / max(1, estimate_tokens(r.replacement)) for r in big]
    programs = {program(r)[0] for r in results}
    print(
        f"payloads: {len(results)} ({sum(r.case.size for r in results) / 1e6:.2f} MB) from {len(programs)} tools, "
        f"{sum(r.offloaded for r in results)} offloaded; summary budget {cfg.summary_budget_tokens} tokens, "
        f"fetch budget {cfg.fetch_budget_tokens} tokens"
    )
    print(f"needle recall in the summary:           {share(found)}   (target >= {TARGET_RECALL:.0f}%)")
    print(f"  on offloaded payloads only:           {share(offloaded)}")
    print(
        f"needle recall within one fetch_detail:  {share([f for r in results for f in r.found_fetch])}   (target 100%)"
    )
    print(f"needle recall with the summary's hint:  {share([f for r in results for f in r.found_hint])}")
    print(f"false-success claims:                   {len(false)} of {len(failing)} failing payloads   (target 0)")
    print(f"  failing payloads naming no failure:   {len(silent)} of {len(failing)}")
    print(f"summaries within budget:                {share([r.within_budget for r in results])}   (target 100%)")
    if ratios:
        print(
            f"median compression over 20 KB:          {statistics.median(ratios):.1f}x on {len(big)} payloads "
            f"(min {min(ratios):.1f}x)   (target >= 20x)"
        )
    print(f"summarizer throughput:                  {mb_per_s:.1f} MB/s   (target >= {TARGET_MB_PER_S:.0f} MB/s)")
    if seconds:
        slowest(results, seconds)
    table("content kind (expected)", results, lambda r: [r.case.meta.get("kind") or "(none)"])
    table("tool family", results, lambda r: [r.case.meta.get("family") or "(none)"])
    table("program", results, program)
    table("class of outside work (issue 18)", results, issue_classes)
    by_needle_class(results)
    misses: dict[str, list[tuple]] = defaultdict(list)
    for r in results:
        for needle, ok in zip(r.case.meta["needles"], r.found, strict=True):
            if not ok:
                misses[needle.get("class", "(none)")].append((r, needle["text"]))
    if misses:
        print("\nneedles missing from the summary, by class:")
        for cls in sorted(misses, key=lambda c: -len(misses[c])):
            print(f"  {cls} ({len(misses[cls])}):")
            for r, text in misses[cls]:
                print(f"    {r.case.name} [{r.kind}]: {text[:90]!r}")
    for r in false:
        print(f"FALSE SUCCESS {r.case.name}: {r.false_success!r}")
    for r in silent:
        print(f"NAMES NO FAILURE {r.case.name} [{r.kind}]")
    for r in results:
        if not r.within_budget:
            print(f"OVER BUDGET {r.case.name}: {estimate_tokens(r.replacement)} tokens")
        if not all(r.found_fetch):
            lost = [n["text"][:60] for n, f in zip(r.case.meta["needles"], r.found_fetch, strict=True) if not f]
            print(f"NOT IN ITS OWN FETCH {r.case.name}: {lost}")
    mismatched = [
        (r.case.name, r.case.meta.get("kind"), r.kind)
        for r in results
        if r.case.meta.get("kind") and r.kind != "(not offloaded)" and r.case.meta["kind"] not in r.kind
    ]
    if mismatched:
        print(f"\nsummarized as another kind than expected: {len(mismatched)}")
        for name, expected, got in mismatched:
            print(f"  {name}: expected {expected}, got {got}")


def write_json(results: list, mb_per_s: float, path: Path) -> None:
    """Every payload's outcome, for tooling: which needles were kept, where, and the claims found."""
    rows = [
        {
            "name": r.case.name,
            "kind": r.kind,
            "expected_kind": r.case.meta.get("kind"),
            "family": r.case.meta.get("family"),
            "program": r.case.meta.get("program"),
            "failing": r.case.meta["failing"],
            "size": r.case.size,
            "offloaded": r.offloaded,
            "summary_tokens": estimate_tokens(r.replacement),
            "within_budget": r.within_budget,
            "false_success": r.false_success,
            "names_failure": r.names_failure,
            "issue_classes": issue_classes(r),
            "needles": [
                {"text": n["text"], "class": n.get("class"), "in_summary": a, "with_hint": b, "one_fetch": c}
                for n, a, b, c in zip(r.case.meta["needles"], r.found, r.found_hint, r.found_fetch, strict=True)
            ],
        }
        for r in results
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"throughput_mb_per_s": round(mb_per_s, 1), "payloads": rows}, indent=1) + "\n")
