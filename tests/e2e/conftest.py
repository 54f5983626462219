"""Shared fixtures for the end-to-end suite: the real Claude Code CLI, a fresh fake API per session, and
temporary HOMEs with or without ctxlean installed through `ctxlean install` (as a user installs it).

Everything runs in a network namespace with only loopback up (where the OS allows it), so no test can
reach past 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ctxlean.fakeapi import FakeAnthropic, Script
from ctxlean.fakeapi.claude import ClaudeRun, claude_executable, install_ctxlean, isolate_network, run_claude

# Resolved at import: the root conftest clears CTXLEAN_* variables before every test.
CLAUDE = claude_executable()


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> bool:
    return isolate_network()


@pytest.fixture(autouse=True)
def pinned_claude(isolated_env, monkeypatch) -> str:
    """Every run (and `ctxlean install`) uses the same CLI: the bundled one, or $CTXLEAN_CLAUDE."""
    monkeypatch.setenv("CTXLEAN_CLAUDE", CLAUDE)
    return CLAUDE


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def plain_home(tmp_path) -> Path:
    """A HOME where Claude Code has never been configured: the no-plugin baseline."""
    home = tmp_path / "plain-home"
    home.mkdir()
    return home


@pytest.fixture
def ctxlean_home(tmp_path, project) -> Path:
    """A HOME where `ctxlean install` (user scope) ran, as a user runs it."""
    home = tmp_path / "ctxlean-home"
    home.mkdir()
    proc = install_ctxlean(home, project)
    assert proc.returncode == 0, f"ctxlean install failed:\n{proc.stdout}\n{proc.stderr}"
    return home


Session = Callable[..., tuple[ClaudeRun, FakeAnthropic]]


@pytest.fixture
def session(project) -> Session:
    """session(script, home=..., args=[...], env={...}) runs one `claude -p` session in the project
    against a fresh fake API and returns (the run, the stopped API with its request log)."""

    def run(script: Script, *, home: Path, prompt: str = "Please do the task.", args=(),
            env=None) -> tuple[ClaudeRun, FakeAnthropic]:
        with FakeAnthropic(script, log_path=home / "requests.jsonl") as api:
            result = run_claude(prompt, home=home, cwd=project, base_url=api.url, args=list(args), env=env)
        assert result.result is not None, f"no result event (rc={result.rc}):\n{result.stderr[-2000:]}"
        return result, api

    return run
