"""`ctxlean report --html FILE`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""

from __future__ import annotations

import os
import time
from html import escape

from ctxlean.usage import aggregate, savings
from ctxlean.usage.chart import human, svg_chart
from ctxlean.usage.report import HEAD, ReportData, _cells, _row_label, money

MAX_CHARTS = 12

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f;background:#f6f7f9;margin:0}
main{max-width:960px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:32px 0 10px}
.sub{color:#666;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:#fff;border:1px solid #e3e5e8;border-radius:10px;padding:12px 14px}
.card b{display:block;font-size:22px;font-weight:650;margin-top:2px}.card span{color:#666;font-size:12px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e3e5e8;border-radius:10px;
overflow:hidden;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;text-align:right;border-bottom:1px solid #eef0f2;white-space:nowrap}
th{background:#fafbfc;color:#555;font-weight:600;font-size:12px}
td:first-child,th:first-child{text-align:left}
tr.child td{color:#555;font-size:13px}tr.child td:first-child{padding-left:26px}
tr.total td{font-weight:650;background:#fafbfc;border-bottom:0}
.chart{background:#fff;border:1px solid #e3e5e8;border-radius:10px;padding:10px 12px;margin-bottom:14px}
.note{color:#666;font-size:12px;margin-top:8px}
"""


def _card(label: str, value: str) -> str:
    return f'<div class="card"><span>{escape(label)}</span><b>{escape(value)}</b></div>'


def render_html(data: ReportData) -> str:
    t = data.total
    s = data.saving
    hit = "-" if t.hit_ratio is None else f"{t.hit_ratio * 100:.0f}%"
    span = ""
    if t.first_ts:
        span = (
            time.strftime("%Y-%m-%d %H:%M", time.localtime(t.first_ts))
            + " – "
            + time.strftime("%Y-%m-%d %H:%M", time.localtime(t.last_ts))
        )
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ctxlean report</title><style>{CSS}</style></head><body><main>",
        "<h1>Where the tokens go</h1>",
        f'<p class="sub">{len(data.sessions)} session(s) · {escape(span)} · prices: pricing.json '
        f"v{data.prices.version} ({escape(str(data.prices.date))})</p>",
        '<div class="cards">',
        _card("cost", money(t.cost, t.priced)),
        _card("tokens (prompt + output)", human(t.input + t.cache_read + t.cache_write + t.output)),
        _card("cache hit ratio", hit),
        _card("ctxlean saved (est.)", money(s.usd, not s.unpriced) if s.offloads else "–"),
        "</div>",
        f"<h2>By {escape(data.by)}</h2>",
        "<table><tr>",
        "".join(f"<th>{escape(h)}</th>" for h in (data.by, *HEAD)),
        "</tr>",
    ]
    for r in data.rows:
        parts.append(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in (_row_label(data, r), *_cells(r))) + "</tr>"
        )
        for c in r.children if len(r.children) > 1 or data.by == "session" else []:
            parts.append(
                '<tr class="child">' + "".join(f"<td>{escape(x)}</td>" for x in (c.key, *_cells(c))) + "</tr>"
            )
    parts.append(
        '<tr class="total">' + "".join(f"<td>{escape(c)}</td>" for c in ("total", *_cells(t))) + "</tr>"
    )
    parts.append("</table>")
    notes = []
    if not t.priced:
        notes.append(
            f"+ not priced: {', '.join(sorted(t.unpriced_models))} ({human(t.unpriced_tokens)} tokens), "
            'unknown to the price data; add a [pricing."&lt;model&gt;"] table to the config.'
        )
    if s.offloads:
        notes.append(
            f"ctxlean kept {human(s.kept_out_tokens)} tokens out of context in {s.offloads} offload(s); "
            f"{escape(savings.HOW)}."
        )
    if any(aggregate.NOT_IN_TRANSCRIPT in c.key for r in data.rows for c in r.children):
        notes.append(
            f"{escape(aggregate.NOT_IN_TRANSCRIPT)}: requests Claude Code billed but did not write to "
            "the transcript (compaction summaries), from its own cost totals."
        )
    parts.extend(f'<p class="note">{n}</p>' for n in notes)
    parts.append("<h2>Context size per turn</h2>")
    for view in list(reversed(data.sessions))[:MAX_CHARTS]:
        name = os.path.basename(view.project.rstrip("/"))
        title = f"session {view.session_id[:8]} · {name} · {len(view.points)} turns"
        parts.append(f'<div class="chart">{svg_chart(view.points, view.budget, title=title)}</div>')
    if len(data.sessions) > MAX_CHARTS:
        parts.append(
            f'<p class="note">charts for the {MAX_CHARTS} most recent sessions of {len(data.sessions)}.</p>'
        )
    parts.append("</main></body></html>\n")
    return "".join(parts)
