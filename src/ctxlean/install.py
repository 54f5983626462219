"""`ctxlean install` / `ctxlean uninstall`: ctxlean into Claude Code, for every project or for one.

    ctxlean install                       user scope: the plugin in every project
    ctxlean install --project             this project, in files a team commits (the plugin)
    ctxlean install --project --no-plugin the hooks and the MCP server without a plugin marketplace
    ctxlean install                       in a project whose committed settings already have ctxlean: what
                                          this machine needs for it (a teammate's one command)

Where each thing goes with --project (committed files hold nothing of this machine):
  .claude/settings.json        commit  enabledPlugins ctxlean@ctxlean (or, --no-plugin, the hooks), the
                                       auto-compaction `env` at the budget, the status line
  .mcp.json                    commit  --no-plugin: the ctxlean MCP server
  .claude/settings.local.json  personal  where the plugin's marketplace is on this machine; --no-plugin:
                                       approval of the .mcp.json server
  <claude config dir>/plugins/data/ctxlean-ctxlean/   launcher (this Python and package), ctxlean-shim,
                                       install-state.json, the payload store
Every command written into settings reaches ctxlean through SHIM (a path relative to the user's Claude
config dir), so the same files work for anyone who ran `ctxlean install` on their machine.

Install uses Claude Code's own commands for the plugin (`claude plugin marketplace add`, `claude plugin
install`), records each settings file before its first change and after, and uninstall puts every one back
to its JSON before install (the same bytes when nobody changed it since; gone when it did not exist),
keeping what anyone else changed in the meantime.
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
    restore,
    save_state,
    scope_key,
    settled,
    snapshot,
    user_settings_path,
    write_settings,
)
from ctxlean.paths import PLUGIN_ID, StoreLocationError, plugin_data_dir, store_location

PLUGIN = "ctxlean@ctxlean"
MARKETPLACE = "ctxlean"
SERVER = "ctxlean"  # the MCP server's name: tools are mcp__ctxlean__* without the plugin
# How every settings entry runs ctxlean: the shim install copies into the data dir, found from the user's
# Claude config dir at run time (the shell expands it), never through a path of this machine.
SHIM = f'sh "${{CLAUDE_CONFIG_DIR:-$HOME/.claude}}/plugins/data/{PLUGIN_ID}/ctxlean-shim"'
PLUGIN_SHIM = 'sh "${CLAUDE_PLUGIN_ROOT}/bin/ctxlean-shim"'  # the same, inside the plugin's own files
HELP = """
reads:  the Claude Code CLI (--claude, $CTXLEAN_CLAUDE, `claude` on PATH, else the one claude-agent-sdk
        bundles); the project's .claude/ctxlean.toml for the budget; the settings files below
writes: user scope: ~/.claude/settings.json (through `claude plugin ...`); --project: .claude/settings.json
        and, --no-plugin, .mcp.json (both for committing), .claude/settings.local.json (personal); always
        ~/.claude/plugins/data/ctxlean-ctxlean/ (launcher, ctxlean-shim, install-state.json)
uninstall puts every settings file back to its JSON before install (removed if install created it).

examples:
  ctxlean install --lean                 every project; also hide the tools your sessions never use
  ctxlean install --project --statusline this project, for the team to commit
  ctxlean install                        a teammate, in a clone whose .claude/settings.json has ctxlean
  ctxlean uninstall --project

