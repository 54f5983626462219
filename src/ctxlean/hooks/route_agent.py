"""PreToolUse on Agent: run ctxlean's agents on the model the user's routing config gives their step kind.

Claude Code takes a plugin agent's model from its file (`model: haiku`, the routing policy's default). When
the user moved a step in config ([routing] classify = "sonnet"), this hook sets the Agent call's `model`
input, which Claude Code ranks above the file's. It stays out of the way otherwise: no override configured,
another agent, or a model the main agent chose itself. The Agent tool accepts aliases only
(AGENT_TOOL_MODELS); an override naming a full model id cannot be applied here and is left to the SDK.
"""

from __future__ import annotations

from ctxlean import config
from ctxlean.paths import project_of

AGENT_PREFIX = "ctxlean:"
AGENT_TOOL_MODELS = ("haiku", "sonnet", "opus")  # the Agent tool's `model` enum (Claude Code 2.1.330)


def handle(event: dict) -> dict | None:
    tool_input = event.get("tool_input")
    if event.get("tool_name") != "Agent" or not isinstance(tool_input, dict) or tool_input.get("model"):
        return None
    kind = str(tool_input.get("subagent_type") or "")
    if not kind.startswith(AGENT_PREFIX):
        return None
    cwd = event.get("cwd") if isinstance(event.get("cwd"), str) else None
    model = config.load(project_of(cwd)).routing.get(kind.removeprefix(AGENT_PREFIX))
    if model not in AGENT_TOOL_MODELS:
        return None
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow",
                                   "updatedInput": {**tool_input, "model": model}}}
