"""`ctxlean mcp`: the stdio MCP server the plugin starts. Tool docstrings are what the model reads."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading

from ctxlean import config
from ctxlean.mcp_server import fetch
from ctxlean.mcp_server.dispatch import Busy, Dispatcher
from ctxlean.paths import project_of
from ctxlean.store import HandleError, StoreError, open_store

INSTRUCTIONS = ("ctxlean stores big tool outputs out of band and shows a summary with a handle (ctx_...). "
                "Use fetch_detail to read any part of a stored output instead of re-running the tool.")


def build_server(project: str | None = None):
    """The MCP server for `project` (default: the project this process runs in).

    Served over stdio by `ctxlean mcp`, and in process by the Agent SDK integration (ctxlean.sdk), which
    passes the SDK session's project so its hooks and these tools share one scope.
    """
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("ctxlean", instructions=INSTRUCTIONS)
    project = project or project_of()
    try:
        cfg = config.load(project)
    except config.ConfigError as exc:  # SessionStart tells the user; stored outputs must stay readable
        print(f"ctxlean mcp: {exc}; serving with the default settings until it is fixed", file=sys.stderr)
        cfg = config.Config()
    local = threading.local()  # tools run in worker threads; an sqlite3 connection serves one at a time

    def store():
        current = getattr(local, "store", None)
        if current is not None and current.replaced():  # moved aside or removed: follow the new file
            current.close()
            current = None
        if current is None:
            current = local.store = open_store()
        return current

    dispatch = Dispatcher(cfg.fetch_timeout_s)

    async def answer(tool: str, fn, **kwargs) -> str:
        """fn in the tool's own threads; `timeout_s` is what is left of the call's deadline."""
        try:
            return await dispatch.run(tool, lambda timeout_s: call(fn, timeout_s=timeout_s, **kwargs))
        except Busy as exc:
            raise ToolError(str(exc)) from exc

    def call(fn, *args, **kwargs) -> str:
        try:
            current = store()
            return fn(current, current.scope(project), *args, **kwargs)
        except (HandleError, fetch.FetchError, StoreError) as exc:
            raise ToolError(str(exc).strip("'\"")) from exc
        except sqlite3.Error as exc:  # e.g. still locked after the bounded retries, or disk full
            raise ToolError(f"the payload store is unavailable right now ({exc}); try again shortly") from exc

    @server.tool(structured_output=False)
    async def fetch_detail(handle: str, lines: str | None = None, grep: str | None = None,
                     jsonpath: str | None = None, page: int = 1) -> str:
        """Read part of a tool output that ctxlean stored out of band (its summary names the handle, ctx_...).

        Selectors: lines="120-180" (1-based, inclusive), grep="REGEX" (matching lines with their line
        numbers; combine with lines= to search a range), or jsonpath="$.items[0].id" (JSON payloads, alone;
        RFC 9535, e.g. "$..items[?@.status=='error']", "$.items[0,3]", "$.items[-5:]").
        With none, pages through the whole output. Answers are bounded (about 2,000 tokens) and end with the
        call for the next page. Obvious secrets (API keys, tokens, private keys) show as [REDACTED...].
        """
        return await answer("fetch_detail", fetch.fetch_detail, handle=handle, lines=lines, grep=grep,
                            jsonpath=jsonpath, page=page, budget_tokens=cfg.fetch_budget_tokens,
                            allowed_projects=cfg.allow_cross_project, redact=cfg.redact_fetch)

    @server.tool(structured_output=False)
    async def search_details(query: str) -> str:
        """Full-text search over this project's stored tool outputs; returns handles with matching snippets."""
        return await answer("search_details", fetch.search_details, query=query)

    @server.tool(structured_output=False)
    async def list_details() -> str:
        """The most recent stored tool outputs of this project: handle, tool, size, time, one-line description."""
        return await answer("list_details", fetch.list_details)

    return server


_held: list = []  # the session's idle store connection (see _collect_in_background)


def _collect_in_background() -> None:
    """Off the request path, never fatal: open one store connection and keep it for the session, so a
    hook's store is never the last one to close (SQLite's WAL checkpoint at close then falls to this
    process, at session end, instead of to every offloading hook: ~20-35 ms each); then the daily gc
    (TTL, size cap, leftovers of killed writers)."""
    def run() -> None:
        from ctxlean.errorlog import log_error
        from ctxlean.store.gc import collect_if_due

        try:
            _held.append(open_store())
        except Exception as exc:  # the tools report an unusable store themselves
            log_error("could not keep the store open for the session", exc)
        try:
            collect_if_due(config.load())  # store-wide settings: user config and environment only
        except Exception as exc:
            log_error("automatic gc failed", exc)

    threading.Thread(target=run, name="ctxlean-gc", daemon=True).start()


def _quit(signum: int, frame: object) -> None:
    """Claude Code ends a session's server with SIGINT, then SIGTERM 100 ms later: leave at once (a store
    transaction cut short rolls back; the stdin reader thread would otherwise hold the exit)."""
    os._exit(0)


def main(argv: list[str]) -> int:
    """Serve MCP on this process's stdio (`ctxlean mcp --direct`, and each session the fork server forks)."""
    signal.signal(signal.SIGINT, _quit)
    signal.signal(signal.SIGTERM, _quit)
    try:
        server = build_server()
        _collect_in_background()
        server.run("stdio")
    except KeyboardInterrupt:
        pass
    except config.ConfigError as exc:
        print(f"ctxlean mcp: {exc}", file=sys.stderr)
        return 2
    return 0
