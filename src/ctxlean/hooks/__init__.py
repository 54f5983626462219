"""Claude Code hook events, one module each: `ctxlean hook <event>` reads the event JSON on stdin.

Each handler module exposes `handle(event: dict) -> dict | None`; a dict is printed as the hook's JSON
answer, None prints nothing. Any failure is logged and the hook exits 0 with no output, so the session
goes on with Claude Code's own behaviour (fail open).
"""

from __future__ import annotations

import importlib
import json
import sys

# event argument -> (module, when Claude Code calls it)
HANDLERS: dict[str, tuple[str, str]] = {
    "post-tool-use": ("ctxlean.hooks.post_tool_use", "after a tool ran: offload a big output"),
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
