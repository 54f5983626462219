"""The fake API's prompt-cache simulation: hits, misses, TTLs, the 20-block look-back, minimum length,
breakpoint limits, and the accounting identity, checked on usage as a client receives it."""

from __future__ import annotations

import anthropic
import pytest

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.cache import CacheControlError, ManualClock, PromptCache
from ctxlean.fakeapi.script import reply, text
from ctxlean.prompt_cache import block_tokens

MODEL = "claude-opus-5-5"
EPHEMERAL = {"type": "ephemeral"}
WORDS = "lorem ipsum dolor sit amet " * 40  # 1,080 bytes -> 270 tokens


def cache(minimum: int = 0, clock: ManualClock | None = None) -> PromptCache:
    return PromptCache(min_cacheable_tokens=lambda model: minimum, clock=clock or ManualClock())


def block(label: str, marked: bool = False, ttl: str | None = None) -> dict:
    out = {"type": "text", "text": f"{label}: {WORDS}"}
    if marked:
        out["cache_control"] = dict(EPHEMERAL, ttl=ttl) if ttl else dict(EPHEMERAL)
    return out


def request(turns: int, model: str = MODEL, tools_label: str = "tool") -> dict:
    """A Claude Code-shaped request: breakpoints on the system prompt and on the last message's block."""
    messages = []
    for n in range(turns):
        messages.append({"role": "user", "content": [block(f"user {n}", marked=n == turns - 1)]})
        if n < turns - 1:
            messages.append({"role": "assistant", "content": [block(f"assistant {n}")]})
    return {"model": model, "tools": [{"name": tools_label, "description": WORDS, "input_schema": {}}],
            "system": [block("system", marked=True)], "messages": messages}


def total(usage: dict) -> int:
    return usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"]


def prompt_size(body: dict) -> int:
    return (sum(block_tokens(t) for t in body["tools"]) + sum(block_tokens(b) for b in body["system"])
            + sum(block_tokens(b) for m in body["messages"] for b in m["content"]))


