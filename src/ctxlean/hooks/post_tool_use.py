"""PostToolUse: replace a big tool output with a summary and a handle; small outputs pass untouched."""

from __future__ import annotations

from ctxlean import config
from ctxlean.hooks.tool_output import extract
from ctxlean.offload import offload
from ctxlean.paths import project_of


def handle(event: dict) -> dict | None:
    tool = event.get("tool_name")
    if not isinstance(tool, str):
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
                   session_id=_text(event.get("session_id")), agent_id=_text(event.get("agent_id")))
    if done is None:
        return None
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": output.replace(done.text)}}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
