"""`ctxlean routing-eval`: prove a downshift before making it.

Runs every mechanical agent's task set (routing_eval/tasks.py) on a reference model and on a candidate
model (default: the model the routing policy gives the agent, i.e. Haiku) and reports, per agent, how
often the two agree, how often each is right, and what each cost. With ANTHROPIC_API_KEY set it runs
against the Anthropic API; otherwise (or with --offline) against ctxlean's fake API, which checks the
plumbing only.

    ctxlean routing-eval [--agents digest,extract] [--reference opus] [--candidate haiku] [--limit N]
                         [--jobs 2] [--out report.md] [--offline]

Exit status: 0 when every session ran (and, offline, every answer came back right: the fake answers
right whenever the plumbing works); 1 otherwise; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from ctxlean.routing_eval.runner import FakeModel, Outcome, prepare, run_session
from ctxlean.routing_eval.tasks import TASKS, Task, tasks_for


async def run_pairs(tasks: list[Task], reference: str, candidate: str | None, env: dict[str, str], root: Path,
                    jobs: int = 2, fake: FakeModel | None = None, cfg=None) -> list[tuple[Outcome, Outcome]]:
    """(reference outcome, candidate outcome) per task; candidate None: the routing policy's model per agent.

    Sessions run `jobs` at a time; progress goes to stderr.
    """
    from ctxlean import routing
    from ctxlean.agents import load_agents

    specs = load_agents()
    plan = [(task, model) for task in tasks
            for model in (reference, candidate or routing.model_for(task.agent, cfg))]
    if any(model == routing.INHERIT for _, model in plan):
        raise ValueError("the routing policy says 'inherit' for one of these agents: pass --candidate")
    gate = asyncio.Semaphore(jobs)
    done = 0

    async def one(task: Task, model: str) -> Outcome:
        nonlocal done
        async with gate:
            prepared = prepare(task, root, model)
            if fake is not None:
                fake.register(task, prepared)
            outcome = await run_session(task, specs[task.agent], model, prepared, env)
        done += 1
        status = f"error: {outcome.error}" if outcome.error else "right" if outcome.correct else "wrong"
        print(f"[{done}/{len(plan)}] {task.agent}/{task.id} on {model}: {status} ({outcome.seconds:.1f} s)",
              file=sys.stderr)
        return outcome

    outcomes = await asyncio.gather(*(one(task, model) for task, model in plan))
    return list(zip(outcomes[0::2], outcomes[1::2], strict=True))


def _parse(argv: list[str]) -> argparse.Namespace:
    from ctxlean.helptext import parser as help_parser

    parser = help_parser(
        "ctxlean routing-eval", __doc__.splitlines()[2],
        reads="the eval tasks and the routing policy (data/routing.toml, [routing] in the config); "
              "ANTHROPIC_API_KEY\n         (without it, or with --offline, the fake API); the Claude Code CLI "
              "($CTXLEAN_CLAUDE, else bundled)",
        writes="--out (default routing-eval-report.md); its sessions run in a temporary HOME and store",
        examples=["ctxlean routing-eval --offline", "ctxlean routing-eval --agents classify,format --limit 5",
                  "ctxlean routing-eval --candidate sonnet --out sonnet.md"])
    agents = sorted({t.agent for t in TASKS})
    parser.add_argument("--agents", help=f"comma-separated subset of: {', '.join(agents)}")
    parser.add_argument("--reference", default="opus", help="the model the step would otherwise run on (default opus)")
    parser.add_argument("--candidate", help="the cheaper model (default: each agent's model in the routing policy)")
    parser.add_argument("--limit", type=int, help="at most this many tasks per agent")
    parser.add_argument("--jobs", type=int, default=2, help="sessions at a time (default 2)")
    parser.add_argument("--out", default="routing-eval-report.md", help="where to write the Markdown report")
    parser.add_argument("--offline", action="store_true", help="use the fake API even if ANTHROPIC_API_KEY is set")
    args = parser.parse_args(argv[1:])
    args.agents = [a.strip() for a in args.agents.split(",")] if args.agents else None
    unknown = set(args.agents or ()) - set(agents)
    if unknown:
        parser.error(f"unknown agent(s): {', '.join(sorted(unknown))} (known: {', '.join(agents)})")
    if args.jobs < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--jobs and --limit must be at least 1")
    return args


def run_all(tasks: list[Task], reference: str, candidate: str | None, jobs: int, offline: bool, cfg):
    """run_pairs in a private HOME and payload store (the eval's payloads stay out of the user's store, the
    user's settings and CLAUDE.md out of the sessions), against the fake API when offline."""
    previous = os.environ.get("CTXLEAN_STORE")
    with tempfile.TemporaryDirectory(prefix="ctxlean-routing-eval-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        os.environ["CTXLEAN_STORE"] = str(root / "store")
        env = {"HOME": str(root / "home"), "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
        try:
            if not offline:
                return asyncio.run(run_pairs(tasks, reference, candidate, env, root, jobs, cfg=cfg))
            from ctxlean.fakeapi import FakeAnthropic

            fake = FakeModel()
            with FakeAnthropic(fake.script()) as api:
                env.update(ANTHROPIC_BASE_URL=api.url, ANTHROPIC_API_KEY="offline-fake-key")
                return asyncio.run(run_pairs(tasks, reference, candidate, env, root, jobs, fake, cfg))
        finally:
            if previous is None:
                os.environ.pop("CTXLEAN_STORE", None)
            else:
                os.environ["CTXLEAN_STORE"] = previous


def main(argv: list[str]) -> int:
    from ctxlean import config
    from ctxlean.paths import project_of
    from ctxlean.routing_eval import report

    args = _parse(argv)
    offline = args.offline or not os.environ.get("ANTHROPIC_API_KEY")
    tasks = tasks_for(args.agents, args.limit)
    print(f"routing eval: {len(tasks)} tasks x 2 models, "
          f"{'offline (fake API: plumbing only)' if offline else 'against the Anthropic API'}", file=sys.stderr)
    try:
        pairs = run_all(tasks, args.reference, args.candidate, args.jobs, offline, config.load(project_of()))
    except (ValueError, config.ConfigError) as exc:
        print(f"ctxlean routing-eval: {exc}", file=sys.stderr)
        return 2
    candidate = args.candidate or "routing policy"
    text = report.render(pairs, args.reference, candidate, offline)
    Path(args.out).write_text(text)
    for row in report.agent_rows(pairs):
        ratio = f"{row['cost_ratio']:.2f}" if row["cost_ratio"] is not None else "-"
        print(f"{row['agent']:<9} tasks {row['tasks']:>2}  agree {row['agree']:>2}  reference right "
              f"{row['ref_correct']:>2}  candidate right {row['cand_correct']:>2}  cost candidate/reference {ratio}")
    print(f"report: {args.out}")
    failed = any(o.error or (offline and not o.correct) for pair in pairs for o in pair)
    return 1 if failed else 0