def test_first_request_writes_the_prefix_and_the_same_request_then_reads_it():
    sim = cache()
    body = request(1)
    first = sim.account(body)
    assert first["cache_read_input_tokens"] == 0
    assert first["cache_creation_input_tokens"] == prompt_size(body)  # the last block is a breakpoint
    assert first["cache_creation"] == {"ephemeral_5m_input_tokens": prompt_size(body), "ephemeral_1h_input_tokens": 0}
    second = sim.account(body)
    assert second == {"input_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": prompt_size(body),
                      "output_tokens": 0,
                      "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}}


def test_a_growing_conversation_reads_the_previous_turn_and_writes_only_the_new_part():
    sim = cache()
    sim.account(request(1))
    grown = request(2)
    usage = sim.account(grown)
    assert usage["cache_read_input_tokens"] == prompt_size(request(1))
    assert usage["cache_creation_input_tokens"] == prompt_size(grown) - prompt_size(request(1))
    assert total(usage) == prompt_size(grown)


def test_tokens_after_the_last_breakpoint_are_plain_input():
    body = request(1)
    body["messages"].append({"role": "assistant", "content": [block("unmarked tail")]})
    usage = cache().account(body)
    assert usage["input_tokens"] == block_tokens(block("unmarked tail"))
    assert total(usage) == prompt_size(body)


def test_a_changed_tool_definition_invalidates_everything_after_it():
    sim = cache()
    sim.account(request(2))
    usage = sim.account(request(2, tools_label="renamed"))
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == prompt_size(request(2, tools_label="renamed"))


def test_entries_are_per_model():
    sim = cache()
    sim.account(request(1))
    assert sim.account(request(1, model="claude-haiku-5-5"))["cache_read_input_tokens"] == 0


def test_5_minute_entries_expire_and_reads_refresh_them():
    clock = ManualClock()
    sim = cache(clock=clock)
    body = request(1)
    sim.account(body)
    clock.advance(240)
    assert sim.account(body)["cache_read_input_tokens"] == prompt_size(body)  # read at 4 min: refreshed
    clock.advance(240)
    assert sim.account(body)["cache_read_input_tokens"] == prompt_size(body)  # 8 min after the write
    clock.advance(301)
    expired = sim.account(body)
    assert expired["cache_read_input_tokens"] == 0
    assert expired["cache_creation_input_tokens"] == prompt_size(body)


def test_1_hour_entries_outlive_5_minutes_and_are_reported_apart():
    clock = ManualClock()
    sim = cache(clock=clock)
    body = request(1)
    body["system"] = [block("system", marked=True, ttl="1h")]
    first = sim.account(body)
    system_prefix = block_tokens(body["tools"][0]) + block_tokens(body["system"][0])
    assert first["cache_creation"] == {"ephemeral_1h_input_tokens": system_prefix,
                                       "ephemeral_5m_input_tokens": prompt_size(body) - system_prefix}
    clock.advance(1800)  # the 5m entry at the end is gone, the 1h one at the system prompt is not
    later = sim.account(body)
    assert later["cache_read_input_tokens"] == system_prefix
    assert later["cache_creation"]["ephemeral_5m_input_tokens"] == prompt_size(body) - system_prefix
    clock.advance(3601)
    assert sim.account(body)["cache_read_input_tokens"] == 0


def conversation_with(unmarked_blocks: int) -> tuple[dict, dict]:
    """A cached request, and the same one grown by `unmarked_blocks` blocks then one marked block."""
    base = {"model": MODEL, "messages": [{"role": "user", "content": [block("start", marked=True)]}]}
    grown_blocks = [block("start")] + [block(f"b{i}") for i in range(unmarked_blocks)] + [block("end", True)]
    return base, {"model": MODEL, "messages": [{"role": "user", "content": grown_blocks}]}


def test_the_look_back_finds_an_entry_20_blocks_before_the_breakpoint():
    base, grown = conversation_with(19)  # the old entry sits 20 blocks before the new breakpoint
    sim = cache()
    sim.account(base)
    assert sim.account(grown)["cache_read_input_tokens"] == block_tokens(block("start"))


def test_the_look_back_misses_an_entry_21_blocks_before_the_breakpoint():
    base, grown = conversation_with(20)
    sim = cache()
    sim.account(base)
    usage = sim.account(grown)
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == total(usage)


def test_a_prefix_below_the_minimum_is_not_cached():
    body = request(1)
    sim = cache(minimum=prompt_size(body) + 1)
    for _ in range(2):
        usage = sim.account(body)
        assert usage["input_tokens"] == prompt_size(body)
        assert usage["cache_creation_input_tokens"] == usage["cache_read_input_tokens"] == 0


def test_a_breakpoint_below_the_minimum_rolls_into_the_next_one():
    body = request(2)
    system_prefix = block_tokens(body["tools"][0]) + block_tokens(body["system"][0])
    usage = cache(minimum=system_prefix + 1).account(body)
    assert usage["cache_creation_input_tokens"] == prompt_size(body)


def test_more_than_four_breakpoints_or_1h_after_5m_are_rejected():
    body = request(1)
    body["system"] = [block(f"s{i}", marked=True) for i in range(4)]
    with pytest.raises(CacheControlError, match="maximum of 4"):
        cache().account(body)
    body = request(1)
    body["messages"][0]["content"][0]["cache_control"] = dict(EPHEMERAL, ttl="1h")
    with pytest.raises(CacheControlError, match="1h"):
        cache().account(body)


def test_top_level_cache_control_marks_the_last_block():
    body = {"model": MODEL, "cache_control": EPHEMERAL, "system": "be brief",
            "messages": [{"role": "user", "content": WORDS}]}
    sim = cache()
    assert sim.account(body)["cache_creation_input_tokens"] == prompt_size(
        {"tools": [], "system": [{"type": "text", "text": "be brief"}],
         "messages": [{"role": "user", "content": [{"type": "text", "text": WORDS}]}]})
    assert sim.account(body)["input_tokens"] == 0


def test_the_identity_holds_over_a_session_with_expiries():
    clock = ManualClock()
    sim = cache(minimum=300, clock=clock)
    for turns in range(1, 12):
        body = request(turns)
        usage = sim.account(body)
        assert total(usage) == prompt_size(body)
        assert usage["cache_creation_input_tokens"] == sum(usage["cache_creation"].values())
        clock.advance(120 if turns % 4 else 400)


def test_clients_receive_the_cache_usage_through_the_fake_api():
    sim = cache(minimum=0)
    script = Script([Rule("answer", respond=reply(text("ok")))])
    with FakeAnthropic(script, usage=sim) as api:
        sdk = anthropic.Anthropic(base_url=api.url, api_key="dummy", max_retries=0)
        system = [{"type": "text", "text": WORDS, "cache_control": EPHEMERAL}]
        messages = [{"role": "user", "content": "hi"}]
        first = sdk.messages.create(model=MODEL, max_tokens=10, system=system, messages=messages)
        with sdk.messages.stream(model=MODEL, max_tokens=10, system=system, messages=messages) as stream:
            second = stream.get_final_message()
        too_many = [dict(b, text=f"{i}") for i, b in enumerate(system * 5)]
        with pytest.raises(anthropic.BadRequestError):
            sdk.messages.create(model=MODEL, max_tokens=10, system=too_many, messages=messages)
    assert first.usage.cache_creation_input_tokens == block_tokens(system[0])
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == block_tokens(system[0])
    assert first.usage.input_tokens == block_tokens({"type": "text", "text": "hi"})
    assert second.usage.cache_read_input_tokens == block_tokens(system[0])
    assert second.usage.cache_creation_input_tokens == 0
    assert [h["usage"]["cache_read_input_tokens"] for h in sim.history] == [0, block_tokens(system[0])]
