"""The fake Message Batches endpoints, as the real anthropic SDK sees them."""

from __future__ import annotations

import anthropic
import pytest
from batch_helpers import MODEL, fake_api

from ctxlean.fakeapi.batches import BatchBehaviour, batches_of

# Over the model's 1,024-token minimum cacheable prefix.
SYSTEM = [{"type": "text", "text": "Shared instructions. " * 250, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]


def requests(n: int, prefix: str = "r") -> list[dict]:
    return [{"custom_id": f"{prefix}-{i}", "params": {"model": MODEL, "max_tokens": 16, "system": SYSTEM,
                                                      "messages": [{"role": "user", "content": f"item {i}"}]}}
            for i in range(n)]


@pytest.fixture
def api():
    with fake_api() as server:
        yield server


@pytest.fixture
def sdk(api):
    return anthropic.Anthropic(base_url=api.url, api_key="k", max_retries=0)


def test_a_batch_is_in_progress_until_its_time_then_has_results(api, sdk):
    clock = [1_000_000.0]
    batches_of(api, BatchBehaviour(processing_seconds=30, clock=lambda: clock[0]))
    batch = sdk.messages.batches.create(requests=requests(3))
    assert batch.processing_status == "in_progress" and batch.request_counts.processing == 3
    assert batch.results_url is None
    with pytest.raises(anthropic.AnthropicError, match="Has it finished processing"):
        sdk.messages.batches.results(batch.id)
    clock[0] += 30
    ended = sdk.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.succeeded == 3
    results = {r.custom_id: r.result for r in sdk.messages.batches.results(batch.id)}
    assert sorted(results) == ["r-0", "r-1", "r-2"]
    assert results["r-2"].message.content[0].text == "echo: item 2"
    usages = [results[f"r-{i}"].message.usage for i in range(3)]
    # the cached system prefix: written by the first request, read by the others
    assert usages[0].cache_creation.ephemeral_1h_input_tokens == usages[1].cache_read_input_tokens > 0
    assert usages[0].cache_read_input_tokens == 0 and usages[2].cache_creation_input_tokens == 0


def test_batches_share_the_prompt_cache_with_messages_calls(api, sdk):
    warm = sdk.messages.create(model=MODEL, max_tokens=16, system=SYSTEM,
                               messages=[{"role": "user", "content": "warm the cache"}])
    assert warm.usage.cache_creation.ephemeral_1h_input_tokens > 1024
    batch = sdk.messages.batches.create(requests=requests(2))
    reads = [r.result.message.usage.cache_read_input_tokens for r in sdk.messages.batches.results(batch.id)]
    assert reads == [warm.usage.cache_creation.ephemeral_1h_input_tokens] * 2


def test_list_pages_newest_first(api, sdk):
    ids = [sdk.messages.batches.create(requests=requests(1, f"b{i}")).id for i in range(5)]
    listed = [b.id for b in sdk.messages.batches.list(limit=2)]  # the SDK follows has_more/last_id
    assert listed == list(reversed(ids))


def test_cancel_and_delete(api, sdk):
    batches_of(api, BatchBehaviour(processing_seconds=60))
    batch = sdk.messages.batches.create(requests=requests(2))
    with pytest.raises(anthropic.BadRequestError, match="only ended batches"):
        sdk.messages.batches.delete(batch.id)
    assert sdk.messages.batches.cancel(batch.id).processing_status == "canceling"
    ended = sdk.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled == 2
    assert {r.result.type for r in sdk.messages.batches.results(batch.id)} == {"canceled"}
    sdk.messages.batches.delete(batch.id)
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.batches.retrieve(batch.id)


@pytest.mark.parametrize("bad, message", [
    ([], "requests: expected a non-empty list"),
    ([{"custom_id": "has space", "params": {}}], "requests.0.custom_id: must match"),
    (requests(1) + requests(1), "requests.1.custom_id: 'r-0' is not unique"),
    ([{"custom_id": "x", "params": {"model": "m"}}], "requests.0.params: model, max_tokens and messages"),
])
def test_malformed_batches_are_rejected(sdk, bad, message):
    with pytest.raises(anthropic.BadRequestError, match=message):
        sdk.messages.batches.create(requests=bad)
