"""Usage from the API's figures and its cost: caching multipliers and the batch discount stack."""

from batch_helpers import FIXTURE_PRICES as P

from ctxlean.batch.costs import Usage, cost_usd, estimate


def test_usage_reads_the_ttl_split_and_treats_unsplit_writes_as_5_minute():
    split = Usage.from_api({"input_tokens": 10, "output_tokens": 3, "cache_creation_input_tokens": 70,
                            "cache_read_input_tokens": 5,
                            "cache_creation": {"ephemeral_5m_input_tokens": 20, "ephemeral_1h_input_tokens": 50}})
    assert split == Usage(input_tokens=10, cache_write_5m=20, cache_write_1h=50, cache_read=5, output_tokens=3)
    assert Usage.from_api({"input_tokens": 1, "cache_creation_input_tokens": 9}).cache_write_5m == 9


def test_each_kind_of_token_is_priced_and_the_batch_discount_applies_to_all():
    usage = Usage(input_tokens=1_000_000, cache_write_5m=1_000_000, cache_write_1h=1_000_000,
                  cache_read=1_000_000, output_tokens=1_000_000)
    full = P.input + P.cache_write_5m + P.cache_write_1h + P.cache_read + P.output
    assert cost_usd(usage, P, batch=False) == full
    assert cost_usd(usage, P) == full * (1 - P.batch_discount)


def test_estimate_assumes_one_cache_write_per_batch_and_bounds_output_by_max_tokens():
    est = estimate(prefix_tokens=1000, item_tokens=[10] * 100, batches=2, max_tokens=50, prices=P)
    expected_input = Usage(input_tokens=1000, cache_write_1h=2 * 1000, cache_read=98 * 1000)
    assert est.input_usd == cost_usd(expected_input, P)
    assert est.input_usd_uncached == cost_usd(Usage(input_tokens=1000 + 100 * 1000), P) > est.input_usd
    assert est.output_usd_max == cost_usd(Usage(output_tokens=100 * 50), P)
    assert est.total_usd_max == est.input_usd_uncached + est.output_usd_max
