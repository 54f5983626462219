"""Hide unused optional tools and skill descriptions in Claude Code's settings, and take that back.

A tool is hidden by a `permissions.deny` rule with its bare name: Claude Code then leaves its definition
out of every request. A skill's description is hidden by `skillOverrides: {name: "name-only"}`: the
listing keeps its name, so the model can still invoke it and the user can still type /name. What was
added is recorded in ctxlean's install state (key "lean" of the scope), and undo removes exactly that,
leaving any entry the user added or changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctxlean.claude_settings import (
    SettingsError,
    load_state,
    permissions_of,
    project_settings_path,
    read_settings,
    save_state,
    scope_key,
    user_settings_path,
    write_settings,
)
from ctxlean.lean.catalog import TOOL, Catalog, Item
from ctxlean.lean.uses import Uses

NAME_ONLY = "name-only"
UNDO_HINT = "undo with `ctxlean lean --undo{flag}` (or `ctxlean uninstall{flag}`)"

# What --apply does with an item
HIDE = "hide"
KEEP = "keep: used"
HIDDEN = "hidden by ctxlean"
YOURS = "left: your setting"
SHOW = "show again: used"  # hidden by ctxlean earlier, used since (a skill stays invocable by name)


@dataclass(frozen=True)
class Decision:
    item: Item
    uses: int
    action: str


def settings_path(scope: str, project: Path) -> Path:
    """User scope: ~/.claude/settings.json; project scope: the project's personal settings.local.json."""
    return user_settings_path() if scope == "user" else project_settings_path(project, local=True)


def _record(scope: str, project: Path) -> dict | None:
    return load_state().get(scope_key(scope, project), {}).get("lean")


def _deny(settings: dict) -> list:
    deny = permissions_of(settings).get("deny")
    return deny if isinstance(deny, list) else []


def _overrides(settings: dict) -> dict:
    overrides = settings.get("skillOverrides")
    return overrides if isinstance(overrides, dict) else {}


def decide(catalog: Catalog, uses: Uses, scope: str, project: Path) -> list[Decision]:
    """What --apply would do with each item, given its uses in the window and the scope's settings."""
    settings = read_settings(settings_path(scope, project))
    record = _record(scope, project) or {}
    deny, overrides = _deny(settings), _overrides(settings)
    ours_tools, ours_skills = set(record.get("deny", ())), set(record.get("skill_overrides", ()))
    decisions = []
    for item in catalog.items:
        n = uses.of(item.kind, item.name)
        if item.kind == TOOL:
            set_now, ours = item.name in deny, item.name in ours_tools
        else:
            set_now, ours = item.name in overrides, item.name in ours_skills and overrides.get(item.name) == NAME_ONLY
        if set_now:
            action = (SHOW if n else HIDDEN) if ours else YOURS
        else:
            action = KEEP if n else HIDE
        decisions.append(Decision(item, n, action))
    return decisions


def _container(settings: dict, key: str, kind: type, created: list[str], label: str):
    value = settings.get(key)
    if value is None:
        value = settings[key] = kind()
        if label not in created:
            created.append(label)
    if not isinstance(value, kind):
        raise SettingsError(f"{label} in the settings is not a JSON {'object' if kind is dict else 'array'}")
    return value


def apply(decisions: list[Decision], scope: str, project: Path) -> list[str]:
    """Hide the items marked HIDE and show again those marked SHOW; record it. One message per change."""
    path = settings_path(scope, project)
    settings = read_settings(path)
    state = load_state()
    done = state.setdefault(scope_key(scope, project), {})
    record = done.get("lean") or {"path": str(path), "deny": [], "skill_overrides": [], "created": []}
    created = record["created"]
    messages = []
    hide = [d.item for d in decisions if d.action == HIDE]
    for item in hide:
        if item.kind == TOOL:
            permissions = _container(settings, "permissions", dict, created, "permissions")
            _container(permissions, "deny", list, created, "permissions.deny").append(item.name)
            record["deny"].append(item.name)
            messages.append(f"hid tool {item.name} (~{item.tokens:,} tokens/request): "
                            f"added {item.name!r} to permissions.deny in {path}")
        else:
            _container(settings, "skillOverrides", dict, created, "skillOverrides")[item.name] = NAME_ONLY
            record["skill_overrides"].append(item.name)
            messages.append(f"hid the description of skill {item.name} (~{item.tokens:,} tokens/request): "
                            f"skillOverrides.{item.name} = {NAME_ONLY!r} in {path}")
    if hide:
        write_settings(path, settings)
        done["lean"] = record
        save_state(state)
    show = {d.item.name for d in decisions if d.action == SHOW}
    if show:
        messages += undo(scope, project, only=show)
    return messages


def undo(scope: str, project: Path, only: set[str] | None = None) -> list[str]:
    """Remove what --apply added in this scope (all of it, or the items named in `only`)."""
    state = load_state()
    key = scope_key(scope, project)
    record = state.get(key, {}).get("lean")
    if not record:
        return [f"ctxlean lean --apply hid nothing in {key} scope; nothing to undo"]
    messages = remove_hidden(record, only)
    if not record["deny"] and not record["skill_overrides"]:
        del state[key]["lean"]
        if not state[key]:
            del state[key]
    save_state(state)
    return messages


def remove_hidden(record: dict, only: set[str] | None = None) -> list[str]:
    """Take out of the settings file the entries in `record` (updated in place): deny rules still there,
    skill overrides still "name-only"; anything the user changed since stays as it is."""
    path = Path(record["path"])
    settings = read_settings(path)
    deny, overrides = _deny(settings), _overrides(settings)
    messages = []
    for name in [n for n in record["deny"] if only is None or n in only]:
        record["deny"].remove(name)
        if name in deny:
            deny.remove(name)
            messages.append(f"tool {name} shown again: removed {name!r} from permissions.deny in {path}")
        else:
            messages.append(f"tool {name}: no deny rule left to remove in {path} (removed since)")
    for name in [n for n in record["skill_overrides"] if only is None or n in only]:
        record["skill_overrides"].remove(name)
        if overrides.get(name) == NAME_ONLY:
            del overrides[name]
            messages.append(f"skill {name} described again: removed skillOverrides.{name} from {path}")
        else:
            messages.append(f"skill {name}: skillOverrides.{name} left as it is in {path} (changed since)")
    _drop_if_emptied(settings, record["created"])
    write_settings(path, settings)
    return messages


def _drop_if_emptied(settings: dict, created: list[str]) -> None:
    """Remove the containers --apply created once they are empty again (innermost first)."""
    permissions = permissions_of(settings)
    if "permissions.deny" in created and permissions.get("deny") == []:
        del permissions["deny"]
        created.remove("permissions.deny")
    for key in ("permissions", "skillOverrides"):
        if key in created and settings.get(key) == {}:
            del settings[key]
            created.remove(key)


def undo_hint(scope: str) -> str:
    return UNDO_HINT.format(flag=" --project" if scope == "project" else "")
