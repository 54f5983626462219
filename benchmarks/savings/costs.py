"""Prices and minimum cacheable lengths come from ctxlean's pricing data (ctxlean.usage.pricing): the
benchmark only sums what each request's usage says."""

from __future__ import annotations

from ctxlean.usage import pricing


def min_cacheable_tokens(model: str) -> int:
    return pricing.min_cacheable_tokens(model)


def cost_usd(model: str, usage: dict) -> float:
    return pricing.cost_usd(model, usage)
