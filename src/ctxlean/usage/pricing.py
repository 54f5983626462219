"""Model prices as data: src/ctxlean/data/pricing.json, layered with the user's `[pricing]` config tables.

Prices are USD per million tokens. A model's cache prices are its input price times its own cache
multipliers (5-minute write, 1-hour write, read), which the data file lists beside the prices and the
loader checks. A model id resolves through exact ids, aliases, dated snapshots, a `[1m]` suffix and
provider prefixes (`us.anthropic.`); what does not resolve is unknown, and its cost is None, never 0.

Config overrides (user config or the project's .claude/ctxlean.toml):

    [pricing."claude-opus-5-5"]        # change a price; cache prices follow the input price
    input = 3.5
    [pricing."my-proxy-model"]         # price a model the data file does not know
    input = 1
    output = 5
    context_window = 200000
    [pricing.aliases]                  # or map it onto a known one
    "my-gateway-opus" = "claude-opus-5-5"
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import UTC, date, datetime

# os.path, plain classes and no functools.cache: the status line loads prices on every refresh, and
# pathlib and dataclasses would cost it ~10 ms of imports.
DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "pricing.json")
PRICE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
_MULTIPLIER_OF = {"cache_write_5m": "write_5m", "cache_write_1h": "write_1h", "cache_read": "read"}
DEFAULT_MULTIPLIERS = {"write_5m": 1.25, "write_1h": 2.0, "read": 0.1}
_OVERRIDE_FIELDS = {
    *PRICE_FIELDS,
    "name",
    "context_window",
    "cache_multipliers",
    "batch_discount",
    "fast_multiplier",
    "long_prompt",
    "min_cacheable_tokens",
}
_SNAPSHOT = re.compile(r"-(\d{8})$")


class PricingError(ValueError):
    """Price data or a price override that cannot be used; the message says where and why."""


class Rates:
    """USD per million tokens."""

    __slots__ = PRICE_FIELDS

    def __init__(
        self, input: float, output: float, cache_write_5m: float, cache_write_1h: float, cache_read: float
    ):
        self.input, self.output, self.cache_read = input, output, cache_read
        self.cache_write_5m, self.cache_write_1h = cache_write_5m, cache_write_1h

    def scaled(self, factor: float) -> Rates:
        return Rates(*(getattr(self, f) * factor for f in PRICE_FIELDS))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rates) and all(getattr(self, f) == getattr(other, f) for f in PRICE_FIELDS)

    def __repr__(self) -> str:
        return "Rates(" + ", ".join(f"{f}={getattr(self, f)}" for f in PRICE_FIELDS) + ")"


class ModelPrice:
    """One model's prices: rates now, a long-prompt tier, earlier rates, batch and fast-mode factors."""

    def __init__(
        self,
        id: str,
        name: str,
        context_window: int | None,
        rates: Rates,
        multipliers: dict,
        batch_discount: float,
        fast_multiplier: float | None = None,
        long_prompt: tuple[int, Rates] | None = None,
        earlier: tuple[tuple[float, Rates], ...] = (),
        min_cacheable_tokens: int | None = None,
    ):
        self.id, self.name, self.context_window = id, name, context_window
        self.rates, self.multipliers, self.batch_discount = rates, multipliers, batch_discount
        self.fast_multiplier = fast_multiplier
        self.long_prompt = long_prompt  # (threshold prompt tokens, rates above it)
        self.earlier = earlier  # (until epoch, rates before it), oldest first
        self.min_cacheable_tokens = min_cacheable_tokens  # the shortest prefix the API caches, when published

    def rates_at(self, ts: float, prompt_tokens: int) -> Rates:
        """The rates for one request: the long-prompt tier above its threshold, earlier prices before
        their end date."""
        if self.long_prompt and prompt_tokens > self.long_prompt[0]:
            return self.long_prompt[1]
        for until, rates in self.earlier:
            if ts and ts < until:
                return rates
        return self.rates


def _rates(values: dict, multipliers: dict, where: str) -> Rates:
    try:
        base = {"input": float(values["input"]), "output": float(values["output"])}
    except (KeyError, TypeError, ValueError) as exc:
        raise PricingError(f"{where}: needs numeric input and output prices ({exc})") from exc
    for name, mult in _MULTIPLIER_OF.items():
        base[name] = (
            float(values[name]) if values.get(name) is not None else base["input"] * multipliers[mult]
        )
    if any(v < 0 or math.isnan(v) for v in base.values()):
        raise PricingError(f"{where}: prices must be non-negative numbers")
    return Rates(**base)


