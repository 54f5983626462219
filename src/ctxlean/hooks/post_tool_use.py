"""PostToolUse: replace a big tool output with a summary and a handle; small outputs pass untouched.

The threshold and summary size tighten as the context fills its budget (ctxlean.budget.limits_at); past
the soft mark the answer also carries a one-line budget note, which Claude Code gives the model as
additional context after the tool result.
"""

from __future__ import annotations

from ctxlean import budget, config
from ctxlean.hooks.tool_output import extract
from ctxlean.offload import offload
from ctxlean.paths import project_of
from ctxlean.tokens import estimate_tokens


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
    transcript = budget.transcript_for(event)
    use = budget.context_use(transcript) if transcript else None
    fill = use.tokens / cfg.context_budget_tokens if use else 0.0
    tool_input = event.get("tool_input") if isinstance(event.get("tool_input"), dict) else None
    done = offload(output, tool=tool, tool_input=tool_input, project=project, cfg=budget.tightened(cfg, tool, fill),
                   session_id=event.get("session_id"), agent_id=event.get("agent_id"))
    answer: dict = {}
    if done is not None:
        answer["updatedToolOutput"] = output.replace(done.text)
    if use is not None:
        # The state once this output is in: the transcript does not hold it yet when the hook runs.
        state = budget.state_of(use.tokens + estimate_tokens(done.text if done else output.text), cfg)
        if state.zone != "ok":
            answer["additionalContext"] = budget.budget_note(state, budget.limits_at(state.fill, cfg))
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", **answer}} if answer else None
