"""Prices as data: the shipped file, model id resolution, tiers and dated prices, unknown models, and the
user's overrides through the config layers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from transcript_writer import SessionWriter
from usage_helpers import CWD, projects, report_json, run

from ctxlean.usage.pricing import DATA_FILE, PriceBook, PricingError, cost_usd, load_prices, min_cacheable_tokens

T0 = 1_795_000_000.0  # 2026-11-18, after the Sonnet 5.5 cache-read cut of 2026-10-07


def test_shipped_price_data_is_dated_sourced_and_consistent():
    data = json.loads(Path(DATA_FILE).read_text())
    assert data["version"] and data["date"] and "platform.claude.com" in data["source"]
    book = load_prices()  # the loader checks every listed cache price against input x multiplier
    for model in ("claude-opus-5-5", "claude-haiku-5-5", "claude-sonnet-5-5"):
        assert book.resolve(model).context_window == 1_000_000


def test_inconsistent_cache_price_in_the_data_is_refused():
    data = json.loads(Path(DATA_FILE).read_text())
    data["models"]["claude-opus-5-5"]["cache_read"] = 0.4  # 0.1x, but its multiplier says 0.05x
    with pytest.raises(PricingError, match="claude-opus-5-5.*cache_read"):
        PriceBook(data)


@pytest.mark.parametrize("model_id, canonical", [
    ("opus", "claude-opus-5-5"), ("haiku", "claude-haiku-5-5"), ("sonnet", "claude-sonnet-5-5"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"), ("claude-opus-4-6[1m]", "claude-opus-4-6"),
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
])
def test_aliases_snapshots_and_provider_ids_resolve(model_id, canonical):
    assert load_prices().resolve(model_id).id == canonical


def test_long_prompt_tier_and_earlier_prices_apply_per_request():
    book = load_prices()
    # Haiku 5.5 above 100k prompt tokens: $0.50 in / $2.50 out / $0.05 cache read, on the whole request.
    assert book.cost("claude-haiku-5-5", 1_000, 2_000, 150_000, 0, 0) == pytest.approx(
        (1_000 * 0.5 + 2_000 * 2.5 + 150_000 * 0.05) / 1e6)
    assert book.cost("claude-haiku-5-5", 1_000, 2_000, 50_000, 0, 0) == pytest.approx(
        (1_000 * 0.1 + 2_000 * 0.5 + 50_000 * 0.01) / 1e6)
    # Sonnet 5.5 cache reads cost $0.20 before 2026-10-07 and $0.10 since.
    before, after = 1_790_000_000.0, T0
    assert book.cost("claude-sonnet-5-5", 0, 0, 1_000_000, 0, 0, ts=before) == pytest.approx(0.20)
    assert book.cost("claude-sonnet-5-5", 0, 0, 1_000_000, 0, 0, ts=after) == pytest.approx(0.10)
    assert book.cost("claude-opus-5-5", 1_000_000, 0, 0, 0, 0, speed="fast", geo="us") == pytest.approx(8 * 1.1)
    assert book.batch_rates("claude-opus-5-5").output == 10


def test_cost_is_exact_to_the_cent_for_a_mixed_session(capsys):
    with SessionWriter(projects(Path(os.environ["HOME"])), CWD) as s:
        s.assistant("claude-opus-5-5", T0, input=12_345, output=6_789, write_5m=40_000)
        s.assistant("claude-opus-5-5", T0 + 60, input=321, output=4_000, cache_read=52_345, write_1h=9_000)
        sub = s.subagent("a1", "Explore", "claude-haiku-5-5")
        sub.assistant("claude-haiku-5-5", T0 + 30, input=80_000, output=3_000, cache_read=30_000)  # > 100k tier
        sub.close()
    expected = ((12_345 * 4 + 6_789 * 20 + 40_000 * 5) + (321 * 4 + 4_000 * 20 + 52_345 * 0.2 + 9_000 * 8)
                + (80_000 * 0.5 + 3_000 * 2.5 + 30_000 * 0.05)) / 1e6
    total = report_json(capsys)["total"]
    assert round(total["cost_usd"], 2) == round(expected, 2)
    assert total["cost_usd"] == pytest.approx(expected, abs=1e-6)


def test_unknown_model_is_reported_not_priced_at_zero(capsys):
    with SessionWriter(projects(Path(os.environ["HOME"])), CWD) as s:
        s.assistant("claude-opus-5-5", T0, input=1_000_000, output=0)
        s.assistant("gpt-9-turbo", T0 + 1, input=500, output=500)
    report = report_json(capsys)
    assert report["total"]["cost_complete"] is False
    assert report["total"]["unpriced_models"] == ["gpt-9-turbo"]
    assert report["total"]["unpriced_tokens"] == 1_000
    code, out, _ = run(capsys, "report")
    assert "$4.00+" in out and "not priced: gpt-9-turbo" in out


def test_config_overrides_layer_user_then_project(capsys, tmp_path, monkeypatch):
    user_cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "ctxlean" / "config.toml"
    user_cfg.parent.mkdir(parents=True)
    user_cfg.write_text('[pricing."claude-opus-5-5"]\ninput = 2\n\n[pricing.aliases]\n"gw-opus" = "claude-opus-5-5"\n')
    proj = tmp_path / "proj"
    (proj / ".claude").mkdir(parents=True)
    (proj / ".claude" / "ctxlean.toml").write_text('[pricing."claude-opus-5-5"]\noutput = 30\n'
                                                   '[pricing."my-model"]\ninput = 1\noutput = 2\n')
    monkeypatch.chdir(proj)
    with SessionWriter(projects(Path(os.environ["HOME"])), CWD) as s:
        s.assistant("gw-opus", T0, input=1_000_000, output=1_000_000, cache_read=1_000_000)
        s.assistant("my-model", T0 + 1, input=1_000_000, output=1_000_000)
    # input 2 (user), output 30 (project), cache read follows the input: 2 x 0.05; my-model: 1 + 2.
    assert report_json(capsys)["total"]["cost_usd"] == pytest.approx(2 + 30 + 0.1 + 3)
    (proj / ".claude" / "ctxlean.toml").write_text('[pricing."my-model"]\ninput = "cheap"\n')
    code, _, err = run(capsys, "report")
    assert code == 2 and "my-model" in err and "numeric" in err


def test_minimum_cacheable_length_and_usage_cost_for_the_cache_simulation():
    assert min_cacheable_tokens("claude-haiku-4-5-20251001") == 4096
    assert min_cacheable_tokens("claude-opus-5") == 512
    assert min_cacheable_tokens("claude-opus-5-5") == 1024  # no published figure: the data's default
    usage = {"input_tokens": 10, "output_tokens": 100, "cache_read_input_tokens": 1_000,
             "cache_creation_input_tokens": 3_000,
             "cache_creation": {"ephemeral_1h_input_tokens": 2_000, "ephemeral_5m_input_tokens": 1_000}}
    assert cost_usd("claude-opus-5-5", usage) == pytest.approx((10 * 4 + 100 * 20 + 1_000 * 0.2 + 1_000 * 5
                                                                + 2_000 * 8) / 1e6)
    with pytest.raises(PricingError, match="gpt-9"):
        cost_usd("gpt-9", usage)
