"""The benchmark's trajectories, one module each with `build(root, urls) -> Trajectory` that writes the
workspace under root and returns the steps; urls["pages"] is the HTTPS page server. A module that builds
from downloaded inputs also has `prefetch()`, run before the benchmark leaves the network.

build_workspace makes the workspace a git repository: one initial commit, then the trajectory's
`later_commits` (fixed dates and author, so the same tree gives the same hashes)."""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path

from agent import Trajectory

NAMES = ("fix_tests", "explore_codebase", "json_data", "log_triage", "refactor_diff", "web_research",
         "ci_build_log", "npm_conflict", "data_pipeline", "infra_json", "long_session")
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def prefetch(name: str) -> None:
    module = importlib.import_module(f"trajectories.{name}")
    if hasattr(module, "prefetch"):
        module.prefetch()


def commit(root: Path, message: str, day: int) -> None:
    """Commit everything under root as `message`, dated 2026-03-<day> (reproducible hashes)."""
    date = f"2026-03-{day:02d}T10:00:00+00:00"
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def build_workspace(name: str, root: Path, urls: dict[str, str]) -> Trajectory:
    root.mkdir(parents=True)
    trajectory = importlib.import_module(f"trajectories.{name}").build(root, urls)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    commit(root, "initial", 1)
    for day, (message, files) in enumerate(trajectory.later_commits, 2):
        for path, content in files.items():
            (root / path).write_text(content)
        commit(root, message, day)
    return trajectory
