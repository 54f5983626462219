"""Message Batches requests for items, and splitting them over the API's per-batch limits.

Each request is `{"custom_id": "<job>-<item index>", "params": {...}}`: the custom id names the job, so
results can be matched back to items (and a batch that is not this job's is recognised), and it stays
within the API's `[a-zA-Z0-9_-]{1,64}` rule whatever the user's item ids look like.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ctxlean.batch.items import Item
from ctxlean.batch.template import PromptTemplate

# The Message Batches API's limits per batch (https://docs.claude.com/en/docs/build-with-claude/batch-processing).
MAX_REQUESTS_PER_BATCH = 100_000
MAX_BATCH_BYTES = 256 * 1024 * 1024
# `{"requests":[` ... `]}` around the requests, plus room for the SDK's own fields.
BODY_OVERHEAD_BYTES = 1024
CACHE_TTL = "1h"


@dataclass(frozen=True)
class Limits:
    max_requests: int = MAX_REQUESTS_PER_BATCH
    max_bytes: int = MAX_BATCH_BYTES


class RequestTooLarge(ValueError):
    """One request alone exceeds the per-batch byte limit; no split can send it."""

    def __init__(self, index: int, size: int, limit: int):
        self.index, self.size, self.limit = index, size, limit
        super().__init__(f"request {index} needs {size:,} bytes, over the {limit:,}-byte batch limit")


def custom_id(job_id: str, index: int) -> str:
    return f"{job_id}-{index}"


def index_of(job_id: str, custom: str) -> int:
    """The item index a custom id names; ValueError when it belongs to another job."""
    prefix = f"{job_id}-"
    if not custom.startswith(prefix) or not custom[len(prefix):].isdigit():
        raise ValueError(f"result {custom!r} does not belong to job {job_id}")
    return int(custom[len(prefix):])


def build_params(template: PromptTemplate, item: Item, model: str, max_tokens: int) -> dict:
    """Messages API params: the shared instructions first as a system block with a 1-hour cache
    breakpoint (identical bytes for every item, so every request after the first reads it from cache),
    the item's own content last in the user message."""
    params: dict = {"model": model, "max_tokens": max_tokens,
                    "messages": [{"role": "user", "content": template.user_content(item)}]}
    if template.prefix:
        params["system"] = [{"type": "text", "text": template.prefix,
                             "cache_control": {"type": "ephemeral", "ttl": CACHE_TTL}}]
    return params


def build_request(job_id: str, index: int, template: PromptTemplate, item: Item, model: str,
                  max_tokens: int) -> dict:
    return {"custom_id": custom_id(job_id, index), "params": build_params(template, item, model, max_tokens)}


def encoded_size(request: dict) -> int:
    """Bytes this request adds to the create body, serialized as the anthropic SDK sends it."""
    return len(json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()) + 1  # the comma


def split(indexes: list[int], sizes: dict[int, int], limits: Limits) -> list[list[int]]:
    """Consecutive groups of item indexes, each within both limits (greedy: fewest batches for the order).

    Raises RequestTooLarge naming the first index that cannot fit into any batch.
    """
    room = limits.max_bytes - BODY_OVERHEAD_BYTES
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index in indexes:
        size = sizes[index]
        if size > room:
            raise RequestTooLarge(index, size, limits.max_bytes)
        if current and (len(current) >= limits.max_requests or used + size > room):
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups
