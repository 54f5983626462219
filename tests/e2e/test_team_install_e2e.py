"""Issue 13: a project install a team commits, the no-plugin install, and uninstall that gives back every
settings file byte for byte, through the real CLI: user A installs, the committed files go to user B (another
HOME, another virtualenv, another path), and B's session offloads after one `ctxlean install`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest
from support import offload_script

from ctxlean.fakeapi import FakeAnthropic
from ctxlean.fakeapi.claude import claude_executable, run_claude, run_ctxlean
from ctxlean.fakeapi.script import results_for
from ctxlean.tokens import estimate_tokens

pytestmark = pytest.mark.e2e
SRC = Path(__file__).resolve().parents[2] / "src"
NO_PLUGIN_FETCH = "mcp__ctxlean__fetch_detail"  # the .mcp.json server's tool: no plugin prefix
BIG = {"command": "seq 1 60000 | sed 's/^/row /'", "description": "print many rows"}
ROW = 41234


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def machine_paths(text: str) -> list[str]:
    """The absolute paths in a file's text that exist on this machine (A's)."""
    return [p for p in re.findall(r"(?<![\w}$])/[\w./+-]+", text) if os.path.exists(p)]


def ctxlean_ok(home: Path, cwd: Path, *args: str) -> str:
    proc = run_ctxlean(home, cwd, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def other_virtualenv(path: Path) -> Path:
    """B's own virtualenv: another interpreter path, seeing this environment's packages and ctxlean's source
    through a .pth file (no network, no copy of the dependencies)."""
    venv.create(path, with_pip=False, symlinks=True)
    site = Path(sysconfig.get_paths(vars={"base": str(path), "platbase": str(path)})["purelib"])
    site.mkdir(parents=True, exist_ok=True)
    (site / "ctxlean-test.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{SRC}\n")
    return path / "bin" / "python"


def offloaded_and_fetched(home: Path, project: Path, fetch_tool: str) -> str:
    """One session in `project` whose Bash output ctxlean offloads and fetch_detail reads back; the summary."""
    script = offload_script("Bash", BIG, [{"lines": f"{ROW}-{ROW}"}], fetch_tool=fetch_tool)
    with FakeAnthropic(script, log_path=home / "requests.jsonl") as api:
        run = run_claude("Please do the task.", home=home, cwd=project, base_url=api.url)
    assert run.result is not None and run.result["subtype"] == "success", run.stderr[-2000:]
    assert not run.rejected_outputs()
    last = api.model_requests()[-1]["body"]
    [summary] = results_for(last, "Bash")
    assert "stored out of band as ctx_" in summary and estimate_tokens(summary) <= 500, summary
    [fetched] = results_for(last, fetch_tool)
    assert f"{ROW}: row {ROW}" in fetched
    return summary


def test_a_project_installed_by_one_user_works_for_another_after_one_install(tmp_path):
    home_a, project_a = tmp_path / "a" / "home", tmp_path / "a" / "work" / "project"
    home_b, project_b = tmp_path / "b" / "home", tmp_path / "b" / "elsewhere" / "project"
    for path in (home_a, project_a, home_b):
        path.mkdir(parents=True, exist_ok=True)
    (project_a / ".claude").mkdir()
    (project_a / ".claude" / "ctxlean.toml").write_text("context_budget_tokens = 120000\n")
    ctxlean_ok(home_a, project_a, "install", "--project", "--statusline")

    committed = {name: (project_a / name).read_text() for name in (".claude/settings.json", ".claude/ctxlean.toml")}
    for name, text in committed.items():
        assert not machine_paths(text), (name, text)
    settings = json.loads(committed[".claude/settings.json"])
    assert settings["enabledPlugins"] == {"ctxlean@ctxlean": True}
    assert settings["env"] == {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "153000"}
    assert "ctxlean-shim" in settings["statusLine"]["command"]
    # what is of A's machine stays in A's personal file
    assert str(Path(SRC).parent) in (project_a / ".claude" / "settings.local.json").read_text()

    for name, text in committed.items():  # B clones the project: only the committed files
        (project_b / name).parent.mkdir(parents=True, exist_ok=True)
        (project_b / name).write_text(text)
    cloned = tree(project_b)
    python_b = other_virtualenv(tmp_path / "b" / "venv")
    env_b = {"HOME": str(home_b), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
             "CTXLEAN_CLAUDE": claude_executable()}
    proc = subprocess.run([str(python_b), "-m", "ctxlean", "install"], cwd=project_b, env=env_b,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "has ctxlean (plugin): setting it up for this project on this machine" in proc.stdout
    launcher = (home_b / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "launcher").read_text()
    assert launcher.splitlines()[0] == str(python_b)  # B's interpreter runs B's hooks
    assert {k: v for k, v in tree(project_b).items() if k != ".claude/settings.local.json"} == cloned

    offloaded_and_fetched(home_b, project_b, "mcp__plugin_ctxlean_ctxlean__fetch_detail")
    store_files = list(home_b.rglob("store.sqlite3"))
    assert store_files == [home_b / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "store.sqlite3"]

    proc = subprocess.run([str(python_b), "-m", "ctxlean", "uninstall"], cwd=project_b, env=env_b,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert tree(project_b) == cloned  # B's uninstall leaves the team's files as they were
    ctxlean_ok(home_a, project_a, "uninstall", "--project")
    assert tree(project_a) == {".claude/ctxlean.toml": committed[".claude/ctxlean.toml"].encode()}


def test_no_plugin_install_offloads_through_settings_hooks_and_mcp_json(tmp_path, project):
    home = tmp_path / "np-home"
    home.mkdir()
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text('{\n  "permissions": {"allow": ["Bash(seq *)"]}\n}\n')
    (project / ".mcp.json").write_text('{"mcpServers": {}}\n')
    before = tree(project)
    out = ctxlean_ok(home, project, "install", "--project", "--no-plugin")
    assert "hooks for PreToolUse" in out and "MCP server 'ctxlean' written to" in out
    for name in (".claude/settings.json", ".mcp.json"):
        assert not machine_paths((project / name).read_text()), name
    assert not (home / ".claude" / "plugins" / "installed_plugins.json").exists()  # no plugin anywhere

    offloaded_and_fetched(home, project, NO_PLUGIN_FETCH)

    ctxlean_ok(home, project, "uninstall", "--project")
    assert tree(project) == before


def test_user_scope_uninstall_gives_back_the_settings_file_byte_for_byte(tmp_path, project):
    home = tmp_path / "u-home"
    (home / ".claude").mkdir(parents=True)
    original = b'{"theme":"dark",\n   "permissions": {"deny": ["WebSearch"]}}'
    (home / ".claude" / "settings.json").write_bytes(original)
    ctxlean_ok(home, project, "install", "--statusline")
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    assert settings["enabledPlugins"] == {"ctxlean@ctxlean": True} and "statusLine" in settings
    ctxlean_ok(home, project, "uninstall")
    assert (home / ".claude" / "settings.json").read_bytes() == original
    assert list(project.iterdir()) == []


def test_uninstall_of_a_project_that_had_no_claude_dir_leaves_none(tmp_path, project):
    home = tmp_path / "f-home"
    home.mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    ctxlean_ok(home, project, "install", "--project")
    ctxlean_ok(home, project, "uninstall", "--project")
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True)
    assert status.stdout == "" and sorted(os.listdir(project)) == [".git"]

