"""PostToolUse: replace a big tool output with a summary and a handle; small outputs pass untouched.

Runs on every tool call, so the pass-through path (the common case) decides from the output's size alone
and imports the summarizers and the store only when there is something to offload.
"""

from __future__ import annotations

from ctxlean import config
from ctxlean.hooks.tool_output import extract
from ctxlean.paths import project_of
from ctxlean.tokens import tokens_for_bytes


def handle(event: dict) -> dict | None:
    tool = event.get("tool_name")
    if not isinstance(tool, str):
        return None
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    cfg = config.load(project)
    if not cfg.offloads(tool):
        return None
    output = extract(tool, event.get("tool_response"))
    if output is None or tokens_for_bytes(output.full_size()) <= cfg.for_tool(tool).offload_threshold_tokens:
        return None
    from ctxlean.offload import offload

    tool_input = event.get("tool_input") if isinstance(event.get("tool_input"), dict) else None
    done = offload(output, tool=tool, tool_input=tool_input, project=project, cfg=cfg,
                   session_id=event.get("session_id"), agent_id=event.get("agent_id"))
    if done is None:
        return None
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": output.replace(done.text)}}
