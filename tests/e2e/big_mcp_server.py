"""A stdio MCP server whose tools return big results, standing in for any third-party MCP server.

Run by Claude Code through `--mcp-config` in the end-to-end tests (server name `bigdata`, so its tools
are `mcp__bigdata__report` and `mcp__bigdata__report_blocks`). The text is deterministic: row i always
reads the same, so tests can check exact lines after a fetch_detail round trip.
"""

from mcp.server.mcpserver import MCPServer
from mcp.types import TextContent

server = MCPServer("bigdata")


def report_lines(rows: int) -> list[str]:
    status = ["FAIL" if i % 997 == 0 else "ok" for i in range(rows)]
    return [f"row {i:05d} | region-{i % 7} | status={status[i]} | value={i * 37 % 1000}" for i in range(rows)]


@server.tool(structured_output=False)
def report(rows: int = 2000) -> str:
    """A tabular report with `rows` rows, as one string."""
    return "\n".join(report_lines(rows))


@server.tool(structured_output=False)
def report_blocks(rows: int = 2000, blocks: int = 4) -> list[TextContent]:
    """The same report split into `blocks` text content blocks."""
    lines = report_lines(rows)
    size = -(-rows // blocks)
    return [TextContent(type="text", text="\n".join(lines[i:i + size])) for i in range(0, rows, size)]


if __name__ == "__main__":
    server.run()
