"""`ctxlean budget`: the current session's context use against the budget, with a small bar.

By default the newest session transcript of this project under Claude Code's projects dir; --session ID
picks another session of the project, --transcript PATH any transcript (a subagent's too).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ctxlean import budget, config
from ctxlean.paths import claude_config_dir, project_of

BAR_WIDTH = 40


class BudgetError(RuntimeError):
    pass


def sessions_dir(project: str) -> Path:
    """Where Claude Code keeps this project's transcripts: every non-alphanumeric character becomes '-'."""
    return claude_config_dir() / "projects" / re.sub(r"[^A-Za-z0-9]", "-", project)


def find_transcript(project: str, session: str | None) -> Path:
    folder = sessions_dir(project)
    if session:
        path = folder / f"{session}.jsonl"
        if not path.is_file():
            raise BudgetError(f"no transcript for session {session} in {folder}")
        return path
    newest = max(folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime, default=None)
    if newest is None:
        raise BudgetError(f"no Claude Code session found for {project} in {folder} (use --transcript PATH)")
    return newest


def bar(fill: float, soft: float, hard: float, width: int = BAR_WIDTH) -> str:
    """[####----|---!-----] : filled part, then '|' at the soft mark and '!' at the hard mark when unfilled."""
    filled = min(round(fill * width), width)
    cells = ["#" if i < filled else "-" for i in range(width)]
    for mark, sign in ((soft, "|"), (hard, "!")):
        at = min(int(mark * width), width - 1)
        if at >= filled:
            cells[at] = sign
    return "[" + "".join(cells) + "]"


def compaction_setting(project: str, budget_tokens: int) -> str:
    """Whether this project's Claude Code settings make auto-compaction fire at the budget."""
    path = Path(project) / ".claude" / "settings.json"
    try:
        env = json.loads(path.read_text()).get("env") or {}
    except (OSError, ValueError, AttributeError):
        env = {}
    wanted = budget.autocompact_env(budget_tokens)
    if all(env.get(name) == value for name, value in wanted.items()):
        return f"Claude Code compacts at the budget ({path})"
    return "not set to the budget: run `ctxlean install --project` (or again after changing the budget)"


def report(transcript: Path, cfg: config.Config, project: str) -> str:
    use = budget.context_use(transcript)
    if use is None:
        raise BudgetError(f"cannot read {transcript}")
    state = budget.state_of(use.tokens, cfg)
    limits = budget.limits_at(state.fill, cfg)
    source = ("after a compaction, before the next response: system prompt and tools not counted yet"
              if use.compacted else f"last response {use.response_tokens:,} + appended since ~{use.appended_tokens:,}")
    lines = [
        f"transcript  {transcript}",
        f"context     {use.tokens:,} / {state.budget:,} tokens  {bar(state.fill, state.soft_mark, state.hard_mark)}"
        f"  {state.fill:.0%}  ({state.zone})",
        f"            {source}",
        f"marks       soft {state.soft_mark:.0%} ({round(state.soft_mark * state.budget):,})  "
        f"hard {state.hard_mark:.0%} ({round(state.hard_mark * state.budget):,})",
        f"now         offload above {limits.offload_threshold_tokens:,} tokens, summaries up to "
        f"{limits.summary_budget_tokens:,}, Reads capped at {limits.read_max_tokens:,}",
        f"compaction  {compaction_setting(project, cfg.context_budget_tokens)}",
    ]
    for sub in sorted((transcript.with_suffix("") / "subagents").glob("agent-*.jsonl")):
        sub_use = budget.context_use(sub)
        if sub_use is not None:
            lines.append(f"subagent    {sub.stem}: {sub_use.tokens:,} tokens ({sub_use.tokens / state.budget:.0%})")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from ctxlean.helptext import parser as help_parser

    parser = help_parser(
        "ctxlean budget", __doc__.splitlines()[0],
        reads="the session's transcript (the project's newest, or --session/--transcript), the project's "
              "config\n         for context_budget_tokens and the marks",
        writes="nothing",
        examples=["ctxlean budget", "ctxlean budget --session 33f2", "ctxlean budget --transcript path/to/s.jsonl"])
    parser.add_argument("--session", help="session id (default: this project's newest session)")
    parser.add_argument("--transcript", type=Path, help="a transcript file (.jsonl), main or subagent")
    parser.add_argument("--project", help="project dir (default: the current dir)")
    args = parser.parse_args(argv[1:])
    project = os.path.realpath(args.project) if args.project else project_of()
    try:
        cfg = config.load(project)
        transcript = args.transcript or find_transcript(project, args.session)
        print(report(transcript, cfg, project))
    except config.ConfigError as exc:
        print(f"ctxlean budget: {exc}", file=sys.stderr)
        return 2
    except BudgetError as exc:
        print(f"ctxlean budget: {exc}", file=sys.stderr)
        return 1
    return 0
