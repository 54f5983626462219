"""Issue 2, points 1, 2 and 5: big outputs reach the model as a bounded summary with a handle, in a shape
Claude Code accepts, and fetch_detail over MCP gives back exact lines of the original."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from support import offload_script

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL
from ctxlean.fakeapi.script import (
    last_user_contains,
    reply,
    results_for,
    text,
)
from ctxlean.fakeapi.tls import self_signed_cert
from ctxlean.tokens import estimate_tokens

pytestmark = pytest.mark.e2e

BIG_MCP_SERVER = Path(__file__).with_name("big_mcp_server.py")
HANDLE = re.compile(r"ctx_[0-9a-f]{16}")
SUMMARY_TOKENS = 500  # "at most ~500 tokens" (the default summary budget is 400)

# 26,000 log lines (1.22 MB) with one error line in the middle.
NEEDLE_LINE = 17321
BIG_LOG = ("awk 'BEGIN { for (i = 1; i <= 26000; i++) { if (i == 17321) print \"ERROR: checksum mismatch in "
           "block 17321 (shard eu-7)\"; else printf \"log line %06d: replica healthy, lag 0 ms, ok\\n\", i } }'")


def big_log_lines() -> list[str]:
    return ["ERROR: checksum mismatch in block 17321 (shard eu-7)" if i == NEEDLE_LINE else
            f"log line {i:06d}: replica healthy, lag 0 ms, ok" for i in range(1, 26001)]


def assert_offloaded(received: str) -> str:
    """The summary the model got is bounded, names its handle and says how to fetch more; returns the handle."""
    assert estimate_tokens(received) <= SUMMARY_TOKENS, received
    assert "fetch_detail" in received
    return HANDLE.search(received).group(0)


def test_bash_printing_1_2_mb_reaches_the_model_as_a_summary_and_fetch_detail_returns_exact_lines(
        session, ctxlean_home):
    script = offload_script("Bash", {"command": BIG_LOG, "description": "print the replica log"},
                            [{"grep": "ERROR"}, {"lines": f"{NEEDLE_LINE - 1}-{NEEDLE_LINE + 1}"}])
    run, api = session(script, home=ctxlean_home)

    last = api.model_requests()[-1]["body"]
    [summary] = results_for(last, "Bash")
    handle = assert_offloaded(summary)
    original = big_log_lines()
    size = sum(len(line) + 1 for line in original)
    assert size >= 1_200_000 and f"{size:,} bytes" in summary  # the whole output was stored, not the cut one
    grep_answer, lines_answer = results_for(last, FETCH_DETAIL)
    assert handle in grep_answer and handle in lines_answer
    assert original[NEEDLE_LINE - 1] in grep_answer and str(NEEDLE_LINE) in grep_answer
    for number in range(NEEDLE_LINE - 1, NEEDLE_LINE + 2):
        assert f"{number}: {original[number - 1]}" in lines_answer
    assert not run.rejected_outputs()
    assert run.result["subtype"] == "success"


def test_read_of_an_80_kb_file_is_offloaded_and_fetchable(session, ctxlean_home, project):
    lines = [f"setting_{i:05d} = {i * 7919 % 100003}  # tuned for the staging cluster" for i in range(1, 1461)]
    lines[1233] = "setting_01234 = MISCONFIGURED  # the one wrong value"
    path = project / "settings.conf"
    path.write_text("\n".join(lines) + "\n")
    assert 78_000 <= path.stat().st_size <= 82_000
    script = offload_script("Read", {"file_path": str(path)}, [{"lines": "1233-1235"}])
    run, api = session(script, home=ctxlean_home)

    last = api.model_requests()[-1]["body"]
    assert_offloaded(results_for(last, "Read")[0])
    [answer] = results_for(last, FETCH_DETAIL)
    for number in (1233, 1234, 1235):
        assert f"{number}: {lines[number - 1]}" in answer
    assert not run.rejected_outputs()


def test_grep_with_thousands_of_hits_is_offloaded_and_fetchable(session, ctxlean_home, project):
    (project / "pkg").mkdir()
    for f in range(300):
        body = [f"def handler_{f}_{n}():\n    pass  # TODO({f}.{n}) handle retries\n" for n in range(12)]
        (project / "pkg" / f"mod_{f:03d}.py").write_text("".join(body))
    grep = {"pattern": "TODO", "output_mode": "content", "-n": True, "head_limit": 0}
    script = offload_script("Grep", grep, [{"grep": "mod_123.py:"}])
    # Claude Code 2.1.330 offers Grep only when asked to (by default it steers the model to grep via Bash).
    run, api = session(script, home=ctxlean_home, args=["--tools", "Bash,Read,Grep,Glob"])

    last = api.model_requests()[-1]["body"]
    assert_offloaded(results_for(last, "Grep")[0])
    [answer] = results_for(last, FETCH_DETAIL)
    for n in range(12):
        assert f"pkg/mod_123.py:{2 * n + 2}:    pass  # TODO(123.{n}) handle retries" in answer
    assert not run.rejected_outputs()


def test_large_mcp_tool_result_is_offloaded_and_fetchable(session, ctxlean_home, tmp_path):
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"bigdata": {
        "type": "stdio", "command": sys.executable, "args": [str(BIG_MCP_SERVER)], "alwaysLoad": True}}}))
    script = offload_script("mcp__bigdata__report", {"rows": 1000}, [{"grep": "status=FAIL"}])
    run, api = session(script, home=ctxlean_home, args=["--mcp-config", str(config)])

    last = api.model_requests()[-1]["body"]
    assert_offloaded(results_for(last, "mcp__bigdata__report")[0])
    [answer] = results_for(last, FETCH_DETAIL)
    for row in (0, 997):
        assert f"row {row:05d} | region-{row % 7} | status=FAIL | value={row * 37 % 1000}" in answer
    assert not run.rejected_outputs()


def test_large_webfetch_result_is_offloaded_and_fetchable(session, ctxlean_home, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("serving pages over https needs the openssl CLI")
    cert, key = self_signed_cert(tmp_path)
    page = "<html><body>" + "".join(f"<h2>Section {i}</h2><p>Body {i}.</p>" for i in range(600)) + "</body></html>"
    answer = "".join(f"- Section {i}: its paragraph ends with WEBNEEDLE-{i:03d}\n" for i in range(600))
    # WebFetch has the page read by a model in a request of its own; that model's answer is the tool output.
    reader = Rule("page reader", match=last_user_contains("Web page content:"), respond=reply(text(answer)))
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"skipWebFetchPreflight": True}))  # the preflight asks claude.ai
    with FakeAnthropic(Script([]), tls=(cert, key), pages={"big.html": page}) as pages:
        script = offload_script("WebFetch", {"url": f"{pages.https_url}/pages/big.html", "prompt": "Sections?"},
                                [{"grep": "WEBNEEDLE-417"}], first=(reader,))
        # WebFetch's own digest is what is offloaded here, so ctxlean must not answer the call itself
        run, api = session(script, home=ctxlean_home, args=["--settings", str(settings)],
                           env={"NODE_EXTRA_CA_CERTS": str(cert), "CTXLEAN_FETCH_PAGES_LOCALLY": "0"})
    assert [r["rule"] for r in pages.requests] == ["page:big.html"]

    last = api.model_requests()[-1]["body"]
    assert_offloaded(results_for(last, "WebFetch")[0])
    [fetched] = results_for(last, FETCH_DETAIL)
    assert "- Section 417: its paragraph ends with WEBNEEDLE-417" in fetched
    assert not run.rejected_outputs()


def test_same_payload_in_two_sessions_gets_the_same_handle_and_summary(session, ctxlean_home):
    summaries = []
    for _ in range(2):
        script = offload_script("Bash", {"command": BIG_LOG, "description": "print the replica log"}, [])
        run, api = session(script, home=ctxlean_home)
        summaries.append(results_for(api.model_requests()[-1]["body"], "Bash")[0])
        assert run.result["subtype"] == "success"
    assert HANDLE.search(summaries[0]).group(0) == HANDLE.search(summaries[1]).group(0)
    assert summaries[0] == summaries[1]
