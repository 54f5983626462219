"""Normalized agent trajectories (benchmarks/replay/data/<framework>/*.json.gz) -> a replayable Session.

A trajectory is {id, framework, provenance, outputs_cut, system, task, steps: [{thought, action: {tool,
raw_tool, input}, observation, error, ts?}], final}: what another agent framework (SWE-agent,
mini-SWE-agent, ...) showed its model, step by step. Its context is one chain: the system prompt as the
prefix, the task, then per step a request whose response is the thought and the action, and the
observation as the tool result. Such sources record no usage, so both replays are simulated; a step
without a timestamp takes Setup.pace_seconds. A trajectory with `shown_max_chars` had its framework show
the model only the first and last half of that many characters of a longer observation: the model sees
that cut in the replay as it ran, and ctxlean the whole observation, as its hook would.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from ctxlean.replay.session import Block, Chain, Request, Session, ToolCall
from ctxlean.tokens import estimate_tokens


class TrajectoryError(ValueError):
    """A trajectory file that is not in the normalized format; the message says where."""


def load(path: Path) -> dict:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise TrajectoryError(f"{path}: not a readable JSON trajectory ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise TrajectoryError(f"{path}: no steps list")
    return data


def session_of(data: dict, pace_seconds: float = 10.0) -> Session:
    """The Session of one normalized trajectory."""
    model = str((data.get("provenance") or {}).get("model") or "")
    system = data.get("system") or ""
    chain = Chain(None, prefix_tokens=estimate_tokens(system))
    task = str(data.get("task") or "")
    chain.items.append(Block("user", "text", task, estimate_tokens(task)))
    for number, step in enumerate(data["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("action"), dict):
            raise TrajectoryError(f"{data.get('id')}: step {number} has no action")
        thought = str(step.get("thought") or "")
        action = step["action"]
        tool = str(action.get("tool") or "Bash")
        tool_input = action.get("input") if isinstance(action.get("input"), dict) else {}
        call_text = tool + json.dumps(tool_input, ensure_ascii=False, sort_keys=True)
        ts = float(step["ts"]) if isinstance(step.get("ts"), int | float) else number * pace_seconds
        chain.items.append(Request(ts, model, estimate_tokens(thought) + estimate_tokens(call_text)))
        if thought:
            chain.items.append(Block("assistant", "text", thought, estimate_tokens(thought)))
        chain.items.append(Block("assistant", "tool_use", call_text, estimate_tokens(call_text),
                                 ToolCall(f"step{number}", tool, tool_input, "")))
        observation = str(step.get("observation") or "")
        shown = _cut(observation, data.get("shown_max_chars"))
        call = ToolCall(f"step{number}", tool, tool_input, shown, error=bool(step.get("error")),
                        cut=bool(data.get("outputs_cut")), output=observation if shown != observation else None)
        chain.items.append(Block("user", "tool_result", shown, estimate_tokens(shown), call))
    final = str(data.get("final") or "")
    if final:
        ts = len(data["steps"]) * pace_seconds
        chain.items.append(Request(ts, model, estimate_tokens(final)))
        chain.items.append(Block("assistant", "text", final, estimate_tokens(final)))
    return Session(str(data.get("id") or "trajectory"), str((data.get("provenance") or {}).get("repository", "")),
                   str(data.get("framework") or "unknown"), [chain], outputs_cut=bool(data.get("outputs_cut")))


def _cut(text: str, max_chars: object) -> str:
    """What a framework that keeps the first and last half of max_chars characters showed of text."""
    if not isinstance(max_chars, int) or len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half:,} characters cut ...]\n{text[-half:]}"
