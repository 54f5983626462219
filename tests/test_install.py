"""`ctxlean install` writes only portable entries into the files a team commits, and `uninstall` puts every
settings file back to its JSON before install (the settings writes and the no-plugin path; the `claude
plugin` calls run in tests/e2e)."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from ctxlean import install
from ctxlean.budget import autocompact_env
from ctxlean.claude_settings import SettingsError, load_state, restore, settled, snapshot
from ctxlean.paths import claude_config_dir, plugin_data_dir


@pytest.fixture
def claude(tmp_path) -> str:
    """A stand-in for the CLI: the no-plugin path only asks it for its version."""
    path = tmp_path / "claude"
    path.write_text("#!/bin/sh\necho '2.1.332 (Claude Code)'\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def absolute_paths(text: str) -> list[str]:
    """Every absolute path in a file's text that exists on this machine."""
    return [p for p in re.findall(r"(?<![\w}$])/[\w./+-]+", text) if os.path.exists(p)]


def test_compaction_env_at_the_budget_and_a_broken_settings_file_is_a_clear_error(project):
    assert "160,000-token budget" in install.set_compaction_env(project)
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    assert settings["env"] == autocompact_env(160_000) == {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "193000"}
    (project / ".claude" / "ctxlean.toml").write_text("context_budget_tokens = 50000\n")  # below the window alone
    install.set_compaction_env(project)
    env = json.loads((project / ".claude" / "settings.json").read_text())["env"]
    assert env == autocompact_env(50_000) and "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE" in env
    (project / ".claude" / "settings.json").write_text("{oops")
    with pytest.raises(SettingsError, match="settings.json is not valid JSON"):
        install.set_compaction_env(project)
    assert (project / ".claude" / "settings.json").read_text() == "{oops"


def test_the_statusline_command_is_portable_and_runs(project):
    install.write_launcher()
    done: dict = {}
    assert "enabled" in install.set_statusline("user", project, done)
    command = json.loads((claude_config_dir() / "settings.json").read_text())["statusLine"]["command"]
    assert command == f"{install.SHIM} statusline" and not absolute_paths(command)
    event = {"session_id": "s1", "transcript_path": str(project / "none.jsonl"),
             "model": {"id": "claude-opus-5-5", "display_name": "Opus"}, "cwd": str(project)}
    proc = subprocess.run(command, shell=True, input=json.dumps(event), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("ctx 0/160.0k"), (proc.stdout, proc.stderr)


def test_an_existing_statusline_is_left_alone(project):
    path = claude_config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"statusLine": {"type": "command", "command": "my-own-line"}}))
    done: dict = {}
    assert "left as it is" in install.set_statusline("user", project, done)
    assert json.loads(path.read_text())["statusLine"]["command"] == "my-own-line" and not done


def test_restore_gives_back_the_bytes_before_install_and_keeps_later_changes(tmp_path):
    path = tmp_path / "settings.json"
    original = '{"env": {"KEEP": "1", "CLAUDE_CODE_AUTO_COMPACT_WINDOW": "400000"},\n "model": "opus"}\n'
    path.write_text(original)
    record = snapshot(path)
    path.write_text(json.dumps({"env": {"KEEP": "1", "CLAUDE_CODE_AUTO_COMPACT_WINDOW": "193000"}, "model": "opus",
                                "enabledPlugins": {"ctxlean@ctxlean": True}, "statusLine": {"command": "x"}}))
    record["after"] = settled(path)
    # Claude Code's own uninstall leaves an empty enabledPlugins behind; restore does not care
    assert "to what it was before install" in restore(path, record, settled(path))
    assert path.read_text() == original  # byte for byte
    # changes made since install are kept: a new key, and a value install wrote that the user changed
    path.write_text(json.dumps({**record["after"], "theme": "dark", "statusLine": {"command": "mine"}}))
    assert "keeping the changes" in restore(path, record, settled(path))
    assert json.loads(path.read_text()) == {**json.loads(original), "theme": "dark", "statusLine": {"command": "mine"}}


