"""The benchmark's trajectories, one module each with `build(root, urls) -> Trajectory` that writes the
workspace (a git repository) under root and returns the steps; urls["pages"] is the HTTPS page server."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

from agent import Trajectory

NAMES = ("fix_tests", "explore_codebase", "json_data", "log_triage", "refactor_diff", "web_research")


def build_workspace(name: str, root: Path, urls: dict[str, str]) -> Trajectory:
    root.mkdir(parents=True)
    trajectory = importlib.import_module(f"trajectories.{name}").build(root, urls)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "initial"], cwd=root, check=True)
    return trajectory
