"""`ctxlean report`: where the tokens went, per turn, session, model or day, with cost and ctxlean's saving.

    ctxlean report [--session ID | --project DIR | --since DATE] [--by turn|session|model|day]
                   [--json] [--html FILE]
    ctxlean report --store postgresql://... [--project DIR|KEY | --since DATE] [--json]

Reads Claude Code's transcripts (CLAUDE_CONFIG_DIR respected), prices them with the price data and the
config's `[pricing]` overrides, and adds the store's ledger of offloads as an estimated saving. With
--store, reports that store's ledger instead, by project and by user@machine (ctxlean.usage.team): with a
shared PostgreSQL store, the whole team's offloads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from ctxlean.usage import aggregate, savings
from ctxlean.usage.chart import Point, human, terminal_chart
from ctxlean.usage.pricing import PriceBook, PricingError, prices_from_config
from ctxlean.usage.transcripts import Transcript, Turn, find_transcripts, projects_root, read_all, stderr_progress


@dataclass
class SessionView:
    session_id: str
    project: str
    points: list[Point]
    budget: int | None
    saving: savings.Saving
    last_ts: float


@dataclass
class ReportData:
    by: str
    rows: list[aggregate.Row]
    total: aggregate.Row
    sessions: list[SessionView]
    saving: savings.Saving
    prices: PriceBook
    filters: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "by": self.by,
            "filters": self.filters,
            "prices": {
                "version": self.prices.version,
                "date": self.prices.date,
                "source": self.prices.source,
            },
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total.as_dict(),
            "ctxlean_saving": self.saving.as_dict(),
            "sessions": [
                {
                    "session": s.session_id,
                    "project": s.project,
                    "budget_tokens": s.budget,
                    "saving": s.saving.as_dict(),
                    "context_per_turn": [p.total for p in s.points],
                }
                for s in self.sessions
            ],
        }


def parse_since(text: str) -> float:
    """Epoch seconds of a local date (YYYY-MM-DD) or an ISO date-time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time()).timestamp()
        return datetime.fromisoformat(text).timestamp()
    except ValueError as exc:
        raise ValueError(f"--since {text!r}: expected a date like 2026-11-24 or 2026-11-24T09:00") from exc


def configured_budget(project_dir: str | None = None) -> int:
    """The context budget the hooks and `ctxlean budget` work to (config's context_budget_tokens)."""
    from ctxlean import config

    return config.load(project_dir).context_budget_tokens


def context_points(turns: list[Turn]) -> list[Point]:
    """The main agent's prompt per turn, with compactions marked."""
    points, segment = [], 0
    for t in turns:
        if t.agent_id is None and t.agent_type is None:
            points.append(Point(t.cache_read, t.cache_write, t.input, t.segment > segment))
            segment = t.segment
    return points


def build(
    transcripts: list[Transcript],
    prices: PriceBook,
    by: str = "session",
    since: float | None = None,
    ledger=savings.ledger_rows,
    filters: dict | None = None,
    budget: int | None = None,
) -> ReportData:
    """Everything a report shows, from parsed transcripts. The chart's budget line is `budget`, else the
    context window of the session's model."""
    turns = aggregate.all_turns(transcripts)
    if since is not None:
        turns = [t for t in turns if t.ts >= since]
    rows = aggregate.group(turns, by, prices)
    by_session: dict[str, list[Transcript]] = {}
    for t in transcripts:
        by_session.setdefault(t.file.session_id, []).append(t)
    turns_by_session: dict[str, list[Turn]] = {}
    for t in turns:
        turns_by_session.setdefault(t.session_id, []).append(t)
    views, total_saving = [], savings.Saving()
    for sid, session_turns in turns_by_session.items():
        group = by_session[sid]
        saving = savings.session_saving(group, ledger(sid), prices)
        total_saving.add(saving)
        project = next((t.cwd for t in group if t.cwd), group[0].file.project_dir)
        main_models = [t.model for t in session_turns if t.agent_id is None and t.agent_type is None]
        window = prices.context_window(main_models[-1]) if main_models else None
        views.append(
            SessionView(
                sid, project, context_points(session_turns), budget or window, saving, session_turns[-1].ts
            )
        )
    views.sort(key=lambda v: v.last_ts)
    return ReportData(by, rows, aggregate.total(rows), views, total_saving, prices, filters or {})


