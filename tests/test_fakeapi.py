"""The fake Anthropic API, talked to with the real anthropic SDK: streaming, JSON, routing, the log."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import anthropic
import pytest

import ctxlean
from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.messages import input_tokens_for
from ctxlean.fakeapi.script import (
    all_tool_result_texts,
    error,
    find_handle,
    has_agent_header,
    has_tool_result,
    is_compaction_request,
    last_tool_result_text,
    last_user_contains,
    model_contains,
    not_,
    reply,
    system_contains,
    text,
    thinking,
    tool_result_for,
    tool_use,
)
from ctxlean.fakeapi.tls import self_signed_cert

MODEL = "claude-opus-5-5"


def client(api: FakeAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=api.url, api_key="dummy", max_retries=0)


def ask(sdk: anthropic.Anthropic, content="x", model=MODEL, **kwargs):
    """One non-streaming model turn with a single user message."""
    return sdk.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": content}],
                               **kwargs)


def bash_round_trip() -> Script:
    return Script([
        Rule("run", match=[last_user_contains("run it"), not_(has_tool_result)],
             respond=reply(text("Running."), tool_use("Bash", {"command": "seq 3"}))),
        Rule("handle", match=tool_result_for("Bash"),
             respond=lambda req: reply(text(f"handle={find_handle(req.body)}"))),
    ])


def tool_result_turn(tool_use_id: str, content) -> list[dict]:
    return [
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": tool_use_id, "name": "Bash",
                                           "input": {"command": "seq 3"}}]},
        {"role": "user",
         "content": [{"type": "tool_result", "tool_use_id": tool_use_id, "content": content}]},
    ]


def test_streaming_tool_use_arrives_whole_through_the_sdk():
    with FakeAnthropic(bash_round_trip()) as api:
        with client(api).messages.stream(model=MODEL, max_tokens=100,
                                         messages=[{"role": "user", "content": "please run it"}]) as stream:
            message = stream.get_final_message()
    assert [b.type for b in message.content] == ["text", "tool_use"]
    assert message.content[0].text == "Running."
    assert message.content[1].name == "Bash" and message.content[1].input == {"command": "seq 3"}
    assert message.content[1].id.startswith("toolu_")
    assert message.stop_reason == "tool_use"
    assert message.usage.input_tokens == input_tokens_for(api.requests[0]["body"]) > 0
    assert message.usage.output_tokens > 0


def test_long_text_and_thinking_stream_in_pieces_and_reassemble():
    long_text = "".join(f"line {i}\n" for i in range(500))
    script = Script([Rule("t", respond=reply(thinking("let me think"), text(long_text)))])
    with FakeAnthropic(script) as api:
        with client(api).messages.stream(model=MODEL, max_tokens=100,
                                         messages=[{"role": "user", "content": "hi"}]) as stream:
            deltas = [e for e in stream if e.type == "content_block_delta"]
            message = stream.get_final_message()
    assert len(deltas) > 5  # the 4 KB text came in several text_delta events
    assert message.content[0].type == "thinking" and message.content[0].thinking == "let me think"
    assert message.content[1].text == long_text
    assert message.stop_reason == "end_turn"


def test_non_streaming_reply_reads_the_tool_result_and_logs_the_request():
    messages = tool_result_turn("toolu_x", "stored as ctx_0123456789abcdef, fetch_detail for more")
    with FakeAnthropic(bash_round_trip()) as api:
        message = client(api).messages.create(model=MODEL, max_tokens=100, messages=messages)
    assert message.content[0].text == "handle=ctx_0123456789abcdef"
    [record] = api.requests
    assert record["method"] == "POST" and record["path"] == "/v1/messages"
    assert record["rule"] == "handle"
    assert record["body"]["messages"] == messages
    assert record["headers"]["user-agent"].startswith("Anthropic/Python")


def test_tool_use_ids_are_reproducible_across_servers():
    def tool_ids() -> list[str]:
        with FakeAnthropic(bash_round_trip()) as api:
            sdk = client(api)
            return [sdk.messages.create(model=MODEL, max_tokens=10,
                                        messages=[{"role": "user", "content": "run it"}]).content[1].id
                    for _ in range(2)]

    first = tool_ids()
    assert first == tool_ids()
    assert first[0] != first[1]


def test_rules_are_tried_in_order_and_times_runs_out():
    script = Script([Rule("once", times=1, respond=reply(text("first"))),
                     Rule("later", respond=reply(text("again")))])
    with FakeAnthropic(script) as api:
        sdk = client(api)
        answers = [ask(sdk).content[0].text for _ in range(3)]
    assert answers == ["first", "again", "again"]
    assert [r["rule"] for r in api.requests] == ["once", "later", "later"]


def test_unmatched_request_gets_the_default_answer():
    script = Script([Rule("never", match=model_contains("haiku"), respond=reply(text("haiku")))])
    with FakeAnthropic(script) as api:
        message = ask(client(api))
    assert "no rule matched" in message.content[0].text
    assert api.requests[0]["rule"] == "default"


def test_usage_override_is_reported_to_the_client():
    script = Script([Rule("big", respond=reply(text("ok"), usage={"input_tokens": 75_000}))])
    with FakeAnthropic(script) as api:
        message = ask(client(api))
    assert message.usage.input_tokens == 75_000
    assert message.usage.cache_read_input_tokens == 0


def test_scripted_error_reaches_the_client_with_its_status():
    script = Script([Rule("overloaded", respond=error(429, "rate_limit_error", "slow down"))])
    with FakeAnthropic(script) as api, pytest.raises(anthropic.RateLimitError, match="slow down"):
        ask(client(api))


def test_predicates_on_system_model_header_and_compaction():
    script = Script([
        Rule("compact", match=is_compaction_request, respond=reply(text("<summary>s</summary>"))),
        Rule("sub", match=[has_agent_header, model_contains("haiku")], respond=reply(text("subagent"))),
        Rule("sys", match=system_contains("You are ctxlean"), respond=reply(text("system seen"))),
    ])
    compact = "Respond with plain text only — an <analysis> block followed by a <summary> block."
    haiku = "claude-haiku-5-5"
    with FakeAnthropic(script) as api:
        sdk = client(api)
        assert ask(sdk, compact).content[0].text.startswith("<summary>")
        agent = {"x-claude-code-agent-id": "a1"}
        assert ask(sdk, model=haiku, extra_headers=agent).content[0].text == "subagent"
        assert ask(sdk, model=haiku, system="You are ctxlean's test").content[0].text == "system seen"
    assert [r["rule"] for r in api.requests] == ["compact", "sub", "sys"]


def test_system_role_entries_and_block_tool_results_are_read():
    messages = tool_result_turn("toolu_y", [{"type": "text", "text": "part one"},
                                            {"type": "text", "text": "ctx_00000000000000ff"}])
    messages.insert(1, {"role": "system", "content": "# Environment"})
    messages.append({"role": "system", "content": "a reminder after the tool result"})
    body = {"messages": messages}
    assert last_tool_result_text(body) == "part one\nctx_00000000000000ff"
    assert all_tool_result_texts(body) == ["part one\nctx_00000000000000ff"]
    assert find_handle(body) == "ctx_00000000000000ff"
    with FakeAnthropic(bash_round_trip()) as api:
        status, answer = post(api, "/v1/messages", {"model": MODEL, "max_tokens": 9, "messages": messages})
    assert status == 200 and answer["content"][0]["text"] == "handle=ctx_00000000000000ff"


def post(api: FakeAnthropic, path: str, body, headers: dict | None = None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(api.url + path, data=data, method="POST",
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_gzip_request_body_is_decoded():
    body = {"model": MODEL, "max_tokens": 9, "messages": [{"role": "user", "content": "run it"}]}
    with FakeAnthropic(bash_round_trip()) as api:
        status, answer = post(api, "/v1/messages?beta=true", None, {"content-encoding": "gzip"},
                              raw=gzip.compress(json.dumps(body).encode()))
    assert status == 200 and answer["content"][1]["name"] == "Bash"
    assert api.requests[0]["body"] == body and api.requests[0]["query"] == {"beta": "true"}


def test_count_tokens_models_pages_and_unrouted_paths(tmp_path):
    log = tmp_path / "requests.jsonl"
    html = "<html><body>" + "word " * 5000 + "</body></html>"
    ask = [{"role": "user", "content": "count me"}]
    with FakeAnthropic(Script([]), log_path=log, pages={"big.html": html}) as api:
        counted = client(api).messages.count_tokens(model=MODEL, messages=ask)
        models = client(api).models.list()
        with urllib.request.urlopen(api.url + "/pages/big.html") as response:
            page, page_type = response.read().decode(), response.headers["content-type"]
        status, answer = post(api, "/v1/elsewhere", {"x": 1})
    assert counted.input_tokens == input_tokens_for({"messages": ask}) > 0
    assert "claude-opus-5-5" in [m.id for m in models.data]
    assert page == html and page_type.startswith("text/html")
    assert status == 404 and answer["error"]["type"] == "not_found_error"
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["method"], r["path"], r["rule"]) for r in logged] == [
        ("POST", "/v1/messages/count_tokens", "count_tokens"), ("GET", "/v1/models", "models"),
        ("GET", "/pages/big.html", "page:big.html"), ("POST", "/v1/elsewhere", "unrouted")]
    assert [r["seq"] for r in logged] == [1, 2, 3, 4]
    assert logged == api.requests
    assert api.model_requests() == []


def test_a_crashing_rule_is_logged_and_answered_with_400():
    script = Script([Rule("bad", respond=lambda req: reply(text(req.body["no such key"])))])
    with FakeAnthropic(script) as api, pytest.raises(anthropic.BadRequestError, match="KeyError"):
        ask(client(api))
    assert "KeyError" in api.requests[0]["error"]


def python_env(*paths) -> dict:
    """The environment for a child Python that imports this checkout's ctxlean (and paths first)."""
    src = os.path.dirname(os.path.dirname(ctxlean.__file__))
    return dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, paths), src]))


