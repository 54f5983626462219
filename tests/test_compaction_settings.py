"""`ctxlean install --project` sets Claude Code's auto-compaction at the budget; uninstall puts back exactly
what was there before (the settings writes, without the `claude plugin` calls: those run in tests/e2e)."""

import json

import pytest

from ctxlean import install
from ctxlean.budget import autocompact_env
from ctxlean.claude_settings import SettingsError


def settings_of(project) -> dict:
    return json.loads((project / ".claude" / "settings.json").read_text())


def test_fresh_project_gets_the_window_and_loses_it_again(tmp_path):
    done: dict = {}
    message = install.set_compaction_env(tmp_path, done)
    assert "160,000-token budget" in message
    assert settings_of(tmp_path)["env"] == autocompact_env(160_000) == {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "193000"}
    install.restore_compaction_env(done["settings_env"])
    assert settings_of(tmp_path) == {}


def test_existing_settings_are_kept_and_previous_values_restored(tmp_path):
    (tmp_path / ".claude").mkdir()
    before = {"enabledPlugins": {"x@y": True},
              "env": {"FOO": "1", "CLAUDE_CODE_AUTO_COMPACT_WINDOW": "500000"}}
    (tmp_path / ".claude" / "settings.json").write_text(json.dumps(before))
    (tmp_path / ".claude" / "ctxlean.toml").write_text("context_budget_tokens = 50000\n")
    done: dict = {}
    install.set_compaction_env(tmp_path, done)
    now = settings_of(tmp_path)
    assert now["enabledPlugins"] == before["enabledPlugins"] and now["env"]["FOO"] == "1"
    assert now["env"]["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == "100000"
    assert "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE" in now["env"]  # 50k is below what the window alone can set
    # installing again after a budget change keeps the values found before the first install
    (tmp_path / ".claude" / "ctxlean.toml").write_text("context_budget_tokens = 120000\n")
    install.set_compaction_env(tmp_path, done)
    assert settings_of(tmp_path)["env"] == {"FOO": "1", "CLAUDE_CODE_AUTO_COMPACT_WINDOW": "153000"}
    install.restore_compaction_env(done["settings_env"])
    assert settings_of(tmp_path) == before


def test_a_value_changed_after_install_is_left_alone(tmp_path):
    done: dict = {}
    install.set_compaction_env(tmp_path, done)
    path = tmp_path / ".claude" / "settings.json"
    path.write_text(json.dumps({"env": {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "300000"}}))
    message = install.restore_compaction_env(done["settings_env"])
    assert "left CLAUDE_CODE_AUTO_COMPACT_WINDOW" in message
    assert settings_of(tmp_path) == {"env": {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "300000"}}


def test_broken_settings_file_is_a_clear_error(tmp_path):
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text("{oops")
    done: dict = {}
    with pytest.raises(SettingsError, match="settings.json is not valid JSON"):
        install.set_compaction_env(tmp_path, done)
    assert done == {} and (tmp_path / ".claude" / "settings.json").read_text() == "{oops"
