"""Compaction at the context budget for Agent SDK sessions: a ClaudeSDKClient that keeps its handles.

    from ctxlean.sdk.compaction import BudgetedClient

    async with BudgetedClient(options, budget_tokens=100_000) as client:
        for prompt in prompts:
            await client.query(prompt)
            async for message in client.receive_response():
                ...

After every turn the client knows the context its last response reported (input + cache read + cache write
+ output: the sum ctxlean.budget takes from the transcript). When that reached the budget, the next query()
first sends `/compact` with ctxlean's keep-the-handles instructions (ctxlean.live_handles), so the summary
names every handle the session offloaded. Compacting before the next query, not right after the turn, spares
a session that ends there a compaction it would never use. Inside a long turn Claude Code's own
auto-compaction fires at the same budget: the client sets its variables (ctxlean.budget.autocompact_env) in
options.env unless the caller set them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ctxlean import config
from ctxlean.budget import autocompact_env
from ctxlean.live_handles import keep_instructions, live_handles
from ctxlean.paths import project_of

_USAGE_KEYS = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens")


@dataclass(frozen=True)
class Compaction:
    """One compaction the client asked for."""

    session_id: str
    tokens_before: int  # the context that triggered it
    tokens_after: int | None  # as Claude Code reported it (compact_boundary post_tokens)
    handles: tuple[str, ...]  # the handles the instructions told it to keep


class BudgetedClient:
    """A ClaudeSDKClient (as `.client`) that compacts with ctxlean's instructions once the budget is reached.

    `budget_tokens` defaults to the project's context_budget_tokens (ctxlean config); the project is
    `project`, else options.cwd, else this process's directory: the scope whose store holds the handles.
    """

    def __init__(self, options: Any = None, *, budget_tokens: int | None = None, project: str | None = None):
        from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient

        options = options or ClaudeAgentOptions()
        self.project = project or project_of(str(options.cwd) if options.cwd else None)
        self.budget_tokens = budget_tokens or config.load(self.project).context_budget_tokens
        env = {**autocompact_env(self.budget_tokens), **(options.env or {})}
        self.client = ClaudeSDKClient(dataclasses.replace(options, env=env))
        self.context_tokens = 0  # as of the last response seen
        self.session_id: str | None = None
        self.compactions: list[Compaction] = []

    async def __aenter__(self) -> BudgetedClient:
        await self.client.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.disconnect()

    async def query(self, prompt: Any, session_id: str = "default") -> None:
        """Send the next prompt, compacting first if the last turn left the context at or over the budget."""
        await self.compact_if_due()
        await self.client.query(prompt, session_id)

    async def receive_response(self) -> AsyncIterator[Any]:
        """The turn's messages, as ClaudeSDKClient.receive_response yields them; the context is tracked."""
        async for message in self.client.receive_response():
            self._observe(message)
            yield message

    def _observe(self, message: Any) -> None:
        from claude_agent_sdk import AssistantMessage, ResultMessage, SystemMessage

        if isinstance(message, AssistantMessage) and message.parent_tool_use_id is None and message.usage:
            self.context_tokens = sum(int(message.usage.get(k) or 0) for k in _USAGE_KEYS)
        elif isinstance(message, SystemMessage) and message.subtype == "compact_boundary":
            after = (message.data.get("compact_metadata") or {}).get("post_tokens")
            self.context_tokens = int(after or 0)  # Claude Code compacted (ours, or its own auto-compaction)
        if isinstance(message, (AssistantMessage, ResultMessage)) and message.session_id:
            self.session_id = message.session_id

    async def compact_if_due(self) -> Compaction | None:
        """Compact when the context is at or over the budget; the Compaction, or None when not due."""
        if self.session_id is None or self.context_tokens < self.budget_tokens:
            return None
        return await self.compact()

    async def compact(self) -> Compaction:
        """Send `/compact` with the keep-the-handles instructions and wait for it to finish."""
        from claude_agent_sdk import SystemMessage

        if self.session_id is None:
            raise RuntimeError("nothing to compact before the first turn")
        handles = live_handles(self.project, self.session_id)
        before, after = self.context_tokens, None
        await self.client.query(f"/compact {keep_instructions(handles)}".rstrip())
        async for message in self.client.receive_response():
            self._observe(message)
            if isinstance(message, SystemMessage) and message.subtype == "compact_boundary":
                after = self.context_tokens
        done = Compaction(self.session_id, before, after, tuple(h.handle for h in handles))
        self.compactions.append(done)
        return done


__all__ = ["BudgetedClient", "Compaction"]
