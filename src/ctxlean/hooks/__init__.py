"""Claude Code hook events, one module each: `ctxlean hook <event>` reads the event JSON on stdin.

Each handler module exposes `handle(event: dict) -> dict | str | None`; a dict is printed as the hook's
JSON answer, a str as plain text (PreCompact: Claude Code joins it into the compaction's instructions),
None prints nothing. Any failure is logged and the hook exits 0 with no output, so the session
goes on with Claude Code's own behaviour (fail open).
"""

from __future__ import annotations

import importlib
import json
import sys

# event argument -> (module, when Claude Code calls it)
HANDLERS: dict[str, tuple[str, str]] = {
    "pre-tool-use": ("ctxlean.hooks.pre_tool_use", "before a tool runs: bound a Read that would blow the budget"),
    "post-tool-use": ("ctxlean.hooks.post_tool_use", "after a tool ran: offload a big output, note the budget"),
    "pre-compact": ("ctxlean.hooks.pre_compact", "before a compaction: tell it to keep the live handles"),
    "session-start": ("ctxlean.hooks.session_start", "after a compaction or resume: re-inject the handle index"),
}


def run(event_name: str, raw: bytes) -> str:
    """The text the hook prints for this event input ('' for nothing). Never raises."""
    from ctxlean.errorlog import log_error

    try:
        event = json.loads(raw)
        if not isinstance(event, dict):
            raise ValueError(f"hook input is {type(event).__name__}, not an object")
        module = importlib.import_module(HANDLERS[event_name][0])
        answer = module.handle(event)
        if isinstance(answer, str):
            return answer
        return json.dumps(answer, ensure_ascii=False) if answer else ""
    except Exception as exc:  # fail open: the original tool output reaches the model
        log_error(f"hook {event_name} failed", exc)
        return ""


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in HANDLERS:
        events = "\n".join(f"  {name:<14} {text}" for name, (_, text) in HANDLERS.items())
        print(f"usage: ctxlean hook <event>   (event JSON on stdin)\n\nevents:\n{events}", file=sys.stderr)
        return 2
    out = run(argv[1], sys.stdin.buffer.read())
    if out:
        sys.stdout.write(out)
    return 0