def _multipliers(values: dict, fallback: dict, where: str) -> dict:
    given = values.get("cache_multipliers") or {}
    if not isinstance(given, dict) or set(given) - set(DEFAULT_MULTIPLIERS):
        raise PricingError(f"{where}: cache_multipliers takes {', '.join(DEFAULT_MULTIPLIERS)}")
    return {**fallback, **{k: float(v) for k, v in given.items()}}


def _check_listed(rates: Rates, mult: dict, where: str) -> None:
    for name, key in _MULTIPLIER_OF.items():
        expected = rates.input * mult[key]
        if not math.isclose(getattr(rates, name), expected, rel_tol=1e-9, abs_tol=1e-12):
            raise PricingError(
                f"{where}: {name} = {getattr(rates, name)} but input x cache_multipliers.{key} = {expected}"
            )


def _until_epoch(day: str, where: str) -> float:
    try:
        return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).timestamp()
    except ValueError as exc:
        raise PricingError(f"{where}: 'until' must be a date YYYY-MM-DD") from exc


def _model(model_id: str, spec: dict, where: str, check: bool) -> ModelPrice:
    if not isinstance(spec, dict) or set(spec) - _OVERRIDE_FIELDS - {"snapshots", "earlier"}:
        unknown = (
            sorted(set(spec) - _OVERRIDE_FIELDS - {"snapshots", "earlier"}) if isinstance(spec, dict) else []
        )
        raise PricingError(
            f"{where}: a model's price is a table of {', '.join(sorted(_OVERRIDE_FIELDS))}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    mult = _multipliers(spec, DEFAULT_MULTIPLIERS, where)
    rates = _rates(spec, mult, where)
    if check:
        _check_listed(rates, mult, where)
    long_prompt = None
    if spec.get("long_prompt"):
        lp = spec["long_prompt"]
        try:
            threshold = int(lp["threshold_tokens"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PricingError(f"{where}: long_prompt needs threshold_tokens") from exc
        long_prompt = (threshold, _rates(lp, mult, f"{where} long_prompt"))
    earlier = []
    for i, old in enumerate(spec.get("earlier") or []):
        w = f"{where} earlier[{i}]"
        old_mult = _multipliers(old, mult, w)
        old_rates = _rates({**{"input": rates.input, "output": rates.output}, **old}, old_mult, w)
        if check:
            _check_listed(old_rates, old_mult, w)
        earlier.append((_until_epoch(str(old.get("until")), w), old_rates))
    window = spec.get("context_window")
    return ModelPrice(
        model_id,
        str(spec.get("name") or model_id),
        int(window) if window else None,
        rates,
        mult,
        float(spec.get("batch_discount", 0.5)),
        float(spec["fast_multiplier"]) if spec.get("fast_multiplier") else None,
        long_prompt,
        tuple(sorted(earlier, key=lambda e: e[0])),
        int(spec["min_cacheable_tokens"]) if spec.get("min_cacheable_tokens") else None,
    )


class PriceBook:
    """The price data with overrides applied; resolve() model ids, cost() a request."""

    def __init__(self, data: dict, overrides: dict | None = None):
        self.version = data.get("version")
        self.date = data.get("date")
        self.source = data.get("source")
        self.default_min_cacheable = int(data.get("default_min_cacheable_tokens") or 1024)
        self.geo_multipliers = {k: float(v) for k, v in (data.get("inference_geo_multipliers") or {}).items()}
        self.models: dict[str, ModelPrice] = {}
        self.aliases: dict[str, str] = dict(data.get("aliases") or {})
        specs = data.get("models") or {}
        for model_id, spec in specs.items():
            self.models[model_id] = _model(model_id, spec, f"pricing.json models.{model_id}", check=True)
            for snap in spec.get("snapshots") or []:
                self.aliases[snap] = model_id
        for model_id, spec in (overrides or {}).items():
            where = f"config [pricing.{model_id}]"
            if model_id == "aliases":
                if not isinstance(spec, dict):
                    raise PricingError(f"{where}: a table of alias = model id")
                self.aliases.update({str(k): str(v) for k, v in spec.items()})
                continue
            known = self.canonical(model_id)
            target = known if known in self.models else model_id
            self.models[target] = self._overridden(target, specs.get(known), spec, where)
        for alias, target in self.aliases.items():
            if target not in self.models:
                raise PricingError(f"pricing alias {alias!r} points at unknown model {target!r}")

    def _overridden(self, model_id: str, base_spec: dict | None, spec: object, where: str) -> ModelPrice:
        if not isinstance(spec, dict):
            raise PricingError(f"{where}: must be a table")
        if base_spec is None:
            return _model(model_id, spec, where, check=False)
        merged = {k: v for k, v in base_spec.items() if k not in ("snapshots", "earlier")}
        if "input" in spec or "cache_multipliers" in spec:  # cache prices follow unless given
            for name in _MULTIPLIER_OF:
                merged.pop(name, None)
        merged.update(spec)
        return _model(model_id, merged, where, check=False)

    def canonical(self, model_id: str) -> str:
        """The data file's id for model_id (itself when nothing maps it)."""
        mid = model_id.strip()
        for candidate in (mid, mid.removesuffix("[1m]")):
            if candidate in self.models:
                return candidate
            if candidate in self.aliases:
                return self.aliases[candidate]
        bare = mid.removesuffix("[1m]")
        bare = bare[bare.find("claude-") :] if "claude-" in bare else bare  # us.anthropic.claude-..., vertex
        bare = re.sub(r"(-v\d+(:\d+)?|@\d{8})$", "", bare)
        bare = _SNAPSHOT.sub("", bare)
        return self.aliases.get(bare, bare)

    def resolve(self, model_id: str) -> ModelPrice | None:
        return self.models.get(self.canonical(model_id))

    def cost(
        self,
        model_id: str,
        input: int,
        output: int,
        cache_read: int,
        cache_write_5m: int,
        cache_write_1h: int,
        ts: float = 0.0,
        speed: str | None = None,
        geo: str | None = None,
    ) -> float | None:
        """USD for one request, or None when the model has no price."""
        price = self.resolve(model_id)
        if price is None:
            return None
        r = price.rates_at(ts, input + cache_read + cache_write_5m + cache_write_1h)
        usd = (
            input * r.input
            + output * r.output
            + cache_read * r.cache_read
            + cache_write_5m * r.cache_write_5m
            + cache_write_1h * r.cache_write_1h
        ) / 1_000_000
        if speed == "fast" and price.fast_multiplier:
            usd *= price.fast_multiplier
        return usd * self.geo_multipliers.get(geo or "", 1.0)

    def turn_cost(self, turn) -> float | None:
        """cost() of a transcripts.Turn."""
        return self.cost(
            turn.model,
            turn.input,
            turn.output,
            turn.cache_read,
            turn.cache_write_5m,
            turn.cache_write_1h,
            turn.ts,
            turn.speed,
            turn.geo,
        )

    def cache_read_price(self, model_id: str, ts: float = 0.0) -> float | None:
        price = self.resolve(model_id)
        return None if price is None else price.rates_at(ts, 0).cache_read

    def batch_rates(self, model_id: str) -> Rates | None:
        """Rates through the Message Batches API: the model's batch discount off every price."""
        price = self.resolve(model_id)
        if price is None:
            return None
        keep = 1 - price.batch_discount
        return price.rates.scaled(keep)

    def min_cacheable_tokens(self, model_id: str) -> int:
        """The shortest prompt prefix the API caches for this model (the data's default when the model or
        its figure is unknown)."""
        price = self.resolve(model_id)
        return (price and price.min_cacheable_tokens) or self.default_min_cacheable

    def usage_cost(self, model_id: str, usage: dict, ts: float = 0.0) -> float | None:
        """cost() of an API usage object (as the Messages API returns it and transcripts record it)."""
        from ctxlean.usage.records import usage_split

        return self.cost(
            model_id,
            *usage_split(usage),
            ts=ts,
            speed=usage.get("speed"),
            geo=usage.get("inference_geo") or None,
        )

    def context_window(self, model_id: str) -> int | None:
        price = self.resolve(model_id)
        return price.context_window if price else None


_DATA: dict = {}


def _data() -> dict:
    if not _DATA:
        with open(DATA_FILE, "rb") as fh:
            _DATA.update(json.load(fh))
    return _DATA


def load_prices(overrides: dict | None = None) -> PriceBook:
    """The shipped price data with `overrides` (config's pricing table) applied."""
    return PriceBook(_data(), overrides)


_SHIPPED: list[PriceBook] = []


def _shipped() -> PriceBook:
    if not _SHIPPED:
        _SHIPPED.append(load_prices())
    return _SHIPPED[0]


def min_cacheable_tokens(model_id: str) -> int:
    """The shipped data's minimum cacheable prefix for a model (what the fake API's cache simulates)."""
    return _shipped().min_cacheable_tokens(model_id)


def cost_usd(model_id: str, usage: dict) -> float:
    """USD of one API usage object at the shipped prices; PricingError for a model without a price, so a
    benchmark never sums an unknown model as free."""
    usd = _shipped().usage_cost(model_id, usage)
    if usd is None:
        raise PricingError(f"no price for model {model_id!r}: add it to pricing.json or a [pricing] table")
    return usd


def prices_from_config(project_dir: str | None = None) -> PriceBook:
    """Price data layered with the user's and the project's `[pricing]` config."""
    from ctxlean import config

    return load_prices(config.load(project_dir).pricing)