def load(session: str | None = None, project: str | None = None, progress: bool = False,
         details: bool = False) -> list[Transcript]:
    """The transcripts in scope; `details` adds request shapes and tools-used lines (for the doctor)."""
    files = find_transcripts(session=session, project=project)
    return read_all(files, progress=stderr_progress(len(files)) if progress else None, details=details)


# -- terminal -----------------------------------------------------------------------------------------


def money(usd: float, complete: bool = True) -> str:
    text = (
        f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}" if usd >= 0.01 or not usd else f"${usd:.6f}".rstrip("0")
    )
    return text if complete else text + "+"


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.0f}%"


HEAD = ("requests", "input", "output", "cache rd", "wr 5m", "wr 1h", "hit", "cost")


def _cells(r: aggregate.Row) -> list[str]:
    return [
        str(r.requests),
        human(r.input),
        human(r.output),
        human(r.cache_read),
        human(r.cache_write_5m),
        human(r.cache_write_1h),
        _pct(r.hit_ratio),
        money(r.cost, r.priced),
    ]


def _row_label(data: ReportData, r: aggregate.Row) -> str:
    if data.by == "session":
        view = next((s for s in data.sessions if s.session_id == r.key), None)
        where = os.path.basename(view.project.rstrip("/")) if view else ""
        return f"{r.key[:8]} {where}".strip()
    if data.by == "turn":
        stamp = time.strftime("%m-%d %H:%M:%S", time.localtime(r.detail["ts"])) if r.detail.get("ts") else ""
        return f"{r.key:>4} {stamp} {r.detail['session'][:8]} {r.detail['agent'][:18]}"
    return r.key


