"""`ctxlean estimate`: what your Claude Code sessions cost, and what they would have cost with ctxlean.

    ctxlean estimate [--session ID | --project DIR | --since DATE] [--json] [--html FILE]

Reads Claude Code's transcripts (under ~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects) and replays
each session through ctxlean as `ctxlean install --lean` would set it up (ctxlean.replay.engine): every
tool output through the offload path the hooks take, the prefix without what your last 30 days never
used, prompt caching simulated, priced from the price data and your config's [pricing]. It also says
which facts the model used that ctxlean's summaries would have hidden, each charged as a fetch_detail
round trip. It changes nothing: no store, no settings; only --html writes its file. A session that
already ran with ctxlean is not replayed: its line says what ctxlean did (from the store's ledger).

Example:
    ctxlean estimate --since 2026-11-01 --html estimate.html
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ctxlean import config
from ctxlean.lean.catalog import Catalog
from ctxlean.lean.catalog import load as load_catalog
from ctxlean.replay import prefix
from ctxlean.replay.claude_transcript import read_session
from ctxlean.replay.engine import Replayed, replay
from ctxlean.usage.chart import human
from ctxlean.usage.pricing import PriceBook
from ctxlean.usage.report import add_scope_arguments, money, since_and_prices, write_page
from ctxlean.usage.transcripts import TranscriptFile, find_transcripts, projects_root

LEAN_DAYS = 30  # what `ctxlean lean` (and so `install --lean`) looks back over
HOW = ("each tool output replayed through ctxlean's offload path, prompt caching simulated; a fact the model "
       "used that a summary hid is charged as one fetch_detail round trip (docs/replay.md)")


@dataclass
class SessionEstimate:
    session_id: str
    project: str
    last_ts: float
    replayed: Replayed | None = None  # None: the session ran with ctxlean
    ledger: dict | None = None  # what ctxlean did, for a session that ran with it
    actual_cost: float = 0.0

    @property
    def estimated_cost(self) -> float:
        return self.replayed.estimated_cost if self.replayed else self.actual_cost

    def as_dict(self) -> dict:
        out = {"session": self.session_id, "project": self.project, "ran_with_ctxlean": self.replayed is None,
               "actual_cost_usd": round(self.actual_cost, 6), "estimated_cost_usd": round(self.estimated_cost, 6),
               "saving_fraction": _fraction(self.actual_cost - self.estimated_cost, self.actual_cost)}
        r = self.replayed
        if r is None:
            return {**out, "ctxlean": self.ledger, "used_facts": None, "used_facts_kept": None,
                    "fetches_charged": None}
        return {**out, "requests": r.without.requests, "used_facts": r.facts.used,
                "used_facts_kept": r.facts.kept, "used_facts_offloaded": r.facts.offloaded,
                "used_facts_offloaded_kept": r.facts.offloaded_kept, "fetches_charged": r.fetches,
                "offloads": r.offloads, "tool_output_tokens": r.tool_output_tokens,
                "kept_out_tokens": r.kept_out_tokens,
                "simulated_cost_usd": {"without_ctxlean": round(r.without.cost, 6),
                                       "with_ctxlean": round(r.with_ctxlean.cost, 6)},
                "context_per_request": {"without_ctxlean": r.without.context, "with_ctxlean": r.with_ctxlean.context},
                "notes": r.session.notes}


@dataclass
class Estimate:
    sessions: list[SessionEstimate] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    prices: PriceBook | None = None
    hidden_by_lean: list[str] = field(default_factory=list)

    def total(self) -> dict:
        actual = sum(s.actual_cost for s in self.sessions)
        estimated = sum(s.estimated_cost for s in self.sessions)
        replayed = [s.replayed for s in self.sessions if s.replayed]
        facts = {name: sum(getattr(r.facts, name) for r in replayed)
                 for name in ("used", "kept", "offloaded", "offloaded_kept")}
        return {"sessions": len(self.sessions), "replayed_sessions": len(replayed),
                "actual_cost_usd": round(actual, 6), "estimated_cost_usd": round(estimated, 6),
                "saving_fraction": _fraction(actual - estimated, actual),
                "used_facts": facts["used"], "used_facts_kept": facts["kept"],
                "used_facts_kept_fraction": _fraction(facts["kept"], facts["used"]),
                "used_facts_offloaded": facts["offloaded"], "used_facts_offloaded_kept": facts["offloaded_kept"],
                "fetches_charged": sum(r.fetches for r in replayed),
                "tool_output_tokens": sum(r.tool_output_tokens for r in replayed),
                "kept_out_tokens": sum(r.kept_out_tokens for r in replayed)}

    def as_dict(self) -> dict:
        prices = self.prices
        return {"filters": self.filters, "how": HOW, "hidden_by_lean": self.hidden_by_lean,
                "prices": {"version": prices.version, "date": prices.date} if prices else None,
                "total": self.total(), "sessions": [s.as_dict() for s in self.sessions]}


def _fraction(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def sessions_in_scope(session: str | None, project: str | None, since: float | None
                      ) -> list[tuple[TranscriptFile, list[TranscriptFile]]]:
    """(main transcript, its subagents' transcripts) per session, oldest first; --since keeps the sessions
    written to since then."""
    files = find_transcripts(session=session, project=project)
    mains = {f.session_id: f for f in files if f.agent_id is None}
    subs: dict[str, list[TranscriptFile]] = {}
    for f in files:
        if f.agent_id is not None:
            subs.setdefault(f.session_id, []).append(f)
    chosen = []
    for sid, main in mains.items():
        mtime = _mtime(main)
        if since is None or mtime >= since:
            chosen.append((mtime, main, subs.get(sid, [])))
    chosen.sort(key=lambda c: c[0])
    return [(main, sub) for _, main, sub in chosen]


def _mtime(tf: TranscriptFile) -> float:
    try:
        return tf.path.stat().st_mtime
    except OSError:
        return 0.0


def lean_plan(catalog: Catalog) -> frozenset[str]:
    """What `ctxlean install --lean` would hide now: the items unused in every project's last 30 days."""
    from ctxlean.lean.uses import read_recent

    return prefix.unused(catalog, read_recent(LEAN_DAYS, catalog.tools))


def estimate(scope: list[tuple[TranscriptFile, list[TranscriptFile]]], prices: PriceBook,
             hidden: frozenset[str], catalog: Catalog, progress: Callable[[int, int], None] | None = None,
             warn: Callable[[str], None] | None = None) -> Estimate:
    result = Estimate(prices=prices, hidden_by_lean=sorted(hidden))
    seen: set = set()
    configs: dict[str, config.Config] = {}
    for done, (main, subs) in enumerate(scope, 1):
        session = read_session(main, subs, seen=seen, warn=warn)
        cfg = configs.get(session.project)
        if cfg is None:
            cfg = configs[session.project] = _config(session.project, warn)
        setup = prefix.lean_install(cfg, prices, catalog, hidden)
        item = SessionEstimate(session.session_id, session.project, _mtime(main))
        replayed = replay(session, setup)
        item.actual_cost = replayed.actual_cost
        if session.ran_with_ctxlean:
            item.ledger = _ledger(main, subs, prices)
        else:
            item.replayed = replayed
        result.sessions.append(item)
        if progress:
            progress(done, len(scope))
    return result


def _config(project: str, warn: Callable[[str], None] | None) -> config.Config:
    """The config ctxlean would have run with in that project; the defaults when its file is broken."""
    try:
        return config.load(project if os.path.isdir(project) else None)
    except config.ConfigError as exc:
        if warn:
            warn(f"{exc}; replaying {project} with the defaults")
        return config.load(None)


def _ledger(main: TranscriptFile, subs: list[TranscriptFile], prices: PriceBook) -> dict:
    """What ctxlean did in a session that ran with it, from the store's ledger (report's estimate)."""
    from ctxlean.usage import savings
    from ctxlean.usage.transcripts import read_all

    saving = savings.session_saving(read_all([main, *subs], warn=lambda message: None),
                                    savings.ledger_rows(main.session_id), prices)
    return saving.as_dict()


# -- terminal ------------------------------------------------------------------------------------------

BAR_WIDTH = 28
SPARK = " ▁▂▃▄▅▆▇█"


def progress_bar(done: int, total: int) -> None:
    filled = round(BAR_WIDTH * done / total)
    end = "\n" if done == total else ""
    print(f"\rreplaying sessions [{'█' * filled}{'░' * (BAR_WIDTH - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)


def sparkline(values: list[int], peak: int, width: int = 64) -> str:
    if not values:
        return ""
    step = max(1, -(-len(values) // width))
    cols = [max(values[i:i + step]) for i in range(0, len(values), step)]
    return "".join(SPARK[min(len(SPARK) - 1, round(v / peak * (len(SPARK) - 1)))] if peak else " " for v in cols)


def _facts(used: int | None, kept: int | None) -> str:
    if not used:
        return "-"
    return f"{kept}/{used} ({kept / used:.0%})"


def render_text(data: Estimate) -> str:
    total = data.total()
    lines = [f"ctxlean estimate: {total['sessions']} session(s); with ctxlean as `ctxlean install --lean` sets "
             f"it up ({len(data.hidden_by_lean)} tool/skill description(s) hidden)", ""]
    rows = [("session", "project", "requests", "actual", "with ctxlean", "saving", "used facts kept",
             "fetches")]
    for s in data.sessions:
        where = os.path.basename(s.project.rstrip("/")) or s.project
        saving = _fraction(s.actual_cost - s.estimated_cost, s.actual_cost)
        if s.replayed is None:
            kept = (s.ledger or {}).get("kept_out_tokens", 0)
            rows.append((s.session_id[:8], where, "", money(s.actual_cost), "ran with ctxlean",
                         "", f"kept out {human(kept)}", ""))
            continue
        r = s.replayed
        rows.append((s.session_id[:8], where, str(r.without.requests), money(s.actual_cost),
                     money(s.estimated_cost), "-" if saving is None else f"{saving:.0%}",
                     _facts(r.facts.used, r.facts.kept), str(r.fetches)))
    saving = total["saving_fraction"]
    rows.append(("total", "", "", money(total["actual_cost_usd"]), money(total["estimated_cost_usd"]),
                 "-" if saving is None else f"{saving:.0%}", _facts(total["used_facts"], total["used_facts_kept"]),
                 str(total["fetches_charged"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        if n == len(rows) - 1:
            lines.append("  ".join("─" * w for w in widths))
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                               enumerate(zip(row, widths, strict=True))).rstrip())
    lines += ["", f"how: {HOW}"]
    if total["used_facts_offloaded"]:
        lines.append(f"in offloaded outputs the summaries kept {total['used_facts_offloaded_kept']} of "
                     f"{total['used_facts_offloaded']} used facts; tool output tokens kept out: "
                     f"{human(total['kept_out_tokens'])} of {human(total['tool_output_tokens'])}")
    latest = next((s.replayed for s in reversed(data.sessions) if s.replayed), None)
    if latest is not None and latest.without.context:
        peak = max(latest.without.context + latest.with_ctxlean.context)
        lines += ["", f"context per request, session {latest.session.session_id[:8]} (peak {human(peak)}):",
                  f"  without ctxlean |{sparkline(latest.without.context, peak)}",
                  f"  with ctxlean    |{sparkline(latest.with_ctxlean.context, peak)}"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from ctxlean.helptext import parser as help_parser

    parser = help_parser(
        "ctxlean estimate", __doc__.split("\n\n")[1].strip().replace("\n", " "),
        reads="Claude Code's transcripts (~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects) and the\n"
              "         tool-results files beside them, the price data and [pricing] in the config, the\n"
              "         config of each session's project, the store's ledger for sessions that ran with ctxlean",
        writes="nothing (--html FILE: that page)",
        examples=["ctxlean estimate", "ctxlean estimate --project . --json",
                  "ctxlean estimate --since 2026-11-01 --html estimate.html"])
    add_scope_arguments(parser, "sessions written to")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    parser.add_argument("--html", metavar="FILE", help="also write a page with a chart of context per request")
    args = parser.parse_args(argv[1:])
    found = since_and_prices(args, "ctxlean estimate")
    if found is None:
        return 2
    since, prices = found
    scope = sessions_in_scope(args.session, args.project, since)
    if not scope:
        where = f" for session {args.session}" if args.session else f" for project {args.project}" \
            if args.project else f" since {args.since}" if args.since else ""
        print(f"ctxlean estimate: no Claude Code sessions found under {projects_root()}{where}", file=sys.stderr)
        return 1
    catalog = load_catalog()
    started = time.monotonic()
    warn = lambda message: print(f"ctxlean estimate: warning: {message}", file=sys.stderr)  # noqa: E731
    show = progress_bar if sys.stderr.isatty() and len(scope) > 3 else None
    data = estimate(scope, prices, lean_plan(catalog), catalog, show, warn)
    data.filters = {k: v for k, v in (("session", args.session), ("project", args.project),
                                      ("since", args.since)) if v}
    if args.html:
        from ctxlean.replay.estimate_html import render_html

        if not write_page(args.html, render_html(data), "ctxlean estimate"):
            return 1
    if args.json:
        import json

        print(json.dumps(data.as_dict(), indent=2))
    else:
        print(render_text(data))
        print(f"\n{len(scope)} session(s) replayed in {time.monotonic() - started:.1f} s"
              + (f"; wrote {args.html}" if args.html else ""))
    return 0
