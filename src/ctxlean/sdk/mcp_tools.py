"""ctxlean's MCP tools served in process to an Agent SDK session (tool names mcp__ctxlean__<tool>).

In process rather than the stdio server (`ctxlean mcp`): no child process and no launcher to find, no
second interpreter paying the mcp import (~1.5 s) at every session start, and the tools read the same
store the in-process hooks write, in the same project scope. The tools themselves are the stdio
server's (`mcp_server.server.build_server`): same names, descriptions, schemas and error messages. This
module only adds what the SDK path needs: every tool is marked always-loaded (Claude Code otherwise defers
SDK MCP tools behind ToolSearch, and a summary's `fetch_detail(...)` hint would name a tool the model
cannot call yet), and the server's instructions name the tools as this session sees them.
"""

from __future__ import annotations

from ctxlean.agents import SDK_TOOL_PREFIX

SERVER_NAME = "ctxlean"  # tools appear as mcp__ctxlean__fetch_detail, ...
ALWAYS_LOAD = "anthropic/alwaysLoad"  # Claude Code's per-tool _meta key: never defer behind ToolSearch
TOOL_NAMES = tuple(f"{SDK_TOOL_PREFIX}{name}" for name in ("fetch_detail", "search_details", "list_details"))


def sdk_server(project: str) -> dict:
    """An McpSdkServerConfig for ClaudeAgentOptions.mcp_servers[SERVER_NAME]."""
    from mcp import types
    from mcp.server import Server
    from mcp.server.mcpserver.exceptions import ToolError

    from ctxlean import __version__
    from ctxlean.mcp_server.server import INSTRUCTIONS, build_server

    inner = build_server(project)

    async def on_list_tools(ctx, params) -> types.ListToolsResult:
        tools = await inner.list_tools()
        return types.ListToolsResult(tools=[t.model_copy(update={"meta": {**(t.meta or {}), ALWAYS_LOAD: True}})
                                            for t in tools])

    async def on_call_tool(ctx, params) -> types.CallToolResult:
        try:
            return await inner.call_tool(params.name, params.arguments or {})
        except ToolError as exc:  # a bad handle or selector: a short error the model can act on
            return types.CallToolResult(content=[types.TextContent(type="text", text=str(exc))], is_error=True)

    server = Server(SERVER_NAME, version=__version__, instructions=f"{INSTRUCTIONS} In this session the tools are "
                    f"{', '.join(TOOL_NAMES)}; a summary's fetch_detail(...) hint means {TOOL_NAMES[0]}.",
                    on_list_tools=on_list_tools, on_call_tool=on_call_tool)
    return {"type": "sdk", "name": SERVER_NAME, "instance": server}
