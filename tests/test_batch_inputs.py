"""Batch input: JSONL items with line-numbered problems, the prompt template, request building, splitting."""

import json

import pytest

from ctxlean.batch.items import ItemsError, read_items
from ctxlean.batch.requests import Limits, RequestTooLarge, build_request, encoded_size, index_of, split
from ctxlean.batch.template import PromptTemplate


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_every_malformed_line_is_reported_with_its_number(tmp_path):
    path = write_lines(tmp_path / "items.jsonl", [
        json.dumps({"id": "a", "text": "fine"}),
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"text": "no id"}),
        json.dumps({"id": "b"}),
        json.dumps({"id": "a", "text": "again"}),
        json.dumps({"id": "c", "text": "fine", "lang": "fr"}),
    ])
    with pytest.raises(ItemsError) as caught:
        read_items(path)
    lines = [line for line, _ in caught.value.problems]
    assert lines == [2, 4, 5, 6, 7]
    message = str(caught.value)
    assert f"{path}:2: invalid JSON" in message
    assert f"{path}:7: duplicate id 'a' (first on line 1)" in message
    assert 'missing "text"' in message and 'missing "id"' in message


def test_invalid_utf8_is_a_numbered_problem_not_a_crash(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "\xff"}\n')
    with pytest.raises(ItemsError) as caught:
        read_items(path)
    assert caught.value.problems[0][0] == 2 and "UTF-8" in caught.value.problems[0][1]


def test_items_keep_extra_fields_and_order(tmp_path):
    path = write_lines(tmp_path / "items.jsonl", [json.dumps({"id": "x", "text": "t1", "lang": "de", "n": 3}),
                                                  json.dumps({"id": "y", "text": "t2"})])
    items = read_items(path)
    assert [i.id for i in items] == ["x", "y"]
    assert items[0].extra == {"lang": "de", "n": 3} and items[0].line == 1


def test_template_prefix_is_stable_and_fields_fill_the_per_item_part(tmp_path):
    path = write_lines(tmp_path / "items.jsonl", [json.dumps({"id": "1", "text": "Bonjour", "lang": "fr"}),
                                                  json.dumps({"id": "2", "text": "Hallo", "lang": "de"})])
    items = read_items(path)
    template = PromptTemplate("You translate text. Costs are in $5 units; JSON looks like {\"a\": 1}.\n\n"
                              "Source language: {{lang}}\n")
    assert template.prefix == "You translate text. Costs are in $5 units; JSON looks like {\"a\": 1}.\n\n"
    first, second = (template.user_content(i) for i in items)
    assert first == "Source language: fr\nBonjour"
    assert second == "Source language: de\nHallo"


def test_template_values_are_inserted_once_never_rescanned():
    from ctxlean.batch.items import Item

    item = Item("1", "{{secret}}", 1, {"secret": "S3CRET", "note": "{{secret}}"})
    rendered = PromptTemplate("Rules.\n{{note}} / {{text}}").user_content(item)
    assert rendered == "{{secret}} / {{secret}}"


def test_template_without_placeholders_is_all_prefix_and_text_is_the_user_message():
    from ctxlean.batch.items import Item

    template = PromptTemplate("Classify the sentiment.")
    item = Item("1", "I love it", 1)
    assert template.prefix == "Classify the sentiment." and template.user_content(item) == "I love it"
    opening = PromptTemplate("Rules.\nClassify {{text}} now")
    assert opening.prefix == "Rules.\n" and opening.user_content(item) == "Classify I love it now"
    assert PromptTemplate("Classify {{text}}").prefix == ""


def test_items_lacking_template_fields_are_reported_by_line(tmp_path):
    path = write_lines(tmp_path / "items.jsonl", [json.dumps({"id": "1", "text": "a", "lang": "fr"}),
                                                  json.dumps({"id": "2", "text": "b"})])
    with pytest.raises(ItemsError) as caught:
        read_items(path, PromptTemplate("Translate from {{lang}} for {{audience}}").problem)
    assert caught.value.problems == [(1, "item '1' lacks field(s) used by the prompt: audience"),
                        (2, "item '2' lacks field(s) used by the prompt: lang, audience")]


def test_request_puts_cached_instructions_first_and_item_last():
    from ctxlean.batch.items import Item

    template = PromptTemplate("Long shared instructions.\nItem:\n{{text}}")
    request = build_request("job1", 7, template, Item("a/b c", "the item", 1), "claude-x", 100)
    assert request["custom_id"] == "job1-7" and index_of("job1", "job1-7") == 7
    params = request["params"]
    assert params["system"] == [{"type": "text", "text": "Long shared instructions.\nItem:\n",
                                 "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    assert params["messages"] == [{"role": "user", "content": "the item"}]
    with pytest.raises(ValueError):
        index_of("job1", "job2-7")


def test_split_respects_both_limits_and_keeps_order():
    sizes = {i: 1000 for i in range(10)}
    sizes[4] = 6000
    groups = split(list(range(10)), sizes, Limits(max_requests=3, max_bytes=1024 + 7000))
    assert [i for g in groups for i in g] == list(range(10))
    for group in groups:
        assert len(group) <= 3 and sum(sizes[i] for i in group) <= 7000
    assert groups == [[0, 1, 2], [3, 4], [5, 6, 7], [8, 9]]


def test_a_request_over_the_byte_limit_is_refused_before_submitting():
    with pytest.raises(RequestTooLarge) as caught:
        split([0, 1], {0: 10, 1: 5000}, Limits(max_bytes=4000))
    assert caught.value.index == 1


def test_encoded_size_matches_what_the_sdk_sends():
    from anthropic._utils._json import openapi_dumps

    request = {"custom_id": "j-1", "params": {"model": "m", "max_tokens": 5,
                                              "messages": [{"role": "user", "content": "héllo ✓"}]}}
    assert encoded_size(request) == len(openapi_dumps(request)) + 1


@pytest.mark.parametrize(("line", "where"), [
    ('{"id": "x", "text": }', "column 21"),
    ('{"id": "x"', "at the end of the line"),  # was "column 1": the newline counted as a second line
    ('{"id": "x",\t"text" "y"}', "column 20"),
])
def test_a_json_error_names_the_column_on_its_own_line(tmp_path, line, where):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "ok"}) + "\n" + line + "\r\n")
    with pytest.raises(ItemsError) as caught:
        read_items(path)
    assert caught.value.problems[0][0] == 2 and caught.value.problems[0][1].endswith(f"({where})")