exit status: 0 done, 1 a step failed (the message says which), 2 bad arguments or a settings file that
cannot be read."""


class InstallError(RuntimeError):
    pass


class UsageError(ValueError):
    """Bad arguments or an unusable setting (exit 2)."""


def find_claude(explicit: str | None = None) -> str:
    """The Claude Code CLI: --claude, $CTXLEAN_CLAUDE, `claude` on PATH, else the one claude-agent-sdk bundles."""
    for given, where in ((explicit, "--claude"), (os.environ.get("CTXLEAN_CLAUDE"), "CTXLEAN_CLAUDE")):
        if given:
            if not (os.path.isfile(given) and os.access(given, os.X_OK)):
                why = "is not executable" if os.path.isfile(given) else "does not exist"
                raise UsageError(f"{where} {given}: {why}; give the path of the Claude Code CLI (`claude`)")
            return given
    for candidate in (shutil.which("claude"), bundled_claude()):
        if candidate:
            return str(candidate)
    raise InstallError("Claude Code CLI not found: install it, put `claude` on PATH, or pass --claude PATH")


def claude_version(claude: str) -> str:
    """The version `claude --version` prints ("2.1.332"), or why it could not be read."""
    try:
        proc = subprocess.run([claude, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"of unknown version ({exc})"
    words = proc.stdout.split()
    return words[0] if proc.returncode == 0 and words else "of unknown version"


def using_claude(claude: str) -> str:
    """The line install and demo print: which Claude Code they run."""
    return f"using Claude Code {claude_version(claude)} at {claude}"


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
    """Record this interpreter and the dir holding the ctxlean package for the shim, and copy the shim beside
    the record, where every settings entry (SHIM) finds it.

    Also byte-compiles the package: hooks run twice per tool call, and without .pyc files (editable
    installs, PYTHONDONTWRITEBYTECODE) each call would recompile the hook path (~10 ms).
    """
    import compileall

    path = plugin_data_dir() / "launcher"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    package_dir = Path(__file__).resolve().parent
    compileall.compile_dir(str(package_dir), quiet=1)
    path.write_text(f"{sys.executable}\n{package_dir.parent}\n")
    shim = path.with_name("ctxlean-shim")
    shutil.copyfile(marketplace_dir() / "plugin" / "bin" / "ctxlean-shim", shim)
    shim.chmod(0o755)
    return path


def settings_files(scope: str, project: Path) -> list[Path]:
    """Every settings file install may change in a scope: what uninstall puts back."""
    if scope == "user":
        return [user_settings_path()]
    return [project_settings_path(project), project_settings_path(project, local=True), project / ".mcp.json"]


def committed_setup(project: Path) -> str | None:
    """How the project's own .claude/settings.json has ctxlean: "plugin", "no-plugin" (its hooks), or None."""
    try:
        settings = read_settings(project_settings_path(project))
    except SettingsError:
        return None
    enabled = settings.get("enabledPlugins")
    if isinstance(enabled, dict) and enabled.get(PLUGIN) is True:
        return "plugin"
    hooks = settings.get("hooks")
    groups = [g for gs in hooks.values() if isinstance(gs, list) for g in gs] if isinstance(hooks, dict) else []
    return "no-plugin" if any(_ours(g) for g in groups) else None


def _ours(group: object) -> bool:
    """A hook matcher group that ctxlean wrote (its commands run SHIM)."""
    hooks = group.get("hooks") if isinstance(group, dict) else None
    return isinstance(hooks, list) and any(isinstance(h, dict) and str(h.get("command", "")).startswith(SHIM)
                                           for h in hooks)


def set_compaction_env(project: Path) -> str:
    """Make Claude Code compact at the budget: the autocompact variables in the project settings' `env`."""
    budget_tokens = config.load(str(project)).context_budget_tokens
    wanted = autocompact_env(budget_tokens)
    path = project_settings_path(project)
    settings = read_settings(path)
    env = settings.setdefault("env", {})
    if not isinstance(env, dict):
        raise SettingsError(f"{path}: env is not a JSON object")
    for name in AUTOCOMPACT_VARS:
        if name in wanted:
            env[name] = wanted[name]
        else:
            env.pop(name, None)
    if not env:
        del settings["env"]
    write_settings(path, settings)
    return f"auto-compaction at the {budget_tokens:,}-token budget set in {path} ({', '.join(wanted)})"


def set_statusline(scope: str, project: Path, done: dict) -> str:
    """Add ctxlean's status line to the scope's settings, unless the user already has one of their own."""
    from ctxlean.usage.statusline import statusline_settings

    path = user_settings_path() if scope == "user" else project_settings_path(project)
    settings = read_settings(path)
    wanted = statusline_settings(f"{SHIM} statusline")
    if "statusLine" in settings and settings["statusLine"] != wanted["statusLine"] and not done.get("statusline"):
        return f"status line left as it is: {path} already has one"
    settings.update(wanted)
    write_settings(path, settings)
    done["statusline"] = True
    return f"status line enabled in {path}"


def plugin_hooks() -> dict:
    """The plugin's hooks (plugin/hooks/hooks.json), each command running SHIM instead of the plugin's copy."""
    hooks = json.loads((marketplace_dir() / "plugin" / "hooks" / "hooks.json").read_text())["hooks"]
    for groups in hooks.values():
        for group in groups:
            for hook in group["hooks"]:
                hook["command"] = hook["command"].replace(PLUGIN_SHIM, SHIM)
    return hooks


def set_hooks(project: Path) -> str:
    """The plugin's hooks in the project's settings.json (replacing ours from an earlier install)."""
    path = project_settings_path(project)
    settings = read_settings(path)
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise SettingsError(f"{path}: hooks is not a JSON object")
    for event, groups in plugin_hooks().items():
        present = hooks.get(event, [])
        if not isinstance(present, list):
            raise SettingsError(f"{path}: hooks.{event} is not a JSON array")
        hooks[event] = [g for g in present if not _ours(g)] + groups
    write_settings(path, settings)
    return f"hooks for {', '.join(plugin_hooks())} written to {path}"


def set_mcp_server(project: Path) -> list[str]:
    """The MCP server in the project's .mcp.json, and this user's approval of it in settings.local.json."""
    path = project / ".mcp.json"
    servers_file = read_settings(path)
    servers = servers_file.setdefault("mcpServers", {})
    wanted = json.loads((marketplace_dir() / "plugin" / ".mcp.json").read_text())["mcpServers"][SERVER]
    wanted = {**wanted, "args": ["-c", f"exec {SHIM} mcp"]}
    if not isinstance(servers, dict) or servers.get(SERVER, wanted) != wanted:
        raise InstallError(f"{path} already has an MCP server named {SERVER!r} that is not ctxlean's")
    servers[SERVER] = wanted
    write_settings(path, servers_file)
    local = project_settings_path(project, local=True)
    settings = read_settings(local)
    approved = settings.setdefault("enabledMcpjsonServers", [])
    if isinstance(approved, list) and SERVER not in approved:
        approved.append(SERVER)
        write_settings(local, settings)
    return [f"MCP server {SERVER!r} written to {path}", f"its use approved for you in {local}"]


def install_plugin(scope: str, project: Path, claude: str, done: dict) -> list[str]:
    """`claude plugin marketplace add` (this machine's path: user settings, or the project's local file) and
    `claude plugin install` (user settings, or the project's committed enabledPlugins)."""
    where = "user" if scope == "user" else "local"
    added = _claude(claude, "marketplace", "add", str(marketplace_dir()), "--scope", where, cwd=project)
    if added.get("outcome") != "ok":
        raise InstallError(f"claude plugin marketplace add failed: {added.get('message')}")
    done.setdefault("marketplace_added", where if "already" not in added.get("message", "") else None)
    installed = _claude(claude, "install", PLUGIN, "--scope", scope, cwd=project)
    if installed.get("outcome") != "ok":
        raise InstallError(f"claude plugin install failed: {installed.get('message')}")
    done.setdefault("plugin_installed", "already installed" not in installed.get("message", ""))
    return [added["message"], installed["message"]]


def install(scope: str, project: Path, claude: str, statusline: bool = False, plugin: bool = True,
            lean: bool = False) -> list[str]:
    key = scope_key(scope, project)
    files = settings_files(scope, project)
    for path in files:
        read_settings(path)  # a file that is not JSON is the user's to fix before anything changes
    state = load_state()
    done = state.get(key, {})
    records = done.setdefault("files", {})
    for path in files:
        records.setdefault(str(path), snapshot(path))  # the first install's "before" is the one to restore
    if scope == "project" and not (project / ".claude").exists():
        done.setdefault("created_dir", str(project / ".claude"))
    messages = [using_claude(claude)]
    try:
        if plugin:
            messages += install_plugin(scope, project, claude, done)
        else:
            messages += [set_hooks(project), *set_mcp_server(project)]
        done["mode"] = "plugin" if plugin else "no-plugin"
        messages.append(f"ctxlean launcher recorded in {write_launcher()}")
        if scope == "project":
            messages.append(set_compaction_env(project))
        if statusline:
            messages.append(set_statusline(scope, project, done))
    finally:  # what was done so far must be recorded, or uninstall could not undo it
        state[key] = done
        save_state(state)
        settle(key, files)
    if lean:
        from ctxlean.lean.command import run

        try:
            messages += run(scope, project, apply=True)
        finally:
            settle(key, files)
    return messages


def settle(key: str, files: list[Path]) -> None:
    """Record the files as install (and lean --apply) left them: uninstall compares with this. A file whose
    JSON did not change keeps its bytes (`claude plugin install` reorders keys even when they were all
    there): a teammate's install leaves the committed files as they are."""
    state = load_state()
    for path in files:
        record = state[key]["files"][str(path)]
        record["after"] = settled(path)
        if record["text"] is not None and record["after"] == json.loads(record["text"]):
            restore(path, record, record["after"])
    save_state(state)


