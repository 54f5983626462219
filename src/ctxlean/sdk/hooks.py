"""ctxlean's hooks as in-process Agent SDK callbacks, read from the plugin's hooks/hooks.json.

The plugin's hooks.json is the one list of which events ctxlean hooks and with which matchers; each
command there is `ctxlean-shim hook <event>`. Here every such entry becomes a HookMatcher whose callback
hands the event to the same handler module the command hook runs (ctxlean.hooks.answer), in a worker
thread, and fails open the same way: an error is logged and the callback answers {} (no decision).
"""

from __future__ import annotations

import asyncio
import json
import typing
from pathlib import Path

from ctxlean.hooks import HANDLERS, answer


def plugin_hooks_path() -> Path:
    from ctxlean.install import marketplace_dir

    return marketplace_dir() / "plugin" / "hooks" / "hooks.json"


def sdk_events() -> set[str]:
    """Hook events the Python SDK can register in-process callbacks for (its HookEvent type)."""
    from claude_agent_sdk.types import HookEvent

    return {value for literal in typing.get_args(HookEvent) for value in typing.get_args(literal)}


def command_hooks(path: Path | None = None) -> list[tuple[str, str | None, str, float | None]]:
    """(SDK event, matcher, ctxlean handler name, timeout) for each ctxlean command in hooks.json."""
    spec = json.loads((path or plugin_hooks_path()).read_text(encoding="utf-8"))
    found = []
    for event, groups in spec.get("hooks", {}).items():
        for group in groups:
            for hook in group.get("hooks", []):
                words = str(hook.get("command", "")).split()
                if hook.get("type") == "command" and len(words) >= 2 and words[-2] == "hook":
                    found.append((event, group.get("matcher"), words[-1], hook.get("timeout")))
    return found


def callback(handler: str):
    """An SDK hook callback running ctxlean's `handler` on the event; {} when it has nothing to say."""

    async def ctxlean_hook(input_data: dict, tool_use_id: str | None, context) -> dict:
        return await asyncio.to_thread(answer, handler, dict(input_data)) or {}

    ctxlean_hook.__qualname__ = f"ctxlean_hook[{handler}]"
    return ctxlean_hook


def hook_matchers(path: Path | None = None) -> tuple[dict[str, list], list[str]]:
    """({event: [HookMatcher]}, events skipped because the Python SDK cannot register them in process)."""
    from claude_agent_sdk import HookMatcher

    supported = sdk_events()
    matchers: dict[str, list] = {}
    skipped = []
    for event, matcher, handler, timeout in command_hooks(path):
        if handler not in HANDLERS:
            raise LookupError(f"hooks.json runs `ctxlean hook {handler}`, which ctxlean.hooks.HANDLERS lacks")
        if event not in supported:
            skipped.append(event)
            continue
        matchers.setdefault(event, []).append(HookMatcher(matcher=matcher, hooks=[callback(handler)],
                                                          timeout=timeout))
    return matchers, skipped
