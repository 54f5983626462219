"""`ctxlean install --statusline` adds a status line command that really runs; uninstall takes it away."""

import json
import subprocess

from ctxlean import install
from ctxlean.paths import claude_config_dir


def user_settings() -> dict:
    return json.loads((claude_config_dir() / "settings.json").read_text())


def test_statusline_command_written_to_user_settings_runs_and_is_removed(tmp_path):
    install.write_launcher()  # what `ctxlean install` records for the shim
    done: dict = {}
    assert "enabled" in install.set_statusline("user", tmp_path, done)
    command = user_settings()["statusLine"]["command"]
    event = {"session_id": "s1", "transcript_path": str(tmp_path / "none.jsonl"),
             "model": {"id": "claude-opus-5-5", "display_name": "Opus"}, "cwd": str(tmp_path)}
    proc = subprocess.run(command, shell=True, input=json.dumps(event), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("ctx 0/160.0k"), (proc.stdout, proc.stderr)
    assert "ctxlean: executable not found" not in proc.stderr
    assert "removed" in install.remove_statusline(done["statusline"])
    assert "statusLine" not in user_settings()


def test_an_existing_statusline_is_left_alone(tmp_path):
    path = claude_config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"statusLine": {"type": "command", "command": "my-own-line"}}))
    done: dict = {}
    assert "left as it is" in install.set_statusline("user", tmp_path, done)
    assert user_settings()["statusLine"]["command"] == "my-own-line" and "statusline" not in done


def test_a_statusline_changed_after_install_is_not_removed(tmp_path):
    done: dict = {}
    install.set_statusline("project", tmp_path, done)
    settings_path = tmp_path / ".claude" / "settings.json"
    settings_path.write_text(json.dumps({"statusLine": {"type": "command", "command": "changed"}}))
    assert "changed since install" in install.remove_statusline(done["statusline"])
    assert json.loads(settings_path.read_text())["statusLine"]["command"] == "changed"
