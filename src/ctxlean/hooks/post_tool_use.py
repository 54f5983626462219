"""PostToolUse: replace a big tool output with a summary and a handle; small outputs pass untouched."""

from __future__ import annotations

from ctxlean import config
from ctxlean.agents import PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX
from ctxlean.hooks.tool_output import extract
from ctxlean.offload import offload
from ctxlean.paths import project_of


def handle(event: dict) -> dict | None:
    tool = event.get("tool_name")
    if not isinstance(tool, str):
        return None
    if tool.startswith((PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX)):
        # ctxlean's own tools answer with bounded slices of stored payloads (up to fetch_budget_tokens, above
        # the offload threshold): offloading one again would answer "show me lines 1-200" with a new handle.
        return None
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    cfg = config.load(project)
    if not cfg.offloads(tool):
        return None
    output = extract(tool, event.get("tool_response"))
    if output is None:
        return None
    tool_input = event.get("tool_input") if isinstance(event.get("tool_input"), dict) else None
    done = offload(output, tool=tool, tool_input=tool_input, project=project, cfg=cfg,
                   session_id=event.get("session_id"), agent_id=event.get("agent_id"))
    if done is None:
        return None
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": output.replace(done.text)}}
