"""Claude Code settings files and ctxlean's record of what it changed in them.

Every command that edits a settings file (`install`, `lean --apply`) reads and writes it here, and records
what it wrote in one install-state file (in the plugin's data dir), keyed by scope, so that `uninstall`
and `lean --undo` can take back exactly that and nothing a user changed since.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ctxlean.paths import claude_config_dir, plugin_data_dir


class SettingsError(RuntimeError):
    """A settings file that cannot be used as it is (not JSON, not an object): the message says which."""


def user_settings_path() -> Path:
    return claude_config_dir() / "settings.json"


def project_settings_path(project: Path, local: bool = False) -> Path:
    """The project's shared .claude/settings.json, or its personal settings.local.json."""
    return project / ".claude" / ("settings.local.json" if local else "settings.json")


def read_settings(path: Path) -> dict:
    """The settings object in path ({} when the file does not exist)."""
    try:
        settings = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise SettingsError(f"{path} is not valid JSON ({exc}); fix it and run again") from exc
    if not isinstance(settings, dict):
        raise SettingsError(f"{path} does not hold a JSON object")
    return settings


def permissions_of(settings: object) -> dict:
    """The settings' `permissions` object ({} when absent or not an object)."""
    permissions = settings.get("permissions") if isinstance(settings, dict) else None
    return permissions if isinstance(permissions, dict) else {}


def write_settings(path: Path, settings: dict) -> None:
    """Replace path atomically: Claude Code may read it at any moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings, indent=2) + "\n")
    os.replace(tmp, path)


def scope_key(scope: str, project: Path) -> str:
    """The install-state key of a scope: "user", or "project:<dir>"."""
    return scope if scope == "user" else f"project:{project}"


def state_path() -> Path:
    return plugin_data_dir() / "install-state.json"


def load_state() -> dict:
    try:
        return json.loads(state_path().read_text())
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    """Write the state, or remove the file when nothing is left to undo."""
    path = state_path()
    if not state:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, path)
