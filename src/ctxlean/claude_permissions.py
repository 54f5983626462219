"""Claude Code's permission rules, read the way ctxlean needs them: would Claude Code run this call without
asking anyone?

ctxlean answers some calls itself in PreToolUse (a WebFetch, see ctxlean.web_fetch), which runs before
Claude Code checks its rules; it does so only where Claude Code would have run the call anyway, so a rule
that denies a domain or asks first is never stepped around. Rules come from the settings files Claude
Code reads (managed, user, project, local) and from the flags the running Claude Code was started with
(`--settings`, `--disallowedTools`, `--allowedTools`, `--setting-sources`: the Agent SDK passes its
options this way), read from /proc; where /proc cannot be read, ctxlean cannot see those flags and so
never answers for Claude Code. A file that cannot be read counts as having no rules, and a rule ctxlean
does not understand makes it leave the call to Claude Code.
"""

from __future__ import annotations

import fnmatch
import json
import os

from ctxlean.claude_settings import permissions_of, project_settings_path, user_settings_path
from ctxlean.safe_open import open_regular

MANAGED_SETTINGS = "/etc/claude-code/managed-settings.json"
PROC = "/proc"
FLAGS = ("--settings", "--disallowedTools", "--disallowed-tools", "--allowedTools", "--allowed-tools",
         "--setting-sources")
MAX_ANCESTORS = 12  # hook -> shim -> sh -> ... -> claude


def _ancestor_args(pid: int) -> list[str] | None:
    """The command line of the nearest ancestor started with Claude Code's settings flags, [] when no
    ancestor was, None when /proc cannot tell."""
    for _ in range(MAX_ANCESTORS):
        try:
            with open(f"{PROC}/{pid}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            with open(f"{PROC}/{pid}/cmdline", "rb") as fh:
                args = fh.read().decode("utf-8", "replace").split("\0")
        except (OSError, ValueError, IndexError):
            return None
        if any(arg.split("=", 1)[0] in FLAGS for arg in args):
            return args
        if ppid <= 1:
            return []
        pid = ppid
    return []


def _flag_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    values = []
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names:
            values.append(value if eq else (args[i + 1] if i + 1 < len(args) else ""))
    return values


def _tool_list(values: list[str]) -> list[str]:
    """Rules from --allowedTools / --disallowedTools values (comma or space separated, rules may hold both)."""
    import re

    return [rule for value in values for rule in re.findall(r"[\w.-]+(?:\([^)]*\))?", value)]


def settings_files(cwd: str | None, sources: tuple[str, ...] = ("user", "project", "local")) -> list[str]:
    """The settings files Claude Code merges for a session started in `cwd`, most general first."""
    from pathlib import Path

    files = [MANAGED_SETTINGS]
    if "user" in sources:
        files.append(str(user_settings_path()))
    project = os.environ.get("CLAUDE_PROJECT_DIR") or cwd
    for source, local in (("project", False), ("local", True)):
        if project and source in sources:
            files.append(str(project_settings_path(Path(project), local)))
    return files


def rules(cwd: str | None, launch_args: list[str]) -> dict[str, list[str]]:
    """{"allow": [...], "deny": [...], "ask": [...]}: every permission rule in the settings files and
    the launch flags of the session."""
    sources = _flag_values(launch_args, ("--setting-sources",))
    found: dict[str, list[str]] = {"allow": [], "deny": [], "ask": []}
    everything = []
    for path in settings_files(cwd, tuple(sources[-1].split(",")) if sources else ("user", "project", "local")):
        try:
            with open_regular(path) as fh:
                everything.append(permissions_of(json.load(fh)))
        except (OSError, ValueError):
            continue
    for value in _flag_values(launch_args, ("--settings",)):
        try:
            if value.lstrip().startswith("{"):
                everything.append(permissions_of(json.loads(value)))
            else:
                with open_regular(value) as fh:
                    everything.append(permissions_of(json.load(fh)))
        except (OSError, ValueError):
            everything.append({"deny": ["*"]})  # settings ctxlean cannot read may deny anything
    everything.append({"deny": _tool_list(_flag_values(launch_args, ("--disallowedTools", "--disallowed-tools"))),
                       "allow": _tool_list(_flag_values(launch_args, ("--allowedTools", "--allowed-tools")))})
    for permissions in everything:
        for kind, listed in found.items():
            value = permissions.get(kind)
            if isinstance(value, list):
                listed.extend(rule for rule in value if isinstance(rule, str))
    return found


def _matches(rule: str, tool: str, host: str) -> bool | None:
    """Whether a rule covers `tool` on `host`; None for a rule on this tool that ctxlean cannot read."""
    rule = rule.strip()
    if rule in (tool, "*"):
        return True
    if not rule.startswith(tool + "(") or not rule.endswith(")"):
        return False
    spec = rule[len(tool) + 1:-1].strip()
    if spec == "*":
        return True
    if spec.startswith("domain:"):
        pattern = spec[len("domain:"):].strip().lower()
        return host == pattern or fnmatch.fnmatchcase(host, pattern)
    return None


def runs_unasked(tool: str, host: str, permission_mode: str | None, cwd: str | None) -> bool:
    """True when Claude Code would run `tool` on `host` without asking: no deny or ask rule covers it (or
    might), and the session bypasses permissions or an allow rule covers it."""
    host = host.lower()
    launch_args = _ancestor_args(os.getpid())
    if launch_args is None:
        return False
    found = rules(cwd, launch_args)
    if any(_matches(rule, tool, host) is not False for rule in found["deny"] + found["ask"]):
        return False
    return permission_mode == "bypassPermissions" or any(_matches(rule, tool, host) for rule in found["allow"])
