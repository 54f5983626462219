"""Figures per trajectory and arm from the recorded runs, the targets, benchmarks/README.md and the chart
of context size per request (benchmarks/savings/context.svg)."""

from __future__ import annotations

import sys
from pathlib import Path

from costs import cost_usd

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
CHART = HERE / "context.svg"
ARM_LABELS = {"none": "no plugin", "ctxlean": "ctxlean", "context-mode": "context-mode"}
COLORS = {"none": "#888888", "ctxlean": "#1b7837", "context-mode": "#b2182b"}


def figures(run: dict) -> dict:
    """Sums over a run's requests: tokens by class, cost, peak context."""
    out = {"input": 0, "write_5m": 0, "write_1h": 0, "read": 0, "output": 0, "cost": 0.0, "peak": 0}
    for request in run["requests"]:
        usage = request["usage"]
        out["input"] += usage["input_tokens"]
        out["write_5m"] += usage["cache_creation"]["ephemeral_5m_input_tokens"]
        out["write_1h"] += usage["cache_creation"]["ephemeral_1h_input_tokens"]
        out["read"] += usage["cache_read_input_tokens"]
        out["output"] += usage["output_tokens"]
        out["cost"] += cost_usd(request["model"], usage)
        out["peak"] = max(out["peak"], context_of(usage))
    writes = out["write_5m"] + out["write_1h"]
    out["read_per_write"] = out["read"] / writes if writes else 0.0
    out["requests"] = len(run["requests"])
    return out


def context_of(usage: dict) -> int:
    return usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"]


def _by_trajectory(results: dict) -> dict[str, dict[str, dict]]:
    table: dict[str, dict[str, dict]] = {}
    for run in results["runs"]:
        table.setdefault(run["trajectory"], {})[run["arm"]] = run
    return table


def targets(results: dict) -> list[tuple[str, bool]]:
    """(statement with the measured figures, met?) for each target of issue 9."""
    rows = []
    for name, arms in _by_trajectory(results).items():
        if "none" not in arms or "ctxlean" not in arms:
            continue
        base, ours = figures(arms["none"]), figures(arms["ctxlean"])
        saving = 1 - ours["cost"] / base["cost"]
        if name in results["heavy"]:
            rows.append((f"{name}: ctxlean costs {saving:.0%} less than no plugin (target >= 60%)", saving >= 0.6))
        rows.append((f"{name}: cache read/write {ours['read_per_write']:.1f} vs {base['read_per_write']:.1f} "
                     "without a plugin (target: no worse)", ours["read_per_write"] >= base["read_per_write"]))
        if "context-mode" in arms:
            other = figures(arms["context-mode"])
            rows.append((f"{name}: ctxlean ${ours['cost']:.3f} vs context-mode ${other['cost']:.3f} "
                         "(target: lower)", ours["cost"] < other["cost"]))
        run = arms["ctxlean"]
        rows.append((f"{name}: with ctxlean every needle reached the model "
                     f"({run['follow_ups']} follow-ups, {run['fetch_detail_calls']} fetch_detail calls)",
                     run["complete"] and run["needles_in_log"]))
    return rows


