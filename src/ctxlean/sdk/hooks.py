"""ctxlean's hooks as in-process Agent SDK callbacks, read from the plugin's hooks/hooks.json.

The plugin's hooks.json is the one list of which events ctxlean hooks and with which matchers; each
command there is `ctxlean-shim hook <event>`. Here every such entry becomes a HookMatcher whose callback
hands the event to the same handler module the command hook runs (ctxlean.hooks.answer), in a worker
thread, and fails open the same way: an error is logged and the callback answers {} (no decision).

Every event hooks.json names is registered, including ones the Python SDK's HookEvent type does not list:
the CLI fires SDK callbacks for them too (SessionStart after a compaction was observed on Claude Code
2.1.330).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ctxlean.hooks import HANDLERS, IN_PROCESS, answer


def plugin_hooks_path() -> Path:
    from ctxlean.install import marketplace_dir

    return marketplace_dir() / "plugin" / "hooks" / "hooks.json"


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
    """An SDK hook callback running ctxlean's `handler` on the event; {} when it has nothing to say.

    A plain-text answer (a command hook's stdout: PreCompact's compaction instructions) is returned as
    systemMessage, which Claude Code adds to the compaction prompt as "Additional Instructions" when an
    SDK callback answers PreCompact (observed on 2.1.330; a bare string is rejected there).
    """

    async def ctxlean_hook(input_data: dict, tool_use_id: str | None, context) -> dict:
        event = {**input_data, IN_PROCESS: True}
        result = await asyncio.to_thread(answer, handler, event)
        if isinstance(result, str):
            return {"systemMessage": result}
        return result or {}

    ctxlean_hook.__qualname__ = f"ctxlean_hook[{handler}]"
    return ctxlean_hook


def hook_matchers(path: Path | None = None) -> dict[str, list]:
    """{event: [HookMatcher]} for every ctxlean command hook in hooks.json."""
    from claude_agent_sdk import HookMatcher

    matchers: dict[str, list] = {}
    for event, matcher, handler, timeout in command_hooks(path):
        if handler not in HANDLERS:
            raise LookupError(f"hooks.json runs `ctxlean hook {handler}`, which ctxlean.hooks.HANDLERS lacks")
        matchers.setdefault(event, []).append(HookMatcher(matcher=matcher, hooks=[callback(handler)],
                                                          timeout=timeout))
    return matchers
