"""Where ctxlean keeps its data, and which project a hook call belongs to.

ONE store location for every entry point (the plugin's hooks and MCP server, every command, the Agent SDK
integration), whether or not Claude Code's environment is present: `store_location()` decides it, here
and nowhere else.

    store_location() -> StoreLocation      the payload store: a SQLite file, or a database URL
    data_dir() -> Path                     the local dir for errors.log, captures, batch jobs (always a dir)
    store_path() -> Path                   the SQLite file (StoreLocationError for a URL store)
    StoreLocationError                     a setting that cannot be used; the message names it and the fix

The setting is `$CTXLEAN_STORE`, else `store = "..."` in the user config (~/.config/ctxlean/config.toml;
a project's own file cannot move the store), else the default: Claude Code's per-plugin data dir,
`<claude config dir>/plugins/data/ctxlean-ctxlean` (what Claude Code passes its hooks as
CLAUDE_PLUGIN_DATA, computed here the same way so that a terminal, the SDK and a no-plugin install find
the same file). A value is either
  - an absolute directory (`~` allowed): the SQLite store is `<dir>/store.sqlite3`; or
  - a `postgresql://` (or `postgres://`) URL: kind "postgresql", for the PostgreSQL backend
    (`ctxlean[postgres]`; `ctxlean.store.open_store` says so when it is missing).
Anything else (a relative path, an existing file, another URL scheme) is a StoreLocationError: never a
folder created where nobody looks.

pathlib is imported inside the functions: it costs every hook call several ms, and the pass-through path
needs only project_of().
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself is a costly import on the hook path
if TYPE_CHECKING:
    from pathlib import Path

PLUGIN_ID = "ctxlean-ctxlean"  # <plugin>-<marketplace>: the name Claude Code gives the plugin's data dir
STORE_ENV = "CTXLEAN_STORE"
STORE_FILE = "store.sqlite3"
POSTGRES_SCHEMES = ("postgresql", "postgres")
# How ctxlean's MCP tools are named: mcp__plugin_<plugin>_<server>__<tool> when Claude Code runs the plugin,
# mcp__<server>__<tool> for the Agent SDK's in-process server (ctxlean.sdk) and for a no-plugin install's
# .mcp.json server.
PLUGIN_TOOL_PREFIX = "mcp__plugin_ctxlean_ctxlean__"
SDK_TOOL_PREFIX = "mcp__ctxlean__"
# ctxlean's own tools: their answers are already bounded slices of stored payloads; offloading them again
# would hide exactly what the model asked for.
OWN_TOOL_PREFIXES = (PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX)


class StoreLocationError(ValueError):
    """A store setting that cannot be used; the message names the setting, its value and the fix."""


class StoreLocation:
    """Where the payload store is. `kind` is "sqlite" (then `path` is the database file) or "postgresql"
    (then `url` is the connection URL); `source` says where the setting came from, for messages."""

    __slots__ = ("kind", "path", "url", "source")

    def __init__(self, kind: str, source: str, path: Path | None = None, url: str | None = None):
        self.kind, self.source, self.path, self.url = kind, source, path, url

    def shown(self) -> str:
        """The location for messages: the file, or the URL with any password masked."""
        return str(self.path) if self.url is None else masked_url(self.url)

    def __repr__(self) -> str:
        return f"StoreLocation({self.kind}, {self.shown()}, from {self.source})"


def masked_url(url: str) -> str:
    """url with the password of any user:password@ part replaced by ***, for messages and logs."""
    import re

    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def claude_config_dir() -> Path:
    from pathlib import Path

    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")


def plugin_data_dir() -> Path:
    """Claude Code's per-plugin persistent dir for ctxlean (what it passes its hooks as CLAUDE_PLUGIN_DATA),
    derived from the Claude config dir so that it is the same with or without Claude Code's environment.
    The launcher record, the install state and, by default, the store live here."""
    return claude_config_dir() / "plugins" / "data" / PLUGIN_ID


def store_setting() -> tuple[str, str]:
    """(value, where it came from): $CTXLEAN_STORE, else the user config's `store`, else ("", "default")."""
    value = os.environ.get(STORE_ENV, "").strip()
    if value:
        return value, STORE_ENV
    from ctxlean.config import ConfigError, read_user_setting, user_config_path

    try:
        value = read_user_setting("store")
    except ConfigError:
        return "", "default"  # the config's own error is reported where the config is loaded
    if value is None:
        return "", "default"
    where = f"store in {user_config_path()}"
    if not isinstance(value, str):
        raise StoreLocationError(f"{where} = {value!r}: expected a string (an absolute directory or a "
                                 "postgresql:// URL)")
    return value.strip(), where


def resolve_store(value: str, source: str = STORE_ENV) -> StoreLocation:
    """The StoreLocation a setting value names ("" for the default), or StoreLocationError saying why not."""
    from pathlib import Path

    if not value:
        return StoreLocation("sqlite", source, path=plugin_data_dir() / STORE_FILE)
    import re  # already loaded by json on the hook path

    if url := re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", value):
        scheme = url.group(1)
        if scheme.lower() in POSTGRES_SCHEMES:
            return StoreLocation("postgresql", source, url=value)
        raise StoreLocationError(f"{source} = {masked_url(value)!r}: unsupported store URL scheme {scheme}://; "
                                 "use an absolute directory path, or a postgresql:// URL")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise StoreLocationError(f"{source} = {value!r} is a relative path (it would name a different folder "
                                 "in every project); use an absolute directory path, or a postgresql:// URL")
    if path.exists() and not path.is_dir():
        raise StoreLocationError(f"{source} = {value!r} is a file, not a directory; name the directory that "
                                 f"holds (or will hold) {STORE_FILE}")
    return StoreLocation("sqlite", source, path=path / STORE_FILE)


def store_location() -> StoreLocation:
    """The payload store every entry point uses (see the module docstring)."""
    return resolve_store(*store_setting())


def data_dir() -> Path:
    """The local dir for errors.log, captures, batch jobs and the status line's cache: the SQLite store's
    dir, else (a URL store, or a setting that cannot be used, whose error must still be logged somewhere)
    the plugin data dir."""
    try:
        location = store_location()
    except StoreLocationError:
        return plugin_data_dir()
    return location.path.parent if location.path is not None else plugin_data_dir()


def store_path() -> Path:
    """The SQLite store's file; StoreLocationError when the store is a database URL."""
    location = store_location()
    if location.path is None:
        raise StoreLocationError(f"{location.source} = {location.shown()} is a database, not a local file")
    return location.path


def capture_dir() -> Path:
    """Where failing Bash commands' whole outputs wait for PostToolUseFailure (ctxlean.capture)."""
    return data_dir() / "captures"


def error_log_path() -> Path:
    return data_dir() / "errors.log"


def project_of(cwd: str | None = None) -> str:
    """The project a call belongs to: Claude Code's project dir, else the given cwd, else ours."""
    root = os.environ.get("CLAUDE_PROJECT_DIR") or cwd or os.getcwd()
    return os.path.realpath(root)
