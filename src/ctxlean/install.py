"""`ctxlean install` / `ctxlean uninstall`: the plugin, installed with Claude Code's own commands.

Install registers this package's marketplace (`claude plugin marketplace add`), installs the plugin
(`claude plugin install ctxlean@ctxlean`, user or project scope), and records the absolute path of this
Python and package in the plugin's data dir, where the plugin's shim finds them even when Claude Code runs
without the virtualenv activated. With --project it also sets the project's Claude Code settings (`env` in
.claude/settings.json) so that auto-compaction fires at the configured context budget; with --lean it then
runs `ctxlean lean --apply`. Everything install changed is recorded, and uninstall undoes exactly that
(including what `ctxlean lean --apply` added in that scope).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ctxlean import config
from ctxlean.budget import AUTOCOMPACT_VARS, autocompact_env
from ctxlean.claude_settings import (
    SettingsError,
    load_state,
    project_settings_path,
    read_settings,
    save_state,
    scope_key,
    user_settings_path,
    write_settings,
)
from ctxlean.paths import plugin_data_dir

PLUGIN = "ctxlean@ctxlean"
MARKETPLACE = "ctxlean"


class InstallError(RuntimeError):
    pass


def find_claude(explicit: str | None = None) -> str:
    """The Claude Code CLI: --claude, $CTXLEAN_CLAUDE, `claude` on PATH, else the one claude-agent-sdk bundles."""
    for candidate in (explicit, os.environ.get("CTXLEAN_CLAUDE"), shutil.which("claude"), bundled_claude()):
        if candidate:
            return str(candidate)
    raise InstallError("Claude Code CLI not found: install it, put `claude` on PATH, or pass --claude PATH")


def bundled_claude() -> Path | None:
    """The Claude Code CLI that claude-agent-sdk bundles, if that package is installed."""
    spec = importlib.util.find_spec("claude_agent_sdk")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "_bundled" / "claude"
        if bundled.exists():
            return bundled
    return None


def marketplace_dir() -> Path:
    """The repo root in a source checkout, else the copy of plugin/ and .claude-plugin/ inside the wheel."""
    package = Path(__file__).resolve().parent
    for root in (package.parents[1], package / "_bundle"):
        if (root / ".claude-plugin" / "marketplace.json").is_file():
            return root
    raise InstallError(f"plugin files not found next to {package} (broken installation?)")


def _claude(claude: str, *args: str, cwd: Path) -> dict:
    env = {**os.environ, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
    proc = subprocess.run([claude, "plugin", *args, "--json"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        result = {"outcome": "failed", "message": (proc.stderr or proc.stdout).strip()[:500]}
    result["rc"] = proc.returncode
    return result


def write_launcher() -> Path:
    """Record this interpreter and the dir holding the ctxlean package for the plugin's shim.

    Also byte-compiles the package: hooks run twice per tool call, and without .pyc files (editable
    installs, PYTHONDONTWRITEBYTECODE) each call would recompile the hook path (~10 ms).
    """
    import compileall

    path = plugin_data_dir() / "launcher"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    package_dir = Path(__file__).resolve().parent
    compileall.compile_dir(str(package_dir), quiet=1)
    path.write_text(f"{sys.executable}\n{package_dir.parent}\n")
    return path


def set_compaction_env(project: Path, done: dict) -> str:
    """Make Claude Code compact at the budget: write the autocompact variables into the project's settings
    `env`, recording in `done` the values found before the first install so uninstall can put them back."""
    budget_tokens = config.load(str(project)).context_budget_tokens
    wanted = autocompact_env(budget_tokens)
    path = project_settings_path(project)
    settings = read_settings(path)
    env = settings.setdefault("env", {})
    record = done.setdefault("settings_env", {"path": str(path), "previous": {}, "written": {}})
    for name in AUTOCOMPACT_VARS:
        record["previous"].setdefault(name, env.get(name))
        if name in wanted:
            env[name] = wanted[name]
        else:
            env.pop(name, None)
        record["written"][name] = wanted.get(name)
    write_settings(path, settings)
    return f"auto-compaction at the {budget_tokens:,}-token budget set in {path} ({', '.join(wanted)})"


def restore_compaction_env(record: dict) -> str:
    """Put back the settings values install replaced, unless someone changed them since."""
    path = Path(record["path"])
    settings = read_settings(path)
    env = settings.get("env") if isinstance(settings.get("env"), dict) else {}
    kept = []
    for name, written in record["written"].items():
        if env.get(name) != written:
            kept.append(name)  # changed after install: the new value is someone's choice, leave it
            continue
        previous = record["previous"].get(name)
        if previous is None:
            env.pop(name, None)
        else:
            env[name] = previous
    if "env" in settings and not env:
        del settings["env"]
    write_settings(path, settings)
    note = f" (left {', '.join(kept)}: changed since install)" if kept else ""
    return f"auto-compaction settings restored in {path}{note}"


def set_statusline(scope: str, project: Path, done: dict) -> str:
    """Add ctxlean's status line to the scope's settings, unless the user already has one of their own."""
    import shlex

    from ctxlean.usage.statusline import statusline_settings

    path = user_settings_path() if scope == "user" else project_settings_path(project)
    settings = read_settings(path)
    if "statusLine" in settings and "statusline" not in done:
        return f"status line left as it is: {path} already has one"
    shim = marketplace_dir() / "plugin" / "bin" / "ctxlean-shim"
    settings.update(statusline_settings(f"sh {shlex.quote(str(shim))} statusline"))
    write_settings(path, settings)
    done["statusline"] = {"path": str(path), "written": settings["statusLine"]}
    return f"status line enabled in {path}"


def remove_statusline(record: dict) -> str:
    path = Path(record["path"])
    settings = read_settings(path)
    if settings.get("statusLine") != record["written"]:
        return f"status line in {path} left as it is (changed since install)"
    del settings["statusLine"]
    write_settings(path, settings)
    return f"status line removed from {path}"


def install(scope: str, project: Path, claude: str, statusline: bool = False) -> list[str]:
    key = scope_key(scope, project)
    state = load_state()
    done = state.get(key, {})
    added = _claude(claude, "marketplace", "add", str(marketplace_dir()), "--scope", scope, cwd=project)
    if added.get("outcome") != "ok":
        raise InstallError(f"claude plugin marketplace add failed: {added.get('message')}")
    done.setdefault("marketplace_added", "already" not in added.get("message", ""))
    installed = _claude(claude, "install", PLUGIN, "--scope", scope, cwd=project)
    if installed.get("outcome") != "ok":
        raise InstallError(f"claude plugin install failed: {installed.get('message')}")
    done.setdefault("plugin_installed", "already installed" not in installed.get("message", ""))
    launcher = write_launcher()
    messages = [added["message"], installed["message"], f"ctxlean launcher recorded in {launcher}"]
    try:
        if scope == "project":
            messages.append(set_compaction_env(project, done))
        if statusline:
            messages.append(set_statusline(scope, project, done))
    finally:  # what was done so far must be recorded, or uninstall could not undo it
        state[key] = done
        save_state(state)
    return messages


def uninstall(scope: str, project: Path, claude: str) -> list[str]:
    key = scope_key(scope, project)
    state = load_state()
    done = state.pop(key, None)
    if done is None:
        return [f"ctxlean was not installed by `ctxlean install` in {key} scope; nothing to undo"]
    messages = []
    if done.get("lean"):
        from ctxlean.lean.hiding import remove_hidden

        messages.extend(remove_hidden(done["lean"]))
    if done.get("settings_env"):
        messages.append(restore_compaction_env(done["settings_env"]))
    if done.get("statusline"):
        messages.append(remove_statusline(done["statusline"]))
    if done.get("plugin_installed"):
        # --keep-data: the payload store lives in the plugin's data dir; handles in old sessions stay valid.
        result = _claude(claude, "uninstall", PLUGIN, "--scope", scope, "--keep-data", cwd=project)
        messages.append(result.get("message", ""))
    if done.get("marketplace_added"):
        result = _claude(claude, "marketplace", "remove", MARKETPLACE, "--scope", scope, cwd=project)
        messages.append(result.get("message", ""))
    save_state(state)
    if not state:
        (plugin_data_dir() / "launcher").unlink(missing_ok=True)
    messages.append(f"payload store kept in {plugin_data_dir()} (delete it to remove stored outputs)")
    return messages


def main(argv: list[str]) -> int:
    command = argv[0]
    parser = argparse.ArgumentParser(prog=f"ctxlean {command}", description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="store_true",
                        help="project scope: this project's .claude/settings.json instead of your user settings")
    parser.add_argument("--claude", help="path of the Claude Code CLI (default: claude on PATH, else bundled)")
    if command == "install":
        parser.add_argument("--statusline", action="store_true",
                            help="also show ctxlean's status line (context/budget, cache hits, cost, saved)")
        parser.add_argument("--lean", action="store_true",
                            help="then run `ctxlean lean --apply`: hide the tools and skill descriptions "
                                 "your sessions of the last 30 days never used")
    args = parser.parse_args(argv[1:])
    scope = "project" if args.project else "user"
    try:
        claude = find_claude(args.claude)
        if command == "install":
            messages = install(scope, Path.cwd(), claude, statusline=args.statusline)
            if args.lean:
                from ctxlean.lean.command import run

                messages += run(scope, Path.cwd(), apply=True)
        else:
            messages = uninstall(scope, Path.cwd(), claude)
        for message in messages:
            print(message)
    except (InstallError, SettingsError, config.ConfigError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"ctxlean {command}: {exc}", file=sys.stderr)
        return 1
    return 0
