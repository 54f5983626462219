"""`ctxlean mcp`: the stdio MCP server the plugin starts. Tool docstrings are what the model reads."""

from __future__ import annotations

import sys

from ctxlean import config
from ctxlean.mcp_server import fetch
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
    cfg = config.load(project)
    state: dict = {}

    def call(fn, *args, **kwargs) -> str:
        try:
            if "store" not in state:
                state["store"] = open_store()
            return fn(state["store"], project, *args, **kwargs)
        except (HandleError, fetch.FetchError, StoreError) as exc:
            raise ToolError(str(exc).strip("'\"")) from exc

    @server.tool(structured_output=False)
    def fetch_detail(handle: str, lines: str | None = None, grep: str | None = None,
                     jsonpath: str | None = None, page: int = 1) -> str:
        """Read part of a tool output that ctxlean stored out of band (its summary names the handle, ctx_...).

        Give at most one selector: lines="120-180" (1-based, inclusive), grep="REGEX" (matching lines with
        their line numbers), or jsonpath="$.items[0].id" (JSON payloads). With none, pages through the
        whole output. Answers are bounded (about 2,000 tokens) and end with the call for the next page.
        """
        return call(fetch.fetch_detail, handle, lines=lines, grep=grep, jsonpath=jsonpath, page=page,
                    budget_tokens=cfg.fetch_budget_tokens)

    @server.tool(structured_output=False)
    def search_details(query: str) -> str:
        """Full-text search over this project's stored tool outputs; returns handles with matching snippets."""
        return call(fetch.search_details, query)

    @server.tool(structured_output=False)
    def list_details() -> str:
        """The most recent stored tool outputs of this project: handle, tool, size, time, one-line description."""
        return call(fetch.list_details)

    return server


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print("usage: ctxlean mcp   (stdio MCP server: fetch_detail, search_details, list_details)")
        return 0
    try:
        build_server().run("stdio")
    except KeyboardInterrupt:
        pass
    except config.ConfigError as exc:
        print(f"ctxlean mcp: {exc}", file=sys.stderr)
        return 1
    return 0
