"""`ctxlean estimate --html FILE`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched):
the totals, a table of sessions, and per session its context per request without and with ctxlean."""

from __future__ import annotations

import os
from html import escape

from ctxlean.replay.estimate import HOW, Estimate, _facts, _fraction
from ctxlean.usage.chart import human
from ctxlean.usage.html import CSS
from ctxlean.usage.report import money

MAX_CHARTS = 12
WITHOUT, WITH = "#9aa5b1", "#1f77b4"


def _card(label: str, value: str) -> str:
    return f'<div class="card"><span>{escape(label)}</span><b>{escape(value)}</b></div>'


def _ceiling(value: float) -> float:
    magnitude = 10 ** (len(str(int(max(value, 1)))) - 1)
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def context_svg(without: list[int], with_: list[int], title: str, width: int = 880, height: int = 260) -> str:
    """Context per request as two lines: the session as it ran, and replayed with ctxlean (which also has
    the fetch_detail requests its summaries cost, so its line can be longer)."""
    left, right, top, bottom = 64, 16, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    scale = _ceiling(max(without + with_ + [1]))
    count = max(len(without), len(with_), 2)
    x = lambda i: left + i * plot_w / (count - 1)  # noqa: E731
    y = lambda v: top + plot_h - v / scale * plot_h  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="system-ui, sans-serif" font-size="11" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#222">{escape(title)}</text>']
    for i in range(5):
        v = scale * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e6e6e6"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#666">{human(v)}</text>')
    for values, color in ((without, WITHOUT), (with_, WITH)):
        if values:
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
    parts.append(f'<text x="{left}" y="{height - 20}" fill="#666">request 1</text>')
    parts.append(f'<text x="{width - right}" y="{height - 20}" text-anchor="end" fill="#666">request {count}</text>')
    lx = left
    for label, color in (("without ctxlean (as it ran)", WITHOUT), ("with ctxlean (replayed)", WITH)):
        parts.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{height - 6}" y2="{height - 6}" stroke="{color}" '
                     'stroke-width="3"/>')
        parts.append(f'<text x="{lx + 18}" y="{height - 2}" fill="#333">{escape(label)}</text>')
        lx += 40 + 6 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def render_html(data: Estimate) -> str:
    t = data.total()
    saving = t["saving_fraction"]
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>ctxlean estimate</title><style>{CSS}</style></head><body><main>",
             "<h1>What ctxlean would have saved</h1>",
             f'<p class="sub">{t["sessions"]} session(s) · with ctxlean as <code>ctxlean install --lean</code> '
             f"sets it up · {escape(HOW)}</p>",
             '<div class="cards">',
             _card("cost as it ran", money(t["actual_cost_usd"])),
             _card("with ctxlean (est.)", money(t["estimated_cost_usd"])),
             _card("saving", "-" if saving is None else f"{saving:.0%}"),
             _card("used facts kept", _facts(t["used_facts"], t["used_facts_kept"])),
             "</div>", "<h2>Sessions</h2><table><tr>",
             "".join(f"<th>{h}</th>" for h in ("session", "project", "requests", "as it ran", "with ctxlean",
                                               "saving", "used facts kept", "fetches charged")),
             "</tr>"]
    for s in data.sessions:
        where = os.path.basename(s.project.rstrip("/")) or s.project
        r = s.replayed
        if r is None:
            cells = (s.session_id[:8], where, "", money(s.actual_cost), "ran with ctxlean", "", "", "")
        else:
            share = _fraction(s.actual_cost - s.estimated_cost, s.actual_cost)
            cells = (s.session_id[:8], where, str(r.without.requests), money(s.actual_cost),
                     money(s.estimated_cost), "-" if share is None else f"{share:.0%}",
                     _facts(r.facts.used, r.facts.kept), str(r.fetches))
        parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    parts.append('<tr class="total">' + "".join(f"<td>{escape(c)}</td>" for c in (
        "total", "", "", money(t["actual_cost_usd"]), money(t["estimated_cost_usd"]),
        "-" if saving is None else f"{saving:.0%}", _facts(t["used_facts"], t["used_facts_kept"]),
        str(t["fetches_charged"]))) + "</tr></table>")
    parts.append("<h2>Context per request</h2>")
    replayed = [s for s in reversed(data.sessions) if s.replayed and s.replayed.without.context]
    for s in replayed[:MAX_CHARTS]:
        r = s.replayed
        title = f"session {s.session_id[:8]} · {os.path.basename(s.project.rstrip('/'))}"
        parts.append(f'<div class="chart">{context_svg(r.without.context, r.with_ctxlean.context, title)}</div>')
    if len(replayed) > MAX_CHARTS:
        parts.append(f'<p class="note">charts for the {MAX_CHARTS} most recent of {len(replayed)} sessions.</p>')
    parts.append("</main></body></html>\n")
    return "".join(parts)