def test_restore_removes_a_file_install_created_unless_someone_added_to_it(tmp_path):
    path = tmp_path / ".mcp.json"
    record = snapshot(path)
    path.write_text(json.dumps({"mcpServers": {"ctxlean": {"command": "sh"}}}))
    record["after"] = settled(path)
    path.write_text(json.dumps({"mcpServers": {}}))  # what a tool that removes only its own entry leaves
    assert "removed" in restore(path, record, settled(path)) and not path.exists()
    path.write_text(json.dumps({"mcpServers": {"ctxlean": {"command": "sh"}, "github": {"command": "gh"}}}))
    restore(path, record, settled(path))
    assert json.loads(path.read_text()) == {"mcpServers": {"github": {"command": "gh"}}}


def test_no_plugin_install_is_portable_and_uninstall_is_exact(project, claude):
    (project / ".claude").mkdir()
    before = '{\n    "permissions": {"allow": ["Bash(make test)"]}\n}\n'
    (project / ".claude" / "settings.json").write_text(before)
    messages = install.install("project", project, claude, statusline=True, plugin=False)
    assert messages[0] == f"using Claude Code 2.1.332 at {claude}"
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    assert settings["permissions"] == {"allow": ["Bash(make test)"]}
    commands = [h["command"] for groups in settings["hooks"].values() for g in groups for h in g["hooks"]]
    assert set(settings["hooks"]) == {"PreToolUse", "PostToolUse", "PostToolUseFailure", "PreCompact", "SessionStart"}
    assert all(c.startswith(install.SHIM + " hook ") for c in commands)
    server = json.loads((project / ".mcp.json").read_text())["mcpServers"]["ctxlean"]
    assert server["command"] == "sh" and server["args"] == ["-c", f"exec {install.SHIM} mcp"]
    for name in (".claude/settings.json", ".mcp.json"):  # what the team commits
        assert not absolute_paths((project / name).read_text()), name
    assert json.loads((project / ".claude" / "settings.local.json").read_text()) == {"enabledMcpjsonServers":
                                                                                         ["ctxlean"]}
    assert (plugin_data_dir() / "ctxlean-shim").is_file() and (plugin_data_dir() / "launcher").is_file()
    assert install.committed_setup(project) == "no-plugin"
    install.install("project", project, claude, plugin=False)  # again: nothing doubled
    again = json.loads((project / ".claude" / "settings.json").read_text())
    assert again == settings

    install.uninstall("project", project, claude)
    assert tree(project) == {".claude/settings.json": before}
    assert not (plugin_data_dir() / "ctxlean-shim").exists() and load_state() == {}


def test_uninstall_of_a_fresh_project_leaves_no_trace(project, claude):
    install.install("project", project, claude, plugin=False)
    assert (project / ".claude").is_dir()
    install.uninstall("project", project, claude)
    assert list(project.iterdir()) == []


def test_another_mcp_server_named_ctxlean_is_not_overwritten(project, claude):
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"ctxlean": {"command": "other"}}}))
    with pytest.raises(install.InstallError, match="already has an MCP server named 'ctxlean'"):
        install.install("project", project, claude, plugin=False)
    install.uninstall("project", project, claude)
    assert tree(project) == {".mcp.json": json.dumps({"mcpServers": {"ctxlean": {"command": "other"}}})}


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["install", "--claude", "/nonexistent/claude"], 2, "--claude /nonexistent/claude: does not exist"),
    (["install", "--no-plugin"], 2, "--no-plugin works with --project"),
    (["install", "--project", "--user"], 2, "not allowed with argument"),
])
def test_usage_errors_exit_2_with_one_clear_line(capsys, monkeypatch, project, argv, code, message):
    from ctxlean.cli import main

    monkeypatch.chdir(project)
    try:
        got = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        got = exc.code
    err = capsys.readouterr().err
    assert got == code and message in err and "Errno" not in err


def test_the_repositorys_own_claude_settings_are_portable_and_set_up_ctxlean():
    """ctxlean is developed with ctxlean: the repo's committed .claude/ is what install --project writes."""
    from ctxlean import config

    root = Path(__file__).resolve().parents[1]
    settings = (root / ".claude" / "settings.json").read_text()
    assert not absolute_paths(settings)
    assert install.committed_setup(root) == "plugin"
    budget = config.load(str(root)).context_budget_tokens
    assert json.loads(settings)["env"] == autocompact_env(budget)
    assert ".claude/settings.local.json" in (root / ".gitignore").read_text().splitlines()
