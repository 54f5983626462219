from pathlib import Path

import pytest

from ctxlean import config


def test_defaults():
    cfg = config.load()
    assert cfg.offload_threshold_tokens == 1500
    assert cfg.summary_budget_tokens == 400
    assert cfg.offloads("Bash") and cfg.offloads("mcp__github__search") and not cfg.offloads("Edit")


def test_layering_user_then_project_then_env(tmp_path, monkeypatch):
    user = Path(config.user_config_path())
    user.parent.mkdir(parents=True)
    user.write_text("offload_threshold_tokens = 900\nsummary_budget_tokens = 300\n")
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text(
        'summary_budget_tokens = 250\n[tools."mcp__*"]\noffload_threshold_tokens = 4000\n')
    monkeypatch.setenv("CTXLEAN_FETCH_BUDGET_TOKENS", "1000")
    cfg = config.load(str(project))
    assert (cfg.offload_threshold_tokens, cfg.summary_budget_tokens, cfg.fetch_budget_tokens) == (900, 250, 1000)
    assert cfg.for_tool("mcp__x__y").offload_threshold_tokens == 4000
    assert cfg.for_tool("Bash").offload_threshold_tokens == 900


def test_bad_config_names_the_file_and_key(tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    path = project / ".claude" / "ctxlean.toml"
    path.write_text("offload_treshold_tokens = 10\n")
    with pytest.raises(config.ConfigError, match="unknown setting 'offload_treshold_tokens'"):
        config.load(str(project))
    path.write_text("offload_threshold_tokens = 'many'\n")
    with pytest.raises(config.ConfigError, match="ctxlean.toml: offload_threshold_tokens"):
        config.load(str(project))
    path.write_text("not toml [")
    with pytest.raises(config.ConfigError, match="ctxlean.toml"):
        config.load(str(project))
