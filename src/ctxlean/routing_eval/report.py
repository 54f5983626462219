"""The routing eval's report: per agent, how often the candidate model agrees with the reference, how often
each is right, and what each cost."""

from __future__ import annotations

from collections import defaultdict

from ctxlean.routing_eval.runner import Outcome

OFFLINE_NOTE = ("**Offline run against ctxlean's fake API: this checks the plumbing only** (payloads stored, agents' "
                "tools served, sessions run, usage and cost accounted). The fake model answers right whenever its "
                "tool call returned the evidence, so its agreement and accuracy figures say nothing about any "
                "model's quality. Run with ANTHROPIC_API_KEY set for real figures.")


def _usd(value: float) -> str:
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def agent_rows(pairs: list[tuple[Outcome, Outcome]]) -> list[dict]:
    """One row per agent (and a total): tasks, agreement, correctness and cost of each model."""
    groups: dict[str, list[tuple[Outcome, Outcome]]] = defaultdict(list)
    for ref, cand in pairs:
        groups[ref.task.agent].append((ref, cand))
    groups["all"] = list(pairs)
    rows = []
    for agent, items in groups.items():
        ref_cost = sum(r.cost_usd() for r, _ in items)
        cand_cost = sum(c.cost_usd() for _, c in items)
        rows.append({"agent": agent, "tasks": len(items),
                     "agree": sum(1 for r, c in items if not r.error and not c.error and r.canonical == c.canonical),
                     "ref_correct": sum(r.correct for r, _ in items), "cand_correct": sum(c.correct for _, c in items),
                     "ref_cost": ref_cost, "cand_cost": cand_cost,
                     "cost_ratio": cand_cost / ref_cost if ref_cost else None,
                     "errors": sum(bool(r.error) + bool(c.error) for r, c in items)})
    return rows


def _models(outcomes: list[Outcome]) -> str:
    return ", ".join(sorted({m for o in outcomes for m in o.usage})) or "-"


def render(pairs: list[tuple[Outcome, Outcome]], reference: str, candidate: str, offline: bool) -> str:
    refs, cands = [r for r, _ in pairs], [c for _, c in pairs]
    lines = ["# ctxlean routing eval", "",
             OFFLINE_NOTE if offline else "Real run against the Anthropic API.", "",
             f"Reference model: `{reference}` (ran as {_models(refs)}). "
             f"Candidate model: `{candidate}` (ran as {_models(cands)}).",
             "Agreement: both answers have the same graded value (same facts found, same JSON, same labels, same "
             "table). Cost: each session's per-model tokens priced with ctxlean's pricing data "
             "(src/ctxlean/data/pricing.json).", "",
             "| agent | tasks | agreement | reference correct | candidate correct | reference cost | candidate cost "
             "| candidate / reference cost |",
             "|---|---|---|---|---|---|---|---|"]
    for row in agent_rows(pairs):
        ratio = f"{row['cost_ratio']:.2f}" if row["cost_ratio"] is not None else "-"
        name = "**all**" if row["agent"] == "all" else row["agent"]
        lines.append(f"| {name} | {row['tasks']} | {_pct(row['agree'], row['tasks'])} | "
                     f"{_pct(row['ref_correct'], row['tasks'])} | {_pct(row['cand_correct'], row['tasks'])} | "
                     f"{_usd(row['ref_cost'])} | {_usd(row['cand_cost'])} | {ratio} |")
    lines += ["", "## Tasks", "",
              "| task | agent | agree | reference | candidate | reference tokens in/out | candidate tokens in/out |",
              "|---|---|---|---|---|---|---|"]
    for ref, cand in pairs:
        def verdict(o: Outcome) -> str:
            return f"error: {o.error}" if o.error else "correct" if o.correct else "wrong"

        agree = "yes" if not ref.error and not cand.error and ref.canonical == cand.canonical else "no"
        lines.append(f"| {ref.task.id} | {ref.task.agent} | {agree} | {verdict(ref)} | {verdict(cand)} | "
                     f"{ref.tokens('inputTokens'):,}/{ref.tokens('outputTokens'):,} | "
                     f"{cand.tokens('inputTokens'):,}/{cand.tokens('outputTokens'):,} |")
    wrong = [(o, side) for r, c in pairs for o, side in ((r, "reference"), (c, "candidate"))
             if not o.error and not o.correct]
    if wrong:
        lines += ["", "## Wrong answers", ""]
        for o, side in wrong:
            lines += [f"### {o.task.id} ({side}, {o.model})", "", "```", o.answer.strip()[:1500], "```", ""]
    return "\n".join(lines).rstrip() + "\n"
