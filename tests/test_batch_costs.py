"""Usage from the API's figures, its cost per request, and the estimate shown before submitting."""

import pytest
from batch_helpers import BOOK, MODEL

from ctxlean.batch.costs import Usage, describe, estimate, request_cost


def test_usage_reads_the_ttl_split_and_treats_unsplit_writes_as_5_minute():
    split = Usage.from_api({"input_tokens": 10, "output_tokens": 3, "cache_creation_input_tokens": 70,
                            "cache_read_input_tokens": 5,
                            "cache_creation": {"ephemeral_5m_input_tokens": 20, "ephemeral_1h_input_tokens": 50}})
    assert split == Usage(input_tokens=10, cache_write_5m=20, cache_write_1h=50, cache_read=5, output_tokens=3)
    assert Usage.from_api({"input_tokens": 1, "cache_creation_input_tokens": 9}).cache_write_5m == 9


def test_the_batch_discount_applies_to_every_kind_of_token():
    usage = Usage(input_tokens=7, cache_write_5m=11, cache_write_1h=13, cache_read=17, output_tokens=19)
    full = request_cost(BOOK, MODEL, usage.as_api(), batch=False)
    assert full == BOOK.cost(MODEL, 7, 19, 17, 11, 13) > 0
    assert request_cost(BOOK, MODEL, usage.as_api()) == full * (1 - BOOK.resolve(MODEL).batch_discount)
    assert request_cost(BOOK, "gpt-x", usage.as_api()) is None


def cost(**tokens) -> float:
    return request_cost(BOOK, MODEL, Usage(**tokens).as_api())


def test_estimate_writes_the_prefix_once_per_batch_and_bounds_output_by_max_tokens():
    prefix = BOOK.min_cacheable_tokens(MODEL) + 100
    est = estimate(BOOK, MODEL, prefix_tokens=prefix, item_tokens=[10] * 100, batch_sizes=[60, 40], max_tokens=50)
    first, other = cost(input_tokens=10, cache_write_1h=prefix), cost(input_tokens=10, cache_read=prefix)
    assert est.input_usd == pytest.approx(2 * first + 98 * other)
    assert est.input_usd_uncached == pytest.approx(100 * cost(input_tokens=10 + prefix))
    assert est.input_usd < est.input_usd_uncached
    assert est.output_usd_max == pytest.approx(100 * cost(output_tokens=50))
    assert est.total_usd_max == est.input_usd_uncached + est.output_usd_max
    assert "cached (1h): 2 write(s), 98 reads" in describe(est)


def test_a_prefix_under_the_models_minimum_is_estimated_uncached():
    prefix = BOOK.min_cacheable_tokens(MODEL) - 1
    est = estimate(BOOK, MODEL, prefix_tokens=prefix, item_tokens=[10] * 5, batch_sizes=[5], max_tokens=50)
    assert est.input_usd == pytest.approx(est.input_usd_uncached)
    assert f"under the model's {prefix + 1:,}-token minimum: not cached" in describe(est)
