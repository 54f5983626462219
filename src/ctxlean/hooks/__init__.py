"""Claude Code hook events, one module each: `ctxlean hook <event>` reads the event JSON on stdin.

Each handler module exposes `handle(event: dict) -> dict | str | None`; a dict is printed as the hook's
JSON answer, a str as plain text (PreCompact: Claude Code joins it into the compaction's instructions),
None prints nothing. Any failure is logged and the hook exits 0 with no output, so the session
goes on with Claude Code's own behaviour (fail open).
"""

from __future__ import annotations

import importlib
import json
import os
import sys

# Claude Code's own caps keep hook inputs to a few MB (big Bash output arrives as persistedOutputPath);
# beyond this the input passes through untouched rather than be parsed whole into memory.
MAX_INPUT_BYTES = 64 << 20

# Set on events from the Agent SDK's in-process callbacks (ctxlean.sdk.hooks): the handler then runs in the
# SDK's process, not under the Claude Code it serves, and cannot see that CLI's launch flags.
IN_PROCESS = "ctxlean_in_process"

# event argument -> (module, when Claude Code calls it)
HANDLERS: dict[str, tuple[str, str]] = {
    "pre-tool-use": ("ctxlean.hooks.pre_tool_use",
                     "before a tool runs: bound a big Read, keep the output of a test run or build if it fails"),
    "route-agent": ("ctxlean.hooks.route_agent", "before an Agent call: apply [routing] to ctxlean's agents"),
    "post-tool-use": ("ctxlean.hooks.post_tool_use", "after a tool ran: offload a big output, note the budget"),
    "post-tool-use-failure": ("ctxlean.hooks.post_tool_use_failure",
                              "after a command failed: summarize the output Claude Code cut, with a handle"),
    "pre-compact": ("ctxlean.hooks.pre_compact", "before a compaction: tell it to keep the live handles"),
    "session-start": ("ctxlean.hooks.session_start", "after a compaction or resume: re-inject the handle index"),
}


def answer(event_name: str, event: object) -> dict | str | None:
    """The handler's answer to one parsed event (JSON object, or plain text), None for none. Never raises.

    Shared by the command hook (`run`) and the Agent SDK's in-process callbacks (ctxlean.sdk), so both
    fail open the same way: on any error the error is logged and the session goes on unchanged.
    """
    from ctxlean.errorlog import log_error

    try:
        if not isinstance(event, dict):
            raise ValueError(f"hook input is {type(event).__name__}, not an object")
        module = importlib.import_module(HANDLERS[event_name][0])
        return module.handle(event) or None
    except Exception as exc:  # fail open: the original tool output reaches the model
        log_error(f"hook {event_name} failed", exc)
        return None


def run(event_name: str, raw: bytes) -> str:
    """The text the hook prints for this event input ('' for nothing). Never raises."""
    try:
        if len(raw) > MAX_INPUT_BYTES:
            raise ValueError(f"hook input is {len(raw):,} bytes, over {MAX_INPUT_BYTES:,}: passed through")
        result = answer(event_name, json.loads(raw))
        if isinstance(result, str):
            return result.encode("utf-8", "replace").decode("utf-8")
        return _dumps(result) if result else ""
    # not JSON in (or too deep, or too big to parse), or an answer that JSON cannot encode
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        from ctxlean.errorlog import log_error

        log_error(f"hook {event_name} failed", exc)
        return ""


def _dumps(answer: dict) -> str:
    text = json.dumps(answer, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the input: \u escapes keep the answer valid UTF-8
        text = json.dumps(answer)
    return text


def _read_capped(stream) -> bytes:
    """stdin up to MAX_INPUT_BYTES + 1 (enough for run() to refuse it); the rest is drained, not kept, so
    Claude Code never blocks writing to a hook that stopped reading."""
    data = stream.read(MAX_INPUT_BYTES + 1)
    while stream.read(1 << 20):
        pass
    return data


def usage() -> str:
    events = "\n".join(f"  {name:<21} {text}" for name, (_, text) in HANDLERS.items())
    return (f"usage: ctxlean hook <event>   (Claude Code runs it, the event JSON on stdin)\n\nevents:\n{events}\n\n"
            "reads:   the event JSON on stdin; the ctxlean config; the transcript it names; the payload store\n"
            "writes:  the answer JSON (or nothing) on stdout; the payload store and its ledger; errors.log in\n"
            "         the data dir when something fails (the hook then prints nothing: fail open)\n\n"
            "example:\n  ctxlean hook post-tool-use < tests/fixtures/hook_inputs/bash_persisted.json\n\n"
            "exit status: always 0 for an event (a hook never breaks the session); 2 for an unknown event")


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(usage())
        return 0
    if len(argv) < 2 or argv[1] not in HANDLERS:
        print(usage(), file=sys.stderr)
        return 2
    try:
        out = run(argv[1], _read_capped(sys.stdin.buffer))
        if out:
            sys.stdout.buffer.write(out.encode("utf-8"))
            sys.stdout.flush()
    except Exception as exc:  # stdin or stdout gone (Claude Code cancelled the call): nothing to answer
        from ctxlean.errorlog import log_error

        log_error(f"hook {argv[1]} could not read its input or write its answer", exc)
        try:  # else the interpreter's own final flush of the dead stdout fails and exits with status 120
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
    return 0
