"""`ctxlean lean`: trim what every request resends: hide Claude Code tools and skill descriptions your
sessions never use.

Without options it only reports: for each optional tool and bundled skill, its uses in your transcripts
of the last --days days (all projects), the tokens it adds to every request, and what --apply would do.
--apply hides the unused ones in your user settings (--project: this project's .claude/settings.local.json);
--undo takes back exactly what --apply added.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ctxlean.claude_settings import SettingsError
from ctxlean.lean import hiding
from ctxlean.lean.catalog import SKILL, load
from ctxlean.lean.uses import read_recent

DEFAULT_DAYS = 30


def table(decisions: list[hiding.Decision]) -> list[str]:
    rows = [("item", "kind", "uses", "tokens/request", "--apply")]
    for d in decisions:
        kind = "skill description" if d.item.kind == SKILL else "tool"
        rows.append((d.item.name, kind, str(d.uses), f"{d.item.tokens:,}", d.action))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return ["  ".join(cell.rjust(w) if i in (2, 3) else cell.ljust(w) for i, (cell, w) in
                      enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]


def run(scope: str, project: Path, days: int = DEFAULT_DAYS, apply: bool = False) -> list[str]:
    """The report (and, with apply, the changes) as lines to print."""
    catalog = load()
    uses = read_recent(days, catalog.tools)
    decisions = hiding.decide(catalog, uses, scope, project)
    if uses.sessions:
        lines = [f"{uses.sessions} session(s) in the last {days} days ({uses.files} transcript file(s) read)"]
    else:
        lines = [f"no sessions in the last {days} days: every optional item counts as unused"]
    lines += [f"sizes measured on Claude Code {catalog.claude_code_version}", ""] + table(decisions) + [""]
    saved = sum(d.item.tokens for d in decisions if d.action == hiding.HIDE)
    already = sum(d.item.tokens for d in decisions if d.action == hiding.HIDDEN)
    hidden_note = f" (ctxlean already hides ~{already:,} more)" if already else ""
    if not apply:
        lines.append(f"--apply would save ~{saved:,} tokens per request{hidden_note}; it changes "
                     f"{hiding.settings_path(scope, project)}")
        return lines
    changes = hiding.apply(decisions, scope, project)
    lines += changes or ["nothing to change"]
    if changes:
        lines.append(f"saved ~{saved:,} tokens per request{hidden_note}; {hiding.undo_hint(scope)}")
    return lines


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of days above 0, not {text!r}")
    return value


def main(argv: list[str]) -> int:
    from ctxlean.helptext import epilog

    parser = argparse.ArgumentParser(
        prog="ctxlean lean", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog(reads="your transcripts of the last --days days (every project), the settings file below",
                      writes="--apply/--undo: ~/.claude/settings.json (--project: .claude/settings.local.json), "
                             "and\n         ctxlean's install-state.json (what --undo takes back)",
                      examples=["ctxlean lean", "ctxlean lean --apply", "ctxlean lean --undo",
                                "ctxlean lean --project --days 60 --apply"]))
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--apply", action="store_true", help="hide the items your sessions never used")
    action.add_argument("--undo", action="store_true", help="take back what --apply added")
    parser.add_argument("--project", action="store_true",
                        help="this project's .claude/settings.local.json instead of your user settings")
    parser.add_argument("--days", type=positive_int, default=DEFAULT_DAYS,
                        help=f"how far back to look for uses (default {DEFAULT_DAYS})")
    args = parser.parse_args(argv[1:])
    scope = "project" if args.project else "user"
    try:
        if args.undo:
            lines = hiding.undo(scope, Path.cwd())
        else:
            lines = run(scope, Path.cwd(), args.days, args.apply)
    except SettingsError as exc:
        print(f"ctxlean lean: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ctxlean lean: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
