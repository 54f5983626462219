"""A long session: one monorepo, five tasks in a row in one Claude Code session (about 110 requests):
triage a payments log, fix a failing test suite, rename a function across a package, check a delay
report against flight data in SQLite, and fix a CI failure in a C project. Each task is the trajectory of
the same name, built in its own directory and played with `cd <dir> && ...`. ctxlean is installed the way
the README tells a team (`ctxlean install --project`), so Claude Code compacts at the budget; the
project's .claude/ctxlean.toml sets a budget of BUDGET tokens, so that the session crosses it."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

from agent import Step, Trajectory

TASKS = ("log_triage", "fix_tests", "refactor_diff", "data_pipeline", "ci_build_log")
DIRS = {"log_triage": "ops", "fix_tests": "ledger", "refactor_diff": "shop", "data_pipeline": "delays",
        "ci_build_log": "brotli"}
BUDGET = 20_000


def prefetch() -> None:
    for task in TASKS:
        module = importlib.import_module(f"trajectories.{task}")
        if hasattr(module, "prefetch"):
            module.prefetch()


def _nested(step: Step, where: str) -> Step:
    """The same step run from the monorepo: commands `cd` into the task's directory first (by its absolute
    path: Claude Code's Bash keeps the working directory from one call to the next), file paths gain it."""
    data = dict(step.input)
    cd = "cd {cwd}/" + where + " && "
    if "command" in data:
        data["command"] = cd + data["command"]
    if "file_path" in data:
        data["file_path"] = data["file_path"].replace("{cwd}/", "{cwd}/" + where + "/", 1)
    shell = cd + step.shell if step.shell else None
    return dataclasses.replace(step, input=data, shell=shell)


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    steps: list[Step] = []
    prompts = []
    later: list[tuple[str, dict[str, str]]] = []
    pages: dict[str, str] = {}
    for task in TASKS:
        where = DIRS[task]
        (root / where).mkdir()
        part = importlib.import_module(f"trajectories.{task}").build(root / where, urls)
        if part.service or part.env:
            raise ValueError(f"{task} needs a service or environment of its own: not for the long session")
        steps += [_nested(step, where) for step in part.steps]
        prompts.append(f"- in {where}/: {part.prompt}")
        later += [(message, {f"{where}/{path}": content for path, content in files.items()})
                  for message, files in part.later_commits]
        pages.update(part.pages)
    names = [s.needle.name for s in steps if s.needle]
    if len(names) != len(set(names)):
        raise ValueError(f"needle names repeat across the tasks: {names}")
    (root / ".claude").mkdir()
    (root / ".claude" / "ctxlean.toml").write_text(f"context_budget_tokens = {BUDGET}\n")
    (root / "TASKS.md").write_text("# This week\n\n" + "\n".join(prompts) + "\n")
    return Trajectory("long_session", "A long session: five tasks in one monorepo",
                      "Work through TASKS.md, one task after the other:\n" + "\n".join(prompts), steps,
                      heavy=False, pages=pages, long=True, budget=BUDGET, later_commits=later)
