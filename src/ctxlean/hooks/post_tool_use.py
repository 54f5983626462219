"""PostToolUse: replace a big tool output with a summary and a handle; small outputs pass untouched.

Runs on every tool call, so the pass-through path (the common case) decides from the output's size and
the context's fill alone, and imports the summarizers and the store only when there is something to
offload. The threshold and summary size tighten as the context fills its budget (ctxlean.budget.limits_at);
past the soft mark the answer also carries a one-line budget note, which Claude Code gives the model as
additional context after the tool result.
"""

from __future__ import annotations

from ctxlean import budget, capture, config
from ctxlean.paths import project_of
from ctxlean.tokens import tokens_for_bytes
from ctxlean.tool_output import extract, persisted_output_trusted


def handle(event: dict) -> dict | None:
    tool = event.get("tool_name")
    if not isinstance(tool, str):
        return None
    tool_input = event.get("tool_input") if isinstance(event.get("tool_input"), dict) else None
    original = capture.original_input(tool_input) if tool == "Bash" else tool_input
    if original != tool_input:
        # A wrapped command that Claude Code counts as a success (an exit status it reads as "no match")
        # may have left a capture: its output is here instead.
        capture.discard(event.get("tool_use_id"))
        tool_input = original
    project = project_of(event.get("cwd") if isinstance(event.get("cwd"), str) else None)
    cfg = config.load(project)
    if not cfg.offloads(tool):
        return None
    response = event.get("tool_response")
    if tool == "Bash" and not persisted_output_trusted(response, event.get("transcript_path")):
        from ctxlean.errorlog import log_error

        # not read, and not summarized from the cut stdout either (that would pass a part for the whole):
        # the output reaches the model as Claude Code made it
        log_error("PostToolUse: persistedOutputPath is not a file Claude Code wrote for this session (tool-results "
                  "beside the transcript, regular, no symlink, persistedOutputSize bytes): passed through")
        return None
    output = extract(tool, response)
    if output is None:
        return None
    transcript = budget.transcript_for(event)
    use = budget.context_use(transcript) if transcript else None
    fill = use.tokens / cfg.context_budget_tokens if use else 0.0
    call_cfg = budget.offload_config(cfg, tool, fill)
    shown_tokens = tokens_for_bytes(output.full_size())
    answer: dict = {}
    if call_cfg is not None and shown_tokens > call_cfg.offload_threshold_tokens \
            and not _read_for_editing(tool, tool_input, event, shown_tokens, call_cfg, transcript):
        from ctxlean import last_words
        from ctxlean.offload import offload

        done = offload(output, tool=tool, tool_input=tool_input, project=project, cfg=call_cfg,
                       session_id=_text(event.get("session_id")), agent_id=_text(event.get("agent_id")),
                       words=last_words.from_transcript(transcript) if transcript else "")
        if done is not None:
            answer["updatedToolOutput"] = output.replace(done.text)
            shown_tokens = done.summary_tokens
    if use is not None:
        # The state once this output is in: the transcript does not hold it yet when the hook runs.
        state = budget.state_of(use.tokens + shown_tokens, cfg)
        if state.zone != "ok":
            answer["additionalContext"] = budget.budget_note(state, budget.limits_at(state.fill, cfg))
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", **answer}} if answer else None


def _read_for_editing(tool: str, tool_input: dict | None, event: dict, tokens: int, cfg, transcript) -> bool:
    """A view of a file the model will likely edit (ctxlean.read_policy): it passes through whole."""
    if tool not in ("Read", "Bash"):
        return False
    from ctxlean import read_policy

    cwd = _text(event.get("cwd"))
    use_id = _text(event.get("tool_use_id"))
    asked = read_policy.model_input(transcript, use_id) if transcript and use_id else None
    if asked is None:
        return False  # the model's own call cannot be told from ctxlean's rewrite of it
    return read_policy.keeps_whole(tool, asked, cwd, tokens, cfg.read_max_tokens, cfg.keep_whole_views,
                                   lambda: read_policy.edited_in(transcript, cwd))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
