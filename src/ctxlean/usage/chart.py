"""Per-turn context charts: block characters for the terminal, an inline SVG for the HTML report.

Each turn's prompt is drawn as its three parts (cache reads, cache writes, uncached input), so a cache miss
shows as a bar that turns orange, and a compaction as a drop marked on the axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BLOCKS = " ▁▂▃▄▅▆▇█"
COLORS = {"cache_read": "#3f9a6b", "cache_write": "#e08a2c", "input": "#4a78c2"}
LABELS = {"cache_read": "cache read", "cache_write": "cache write", "input": "uncached input"}


@dataclass(frozen=True)
class Point:
    cache_read: int
    cache_write: int
    input: int
    compaction_before: bool = False  # a compaction happened between the previous turn and this one

    @property
    def total(self) -> int:
        return self.cache_read + self.cache_write + self.input


def human(n: float) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if abs(n) >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{n:.0f}"


def _buckets(points: list[Point], width: int) -> list[Point]:
    """At most `width` points: each bucket keeps its largest turn (a spike must stay visible)."""
    if len(points) <= width:
        return points
    out = []
    for i in range(width):
        chunk = points[i * len(points) // width : (i + 1) * len(points) // width]
        biggest = max(chunk, key=lambda p: p.total)
        out.append(
            Point(
                biggest.cache_read,
                biggest.cache_write,
                biggest.input,
                any(p.compaction_before for p in chunk),
            )
        )
    return out


def terminal_chart(points: list[Point], budget: int | None = None, width: int = 64, height: int = 8) -> str:
    """A block-character chart of context size per turn; '|' under the axis marks a compaction."""
    if not points:
        return "(no turns)"
    cols = _buckets(points, width)
    if len(cols) < width // 2:  # few turns: widen each so the chart stays readable
        cols = [p for p in cols for _ in range(min(4, width // len(cols)))]
    peak = max(p.total for p in cols) or 1
    if budget and budget > 2 * peak:  # a far-away budget would flatten the chart: leave it off
        budget = None
    top = max(peak, budget or 0)
    label_w = len(human(top))
    lines = []
    for row in range(height, 0, -1):
        floor = (row - 1) / height * top
        cells = []
        for p in cols:
            filled = (p.total - floor) / (top / height)
            cells.append(BLOCKS[max(0, min(8, round(filled * 8)))] if filled > 0 else " ")
        budget_row = budget and floor < budget <= floor + top / height
        label = human(top) if row == height else (human(budget) if budget_row else "")
        line = "".join(cells)
        if budget_row:
            line = "".join(c if c != " " else "┄" for c in line)
        lines.append(f"{label:>{label_w}} ┤{line}")
    marks, prev = [], None
    for p in cols:  # a widened turn marks its compaction once
        marks.append("|" if p.compaction_before and p is not prev else "─")
        prev = p
    lines.append(f"{'0':>{label_w}} └{''.join(marks)}")
    span = f"turn 1{' ' * max(1, len(cols) - len(str(len(points))) - 10)}turn {len(points)}"
    lines.append(f"{'':>{label_w}}  {span}")
    return "\n".join(lines)


def svg_chart(
    points: list[Point], budget: int | None = None, width: int = 880, height: int = 300, title: str = ""
) -> str:
    """A self-contained SVG: stacked bars per turn (cache read / cache write / input), the budget as a
    dashed line, compactions as dotted verticals."""
    left, right, top_pad, bottom = 64, 16, 34, 42
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    cols = _buckets(points, plot_w // 3 or 1) if points else []
    peak = max([p.total for p in cols] + [1])
    if budget and budget > 2 * peak:  # off scale: named in the corner instead of flattening the bars
        title = f"{title} · budget {human(budget)} (off scale)" if title else f"budget {human(budget)}"
        budget = None
    peak = max(peak, budget or 0)
    scale = _nice_ceiling(peak)
    y = lambda v: top_pad + plot_h - v / scale * plot_h  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11" '
        f'role="img" aria-label="{escape(title or "context size per turn")}">'
    ]
    if title:
        parts.append(
            f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#222">{escape(title)}</text>'
        )
    intervals = 5 if str(scale).startswith("25") else 4  # round ticks: 0, 50k, ... 250k
    for i in range(intervals + 1):
        v = scale * i / intervals
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e6e6e6"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#666">{human(v)}</text>'
        )
    n = len(cols)
    slot = plot_w / max(n, 1)
    bar = max(1.0, slot * 0.8)
    for i, p in enumerate(cols):
        x = left + i * slot + (slot - bar) / 2
        base = 0
        for part in ("cache_read", "cache_write", "input"):
            v = getattr(p, part)
            if v:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(base + v):.1f}" width="{bar:.1f}" '
                    f'height="{y(base) - y(base + v):.1f}" fill="{COLORS[part]}"/>'
                )
            base += v
        if p.compaction_before:
            cx = left + i * slot
            parts.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top_pad}" y2="{top_pad + plot_h}" '
                'stroke="#8a3ffc" stroke-dasharray="2 3"/>'
            )
    if budget:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(budget):.1f}" y2="{y(budget):.1f}" '
            'stroke="#c0392b" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - right}" y="{y(budget) - 5:.1f}" text-anchor="end" fill="#c0392b">'
            f"budget {human(budget)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}" '
        'stroke="#999"/>'
    )
    parts.append(f'<text x="{left}" y="{height - 22}" fill="#666">turn 1</text>')
    parts.append(
        f'<text x="{width - right}" y="{height - 22}" text-anchor="end" fill="#666">turn {len(points)}</text>'
    )
    lx = left
    for part in ("cache_read", "cache_write", "input"):
        parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{COLORS[part]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 3}" fill="#333">{LABELS[part]}</text>')
        lx += 14 + 7 * len(LABELS[part]) + 18
    parts.append(
        f'<line x1="{lx}" x2="{lx + 12}" y1="{height - 7}" y2="{height - 7}" stroke="#8a3ffc" '
        'stroke-dasharray="2 3"/>'
    )
    parts.append(f'<text x="{lx + 16}" y="{height - 3}" fill="#333">compaction</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above value, so the axis has round ticks."""
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude
