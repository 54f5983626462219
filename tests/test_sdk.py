"""ctxlean.sdk without the CLI: the options it builds, its hook callbacks, its in-process MCP server.
End to end through the real CLI: tests/e2e/test_agents_e2e.py."""

import asyncio
import json
import re

import pytest
from claude_agent_sdk import AgentDefinition, ClaudeAgentOptions, HookMatcher
from support import load_sample

from ctxlean.sdk import ctxlean_options
from ctxlean.sdk.hooks import command_hooks, hook_matchers, plugin_hooks_path
from ctxlean.sdk.mcp_tools import ALWAYS_LOAD, TOOL_NAMES
from ctxlean.store import open_store

HANDLE = re.compile(r"ctx_[0-9a-f]{16}")


async def user_hook(input_data, tool_use_id, context):
    return {}


def test_options_add_ctxlean_and_keep_what_the_user_set(tmp_path):
    mine = AgentDefinition(description="mine", prompt="p")
    user = ClaudeAgentOptions(cwd=str(tmp_path), allowed_tools=["Bash"], mcp_servers={"other": {"type": "stdio",
                              "command": "x"}}, hooks={"PostToolUse": [HookMatcher(matcher="Bash", hooks=[user_hook])]},
                              agents={"ctxlean:format": mine})
    options = ctxlean_options(user)
    assert set(options.mcp_servers) == {"other", "ctxlean"} and options.mcp_servers["ctxlean"]["type"] == "sdk"
    assert options.allowed_tools == ["Bash", *TOOL_NAMES]
    post = options.hooks["PostToolUse"]
    assert post[0].hooks == [user_hook] and len(post) == 2  # the user's hooks run first
    assert post[1].matcher == json.loads(plugin_hooks_path().read_text())["hooks"]["PostToolUse"][0]["matcher"]
    assert options.agents["ctxlean:format"] is mine  # the user's definition wins a clash
    digest = options.agents["ctxlean:digest"]
    assert digest.model == "haiku" and "mcp__ctxlean__fetch_detail" in digest.tools and "Grep" in digest.tools
    # The user's object is left alone.
    assert user.allowed_tools == ["Bash"] and len(user.hooks["PostToolUse"]) == 1 and set(user.agents) == {
        "ctxlean:format"}


def test_routing_override_moves_an_agent_to_another_model(tmp_path, monkeypatch):
    monkeypatch.setenv("CTXLEAN_ROUTING", "classify=sonnet")
    agents = ctxlean_options(ClaudeAgentOptions(cwd=str(tmp_path))).agents
    assert agents["ctxlean:classify"].model == "sonnet" and agents["ctxlean:extract"].model == "haiku"


def test_mcp_servers_as_a_file_path_cannot_be_merged(tmp_path):
    with pytest.raises(ValueError, match="config file path"):
        ctxlean_options(ClaudeAgentOptions(mcp_servers=str(tmp_path / "mcp.json")))
    assert ctxlean_options(ClaudeAgentOptions(mcp_servers="x.json"), tools=False).mcp_servers == "x.json"


def test_every_plugin_command_hook_becomes_a_callback():
    commands = command_hooks()
    assert ("PostToolUse", "Bash|Read|Grep|Glob|WebFetch|mcp__.*", "post-tool-use", 60) in commands
    matchers = hook_matchers()
    assert sum(len(group) for group in matchers.values()) == len(commands)
    assert {event for event, *_ in commands} == set(matchers)


def run_callback(event: dict) -> dict:
    callback = hook_matchers()["PostToolUse"][0].hooks[0]
    return asyncio.run(callback(event, event.get("tool_use_id"), {"signal": None}))


def test_post_tool_use_callback_offloads_like_the_command_hook():
    event = load_sample("post_bash_medium.json")
    answer = run_callback(event)
    stdout = answer["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
    with open_store() as store:
        assert store.read_bytes(HANDLE.search(stdout)[0], event["cwd"]).decode() == event["tool_response"]["stdout"]


def test_callback_fails_open_and_logs(tmp_path):
    event = load_sample("post_bash_medium.json")
    with open_store() as store:  # a store this ctxlean cannot use (a bad file would be moved aside instead)
        store.db.execute("PRAGMA user_version = 99")
    assert run_callback(event) == {}
    assert "hook post-tool-use failed" in (tmp_path / "store" / "errors.log").read_text()


def test_in_process_tools_are_always_loaded_and_read_the_sessions_project(tmp_path):
    from mcp import Client

    project = tmp_path / "proj"
    project.mkdir()
    payload = "".join(f"line {i}\n" for i in range(1, 5001)).encode()
    with open_store() as store:
        handle = store.put(payload, project=str(project.resolve()), tool="Bash", kind="text", description="d").handle
    server = ctxlean_options(ClaudeAgentOptions(cwd=str(project)), hooks=False, agents=False).mcp_servers["ctxlean"]

    async def talk():
        async with Client(server["instance"]) as client:
            tools = (await client.list_tools()).tools
            ok = await client.call_tool("fetch_detail", {"handle": handle, "lines": "4000-4002"})
            bad = await client.call_tool("fetch_detail", {"handle": "ctx_0000000000000000"})
            return tools, ok, bad, client.instructions

    tools, ok, bad, instructions = asyncio.run(talk())
    assert {f"mcp__ctxlean__{t.name}" for t in tools} == set(TOOL_NAMES)
    assert all(t.meta and t.meta[ALWAYS_LOAD] is True for t in tools)
    assert "mcp__ctxlean__fetch_detail" in instructions
    assert not ok.is_error and "4000: line 4000\n4001: line 4001\n4002: line 4002" in ok.content[0].text
    assert bad.is_error and "unknown handle" in bad.content[0].text
