"""Where ctxlean keeps its data, and which project a hook call belongs to.

pathlib is imported inside the functions: it costs every hook call several ms, and the pass-through path
needs only project_of().
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself is a costly import on the hook path
if TYPE_CHECKING:
    from pathlib import Path

PLUGIN_ID = "ctxlean-ctxlean"  # <plugin>-<marketplace>: the name Claude Code gives the plugin's data dir
# How ctxlean's MCP tools are named: mcp__plugin_<plugin>_<server>__<tool> when Claude Code runs the plugin,
# mcp__<server>__<tool> for the Agent SDK's in-process server (ctxlean.sdk).
PLUGIN_TOOL_PREFIX = "mcp__plugin_ctxlean_ctxlean__"
SDK_TOOL_PREFIX = "mcp__ctxlean__"
# ctxlean's own tools: their answers are already bounded slices of stored payloads; offloading them again
# would hide exactly what the model asked for.
OWN_TOOL_PREFIXES = (PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX)


def claude_config_dir() -> Path:
    from pathlib import Path

    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")


def plugin_data_dir() -> Path:
    """The per-plugin persistent dir Claude Code passes to hooks as CLAUDE_PLUGIN_DATA."""
    from pathlib import Path

    return Path(os.environ.get("CLAUDE_PLUGIN_DATA") or claude_config_dir() / "plugins" / "data" / PLUGIN_ID)


STORE_URL_SCHEMES = ("postgresql://", "postgres://")


def store_url() -> str | None:
    """The PostgreSQL URL of a shared store, when CTXLEAN_STORE (else `store` in the user config) is one;
    None for the local SQLite store. The one place that tells a URL from a directory."""
    value = os.environ.get("CTXLEAN_STORE")
    if not value:
        from ctxlean import config

        value = config.load().store
    return value if value.startswith(STORE_URL_SCHEMES) else None


def data_dir() -> Path:
    """CTXLEAN_STORE (a directory), else Claude Code's plugin data dir when running as the plugin, else XDG
    data. With a PostgreSQL store the local files (error log, captures) still live here."""
    from pathlib import Path

    if os.environ.get("CTXLEAN_STORE") and not os.environ["CTXLEAN_STORE"].startswith(STORE_URL_SCHEMES):
        return Path(os.environ["CTXLEAN_STORE"])
    if os.environ.get("CLAUDE_PLUGIN_DATA"):
        return Path(os.environ["CLAUDE_PLUGIN_DATA"])
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "ctxlean"


def store_path() -> Path:
    return data_dir() / "store.sqlite3"


def capture_dir() -> Path:
    """Where failing Bash commands' whole outputs wait for PostToolUseFailure (ctxlean.capture)."""
    return data_dir() / "captures"


def error_log_path() -> Path:
    return data_dir() / "errors.log"


def project_of(cwd: str | None = None) -> str:
    """The project a call belongs to: Claude Code's project dir, else the given cwd, else ours."""
    root = os.environ.get("CLAUDE_PROJECT_DIR") or cwd or os.getcwd()
    return os.path.realpath(root)
