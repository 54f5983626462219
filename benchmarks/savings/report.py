"""Figures per trajectory and arm from the recorded runs, the targets, benchmarks/README.md and the chart
of context size per request (benchmarks/savings/context.svg)."""

from __future__ import annotations

import sys
from pathlib import Path

from agent import CM, FETCH_DETAIL

from ctxlean.usage.pricing import cost_usd

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
CHART = HERE / "context.svg"
ARM_LABELS = {"none": "no plugin", "ctxlean": "ctxlean", "ctxlean-no-lean": "ctxlean without --lean",
              "context-mode": "context-mode"}
COLORS = {"none": "#888888", "ctxlean": "#1b7837", "ctxlean-no-lean": "#7fbf7b", "context-mode": "#b2182b"}


def figures(run: dict) -> dict:
    """Sums over a run's requests: tokens by class, cost, peak context; what the retried requests cost;
    and the prefix floor (see floor_cost)."""
    out = {"input": 0, "write_5m": 0, "write_1h": 0, "read": 0, "output": 0, "cost": 0.0, "peak": 0,
           "retries": 0, "retry_cost": 0.0}
    for request in run["requests"]:
        usage = request["usage"]
        cost = cost_usd(request["model"], usage)
        out["input"] += usage["input_tokens"]
        out["write_5m"] += usage["cache_creation"]["ephemeral_5m_input_tokens"]
        out["write_1h"] += usage["cache_creation"]["ephemeral_1h_input_tokens"]
        out["read"] += usage["cache_read_input_tokens"]
        out["output"] += usage["output_tokens"]
        out["cost"] += cost
        out["peak"] = max(out["peak"], context_of(usage))
        if request.get("retry"):
            out["retries"] += 1
            out["retry_cost"] += cost
    writes = out["write_5m"] + out["write_1h"]
    out["read_per_write"] = out["read"] / writes if writes else 0.0
    out["requests"] = len(run["requests"])
    out["compactions"] = sum(1 for r in run["requests"] if r.get("kind") == "compaction")
    out["floor"] = floor_cost(run)
    return out


def floor_cost(run: dict) -> float:
    """What the run would cost if every tool result were empty: the first request's prompt (Claude Code's
    system prompt, tool definitions and the task) written once and read by every later request, plus the
    same output. No plugin can go below it without shortening Claude Code's own prefix."""
    main = [r for r in run["requests"] if r.get("kind", "main") == "main"]
    if not main:
        return 0.0
    prefix = context_of(main[0]["usage"])
    total = sum(cost_usd(r["model"], r["usage"]) for r in run["requests"] if r.get("kind", "main") != "main")
    for i, request in enumerate(main):
        usage = {"input_tokens": 0, "output_tokens": request["usage"]["output_tokens"],
                 "cache_read_input_tokens": prefix if i else 0, "cache_creation_input_tokens": 0 if i else prefix,
                 "cache_creation": {"ephemeral_5m_input_tokens": 0 if i else prefix, "ephemeral_1h_input_tokens": 0}}
        total += cost_usd(request["model"], usage)
    return total


def context_of(usage: dict) -> int:
    return usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"]


def _by_trajectory(results: dict) -> dict[str, dict[str, dict]]:
    table: dict[str, dict[str, dict]] = {}
    for run in results["runs"]:
        table.setdefault(run["trajectory"], {})[run["arm"]] = run
    return table


def _reached(run: dict) -> bool:
    return run["complete"] and run["needles_in_log"] and not run.get("blind_edits")


HEAVY_TARGET = 0.45  # ctxlean's cost / no plugin's, every heavy-output trajectory (issue 18)
LONG_TARGET = 0.30  # the same on a long session
FETCHES_PER_25 = 2  # at most this many fetch_detail calls per 25 requests


def targets(results: dict) -> list[tuple[str, bool]]:
    """(statement with the measured figures, met?) for each target: on heavy-output trajectories and the
    long session, ctxlean's cost against no plugin's (with the prefix floor beside it) and the cache
    read/write ratio; wherever context-mode ran, ctxlean costs less (also than context-mode's cost without
    the requests it spent retrying); everywhere, every needle reached the model with no Edit made blind,
    and at most 2 fetch_detail calls per 25 requests."""
    rows = []
    long = set(results.get("long") or [])
    for name, arms in _by_trajectory(results).items():
        if "none" not in arms or "ctxlean" not in arms:
            continue
        base, ours = figures(arms["none"]), figures(arms["ctxlean"])
        if name in results["heavy"] or name in long:
            target = LONG_TARGET if name in long else HEAVY_TARGET
            ratio = ours["cost"] / base["cost"]
            rows.append((f"{name}: ctxlean costs {ratio:.2f} of no plugin (target <= {target:.2f}; with every tool "
                         f"result at 0 tokens it would cost {ours['floor'] / base['cost']:.2f})", ratio <= target))
            rows.append((f"{name}: cache read/write {ours['read_per_write']:.2f} with ctxlean, "
                         f"{base['read_per_write']:.2f} without a plugin (target: no worse)",
                         ours["read_per_write"] >= base["read_per_write"]))
        if "context-mode" in arms:
            other = figures(arms["context-mode"])
            without = other["cost"] - other["retry_cost"]
            rows.append((f"{name}: ctxlean ${ours['cost']:.3f}, context-mode ${other['cost']:.3f} "
                         f"(${without:.3f} without its {other['retries']} retried requests) (target: lower than both)",
                         ours["cost"] < without))
        run = arms["ctxlean"]
        blind = run.get("blind_edits", 0)
        rows.append((f"{name}: with ctxlean every needle reached the model ({run['follow_ups']} look-ups, "
                     f"{run.get('edit_lookups', 0)} of them for an Edit's old_string"
                     + (f"; {blind} Edit(s) made without seeing old_string" if blind else "") + ")", _reached(run)))
        fetches = run["fetch_detail_calls"]
        per_25 = fetches * 25 / ours["requests"]
        rows.append((f"{name}: {fetches} fetch_detail calls in {ours['requests']} requests, {per_25:.1f} per 25 "
                     f"(target <= {FETCHES_PER_25})", per_25 <= FETCHES_PER_25))
    return rows