def uninstall(scope: str, project: Path, claude: str) -> list[str]:
    key = scope_key(scope, project)
    state = load_state()
    done = state.get(key)
    if done is None:
        return [f"ctxlean was not installed by `ctxlean install` in {key} scope; nothing to undo"]
    messages = []
    if done.get("lean"):
        from ctxlean.lean.hiding import remove_hidden

        messages.extend(remove_hidden(done["lean"]))  # also what a later `lean --apply` added
    records = done.get("files", {})
    as_found = {path: settled(Path(path)) for path in records}  # before Claude Code's commands change them
    if done.get("plugin_installed"):
        # --keep-data: the payload store lives in the plugin's data dir; handles in old sessions stay valid.
        result = _claude(claude, "uninstall", PLUGIN, "--scope", scope, "--keep-data", cwd=project)
        messages.append(result.get("message", ""))
    if done.get("marketplace_added"):
        result = _claude(claude, "marketplace", "remove", MARKETPLACE, "--scope", done["marketplace_added"],
                         cwd=project)
        messages.append(result.get("message", ""))
    for path, record in records.items():
        if message := restore(Path(path), record, as_found[path]):
            messages.append(message)
    created = done.get("created_dir")
    if created and os.path.isdir(created) and not os.listdir(created):
        os.rmdir(created)
        messages.append(f"removed {created} (ctxlean created it)")
    state = load_state()
    state.pop(key, None)
    save_state(state)
    if not state:
        for name in ("launcher", "ctxlean-shim"):
            (plugin_data_dir() / name).unlink(missing_ok=True)
    messages.append(f"payload store kept in {_store_shown()} (delete it to remove stored outputs)")
    return messages


def _store_shown() -> str:
    try:
        return store_location().shown()
    except StoreLocationError as exc:
        return f"the configured store ({exc})"


def main(argv: list[str]) -> int:
    command = argv[0]
    parser = argparse.ArgumentParser(prog=f"ctxlean {command}", description=__doc__.splitlines()[0],
                                     epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--project", action="store_true",
                       help="this project: .claude/settings.json (to commit) instead of your user settings")
    scope.add_argument("--user", action="store_true",
                       help="your user settings, also in a project whose settings already have ctxlean")
    parser.add_argument("--claude", help="path of the Claude Code CLI (default: claude on PATH, else bundled)")
    if command == "install":
        parser.add_argument("--no-plugin", action="store_true",
                            help="with --project: the hooks into .claude/settings.json and the MCP server into "
                                 ".mcp.json, for setups that allow no plugin marketplaces")
        parser.add_argument("--statusline", action="store_true",
                            help="also show ctxlean's status line (context/budget, cache hits, cost, saved)")
        parser.add_argument("--lean", action="store_true",
                            help="then run `ctxlean lean --apply`: hide the tools and skill descriptions "
                                 "your sessions of the last 30 days never used")
    args = parser.parse_args(argv[1:])
    project = Path.cwd()
    scope_name = "project" if args.project else "user"
    plugin = not getattr(args, "no_plugin", False)
    try:
        if not plugin and not args.project:
            raise UsageError("--no-plugin works with --project (hooks and MCP server in the project's files)")
        chosen = args.project or args.user
        if command == "install" and not chosen and (setup := committed_setup(project)):
            scope_name, plugin = "project", setup == "plugin"
            print(f"{project_settings_path(project)} has ctxlean ({setup}): setting it up for this project on "
                  "this machine (--user installs it for every project instead)")
        if command == "uninstall" and not chosen and "user" not in (state := load_state()) \
                and scope_key("project", project) in state:
            scope_name = "project"  # what a plain `ctxlean install` did here
        claude = find_claude(args.claude)
        if command == "install":
            messages = install(scope_name, project, claude, statusline=args.statusline, plugin=plugin,
                               lean=args.lean)
        else:
            messages = uninstall(scope_name, project, claude)
        for message in messages:
            print(message)
    except (UsageError, SettingsError, config.ConfigError) as exc:
        print(f"ctxlean {command}: {exc}", file=sys.stderr)
        return 2
    except (InstallError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"ctxlean {command}: {exc}", file=sys.stderr)
        return 1
    return 0