def test_standalone_server_writes_its_port_and_logs(tmp_path):
    (tmp_path / "my_script.py").write_text(
        "from ctxlean.fakeapi.script import Rule, Script, reply, text\n"
        "SCRIPT = Script([Rule('hi', respond=reply(text('hello from the module')))])\n")
    port_file, log = tmp_path / "port", tmp_path / "log.jsonl"
    env = python_env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "ctxlean.fakeapi", "--script", "my_script:SCRIPT",
                             "--port-file", str(port_file), "--log", str(log)], env=env)
    try:
        deadline = time.monotonic() + 120  # guards against a hang only
        while not port_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        answer = ask(anthropic.Anthropic(base_url=url, api_key="d", max_retries=0))
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert answer.content[0].text == "hello from the module"
    assert json.loads(log.read_text())["rule"] == "hi"


def test_standalone_server_rejects_a_missing_script():
    proc = subprocess.run([sys.executable, "-m", "ctxlean.fakeapi", "--script", "no_such_module:SCRIPT"],
                          capture_output=True, text=True, env=python_env())
    assert proc.returncode == 2
    assert "cannot load script no_such_module:SCRIPT" in proc.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_pages_are_also_served_over_https_with_a_self_signed_cert(tmp_path):
    cert, key = self_signed_cert(tmp_path)
    context = ssl.create_default_context(cafile=str(cert))
    with FakeAnthropic(Script([]), pages={"doc.md": "# Title\nbody"}, tls=(cert, key)) as api:
        with urllib.request.urlopen(api.https_url + "/pages/doc.md", context=context) as response:
            page = response.read().decode()
    assert api.https_url.startswith("https://127.0.0.1:") and api.https_url != api.url
    assert page == "# Title\nbody"
    assert api.requests[0]["rule"] == "page:doc.md"
