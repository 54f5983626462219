"""ctxlean's subagents, read from the plugin's agents/*.md: the one definition Claude Code and the SDK share.

Claude Code loads plugin/agents/<name>.md itself (as `ctxlean:<name>`); the Agent SDK integration and the
routing eval turn the same files into AgentDefinitions and eval sessions, renaming the plugin's MCP tools
(mcp__plugin_ctxlean_ctxlean__fetch_detail) to the in-process server's names (mcp__ctxlean__fetch_detail).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctxlean.paths import PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX


class AgentFileError(ValueError):
    """An agent file ctxlean cannot read; the message names the file and the line."""


@dataclass(frozen=True)
class AgentSpec:
    name: str  # the file's `name:`; Claude Code calls the agent ctxlean:<name>
    description: str  # what the main agent reads when deciding to delegate
    model: str  # the default model alias; the routing policy may move it
    tools: tuple[str, ...]  # tool names as the plugin sees them
    prompt: str  # the agent's system prompt (the file's body)

    def sdk_tools(self) -> list[str]:
        """The tool list under the SDK's in-process server names."""
        return [SDK_TOOL_PREFIX + t.removeprefix(PLUGIN_TOOL_PREFIX) if t.startswith(PLUGIN_TOOL_PREFIX) else t
                for t in self.tools]


def plugin_agents_dir() -> Path:
    from ctxlean.install import marketplace_dir

    return marketplace_dir() / "plugin" / "agents"


def parse_frontmatter(text: str, where: str) -> tuple[dict[str, str], str]:
    """(fields, body) of a Markdown file with a `---` frontmatter block.

    Reads the YAML subset the plugin's files use: `key: value` lines and folded blocks (`key: >-` followed
    by indented lines, joined with spaces). Anything else is an error, so a file Claude Code would read
    differently fails loudly here instead of drifting apart.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise AgentFileError(f"{where}: must start with a --- frontmatter block")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise AgentFileError(f"{where}: frontmatter block is not closed with ---") from None
    fields: dict[str, str] = {}
    key = None
    for number, line in enumerate(lines[1:end], 2):
        if not line.strip():
            continue
        if line[:1] in (" ", "\t") and key is not None:  # continuation of a folded (or plain) value
            fields[key] = (fields[key] + " " + line.strip()).strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip().isidentifier() or line[:1] in (" ", "\t"):
            raise AgentFileError(f"{where}:{number}: expected 'key: value', got {line!r}")
        key, value = name.strip(), value.strip()
        if value in (">", ">-"):
            fields[key] = ""
        elif value[:1] in ("|", "[", "{", "&", "*", "!"):
            raise AgentFileError(f"{where}:{number}: unsupported YAML in {line!r} (use 'key: value' or '>-')")
        else:
            fields[key] = value.strip("\"'") if len(value) > 1 and value[0] == value[-1] in "\"'" else value
    return fields, "\n".join(lines[end + 1:]).strip() + "\n"


def read_agent(path: Path) -> AgentSpec:
    fields, body = parse_frontmatter(path.read_text(encoding="utf-8"), str(path))
    missing = [k for k in ("name", "description", "model", "tools") if not fields.get(k)]
    if missing:
        raise AgentFileError(f"{path}: frontmatter lacks {', '.join(missing)}")
    tools = tuple(t.strip() for t in fields["tools"].split(",") if t.strip())
    return AgentSpec(fields["name"], fields["description"], fields["model"], tools, body)


def load_agents(directory: Path | None = None) -> dict[str, AgentSpec]:
    """Every agent of the plugin, by name (file order)."""
    directory = directory or plugin_agents_dir()
    agents = {}
    for path in sorted(directory.glob("*.md")):
        spec = read_agent(path)
        agents[spec.name] = spec
    return agents
