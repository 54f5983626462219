"""The routing policy: step kind -> model, shipped as data, overridable in config."""

import pytest

from ctxlean import config, routing


def test_defaults_main_model_for_planning_sonnet_for_bulk_haiku_for_mechanical():
    cfg = config.load()
    assert routing.model_for("planning", cfg) == "inherit"
    assert routing.model_for("bulk", cfg) == "sonnet"
    assert [routing.model_for(k, cfg) for k in ("digest", "extract", "classify", "format")] == ["haiku"] * 4
    with pytest.raises(KeyError, match="known: planning"):
        routing.model_for("summarize", cfg)


def test_overrides_from_project_config_and_environment(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text('[routing]\nclassify = "sonnet"\nformat = "sonnet"\n')
    monkeypatch.setenv("CTXLEAN_ROUTING", "format=claude-haiku-5-5, planning=opus")
    cfg = config.load(str(project))
    steps = routing.policy(cfg)
    assert (steps["classify"].model, steps["format"].model, steps["planning"].model) == (
        "sonnet", "claude-haiku-5-5", "opus")
    assert steps["digest"].model == "haiku" and steps["digest"].what


@pytest.mark.parametrize("body, message", [
    ('[routing]\nsummarise = "haiku"\n', "unknown step kind 'summarise'"),
    ('[routing]\ndigest = ""\n', "routing.digest"),
    ('routing = "digest"\n', "routing"),
])
def test_bad_routing_config_names_the_file_and_the_step(tmp_path, body, message):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text(body)
    with pytest.raises(config.ConfigError, match=message) as caught:
        config.load(str(project))
    assert "ctxlean.toml" in str(caught.value)


def agent_call(project, **tool_input) -> dict:
    return {"hook_event_name": "PreToolUse", "tool_name": "Agent", "cwd": str(project),
            "tool_input": {"description": "d", "prompt": "p", **tool_input}}


def test_route_agent_hook_applies_config_overrides_to_ctxlean_agents_only(tmp_path):
    from ctxlean.hooks import answer

    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text(
        '[routing]\nclassify = "sonnet"\nextract = "claude-sonnet-5-5"\n')
    routed = answer("route-agent", agent_call(project, subagent_type="ctxlean:classify"))
    assert routed["hookSpecificOutput"]["updatedInput"] == {"description": "d", "prompt": "p",
                                                           "subagent_type": "ctxlean:classify", "model": "sonnet"}
    assert answer("route-agent", agent_call(project, subagent_type="ctxlean:digest")) is None  # no override
    assert answer("route-agent", agent_call(project, subagent_type="ctxlean:classify", model="opus")) is None
    assert answer("route-agent", agent_call(project, subagent_type="classify")) is None  # not ctxlean's agent
    assert answer("route-agent", agent_call(project, subagent_type="ctxlean:extract")) is None  # not an alias
