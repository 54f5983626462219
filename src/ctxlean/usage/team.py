"""`ctxlean report --store LOCATION`: a store's ledger of offloads, by project and by user@machine.

With a PostgreSQL store that is the whole team's: every machine's hooks write their rows there, with the
user and machine they ran as. Transcripts stay on the machines that ran the sessions, so this report
counts what the ledger knows: offloads, the tokens of the outputs offloaded, and the tokens their
summaries kept out of the context (original minus summary). `ctxlean report` without --store prices the
saving of this machine's own sessions from their transcripts.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

KEPT_OUT_NOTE = ("kept out: tokens of offloaded outputs minus the summaries that replaced them; every later "
                 "request of the same agent, until its next compaction, did not resend them")


@dataclass
class TeamRow:
    name: str
    offloads: int = 0
    sessions: int = 0
    original_tokens: int = 0
    kept_out_tokens: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    members: set = field(default_factory=set)  # machines of a project, projects of a user@machine

    def add(self, offloads: int, sessions: int, original: int, kept: int, first: float, last: float,
            member: str) -> None:
        self.offloads += offloads
        self.sessions += sessions
        self.original_tokens += original
        self.kept_out_tokens += kept
        self.first_ts = first if self.first_ts is None else min(self.first_ts, first)
        self.last_ts = last if self.last_ts is None else max(self.last_ts, last)
        self.members.add(member)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["members"] = sorted(self.members)
        return data


@dataclass
class TeamReport:
    store: str
    since: float | None
    by_project: list[TeamRow]
    by_user: list[TeamRow]
    total: TeamRow

    def as_dict(self) -> dict:
        return {"store": self.store, "since": self.since, "how": KEPT_OUT_NOTE,
                "by_project": [r.as_dict() for r in self.by_project],
                "by_user_machine": [r.as_dict() for r in self.by_user], "total": self.total.as_dict()}


def build(rows: list[tuple], store: str, since: float | None = None, project: str | None = None) -> TeamReport:
    """The report from Store.ledger_totals() rows, optionally for one project key."""
    projects: dict[str, TeamRow] = {}
    users: dict[str, TeamRow] = {}
    total = TeamRow("total")
    for key, user, machine, offloads, sessions, original, kept, first, last in rows:
        if project is not None and key != project:
            continue
        who = f"{user}@{machine}"
        projects.setdefault(key, TeamRow(key)).add(offloads, sessions, original, kept, first, last, machine)
        users.setdefault(who, TeamRow(who)).add(offloads, sessions, original, kept, first, last, key)
        total.add(offloads, sessions, original, kept, first, last, machine)
    order = lambda r: (-r.kept_out_tokens, r.name)  # noqa: E731
    return TeamReport(store, since, sorted(projects.values(), key=order), sorted(users.values(), key=order), total)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def _table(title: str, members: str, rows: list[TeamRow], total: TeamRow, total_members: int) -> list[str]:
    width = max([len(title), *(len(r.name) for r in rows)])
    head = (f"{title:<{width}}  {'offloads':>8}  {'sessions':>8}  {'tokens offloaded':>16}  {'kept out':>12}"
            f"  {members:>8}  last offload")
    lines = [head, "-" * len(head)]
    for r in [*rows, total]:
        count = total_members if r is total else len(r.members)
        lines.append(f"{r.name:<{width}}  {r.offloads:>8,}  {r.sessions:>8,}  {r.original_tokens:>16,}"
                     f"  {r.kept_out_tokens:>12,}  {count:>8,}  {_when(r.last_ts)}")
    return lines


def render_text(report: TeamReport) -> str:
    scope = f"since {_when(report.since)}" if report.since else "all time"
    if not report.by_project:
        return f"ctxlean report: no offloads in the ledger of {report.store} ({scope})."
    lines = [f"ctxlean ledger of {report.store} ({scope})", ""]
    lines += _table("project", "machines", report.by_project, report.total, len(report.total.members))
    lines += [""]
    lines += _table("user@machine", "projects", report.by_user, report.total, len(report.by_project))
    lines += ["", KEPT_OUT_NOTE + "."]
    return "\n".join(lines)
