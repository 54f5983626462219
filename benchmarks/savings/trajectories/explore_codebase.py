"""Exploring a large codebase with Glob, Grep and Read: a copy of the installed `mcp` package (a real
tree of ~120 modules); the model locates a class, reads the big modules around it and notes line
numbers it will need."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

import re
import shutil
from pathlib import Path

import mcp
from agent import Needle, Step, Trajectory

TREE = Path(mcp.__file__).parent


def line_of(path: Path, pattern: str) -> str:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if re.search(pattern, line):
            return str(number)
    raise LookupError(f"{pattern!r} not in {path}: the installed mcp package changed; update this trajectory")


def read_needle(name: str, root: Path, relative: str, pattern: str, grep: str, query: str) -> Needle:
    """A line number the model reads off a Read (N<tab>text), a grep (N:text) or fetch_detail (N: text)."""
    return Needle(name, r"(\d+)(?:\t|: ?|:)\s*" + pattern, line_of(root / relative, pattern), grep=grep, query=query)


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    shutil.copytree(TREE, root / "mcp", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    client = "mcp/client/session.py"
    server = "mcp/server/mcpserver/server.py"
    http = "mcp/server/streamable_http.py"
    first_class = re.search(r"^class (\w+)", (root / http).read_text(), re.M).group(1)
    steps = [
        Step("Bash", {"command": "ls mcp mcp/client mcp/server"}, "Looking at the layout.", seconds=1),
        Step("Glob", {"pattern": "mcp/**/*.py"}, seconds=1, shell="find mcp -name '*.py'"),
        Step("Bash", {"command": "find mcp -name '*.py' | xargs wc -l | sort -n | tail -40"}, seconds=1),
        Step("Grep", {"pattern": r"^class \w+", "path": "mcp", "output_mode": "content", "-n": True},
             "Where are the classes?", read_needle("client_class", root, client, r"class ClientSession\b",
                                                  "class ClientSession", "class ClientSession"),
             seconds=2, shell=r"grep -rn -E '^class \w+' mcp"),
        Step("Read", {"file_path": "{cwd}/" + client}, "Reading the client session.",
             read_needle("call_tool", root, client, r"async def call_tool\(", r"async def call_tool\(",
                         "async def call_tool"), seconds=4),
        Step("Grep", {"pattern": "send_request", "path": "mcp", "output_mode": "content", "-n": True},
             seconds=2, shell="grep -rn send_request mcp"),
        Step("Read", {"file_path": "{cwd}/" + server}, "Now the high-level server.",
             read_needle("tool_decorator", root, server, r"def tool\(", r"def tool\(", "def tool decorator"),
             seconds=4),
        Step("Grep", {"pattern": "structured_output", "path": "mcp", "output_mode": "content", "-n": True,
                      "-C": 2}, seconds=2, shell="grep -rn -C 2 structured_output mcp"),
        Step("Read", {"file_path": "{cwd}/" + http}, "How is streamable HTTP served?",
             read_needle("http_class", root, http, rf"class {first_class}\b", rf"class {first_class}\b",
                         f"class {first_class}"),
             seconds=4),
        Step("Grep", {"pattern": "import anyio", "path": "mcp", "output_mode": "files_with_matches"}, seconds=1,
             shell="grep -rl 'import anyio' mcp"),
        Step("Read", {"file_path": "{cwd}/mcp/client/client.py"}, seconds=4, shell="cat mcp/client/client.py"),
        Step("Grep", {"pattern": r"raise \w+Error", "path": "mcp", "output_mode": "content", "-n": True},
             seconds=2, shell=r"grep -rn -E 'raise \w+Error' mcp"),
        Step("Read", {"file_path": "{cwd}/mcp/shared/jsonrpc_dispatcher.py"}, seconds=4,
             shell="cat mcp/shared/jsonrpc_dispatcher.py"),
        Step("Grep", {"pattern": "def ", "path": "mcp/client", "output_mode": "count"}, seconds=1,
             shell="grep -rc 'def ' mcp/client"),
        Step("Read", {"file_path": "{cwd}/" + client, "offset": "{call_tool}", "limit": 60},
             "Back to call_tool in detail.", seconds=3, edit=True),
        Step("Read", {"file_path": "{cwd}/" + server, "offset": "{tool_decorator}", "limit": 60}, seconds=3,
             edit=True),
        Step("Bash", {"command": "git log --oneline | head -5; git status --short | head"}, seconds=1),
        Step("Read", {"file_path": "{cwd}/mcp/server/runner.py"}, seconds=4, shell="cat mcp/server/runner.py"),
        Step("Grep", {"pattern": "class .*Session", "path": "mcp", "output_mode": "content", "-n": True},
             seconds=2, shell="grep -rn 'class .*Session' mcp"),
        Step("Write", {"file_path": "{cwd}/NOTES.md", "content":
                       "# Notes\n\n- ClientSession: mcp/client/session.py line {client_class}\n"
                       "- call_tool: line {call_tool}\n- MCPServer.tool: mcp/server/mcpserver/server.py line "
                       "{tool_decorator}\n- streamable HTTP: mcp/server/streamable_http.py line {http_class}\n"},
             "Writing down what I found.", seconds=3),
        Step("Bash", {"command": "cat NOTES.md"}, seconds=1),
    ]
    return Trajectory("explore_codebase", "Explore a large codebase",
                      "Find where the MCP client session and the high-level server's tool decorator are "
                      "defined in this tree and note the line numbers in NOTES.md.", steps, heavy=True)
