"""ctxlean in an Agent SDK session: one call adds the hooks, the fetch_detail tools and the Haiku agents.

    python examples/sdk_quickstart.py            # with ANTHROPIC_API_KEY set: the real API
    python examples/sdk_quickstart.py --fake     # offline: ctxlean's fake API plays a scripted model

The session runs a command that prints a 20,000-line log. ctxlean's PostToolUse hook stores it out of band
and the model sees a summary with a handle; the model hands the handle to the ctxlean:digest agent, which
reads the log through mcp__ctxlean__fetch_detail on Haiku. The script prints the answer and, per model,
the tokens and cost the session used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query

from ctxlean.sdk import ctxlean_options

LOG_COMMAND = ("python3 -c \"import random; r = random.Random(1)\n"
               "for i in range(20000):\n"
               "    print(f'req={i:05d} status={r.choice([200] * 500 + [503])} ms={r.randint(1, 900)}')\"")
PROMPT = (f"Run this command: {LOG_COMMAND}\nThen ask the ctxlean:digest agent how many requests got status 503 "
          "and which request ids they were. Reply with its answer only.")


def fake_api():
    """The fake API with a scripted model doing what the prompt asks (for a run without a key)."""
    from ctxlean.fakeapi import FakeAnthropic, Rule, Script
    from ctxlean.fakeapi.script import (
        HANDLE_RE,
        find_handle,
        has_agent_header,
        last_tool_result_text,
        not_,
        reply,
        text,
        tool_result_for,
        tool_use,
    )

    def subagent(req):
        result = last_tool_result_text(req.body)
        if result is None:  # first turn: grep the stored log (its handle is in the task) for the 503s
            handle = HANDLE_RE.search(str(req.body["messages"][0]["content"])).group(0)
            return reply(tool_use("mcp__ctxlean__fetch_detail", {"handle": handle, "grep": "status=503"}))
        ids = [line.split("req=")[1].split()[0] for line in result.splitlines() if " status=503" in line]
        return reply(text(f"{len(ids)} requests got status 503: {', '.join(ids)}."))

    def delegate(req):
        return reply(tool_use("Agent", {"subagent_type": "ctxlean:digest", "description": "count the 503s",
                                        "prompt": f"In {find_handle(req.body)}: how many requests got status 503, "
                                                  "and which request ids?", "run_in_background": False}))

    return FakeAnthropic(Script([
        Rule("digest", match=has_agent_header, respond=subagent),
        Rule("answer", match=tool_result_for("Agent"), respond=lambda req: reply(text(
            last_tool_result_text(req.body).split("The report follows:")[-1].split("agentId:")[0].strip())),),
        Rule("delegate", match=[not_(has_agent_header), tool_result_for("Bash")], respond=delegate),
        Rule("run", match=not_(has_agent_header), respond=reply(tool_use("Bash", {"command": LOG_COMMAND,
                                                                                  "description": "print the log"}))),
    ]))


async def run(env: dict[str, str], project: Path) -> ResultMessage:
    options = ctxlean_options(ClaudeAgentOptions(cwd=str(project), env=env, permission_mode="acceptEdits",
                                                 allowed_tools=["Bash"]))
    result = None
    async for message in query(prompt=PROMPT, options=options):
        if isinstance(message, ResultMessage):
            result = message
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run offline against ctxlean's fake API")
    args = parser.parse_args()
    if not args.fake and not os.environ.get("ANTHROPIC_API_KEY"):
        print("set ANTHROPIC_API_KEY, or pass --fake to run offline against the fake API", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ctxlean-quickstart-") as tmp:
        project = Path(tmp)
        if args.fake:
            os.environ["CTXLEAN_STORE"] = str(project / ".store")  # keep the demo's payloads out of your store
            (project / "home").mkdir()
            with fake_api() as api:
                env = {"HOME": str(project / "home"), "ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": "fake",
                       "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
                result = asyncio.run(run(env, project))
        else:
            result = asyncio.run(run({}, project))
    print(f"answer: {result.result}")
    for model, usage in (result.model_usage or {}).items():
        print(f"{model:<24} input {usage['inputTokens']:>7,}  output {usage['outputTokens']:>5,}  "
              f"cache read {usage['cacheReadInputTokens']:>7,}  ${usage['costUSD']:.4f}")
    return 0 if not result.is_error else 1


if __name__ == "__main__":
    sys.exit(main())
