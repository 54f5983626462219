"""Token usage and what it costs, priced from the pricing data with the batch discount.

Prices come from a `Prices` record (USD per million tokens for input, 5-minute and 1-hour cache writes,
cache reads and output, plus the batch discount as a fraction) out of ctxlean's pricing data
(`pricing_for`). Caching multipliers and the batch discount stack, as the API bills them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Protocol


class Prices(Protocol):
    input: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    output: float
    batch_discount: float


def pricing_for(model: str) -> tuple[str, Prices]:
    """(model id, its prices) for a model id or alias (`haiku`), from ctxlean's pricing data."""
    from ctxlean.usage import pricing

    model_id = pricing.resolve_model(model)
    return model_id, pricing.price_for(model_id)


@dataclass
class Usage:
    input_tokens: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output_tokens: int = 0

    @classmethod
    def from_api(cls, usage: dict) -> Usage:
        """From the API's usage object; cache writes without the per-TTL split count as 5-minute writes."""
        written = usage.get("cache_creation_input_tokens") or 0
        split = usage.get("cache_creation") or {}
        one_hour = split.get("ephemeral_1h_input_tokens") or 0
        return cls(input_tokens=usage.get("input_tokens") or 0,
                   cache_write_5m=split.get("ephemeral_5m_input_tokens", written - one_hour) or 0,
                   cache_write_1h=one_hour,
                   cache_read=usage.get("cache_read_input_tokens") or 0,
                   output_tokens=usage.get("output_tokens") or 0)

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict:
        return asdict(self)


def cost_usd(usage: Usage, prices: Prices, batch: bool = True) -> float:
    """What `usage` costs; batch=True applies the Message Batches discount."""
    per_million = (usage.input_tokens * prices.input + usage.cache_write_5m * prices.cache_write_5m
                   + usage.cache_write_1h * prices.cache_write_1h + usage.cache_read * prices.cache_read
                   + usage.output_tokens * prices.output)
    return per_million / 1e6 * ((1 - prices.batch_discount) if batch else 1)


@dataclass(frozen=True)
class Estimate:
    requests: int
    batches: int
    prefix_tokens: int  # the cached shared instructions, per request
    item_tokens: int  # the per-item content, all requests together
    max_output_tokens: int  # max_tokens per request, all requests together
    input_usd: float  # with one cache write per batch and cache reads for every other request
    input_usd_uncached: float  # if no request hit the cache
    output_usd_max: float

    @property
    def total_usd_max(self) -> float:
        return max(self.input_usd, self.input_usd_uncached) + self.output_usd_max


def estimate(prefix_tokens: int, item_tokens: list[int], batches: int, max_tokens: int,
             prices: Prices) -> Estimate:
    """The cost of a job before it runs. Output is unknown in advance, so it is bounded by max_tokens;
    cache hits inside a batch are likely but not guaranteed, so the uncached input cost is given too."""
    n = len(item_tokens)
    items = sum(item_tokens)
    writes = min(batches, n)
    cached = Usage(input_tokens=items, cache_write_1h=writes * prefix_tokens, cache_read=(n - writes) * prefix_tokens)
    uncached = Usage(input_tokens=items + n * prefix_tokens)
    output = Usage(output_tokens=n * max_tokens)
    return Estimate(requests=n, batches=batches, prefix_tokens=prefix_tokens, item_tokens=items,
                    max_output_tokens=n * max_tokens, input_usd=cost_usd(cached, prices),
                    input_usd_uncached=cost_usd(uncached, prices), output_usd_max=cost_usd(output, prices))


def describe(est: Estimate, discount: float) -> str:
    """Two lines for the user before anything is paid for."""
    writes = min(est.batches, est.requests)
    cache = (f"shared prefix {est.prefix_tokens:,} tokens cached (1h): {writes} write(s), "
             f"{est.requests - writes:,} reads" if est.prefix_tokens else "no shared prefix to cache")
    return (f"estimated cost (batch discount {discount:.0%}): input ${est.input_usd:.4f} "
            f"(${est.input_usd_uncached:.4f} with no cache hits; {cache}, {est.item_tokens:,} item tokens)\n"
            f"  + output at most ${est.output_usd_max:.4f} ({est.max_output_tokens:,} tokens = requests x "
            f"max_tokens); total at most ${est.total_usd_max:.4f}")
