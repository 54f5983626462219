"""Token usage and what it costs: priced by ctxlean's price book, with the Message Batches discount.

The price book is `ctxlean.usage.pricing` (prices as data, layered with the user's `[pricing]` config):
`resolve(model)` gives the model's canonical id and batch discount, `usage_cost(model, usage)` the USD
of one request's usage. Requests are priced one by one, because a long prompt can move a request into
another price tier; the batch discount and the caching multipliers stack, as the API bills them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Protocol


class ModelPrice(Protocol):
    id: str
    batch_discount: float  # the fraction taken off every price through the Batches API


class PriceBook(Protocol):
    """What batch and fan-out need of `ctxlean.usage.pricing.PriceBook`."""

    def resolve(self, model_id: str) -> ModelPrice | None: ...

    def usage_cost(self, model_id: str, usage: dict) -> float | None: ...

    def min_cacheable_tokens(self, model_id: str) -> int: ...


def price_book() -> PriceBook:
    """The price data with the user's and this project's `[pricing]` config applied."""
    from ctxlean.paths import project_of
    from ctxlean.usage.pricing import prices_from_config

    return prices_from_config(project_of())


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
        from ctxlean.usage.records import usage_split

        input_tokens, output, read, write_5m, write_1h = usage_split(usage)
        return cls(input_tokens, write_5m, write_1h, read, output)

    def as_api(self) -> dict:
        """The API's usage object for these figures (what the price book prices)."""
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "cache_read_input_tokens": self.cache_read,
                "cache_creation_input_tokens": self.cache_write_5m + self.cache_write_1h,
                "cache_creation": {"ephemeral_5m_input_tokens": self.cache_write_5m,
                                   "ephemeral_1h_input_tokens": self.cache_write_1h}}

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict:
        return asdict(self)


def request_cost(book: PriceBook, model: str, usage: dict, batch: bool = True) -> float | None:
    """USD for one request's API usage object (None for a model the price book does not know)."""
    usd = book.usage_cost(model, usage)
    if usd is None or not batch:
        return usd
    return usd * (1 - book.resolve(model).batch_discount)


@dataclass(frozen=True)
class Estimate:
    requests: int
    batches: int
    prefix_tokens: int  # the shared instructions, per request
    min_cacheable_tokens: int  # the model's shortest cacheable prefix: a shorter one is not cached
    item_tokens: int  # the per-item content, all requests together
    max_output_tokens: int  # max_tokens per request, all requests together
    input_usd: float  # with one cache write per batch and cache reads for every other request
    input_usd_uncached: float  # if no request hit the cache
    output_usd_max: float
    batch_discount: float

    @property
    def total_usd_max(self) -> float:
        return max(self.input_usd, self.input_usd_uncached) + self.output_usd_max


def estimate(book: PriceBook, model: str, prefix_tokens: int, item_tokens: list[int], batch_sizes: list[int],
             max_tokens: int) -> Estimate:
    """The cost of a job before it runs. Output is unknown in advance, so it is bounded by max_tokens;
    cache hits inside a batch are likely but not guaranteed, so the uncached input cost is given too.
    `batch_sizes` are the requests per batch, in item order."""
    minimum = book.min_cacheable_tokens(model)
    cacheable = 0 < prefix_tokens and prefix_tokens >= minimum
    firsts = set()
    start = 0
    for size in batch_sizes:
        firsts.add(start)
        start += size
    cached = uncached = output = 0.0
    for i, tokens in enumerate(item_tokens):
        plain = Usage(input_tokens=tokens + prefix_tokens)
        if cacheable:
            write, read = (prefix_tokens, 0) if i in firsts else (0, prefix_tokens)
            with_cache = Usage(input_tokens=tokens, cache_write_1h=write, cache_read=read)
        else:
            with_cache = plain
        input_usd = request_cost(book, model, with_cache.as_api())
        cached += input_usd
        uncached += request_cost(book, model, plain.as_api())
        with_output = Usage(**{**with_cache.as_dict(), "output_tokens": max_tokens})
        output += request_cost(book, model, with_output.as_api()) - input_usd
    return Estimate(requests=len(item_tokens), batches=len(batch_sizes), prefix_tokens=prefix_tokens,
                    min_cacheable_tokens=minimum, item_tokens=sum(item_tokens),
                    max_output_tokens=len(item_tokens) * max_tokens, input_usd=cached,
                    input_usd_uncached=uncached, output_usd_max=output,
                    batch_discount=book.resolve(model).batch_discount)


def describe(est: Estimate) -> str:
    """Two lines for the user before anything is paid for."""
    writes = min(est.batches, est.requests)
    if not est.prefix_tokens:
        cache = "no shared prefix to cache"
    elif est.prefix_tokens < est.min_cacheable_tokens:
        cache = (f"shared prefix {est.prefix_tokens:,} tokens, under the model's {est.min_cacheable_tokens:,}-token "
                 "minimum: not cached")
    else:
        cache = (f"shared prefix {est.prefix_tokens:,} tokens cached (1h): {writes} write(s), "
                 f"{est.requests - writes:,} reads")
    return (f"estimated cost (batch discount {est.batch_discount:.0%}): input ${est.input_usd:.4f} "
            f"(${est.input_usd_uncached:.4f} with no cache hits; {cache}; {est.item_tokens:,} item tokens)\n"
            f"  + output at most ${est.output_usd_max:.4f} ({est.max_output_tokens:,} tokens = requests x "
            f"max_tokens); total at most ${est.total_usd_max:.4f}")
