"""Who a store row belongs to: its project (one repository is one project on every machine) and, in the
shared ledger, the user and machine that offloaded it.

The local SQLite store scopes by the project directory's real path, as it always has. On a shared
(PostgreSQL) store, first match wins (docs/fleet.md):
1. `project_id` from the settings: the committed `.claude/ctxlean.toml`, so every checkout agrees, or
   CTXLEAN_PROJECT_ID (an Agent SDK worker without the repository's files).
2. The git checkout's `origin` remote (or its only remote), normalised so that
   `git@github.com:acme/api.git`, `https://github.com/acme/api` and `ssh://git@github.com:22/acme/api.git`
   are all `github.com/acme/api`. A remote on the local file system names nothing another machine
   shares, so it does not count.
3. The project directory's real path.

project_id is not honoured on the local store: there a repository's own file could name another
project's key and read its payloads, which only the user's allow_cross_project may allow.
"""

from __future__ import annotations

import os
import re

_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?([^:/\s]+):(?!//)(.+)$")  # git@host:owner/repo.git
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^/:]+)(?::\d*)?(/.*)$", re.IGNORECASE)


def shared_scope_key(project_dir: str) -> str:
    """The project key on a shared store for payloads stored from `project_dir` (an absolute path); a key
    that is no absolute path (a project_id, a remote, as a store hands back) is already one."""
    from ctxlean import config

    if not os.path.isabs(project_dir):
        return project_dir
    return config.load(project_dir).project_id.strip() or git_remote(project_dir) or project_dir


def normalise_remote(url: str) -> str | None:
    """host/path of a network remote, lower-case host, without user, password, port or `.git`; None for a
    local path."""
    url = url.strip()
    match = _URL.match(url)
    if match is None and "://" not in url and not url.startswith(("/", ".", "~")):
        match = _SCP_LIKE.match(url)
    if match is None or url.lower().startswith("file:"):
        return None
    path = match[2].strip("/").removesuffix(".git").strip("/")
    return f"{match[1].lower()}/{path}" if path else None


def git_remote(project_dir: str) -> str | None:
    """The normalised origin (else only) remote of the git checkout holding project_dir, if any."""
    config_text = _git_config(project_dir)
    if config_text is None:
        return None
    remotes: dict[str, str] = {}
    section = None
    for raw in config_text.splitlines():
        line = raw.strip()
        header = re.match(r'^\[\s*remote\s+"([^"]+)"\s*\]', line)
        if header:
            section = header[1]
        elif line.startswith("["):
            section = None
        elif section is not None and (pair := re.match(r"^url\s*=\s*(.+?)\s*$", line)):
            remotes.setdefault(section, pair[1].strip('"'))
    url = remotes.get("origin") or (next(iter(remotes.values())) if len(remotes) == 1 else None)
    return normalise_remote(url) if url else None


def _git_config(start: str) -> str | None:
    """The text of the repository config of the checkout holding `start` (worktrees and submodules
    included: their `.git` file points at the git dir, whose `commondir` holds the shared config)."""
    path = start
    while True:
        dot_git = os.path.join(path, ".git")
        if os.path.isdir(dot_git):
            return _read(os.path.join(dot_git, "config"))
        if os.path.isfile(dot_git):
            text = _read(dot_git) or ""
            if not text.startswith("gitdir:"):
                return None
            git_dir = os.path.join(path, text[len("gitdir:"):].strip())
            common = (_read(os.path.join(git_dir, "commondir")) or "").strip()
            return _read(os.path.join(git_dir, common, "config") if common else os.path.join(git_dir, "config"))
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _read(path: str) -> str | None:
    try:
        from ctxlean.safe_open import open_regular

        with open_regular(path) as fh:  # a repository's .git/config may be anything, a FIFO included
            return fh.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None


def local_user_and_machine() -> tuple[str, str]:
    """The login name and host name this process runs under, as the shared ledger records them."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return user, (os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "unknown"))
