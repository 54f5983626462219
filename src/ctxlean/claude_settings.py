"""Claude Code settings files and ctxlean's record of what it changed in them.

Every command that edits a settings file (`install`, `lean --apply`) reads and writes it here, and records
what it wrote in one install-state file (in the plugin's data dir), keyed by scope, so that `uninstall`
and `lean --undo` can take back exactly that and nothing a user changed since: `snapshot` before the
first change, `settled` after the last, `restore` at uninstall.
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
    _write_text(path, json.dumps(settings, indent=2) + "\n")


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


# -- exact undo -------------------------------------------------------------------------------------------
# Install records each settings file it may touch before its first change (its text, or that it did not
# exist) and after its last; uninstall puts back the text before, keeping what anyone changed since.

_MISSING = object()


def snapshot(path: Path) -> dict:
    """A file's record before install: its text, or None when it does not exist."""
    try:
        return {"text": path.read_text()}
    except FileNotFoundError:
        return {"text": None}


def settled(path: Path) -> dict | None:
    """A file's settings after install (None when it does not exist), to compare with at uninstall."""
    return read_settings(path) if path.exists() else None


def restore(path: Path, record: dict, current: dict | None) -> str | None:
    """Write `path` back to its text before install, keeping changes made since install (`current` is the
    file as uninstall found it, None if absent). A file install created goes away once nothing of anyone
    else's is left in it. Returns what was done, None when there was nothing to do."""
    before = _MISSING if record["text"] is None else json.loads(record["text"])
    after = _MISSING if record.get("after") is None else record["after"]
    now = _MISSING if current is None else current
    kept = _undo(now, before, after)
    if kept is _MISSING or (before is _MISSING and kept == {}):
        if not path.exists():
            return None
        path.unlink()
        return f"removed {path} (ctxlean created it)"
    if kept == before:
        if path.exists() and path.read_text() == record["text"]:
            return None
        _write_text(path, record["text"])
        return f"restored {path} to what it was before install"
    write_settings(path, kept)
    return f"restored {path}, keeping the changes made to it since install"


def _undo(current, before, after):
    """The value to keep: before where current is what install left, current where someone changed it."""
    if current == after:
        return before
    if not (isinstance(current, dict) and isinstance(after, dict) and (before is _MISSING or isinstance(before, dict))):
        return current
    base = {} if before is _MISSING else before
    kept = {}
    for key, value in current.items():
        if key not in after:
            kept[key] = value  # added since install
            continue
        value = _undo(value, base.get(key, _MISSING), after[key])
        if value is not _MISSING:
            kept[key] = value
    for key, value in base.items():
        if key not in after and key not in current:
            kept[key] = value  # install removed it
    return _MISSING if before is _MISSING and not kept else kept


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
