"""Run one eval task on one model: a Claude Code session (through the Agent SDK) that *is* the agent.

The session gets the agent file's system prompt, exactly its tools (ctxlean's in-process MCP tools under
their SDK names, plus its built-in tools), ctxlean's hooks, and the task prompt as the main agent would
send it; the task's payload is put in the store first, as the PostToolUse hook would have. Offline, the
model is `fake_script`'s scripted stand-in on a FakeAnthropic server.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ctxlean.agents import AgentSpec
from ctxlean.paths import SDK_TOOL_PREFIX, project_of
from ctxlean.routing_eval.tasks import Task

MAX_TURNS = 12  # a mechanical task that needs more turns than this has failed anyway


@dataclass
class Outcome:
    task: Task
    model: str  # as requested: an alias or a model id
    answer: str = ""
    usage: dict = field(default_factory=dict)  # model id -> Claude Code's per-model usage (tokens, costUSD)
    turns: int = 0
    seconds: float = 0.0
    error: str | None = None  # the session failed (not: the answer was wrong)

    @property
    def canonical(self):
        return None if self.error else self.task.grader.canonical(self.answer)

    @property
    def correct(self) -> bool:
        return self.error is None and self.canonical == self.task.grader.expected()

    def tokens(self, kind: str) -> int:
        """Summed over the session's models; kind: inputTokens, outputTokens, cacheReadInputTokens, ..."""
        return sum(int(u.get(kind) or 0) for u in self.usage.values())

    def cost_usd(self) -> float:
        """The session's cost from ctxlean's price data (PricingError for a model without a price). Claude
        Code's per-model totals do not split cache writes by TTL, so they are priced at the 5-minute rate."""
        from ctxlean.usage.pricing import cost_usd

        return sum(cost_usd(model, {"input_tokens": int(u.get("inputTokens") or 0),
                                    "output_tokens": int(u.get("outputTokens") or 0),
                                    "cache_read_input_tokens": int(u.get("cacheReadInputTokens") or 0),
                                    "cache_creation_input_tokens": int(u.get("cacheCreationInputTokens") or 0)})
                   for model, u in self.usage.items())


@dataclass(frozen=True)
class Prepared:
    project: Path
    prompt: str
    handle: str | None


def prepare(task: Task, root: Path, model: str) -> Prepared:
    """The task's project dir with its file, its payload in the store, and the filled-in prompt."""
    project = root / f"{task.id}.{re.sub(r'[^A-Za-z0-9_.-]', '_', model)}"
    project.mkdir(parents=True, exist_ok=True)
    handle = None
    fill = {}  # str.replace, not format: prompts show JSON shapes with braces
    if task.payload is not None:
        from ctxlean.store import open_store

        with open_store() as store:
            handle = store.put(task.payload().encode(), project=store.scope(project_of(str(project))),
                               tool=task.payload_tool,
                               kind="text", description=f"routing eval: {task.id}").handle
        fill["handle"] = handle
    if task.file is not None:
        path = project / task.file[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(task.file[1]())
        fill["file"] = str(path)
    prompt = task.prompt
    for name, value in fill.items():
        prompt = prompt.replace("{" + name + "}", value)
    return Prepared(project, prompt, handle)


def session_options(spec: AgentSpec, model: str, project: Path, env: dict[str, str]):
    """ClaudeAgentOptions for a session that runs `spec` on `model` with exactly the agent's tools."""
    from claude_agent_sdk import ClaudeAgentOptions

    from ctxlean.sdk import ctxlean_options
    from ctxlean.sdk.mcp_tools import TOOL_NAMES

    tools = spec.sdk_tools()
    base = ClaudeAgentOptions(
        cwd=str(project), env=env, model=model, system_prompt=spec.prompt, setting_sources=[],
        tools=[t for t in tools if not t.startswith(SDK_TOOL_PREFIX)], allowed_tools=tools,
        disallowed_tools=[t for t in TOOL_NAMES if t not in tools], max_turns=MAX_TURNS,
        cli_path=os.environ.get("CTXLEAN_CLAUDE") or None)  # as everywhere in ctxlean: another Claude Code
    return ctxlean_options(base, agents=False)


async def run_session(task: Task, spec: AgentSpec, model: str, prepared: Prepared, env: dict[str, str]) -> Outcome:
    from claude_agent_sdk import ClaudeSDKError, ResultMessage, query

    outcome = Outcome(task, model)
    started = time.monotonic()
    try:
        async for message in query(prompt=prepared.prompt, options=session_options(spec, model, prepared.project, env)):
            if isinstance(message, ResultMessage):
                outcome.answer = message.result or ""
                outcome.usage = dict(message.model_usage or {})
                outcome.turns = message.num_turns
                if message.is_error:
                    outcome.error = f"{message.subtype}: {'; '.join(message.errors or []) or outcome.answer}"[:300]
    except (ClaudeSDKError, OSError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    outcome.seconds = time.monotonic() - started
    if not outcome.usage and outcome.error is None:
        outcome.error = "the session ended without a result"
    return outcome


class FakeModel:
    """The offline stand-in: per registered prompt, make the task's fake call, then answer from its result.

    It answers with the task's expected answer only when the tool result it received contains the task's
    evidence, so a broken store, handle, tool list or MCP server shows up as a wrong answer.
    """

    def __init__(self):
        self.sessions: dict[str, tuple[Task, Prepared]] = {}

    def register(self, task: Task, prepared: Prepared) -> None:
        self.sessions[prepared.prompt] = (task, prepared)

    def respond(self, req) -> dict:
        from ctxlean.fakeapi.script import last_tool_result_text, reply, text, tool_use

        first = (req.body.get("messages") or [{}])[0].get("content")
        first = first if isinstance(first, str) else "".join(b.get("text", "") for b in first or [])
        task, prepared = self.sessions.get(first.strip(), (None, None))
        if task is None:
            return reply(text("(fake model: unknown task)"))
        result = last_tool_result_text(req.body)
        if task.fake_call is not None and result is None:
            name, args = task.fake_call
            if name == "Read":
                return reply(tool_use("Read", {"file_path": str(prepared.project / task.file[0])}))
            return reply(tool_use(SDK_TOOL_PREFIX + name, {"handle": prepared.handle, **args}))
        if task.fake_call is not None and task.evidence not in (result or ""):
            return reply(text(f"not found: the {task.fake_call[0]} result lacked {task.evidence!r}"))
        return reply(text(task.grader.render()))

    def script(self):
        from ctxlean.fakeapi import Rule, Script

        return Script([Rule("routing-eval", respond=self.respond)])