def table_rows(results: dict) -> list[str]:
    rows = ["| trajectory | run | uncached input | cache write 5m | cache write 1h | cache read | output | cost | "
            "peak context | requests | fetch_detail / ctx_search | needles | cost vs no plugin | input vs no plugin |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for name, arms in _by_trajectory(results).items():
        base = figures(arms["none"]) if "none" in arms else None
        for arm in ("none", "ctxlean", "context-mode"):
            if arm not in arms:
                continue
            run, f = arms[arm], figures(arms[arm])
            total = f["input"] + f["write_5m"] + f["write_1h"] + f["read"]
            base_total = base and base["input"] + base["write_5m"] + base["write_1h"] + base["read"]
            cost_ratio = f"{f['cost'] / base['cost']:.2f}" if base else "-"
            input_ratio = f"{total / base_total:.2f}" if base else "-"
            needles = "all" if run["complete"] and run["needles_in_log"] else "MISSING"
            rows.append(f"| {name} | {ARM_LABELS[arm]} | {f['input']:,} | {f['write_5m']:,} | {f['write_1h']:,} | "
                        f"{f['read']:,} | {f['output']:,} | ${f['cost']:.3f} | {f['peak']:,} | {f['requests']} | "
                        f"{run['fetch_detail_calls']} | {needles} | {cost_ratio} | {input_ratio} |")
    return rows


def print_summary(results: dict) -> None:
    print("\n".join(table_rows(results)))
    for statement, met in targets(results):
        print(f"[{'met' if met else 'MISSED'}] {statement}")


def chart_svg(results: dict) -> str:
    """Small multiples: context tokens per request, one panel per trajectory, one line per arm."""
    table = _by_trajectory(results)
    width, height, cols = 420, 240, 2
    rows = -(-len(table) // cols)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * width}" height="{rows * height + 40}" '
             'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    for i, arm in enumerate(ARM_LABELS):
        parts.append(f'<rect x="{20 + i * 140}" y="10" width="14" height="4" fill="{COLORS[arm]}"/>'
                     f'<text x="{40 + i * 140}" y="16">{ARM_LABELS[arm]}</text>')
    for index, (name, arms) in enumerate(table.items()):
        x0, y0 = (index % cols) * width + 50, (index // cols) * height + 50
        w, h = width - 70, height - 60
        series = {arm: [context_of(r["usage"]) for r in run["requests"]] for arm, run in arms.items()}
        top = max(max(s) for s in series.values() if s) or 1
        longest = max(len(s) for s in series.values()) or 1
        parts.append(f'<text x="{x0}" y="{y0 - 6}" font-weight="bold">{results["titles"].get(name, name)}</text>')
        parts.append(f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="black"/>'
                     f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 + h}" stroke="black"/>')
        parts.append(f'<text x="{x0 - 4}" y="{y0 + 4}" text-anchor="end">{top // 1000}k</text>'
                     f'<text x="{x0 - 4}" y="{y0 + h}" text-anchor="end">0</text>'
                     f'<text x="{x0 + w}" y="{y0 + h + 14}" text-anchor="end">request {longest}</text>')
        for arm, values in series.items():
            points = " ".join(f"{x0 + w * i / max(longest - 1, 1):.1f},{y0 + h - h * v / top:.1f}"
                              for i, v in enumerate(values))
            parts.append(f'<polyline fill="none" stroke="{COLORS[arm]}" stroke-width="1.6" points="{points}"/>')
    parts.append(f'<text x="20" y="{rows * height + 30}">Context tokens per request '
                 '(uncached input + cache write + cache read)</text></svg>')
    return "\n".join(parts)


def write_report(results: dict, command: str) -> int:
    CHART.write_text(chart_svg(results))
    rows = table_rows(results)
    checks = targets(results)
    notes = results.get("context_mode_notes") or {}
    lines = [
        "# Benchmarks",
        "",
        "## Savings: real trajectories through the real Claude Code CLI",
        "",
        f"Produced by `{command}` (about {results['wall_seconds'] // 60} minutes on 2 cores); raw figures in "
        "`benchmarks/savings/results.json`. How it works and how to read it: `docs/savings.md`.",
        "",
        "Every trajectory runs three times through the real Claude Code CLI against the fake Anthropic API, "
        "whose prompt cache is simulated (5-minute TTL, per-model minimum lengths, 20-block look-back): "
        "without a plugin, with ctxlean (`ctxlean install`), and with context-mode (its npm package's Claude "
        "Code plugin). Costs use ctxlean's pricing data. Heavy-output trajectories: "
        + ", ".join(results["heavy"]) + ".",
        "",
        *rows,
        "",
        "### Targets",
        "",
        *[f"- {'met' if met else '**missed**'}: {statement}" for statement, met in checks],
        "",
    ]
    if notes:
        lines += ["### Where context-mode cannot run", ""] + [f"- {k}: {v}" for k, v in notes.items()] + [""]
    lines += ["### Context size per request", "", "![context per request](savings/context.svg)", ""]
    README.write_text("\n".join(lines))
    print_summary(results)
    print(f"wrote {README} and {CHART}", file=sys.stderr)
    return 0
