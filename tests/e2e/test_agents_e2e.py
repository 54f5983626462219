"""Delegation to ctxlean's Haiku subagents, end to end: the real Claude Code CLI with the plugin installed,
and the Agent SDK with ctxlean_options, both against the fake API. Asserts on what the models received.

The scripted main model runs `cat service.log` (offloaded by the PostToolUse hook), then delegates to
each of the four agents in turn; each scripted subagent makes one tool call and answers in one line.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ctxlean.agents import load_agents
from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import claude_env, claude_executable
from ctxlean.fakeapi.script import (
    HANDLE_RE,
    all_tool_result_texts,
    find_handle,
    has_agent_header,
    last_tool_result_text,
    last_tool_results,
    not_,
    reply,
    system_text,
    text,
    tool_result_for,
    tool_result_text,
    tool_use,
    tool_use_names,
)
from ctxlean.paths import PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX

pytestmark = pytest.mark.e2e
DIGEST_LINES = (12001, 12040)  # the digest agent reads these: deep inside the log, far from the summary's head/tail


def service_log() -> str:
    rows = []
    for i in range(1, 20001):
        status = 503 if i % 4999 == 0 else 200
        level = "ERROR" if status == 503 else "INFO"
        rows.append(f"2026-11-25T10:{i // 600 % 60:02d}:{i % 60:02d}Z {level} req=r{i:06d} "
                    f"route=/api/items/{i * 7 % 1000} status={status} ms={i * 13 % 400} "
                    f"trace=t{i * 2654435761 % 2**32:08x}\n")
    return "".join(rows)


def delegations(handle: str, project: Path) -> list[tuple[str, str]]:
    """(agent, prompt) for each delegation the main model makes, in order."""
    return [
        ("digest", f"In {handle} (a service log): what happened between lines {DIGEST_LINES[0]} and "
                   f"{DIGEST_LINES[1]}? Answer in one sentence."),
        ("extract", f"From {handle} extract {{\"error_requests\": [req ids with status 503]}} as JSON."),
        ("classify", f"Label each line of {project}/items.txt as bug, feature or chore. JSON object line -> label."),
        ("format", f"Format lines 1-3 of {handle} as a Markdown table with columns time, req, status."),
    ]


def first_tool_call(agent: str, handle: str, project: Path, prefix: str) -> tuple[str, dict]:
    """The one tool call each scripted subagent makes (its tool list allows it)."""
    fetch = prefix + "fetch_detail"
    return {
        "digest": (fetch, {"handle": handle, "lines": f"{DIGEST_LINES[0]}-{DIGEST_LINES[1]}"}),
        "extract": (fetch, {"handle": handle, "grep": "status=503"}),
        "classify": ("Read", {"file_path": str(project / "items.txt")}),
        "format": (fetch, {"handle": handle, "lines": "1-3"}),
    }[agent]


def agent_of(body: dict, agents) -> str | None:
    """Which ctxlean agent sent this request, told by its system prompt (the agent file's first line)."""
    system = system_text(body)
    return next((name for name, spec in agents.items() if spec.prompt.splitlines()[0] in system), None)


def delegation_script(project: Path, prefix: str) -> Script:
    agents = load_agents()

    def main_turn(req):
        body = req.body
        handle = HANDLE_RE.search("\n".join(all_tool_result_texts(body))).group(0)  # from the offloaded Bash output
        done = sum(1 for name in tool_use_names(body).values() if name == "Agent")
        plan = delegations(handle, project)
        if done == len(plan):
            return reply(text("all delegations done"))
        agent, prompt = plan[done]
        return reply(tool_use("Agent", {"subagent_type": f"ctxlean:{agent}", "description": f"{agent} step",
                                        "prompt": prompt, "run_in_background": False}))

    def sub_turn(req):
        agent = agent_of(req.body, agents)
        if last_tool_result_text(req.body) is not None:
            return reply(text(f"{agent} agent: done."))
        task = req.body["messages"][0]["content"]
        task = task if isinstance(task, str) else " ".join(b.get("text", "") for b in task)
        found = HANDLE_RE.search(task)
        name, args = first_tool_call(agent, found.group(0) if found else "", project, prefix)
        return reply(tool_use(name, args))

    return Script([
        Rule("subagent", match=has_agent_header, respond=sub_turn),
        Rule("main_delegates", match=[not_(has_agent_header), tool_result_for("Agent")], respond=main_turn),
        Rule("main_after_bash", match=[not_(has_agent_header), tool_result_for("Bash")], respond=main_turn),
        Rule("main_start", match=not_(has_agent_header), respond=reply(tool_use(
            "Bash", {"command": "cat service.log", "description": "show the service log"}))),
    ])


def fill_project(project: Path) -> Path:
    (project / "service.log").write_text(service_log())
    (project / "items.txt").write_text("crash on empty cart\nadd dark mode\nbump lockfile\n")
    return project


def callable_tools(body: dict) -> set[str]:
    """Tools the model can call in this request (Claude Code also lists deferred placeholders)."""
    return {t["name"] for t in body.get("tools", []) if not t.get("defer_loading")}


def check_delegation(requests: list[dict], prefix: str) -> None:
    agents = load_agents()
    main = [r for r in requests if "x-claude-code-agent-id" not in r["headers"]]
    subs = [r for r in requests if "x-claude-code-agent-id" in r["headers"]]
    assert main and all("haiku" not in r["body"]["model"] for r in main)

    by_agent: dict[str, list[dict]] = {}
    for r in subs:
        by_agent.setdefault(agent_of(r["body"], agents), []).append(r)
    assert sorted(by_agent) == sorted(agents)  # each delegation reached its agent, under its own system prompt
    for name, reqs in by_agent.items():
        spec = agents[name]
        expected = set(spec.tools if prefix == PLUGIN_TOOL_PREFIX else spec.sdk_tools())
        assert len({r["headers"]["x-claude-code-agent-id"] for r in reqs}) == 1
        for r in reqs:
            assert "haiku" in r["body"]["model"], (name, r["body"]["model"])
            assert callable_tools(r["body"]) == expected, name
        (result,) = last_tool_results(reqs[-1]["body"])  # the answer to the agent's one tool call
        assert not result.get("is_error") and tool_result_text(result), (name, tool_result_text(result)[:300])

    # The digest agent really read the lines deep in the payload...
    digest_result = last_tool_result_text(by_agent["digest"][-1]["body"])
    lines = service_log().splitlines()[DIGEST_LINES[0] - 1:DIGEST_LINES[1]]
    assert all(f"{DIGEST_LINES[0] + i}: {line}" in digest_result for i, line in enumerate(lines))
    # ...and none of them ever reached the main agent, which got the summary and the one-line answers.
    main_text = "\n".join(json.dumps(r["body"], ensure_ascii=False) for r in main)
    assert not [line for line in lines if line.split(" trace=")[1] in main_text]
    assert "digest agent: done." in main_text and "format agent: done." in main_text
    assert len(main_text) < len(service_log()) / 4  # the 1.9 MB log itself never entered the main context


def test_claude_code_delegates_to_each_plugin_agent_on_haiku(project, ctxlean_home, session):
    fill_project(project)
    run, api = session(delegation_script(project, PLUGIN_TOOL_PREFIX), home=ctxlean_home,
                       prompt="Look at the service log and report.")
    assert run.rc == 0 and run.result["result"] == "all delegations done", run.stderr[-2000:]
    requests = api.model_requests()
    assert find_handle(requests[1]["body"])  # the log was offloaded before the main agent delegated
    check_delegation(requests, PLUGIN_TOOL_PREFIX)
    # The main agent is told about the agents and the delegation skill under the plugin's names.
    offered = json.dumps(requests[0]["body"])
    assert "- ctxlean:delegate: " in offered and all(f"- ctxlean:{name}: " in offered for name in load_agents())


def test_sdk_session_with_ctxlean_options_delegates_to_each_agent_on_haiku(tmp_path, project):
    from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query

    from ctxlean.sdk import ctxlean_options

    fill_project(project)
    home = tmp_path / "home"  # made by conftest's isolated_env

    async def session(url: str) -> ResultMessage:
        options = ctxlean_options(ClaudeAgentOptions(cwd=str(project), env=claude_env(home, url),
                                                     permission_mode="bypassPermissions", cli_path=claude_executable()))
        result = None
        async for message in query(prompt="Look at the service log and report.", options=options):
            if isinstance(message, ResultMessage):
                result = message
        return result

    with FakeAnthropic(delegation_script(project, SDK_TOOL_PREFIX), log_path=tmp_path / "requests.jsonl") as api:
        result = asyncio.run(asyncio.wait_for(session(api.url), 240))
        requests = api.model_requests()
    assert result.result == "all delegations done"
    assert any("haiku" in model for model in result.model_usage)  # the SDK accounts the subagents to Haiku too
    assert find_handle(requests[1]["body"])  # offloaded by the in-process hook
    check_delegation(requests, SDK_TOOL_PREFIX)
    # The main agent can call ctxlean's tools directly: loaded, not deferred behind ToolSearch.
    assert {SDK_TOOL_PREFIX + t for t in ("fetch_detail", "search_details", "list_details")} <= callable_tools(
        requests[0]["body"])


def test_routing_config_moves_a_plugin_agent_to_another_model(project, ctxlean_home, session):
    """[routing] classify = "sonnet" in the project's config: ctxlean:classify runs on Sonnet, digest stays on
    Haiku, and an explicit model chosen by the main agent is left alone."""
    (project / ".claude").mkdir()
    (project / ".claude" / "ctxlean.toml").write_text('[routing]\nclassify = "sonnet"\nformat = "sonnet"\n')
    calls = [{"subagent_type": "ctxlean:classify"}, {"subagent_type": "ctxlean:digest"},
             {"subagent_type": "ctxlean:format", "model": "haiku"}]

    def main_turn(req):
        done = sum(1 for name in tool_use_names(req.body).values() if name == "Agent")
        if done == len(calls):
            return reply(text("routed"))
        return reply(tool_use("Agent", {**calls[done], "description": "step", "prompt": f"step {done}",
                                        "run_in_background": False}))

    script = Script([Rule("subagent", match=has_agent_header, respond=reply(text("ok"))),
                     Rule("main", match=not_(has_agent_header), respond=main_turn)])
    run, api = session(script, home=ctxlean_home, prompt="route")
    assert run.rc == 0 and run.result["result"] == "routed", run.stderr[-2000:]
    requests = api.model_requests()
    agents = load_agents()
    models = {agent_of(r["body"], agents): r["body"]["model"] for r in requests
              if "x-claude-code-agent-id" in r["headers"]}
    assert "sonnet" in models["classify"] and "haiku" in models["digest"] and "haiku" in models["format"]
