"""What `ctxlean lean` may hide, as data: src/ctxlean/data/lean.json.

The file lists the optional tools (tool definitions most coding sessions never call) and the bundled
skills, each with the tokens it adds to every request, measured on one Claude Code version by
benchmarks/lean_prefix.py (`--write-data` rewrites the file). Only what is listed there can be hidden:
core tools are not in it. The same run measures what the ctxlean plugin adds to every request (its MCP
tools' definitions, its agents and skill in the listings), which the replay engine charges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "lean.json"
TOOL, SKILL = "tool", "skill"


@dataclass(frozen=True)
class Item:
    name: str
    kind: str  # TOOL (hidden by a deny rule) or SKILL (its description hidden by skillOverrides name-only)
    tokens: int  # estimated tokens every request carries for it, saved when it is hidden


@dataclass(frozen=True)
class Catalog:
    claude_code_version: str
    items: tuple[Item, ...]
    plugin_tokens: int = 0  # what the ctxlean plugin adds to every request, in all
    plugin_tool_tokens: int = 0  # of which its MCP tools' definitions

    @property
    def tools(self) -> frozenset[str]:
        return frozenset(item.name for item in self.items if item.kind == TOOL)


def load(path: Path = DATA_FILE) -> Catalog:
    data = json.loads(path.read_text())
    tools = [Item(name, TOOL, int(tokens)) for name, tokens in data["tools"].items()]
    skills = [Item(name, SKILL, int(tokens)) for name, tokens in data["skills"].items()]
    plugin = data.get("ctxlean_plugin") or {}
    return Catalog(str(data["claude_code_version"]), tuple(tools + skills), int(plugin.get("total", 0)),
                   int(plugin.get("tools", 0)))
