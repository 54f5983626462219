"""The two StepRunners for fan-out: one Messages API call, or one Claude Agent SDK `query()`.

`AnthropicSteps` suits steps that are a single model answer (extract, classify, summarise, review);
`AgentSDKSteps` suits steps that need tools (read files, run commands), each step a full agent run.
"""

from __future__ import annotations

import dataclasses

from ctxlean.batch.costs import Usage
from ctxlean.batch.fanout import Step, StepOutput


class StepFailed(RuntimeError):
    """The model run ended in an error (the message is the runner's own report)."""


class AnthropicSteps:
    """Each step is one `messages.create` on an `anthropic.AsyncAnthropic` client."""

    def __init__(self, client):
        self.client = client

    async def run(self, step: Step, prompt: str, model: str) -> StepOutput:
        kwargs: dict = {"model": model, "max_tokens": step.max_tokens,
                        "messages": [{"role": "user", "content": prompt}]}
        if step.system:
            kwargs["system"] = step.system
        message = await self.client.messages.create(**kwargs)
        text = "".join(block.text for block in message.content if block.type == "text")
        return StepOutput(text, message.model, Usage.from_api(message.usage.to_dict(mode="json")))


class AgentSDKSteps:
    """Each step is one `claude_agent_sdk.query()` with the given options (tools, cwd, env, ...); the
    step's model and system prompt override the options' own. The step's text is the run's final
    result; usage and cost are what Claude Code reports for the whole run, per model (its per-model
    report does not split cache writes by TTL: they are counted as 5-minute writes)."""

    def __init__(self, options=None):
        self.options = options

    async def run(self, step: Step, prompt: str, model: str) -> StepOutput:
        from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query

        options = dataclasses.replace(self.options or ClaudeAgentOptions(), model=model)
        if step.system:
            options = dataclasses.replace(options, system_prompt=step.system)
        result = None
        async for message in query(prompt=prompt, options=options):
            if isinstance(message, ResultMessage):
                result = message
        if result is None:
            raise StepFailed("the agent run ended without a result")
        if result.is_error:
            raise StepFailed(f"{result.subtype}: {result.result or '; '.join(result.errors or [])}")
        by_model = {name: Usage(input_tokens=u.get("inputTokens", 0),
                                cache_write_5m=u.get("cacheCreationInputTokens", 0),
                                cache_read=u.get("cacheReadInputTokens", 0), output_tokens=u.get("outputTokens", 0))
                    for name, u in (result.model_usage or {}).items()}
        return StepOutput(result.result or "", model, Usage.from_api(result.usage or {}), result.total_cost_usd,
                          by_model or None)