def render_text(data: ReportData) -> str:
    lines = []
    span = ""
    if data.total.first_ts:
        fmt = lambda ts: time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))  # noqa: E731
        span = f", {fmt(data.total.first_ts)} .. {fmt(data.total.last_ts)}"
    lines.append(
        f"ctxlean report: {len(data.sessions)} session(s){span}; prices: pricing.json v{data.prices.version}"
        f" ({data.prices.date})"
    )
    table = [[data.by, *HEAD]]
    for r in data.rows:
        table.append([_row_label(data, r), *_cells(r)])
        for c in r.children if len(r.children) > 1 or data.by == "session" else []:
            table.append(["  " + c.key, *_cells(c)])
    table.append(["total", *_cells(data.total)])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for n, row in enumerate(table):
        if n == len(table) - 1:
            lines.append("  ".join("─" * w for w in widths))
        lines.append(
            "  ".join(
                row[0].ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
    if not data.total.priced:
        lines.append(
            f"+ not priced: {', '.join(sorted(data.total.unpriced_models))} "
            f'({human(data.total.unpriced_tokens)} tokens): unknown model; add a [pricing."<model>"] '
            "table to the config to price it"
        )
    unrecorded = [c for r in data.rows for c in r.children if aggregate.NOT_IN_TRANSCRIPT in c.key]
    if unrecorded:
        lines.append(
            f"{aggregate.NOT_IN_TRANSCRIPT}: requests Claude Code billed but did not write to the transcript "
            f"(compaction summaries), from its cost-state totals: {money(sum(c.cost for c in unrecorded))}"
        )
    s = data.saving
    if s.offloads:
        lines.append(
            f"ctxlean kept {human(s.kept_out_tokens)} tokens out of context in {s.offloads} offload(s); "
            f"estimated saving {money(s.usd, not s.unpriced)} ({human(s.reread_tokens)} cache-read tokens "
            f"avoided; {savings.HOW})"
        )
    else:
        lines.append("ctxlean offloads: none recorded for these sessions")
    if data.sessions:
        view = data.sessions[-1]
        lines.append("")
        lines.append(
            f"context per turn, session {view.session_id[:8]} (main agent; budget "
            f"{human(view.budget) if view.budget else 'unknown'}):"
        )
        lines.append(terminal_chart(view.points, view.budget))
    return "\n".join(lines)


def add_scope_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """--session / --project / --since, shared by report and doctor (`what`: what --since selects)."""
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--session", help="one session (id or id prefix)")
    scope.add_argument("--project", help="sessions run in this project directory")
    scope.add_argument("--since", help=f"{what} from this local date (YYYY-MM-DD) or date-time on")


def since_and_prices(args: argparse.Namespace, prog: str) -> tuple[float | None, PriceBook] | None:
    """--since as epoch seconds and the prices of this directory's config; None, after one line on stderr,
    when either cannot be used (the caller exits 2)."""
    try:
        return (parse_since(args.since) if args.since else None), prices_from_config(os.getcwd())
    except (ValueError, PricingError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None


def write_page(path: str, page: str, prog: str) -> bool:
    """Write an --html page; False, after one line on stderr, when it cannot be written (exit 1)."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page)
    except OSError as exc:
        print(f"{prog}: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    from ctxlean.helptext import parser as help_parser
    from ctxlean.paths import StoreLocationError, store_location

    parser = help_parser(
        "ctxlean report", "Tokens, cost and cache use of Claude Code sessions, and what ctxlean saved.",
        reads="Claude Code's transcripts (~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects), the price data "
              "and\n         [pricing] in the config, the payload store's ledger of offloads",
        writes="nothing (--html FILE: that page)",
        examples=["ctxlean report", "ctxlean report --by model --since 2026-11-01",
                  "ctxlean report --session 33f2 --json", "ctxlean report --by day --html usage.html"])
    add_scope_arguments(parser, "turns")
    parser.add_argument("--by", choices=("turn", "session", "model", "day"), default="session")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with charts")
    parser.add_argument("--store", metavar="LOCATION",
                        help="report this store's ledger by project and by user@machine instead (a postgresql:// URL "
                             "shared by a team, or a SQLite store file)")
    args = parser.parse_args(argv[1:])
    if args.store:
        return team_main(args)
    scope = since_and_prices(args, "ctxlean report")
    if scope is None:
        return 2
    since, prices = scope
    try:
        budget = configured_budget(os.getcwd())
        store_location()  # the savings come from the store: a setting that cannot be used is said here
    except (ValueError, StoreLocationError) as exc:
        print(f"ctxlean report: {exc}", file=sys.stderr)
        return 2
    transcripts = load(args.session, args.project, progress=True)
    if not transcripts:
        where = (
            f"session {args.session}" if args.session else f"project {args.project}" if args.project else ""
        )
        print(
            f"ctxlean report: no Claude Code transcripts found under {projects_root()}"
            + (f" for {where}" if where else ""),
            file=sys.stderr,
        )
        return 1
    filters = {
        k: v for k, v in (("session", args.session), ("project", args.project), ("since", args.since)) if v
    }
    data = build(transcripts, prices, args.by, since, filters=filters, budget=budget)
    if args.html:
        from ctxlean.usage.html import render_html

        if not write_page(args.html, render_html(data), "ctxlean report"):
            return 1
    _emit(data, args.json, render_text)
    if args.html and not args.json:
        print(f"\nwrote {args.html}")
    return 0


def _emit(data, as_json: bool, render) -> None:
    """The report as JSON (its as_dict()) or as render(data)'s text."""
    if as_json:
        import json

        print(json.dumps(data.as_dict(), indent=2))
    else:
        print(render(data))


def team_main(args: argparse.Namespace) -> int:
    """`report --store`: the ledger's offloads by project and by user@machine."""
    from ctxlean.store import StoreError, open_store
    from ctxlean.usage import team

    if args.session or args.html or args.by != "session":
        print("ctxlean report: --store reports the ledger by project and by user@machine; it takes --project, "
              "--since and --json", file=sys.stderr)
        return 2
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(f"ctxlean report: {exc}", file=sys.stderr)
        return 2
    if "://" not in args.store and not os.path.isfile(args.store):
        print(f"ctxlean report: --store {args.store}: no such store file (give a postgresql:// URL or a store file)",
              file=sys.stderr)
        return 2
    try:
        with open_store(args.store) as store:
            project = args.project
            if project and os.path.isdir(project):
                project = store.scope(os.path.realpath(project))
            data = team.build(store.ledger_totals(since), _shown_location(store), since, project)
    except StoreError as exc:
        print(f"ctxlean report: {exc}", file=sys.stderr)
        return 1
    _emit(data, args.json, team.render_text)
    return 0


def _shown_location(store) -> str:
    if store.backend == "postgresql":
        from ctxlean.store.postgres import display_url

        return display_url(store.location)
    return store.location