def table_rows(results: dict) -> list[str]:
    rows = ["| trajectory | run | uncached input | cache write 5m | cache write 1h | cache read | output | cost | "
            "peak context | requests | compactions | look-ups | fetch_detail | MCP retries | needles | "
            "cost vs no plugin | input vs no plugin |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for name, arms in _by_trajectory(results).items():
        base = figures(arms["none"]) if "none" in arms else None
        for arm in ARM_LABELS:
            if arm not in arms:
                continue
            run, f = arms[arm], figures(arms[arm])
            total = f["input"] + f["write_5m"] + f["write_1h"] + f["read"]
            base_total = base and base["input"] + base["write_5m"] + base["write_1h"] + base["read"]
            cost_ratio = f"{f['cost'] / base['cost']:.2f}" if base else "-"
            input_ratio = f"{total / base_total:.2f}" if base else "-"
            rows.append(f"| {name} | {ARM_LABELS[arm]} | {f['input']:,} | {f['write_5m']:,} | {f['write_1h']:,} | "
                        f"{f['read']:,} | {f['output']:,} | ${f['cost']:.3f} | {f['peak']:,} | {f['requests']} | "
                        f"{f['compactions']} | {run['follow_ups']} | {run['fetch_detail_calls']} | {f['retries']} | "
                        f"{'all' if _reached(run) else 'MISSING'} | {cost_ratio} | {input_ratio} |")
    return rows


def print_summary(results: dict) -> None:
    print("\n".join(table_rows(results)))
    for statement, met in targets(results):
        print(f"[{'met' if met else 'MISSED'}] {statement}")


def _nice_step(top: float) -> int:
    """A round tick step giving 3-6 gridlines up to top."""
    for step in (1000, 2000, 5000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000):
        if top / step <= 6:
            return step
    return 500_000


def chart_svg(results: dict) -> str:
    """Small multiples: the main agent's context (prompt tokens) per request, one panel per trajectory,
    one line per setup; requests that repeat a failed MCP call are ringed. WebFetch's page-reading
    requests (a separate small-model call) are left out: they are not the agent's context."""
    table = _by_trajectory(results)
    width, height, cols = 540, 270, 2
    rows = -(-len(table) // cols)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * width}" height="{rows * height + 70}" '
             'font-family="sans-serif" font-size="12">', '<rect width="100%" height="100%" fill="white"/>',
             '<text x="20" y="22" font-size="14" font-weight="bold">Context per request of the main agent '
             '(prompt tokens: uncached input + cache writes + cache reads)</text>']
    for i, arm in enumerate(ARM_LABELS):
        parts.append(f'<rect x="{20 + i * 190}" y="36" width="18" height="4" fill="{COLORS[arm]}"/>'
                     f'<text x="{44 + i * 190}" y="42">{ARM_LABELS[arm]}</text>')
    parts.append(f'<circle cx="{26 + len(ARM_LABELS) * 190}" cy="38" r="4" fill="none" stroke="black"/>'
                 f'<text x="{36 + len(ARM_LABELS) * 190}" y="42">retried MCP call</text>')
    for index, (name, arms) in enumerate(table.items()):
        x0, y0 = (index % cols) * width + 70, (index // cols) * height + 90
        w, h = width - 100, height - 70
        series = {arm: [r for r in run["requests"] if r.get("kind", "main") == "main"] for arm, run in arms.items()}
        top = max((context_of(r["usage"]) for s in series.values() for r in s), default=1)
        step = _nice_step(top)
        top = -(-top // step) * step
        longest = max((len(s) for s in series.values()), default=1)
        parts.append(f'<text x="{x0}" y="{y0 - 10}" font-weight="bold">{results["titles"].get(name, name)}</text>')
        for tick in range(0, top + 1, step):
            y = y0 + h - h * tick / top
            parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                         f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{tick // 1000}k</text>')
        for number in (1, *range(10, longest + 1, 10)):
            x = x0 + w * (number - 1) / max(longest - 1, 1)
            parts.append(f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="middle">{number}</text>')
        parts.append(f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="black"/>'
                     f'<text x="{x0 + w}" y="{y0 + h + 32}" text-anchor="end">request</text>')
        for arm in ARM_LABELS:
            if arm not in series:
                continue
            points = [(x0 + w * i / max(longest - 1, 1), y0 + h - h * context_of(r["usage"]) / top)
                      for i, r in enumerate(series[arm])]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline fill="none" stroke="{COLORS[arm]}" stroke-width="2" points="{path}"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="none" stroke="black"/>'
                      for (x, y), r in zip(points, series[arm], strict=True) if r.get("retry")]
    parts.append("</svg>")
    return "\n".join(parts)


BEGIN, END = "<!-- savings:begin (written by benchmarks/savings/bench.py) -->", "<!-- savings:end -->"


def _tool_use(results: dict, arm: str, prefix: str) -> tuple[list[str], dict[str, int]]:
    """The plugin tools offered in an arm's runs and how often the model called each of them."""
    offered: set[str] = set()
    used: dict[str, int] = {}
    for run in results["runs"]:
        if run["arm"] == arm:
            offered.update(run.get("plugin_tools") or [])
            for name, n in (run.get("tools_used") or {}).items():
                if name.startswith(prefix):
                    used[name] = used.get(name, 0) + n
    return sorted(offered), used


def generated_section(results: dict) -> list[str]:
    rows = table_rows(results)
    checks = targets(results)
    notes = results.get("context_mode_notes") or {}
    version = results.get("context_mode_version")
    lines = [
        BEGIN,
        f"Produced by `{results.get('command', 'make bench')}` (wall time {results['wall_seconds'] // 60} min "
        f"{results['wall_seconds'] % 60} s on a shared 2-core machine); raw figures in "
        "`benchmarks/savings/results.json`."
        + "".join(f" Then `{c}` replaced its own runs." for c in results.get("partial_commands") or []),
        "",
        "Every trajectory runs through the real Claude Code CLI against the fake Anthropic API, whose prompt cache "
        "is simulated (5-minute TTL, per-model minimum lengths, 20-block look-back): without a plugin, with "
        "ctxlean (`ctxlean install --lean`, and plain `ctxlean install`) and with context-mode"
        + (f" {version} (npm, Node {results.get('node_version')})" if version else "")
        + ". Costs come from ctxlean's pricing data (`src/ctxlean/data/pricing.json`). Heavy-output "
        "trajectories: " + ", ".join(results["heavy"])
        + "".join(f"; long session: {name} (ctxlean installed with `ctxlean install --project`, budget "
                  f"{results.get('budgets', {}).get(name, 'default')} tokens in the project's `.claude/ctxlean.toml`)"
                  for name in results.get("long") or []) + ". Network: "
        + ("a fresh network namespace with only loopback up, so nothing could leave 127.0.0.1."
           if results.get("network_isolated") else "NOT isolated on this machine (no unshare permission)."),
        "",
        "Look-ups: calls the model made because a needle was not in a tool's answer, or because an Edit's "
        "old_string was not in front of it (fetch_detail, a Read with offset/limit or a grep; ctx_search and "
        "ctx_execute with context-mode). fetch_detail: calls of ctxlean's fetch_detail. Compactions: compaction "
        "requests Claude Code sent (answered by the scripted model); tool calls and needles are counted over "
        "every request of the session. MCP retries: calls repeated because the setup's MCP server had died.",
        "",
        *rows,
        "",
        "### Targets",
        "",
        *[f"- {'met' if met else '**missed**'}: {statement}" for statement, met in checks],
        "",
    ]
    for arm, prefix in (("ctxlean", FETCH_DETAIL.rpartition("__")[0] + "__"), ("context-mode", CM)):
        offered, used = _tool_use(results, arm, prefix)
        if offered:
            calls = ", ".join(f"{name.removeprefix(prefix)} {n}" for name, n in sorted(used.items())) or "none"
            lines.append(f"- {arm}: tools offered to the model: {', '.join(t.removeprefix(prefix) for t in offered)}; "
                         f"calls over all its runs: {calls}.")
    lines.append("")
    if notes:
        lines += ["### Where context-mode cannot run", ""] + [f"- {k}: {v}" for k, v in notes.items()] + [""]
    lines += ["### Context size per request", "", "![context per request](savings/context.svg)", "", END]
    return lines


def write_report(results: dict) -> int:
    """Rewrite the generated part of benchmarks/README.md (between its markers; the text around it is kept)
    and the chart; print the table and targets."""
    CHART.write_text(chart_svg(results))
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    tail = rest.partition(END)[2]
    README.write_text(head + "\n".join(generated_section(results)) + tail)
    print_summary(results)
    print(f"wrote {README} and {CHART}", file=sys.stderr)
    return 0
