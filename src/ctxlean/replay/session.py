"""What a replay plays: a session as the model saw it, one context chain per agent.

A chain is the agent's prompt in order: Blocks (what was in the context: the user's words, the model's
text and tool calls, tool results, Claude Code's reminders), Requests (one per API call, placed where the
call was made: it saw every block before it since the last Compaction) and Compactions. The blocks a
response wrote follow its Request, so "the model's next steps" after a tool result are the responses of
the next Requests. Readers: claude_transcript.py (Claude Code transcripts), trajectory.py (normalized
trajectories of other agent frameworks).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ToolCall:
    """One tool call's result, with what the hooks would have had of it."""

    tool_use_id: str
    tool: str
    input: dict
    shown: str  # the result's text as the model saw it
    response: object = None  # the tool_response hooks get (Claude Code's toolUseResult), when recorded
    full_path: str | None = None  # the file holding the whole output, when Claude Code persisted it
    output: str | None = None  # the whole output, when the source has it and the model saw less
    error: bool = False  # the tool failed (PostToolUseFailure, not PostToolUse, would have run)
    cut: bool = False  # the model saw a cut output and the whole is not in the source


@dataclass(slots=True)
class Block:
    role: str  # "user", "assistant" or "system"
    kind: str  # "text", "tool_use", "tool_result", "thinking", "reminder" (Claude Code's own text) or "other"
    text: str  # what facts are read from (a tool_use: its name and JSON input)
    tokens: int  # estimated tokens (ctxlean.tokens) of the block as sent
    call: ToolCall | None = None  # a tool_use block's call; a tool result's call, with its output


@dataclass(slots=True)
class Request:
    ts: float  # epoch seconds (trajectories without timestamps: a simulated pace)
    model: str
    output_tokens: int
    usage: dict | None = None  # what the API reported, when the source recorded it
    billed: bool = True  # False: a response copied from another transcript (context here, billed there)


@dataclass(slots=True)
class Compaction:
    ts: float


Item = Block | Request | Compaction


@dataclass
class Chain:
    agent_id: str | None  # None: the main agent
    items: list[Item] = field(default_factory=list)
    agent_type: str | None = None
    prefix_tokens: int | None = None  # system prompt + tool definitions, when the source has them


@dataclass
class Session:
    session_id: str
    project: str
    source: str  # "claude-code", or the agent framework of a trajectory
    chains: list[Chain]
    ran_with_ctxlean: bool = False  # its tool results already carry ctxlean summaries
    offered_tools: frozenset[str] | None = None  # tool definitions in the prefix, when recorded
    listed_skills: frozenset[str] = frozenset()  # skills listed with their description
    outputs_cut: bool = False  # the source had cut some outputs before the model saw them
    notes: list[str] = field(default_factory=list)

    @property
    def main(self) -> Chain:
        return self.chains[0]

    def requests(self) -> int:
        return sum(isinstance(item, Request) for chain in self.chains for item in chain.items)
