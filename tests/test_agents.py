"""The plugin's subagents (plugin/agents/*.md): what Claude Code and the SDK load from them."""

import asyncio

import pytest

from ctxlean import routing
from ctxlean.agents import PLUGIN_TOOL_PREFIX, AgentFileError, load_agents, parse_frontmatter

MECHANICAL = ("classify", "digest", "extract", "format")
WRITE_TOOLS = {"Write", "Edit", "MultiEdit", "NotebookEdit", "Bash", "Agent", "WebFetch", "WebSearch"}


def server_tool_names() -> set[str]:
    from ctxlean.mcp_server.server import build_server

    return {tool.name for tool in asyncio.run(build_server("/nonexistent-project").list_tools())}


def test_four_mechanical_agents_on_haiku_with_read_only_tools():
    agents = load_agents()
    assert sorted(agents) == list(MECHANICAL)
    served = server_tool_names()
    for spec in agents.values():
        assert spec.model == "haiku"
        assert not WRITE_TOOLS & set(spec.tools), spec.name
        assert set(spec.tools) <= {"Read", "Grep"} | {PLUGIN_TOOL_PREFIX + t for t in served}, spec.name
        assert PLUGIN_TOOL_PREFIX + "fetch_detail" in spec.tools  # every agent can read stored payloads
        assert "Runs on Haiku" in spec.description and len(spec.prompt) > 500


def test_agent_files_agree_with_the_routing_policy_defaults():
    # Claude Code reads the file's model line; the SDK and the eval read the policy: they must not drift.
    for spec in load_agents().values():
        assert spec.model == routing.default_policy()[spec.name].model


def test_sdk_tool_names_map_the_plugin_server_to_the_in_process_one():
    digest = load_agents()["digest"]
    assert digest.sdk_tools() == ["mcp__ctxlean__fetch_detail", "mcp__ctxlean__search_details",
                                  "mcp__ctxlean__list_details", "Grep", "Read"]


def test_frontmatter_folded_blocks_and_plain_values():
    fields, body = parse_frontmatter("---\nname: x\ndescription: >-\n  one: two\n  three\ntools: A, B\n---\nBody\n",
                                     "t.md")
    assert fields == {"name": "x", "description": "one: two three", "tools": "A, B"}
    assert body == "Body\n"


@pytest.mark.parametrize("text", ["no frontmatter\n", "---\nname: x\n", "---\nname: |\n  a\n---\n",
                                  "---\nlist: [a, b]\n---\n", "---\n- item\n---\n"])
def test_frontmatter_outside_the_supported_subset_is_an_error(text):
    with pytest.raises(AgentFileError, match="t.md"):
        parse_frontmatter(text, "t.md")
