"""ctxlean for the Claude Agent SDK: one call adds ctxlean to a session's ClaudeAgentOptions.

    from claude_agent_sdk import ClaudeAgentOptions, query
    from ctxlean.sdk import ctxlean_options

    options = ctxlean_options(ClaudeAgentOptions(cwd="/path/to/project"))
    async for message in query(prompt="run the test suite and fix the first failure", options=options):
        ...

Or, for a multi-turn ClaudeSDKClient session that also compacts at the context budget:

    async with ctxlean_client(ClaudeAgentOptions(cwd="/path/to/project")) as session:
        await session.query("...")
        async for message in session.receive_response():
            ...

What ctxlean_options adds, all built from the same files and modules the Claude Code plugin uses:
- hooks: the plugin's hooks/hooks.json entries as in-process callbacks running the same handlers
  (ctxlean.hooks), failing open like the command hook;
- tools: ctxlean's MCP server in process, as mcp__ctxlean__fetch_detail / search_details / list_details;
- agents: the plugin's agents/*.md as AgentDefinitions named like the plugin's (ctxlean:digest, ...), on
  the models the routing policy (ctxlean.routing, with config overrides) gives their step kinds.

ctxlean_client wraps those options in ctxlean.sdk.compaction.BudgetedClient, which sends /compact with
keep-the-handles instructions once the context reaches the budget (docs/budget.md).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ctxlean import config, routing
from ctxlean.agents import load_agents
from ctxlean.paths import project_of
from ctxlean.sdk.compaction import BudgetedClient, Compaction
from ctxlean.sdk.mcp_tools import SERVER_NAME, TOOL_NAMES, sdk_server

if TYPE_CHECKING:
    from claude_agent_sdk import AgentDefinition, ClaudeAgentOptions

AGENT_PREFIX = "ctxlean:"  # the plugin's agents are ctxlean:<name> in Claude Code; the SDK uses the same names


def agent_definitions(cfg: config.Config | None = None) -> dict[str, AgentDefinition]:
    """The plugin's agents as AgentDefinitions, each on the model the routing policy gives its step kind."""
    from claude_agent_sdk import AgentDefinition

    kinds = routing.step_kinds()
    return {AGENT_PREFIX + spec.name: AgentDefinition(
        description=spec.description, prompt=spec.prompt, tools=spec.sdk_tools(),
        model=routing.model_for(spec.name, cfg) if spec.name in kinds else spec.model)
        for spec in load_agents().values()}


def ctxlean_options(options: ClaudeAgentOptions | None = None, *, hooks: bool = True, tools: bool = True,
                    agents: bool = True) -> ClaudeAgentOptions:
    """A copy of `options` (or of a default ClaudeAgentOptions) with ctxlean's hooks, tools and agents added.

    The user's own hooks run first and their agents win a name clash; ctxlean's tools are added to
    allowed_tools (they only read ctxlean's store). The session's project is `options.cwd` (else this
    process's directory), the scope the hooks store payloads under and the tools read them from. Raises
    ValueError when options.mcp_servers is a config file path, which cannot be merged.
    """
    from claude_agent_sdk import ClaudeAgentOptions

    options = options or ClaudeAgentOptions()
    project = project_of(str(options.cwd) if options.cwd else None)
    cfg = config.load(project)
    changes: dict = {}
    if tools:
        if not isinstance(options.mcp_servers, dict):
            raise ValueError("ctxlean_options: options.mcp_servers is a config file path; pass the servers as a "
                             "dict so ctxlean can add its own")
        changes["mcp_servers"] = {**options.mcp_servers, SERVER_NAME: sdk_server(project)}
        changes["allowed_tools"] = [*options.allowed_tools, *(t for t in TOOL_NAMES if t not in options.allowed_tools)]
    if hooks:
        from ctxlean.sdk.hooks import hook_matchers

        merged = {event: list(matchers) for event, matchers in (options.hooks or {}).items()}
        for event, matchers in hook_matchers().items():
            merged.setdefault(event, []).extend(matchers)
        changes["hooks"] = merged
    if agents:
        changes["agents"] = {**agent_definitions(cfg), **(options.agents or {})}
    return dataclasses.replace(options, **changes)


def ctxlean_client(options: ClaudeAgentOptions | None = None, *, budget_tokens: int | None = None,
                   **parts: bool) -> BudgetedClient:
    """A BudgetedClient (a ClaudeSDKClient that compacts at the budget) over ctxlean_options(options, **parts).

    budget_tokens defaults to the project's context_budget_tokens (ctxlean config).
    """
    return BudgetedClient(ctxlean_options(options, **parts), budget_tokens=budget_tokens)


__all__ = ["BudgetedClient", "Compaction", "agent_definitions", "ctxlean_client", "ctxlean_options"]
