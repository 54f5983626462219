"""WebFetch answered by ctxlean: the page as text, the lines that answer the question, the permission gate,
and the PreToolUse answer for pages served over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import WEB_FACT as FACT
from support import docs_page

from ctxlean import claude_permissions
from ctxlean.fakeapi import FakeAnthropic, Script
from ctxlean.fakeapi.script import HANDLE_RE
from ctxlean.fakeapi.tls import self_signed_cert
from ctxlean.hooks import IN_PROCESS, pre_tool_use
from ctxlean.mcp_server.fetch import fetch_detail
from ctxlean.paths import project_of
from ctxlean.store import open_store
from ctxlean.web_page import matching_lines, page_text


def test_page_text_keeps_what_a_reader_sees_in_order():
    title, text = page_text(docs_page(), "text/html; charset=utf-8", "https://docs.example/retries.html")
    lines = text.split("\n")
    assert title == "Retries - docs"
    assert "# Retries" in lines and "## Defaults" in lines
    assert FACT in lines
    assert lines.index("## Defaults") < lines.index(FACT) < lines.index("- first") < lines.index("- second")
    assert "[Home](https://docs.example/home)" in lines
    assert "client = Client(option_3=True)" in lines and "client.get('/r/3')" in lines  # <pre> kept as lines
    assert "not text" not in text and "color: red" not in text


def test_page_text_leaves_other_text_as_it_is():
    body = '{"retries": 4}\n'
    assert page_text(body, "application/json", "https://x/") == ("", body)


def test_matching_lines_put_the_answer_first_and_show_page_order_within_budget():
    _, text = page_text(docs_page(), "text/html", "https://docs.example/")
    shown, matched = matching_lines(text, "What is the default maximum number of retries?", 600)
    assert matched
    assert FACT in [line for _, line in shown]
    assert [n for n, _ in shown] == sorted(n for n, _ in shown)
    assert sum(len(line) + 10 for _, line in shown) <= 600
    numbered = text.split("\n")
    assert all(numbered[n - 1].startswith(line.removesuffix("...")) for n, line in shown)


def test_matching_lines_without_a_matching_word_show_the_start():
    assert matching_lines("alpha\n\nbeta\ngamma", "zebra?", 100) == ([(1, "alpha"), (3, "beta"), (4, "gamma")], False)


def test_matching_lines_show_only_the_lines_holding_the_rare_words():
    text = "\n".join([f"Connection pooling behaviour {i} depends on the transport." for i in range(50)]
                     + ["Each client keeps at most 64 keep-alive connections per host."])
    shown, _ = matching_lines(text, "How many keep-alive connections per host?", 2000)
    assert shown == [(51, "Each client keeps at most 64 keep-alive connections per host.")]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """write(rules, where="user"|"project") puts permission rules where Claude Code reads them."""
    monkeypatch.setattr(claude_permissions, "MANAGED_SETTINGS", str(tmp_path / "managed.json"))
    project = tmp_path / "proj"
    paths = {"user": tmp_path / "home" / ".claude" / "settings.json",
             "project": project / ".claude" / "settings.json",
             "local": project / ".claude" / "settings.local.json"}

    def write(permissions: dict, where: str = "user") -> str:
        paths[where].parent.mkdir(parents=True, exist_ok=True)
        paths[where].write_text(json.dumps({"permissions": permissions}))
        return str(project)

    project.mkdir()
    write.project = str(project)
    return write


@pytest.mark.parametrize("permissions, where, mode, expected", [
    ({}, "user", "bypassPermissions", True),
    ({}, "user", "default", False),  # Claude Code would ask first
    ({}, "user", "acceptEdits", False),
    ({"allow": ["WebFetch(domain:docs.example)"]}, "project", "default", True),
    ({"allow": ["WebFetch(domain:*.example)"]}, "local", "default", True),
    ({"allow": ["WebFetch(domain:other.example)"]}, "user", "default", False),
    ({"allow": ["WebFetch"]}, "user", "default", True),
    ({"deny": ["WebFetch(domain:docs.example)"]}, "user", "bypassPermissions", False),
    ({"deny": ["WebFetch"]}, "project", "bypassPermissions", False),
    ({"ask": ["WebFetch(domain:docs.example)"]}, "local", "bypassPermissions", False),
    ({"deny": ["WebFetch(url:https://docs.example/*)"]}, "user", "bypassPermissions", False),  # unknown form
    ({"deny": ["WebFetch(domain:other.example)", "Bash(rm:*)"]}, "user", "bypassPermissions", True),
])
def test_pages_are_fetched_only_where_claude_code_would_not_ask(settings, permissions, where, mode, expected):
    project = settings(permissions, where)
    assert claude_permissions.runs_unasked("WebFetch", "docs.example", mode, project) is expected


def test_unreadable_settings_count_as_no_rules(settings, tmp_path):
    (tmp_path / "home" / ".claude").mkdir(parents=True)
    (tmp_path / "home" / ".claude" / "settings.json").write_text("{not json")
    assert claude_permissions.runs_unasked("WebFetch", "docs.example", "bypassPermissions", settings.project)


@pytest.fixture
def https_pages(tmp_path, monkeypatch):
    if shutil.which("openssl") is None:
        pytest.skip("serving pages over https needs the openssl CLI")
    cert, key = self_signed_cert(tmp_path)
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(cert))  # what Claude Code users set for their own CAs
    with FakeAnthropic(Script([]), tls=(cert, key)) as api:
        yield api, (cert, key)


def event(url: str, cwd: str, mode: str = "bypassPermissions", prompt: str = "What is the default maximum "
          "number of retries?") -> dict:
    return {"hook_event_name": "PreToolUse", "tool_name": "WebFetch", "permission_mode": mode, "cwd": cwd,
            "session_id": "s1", "tool_input": {"url": url, "prompt": prompt}}


def test_webfetch_is_answered_with_the_matching_lines_and_the_whole_page_is_fetchable(https_pages, tmp_path):
    api, _ = https_pages
    api.pages["docs/retries.html"] = docs_page()
    url = api.https_url.replace("https://", "http://") + "/pages/docs/retries.html"  # upgraded like WebFetch
    answer = pre_tool_use.handle(event(url, str(tmp_path)))["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    reason = answer["permissionDecisionReason"]
    assert reason.startswith("[ctxlean] This WebFetch was answered by ctxlean")
    assert FACT in reason and "not text" not in reason
    assert len(reason) < 2600
    assert [r["rule"] for r in api.requests] == ["page:docs/retries.html"]
    handle = HANDLE_RE.search(reason).group(0)
    with open_store() as store:
        whole = fetch_detail(store, project_of(str(tmp_path)), handle, lines="1-2000", budget_tokens=50_000)
    _, text = page_text(docs_page(), "text/html", url)
    assert all(line in whole for line in text.split("\n")[-5:])
    assert "Retries behaviour 39 depends on the transport." in whole


def test_webfetch_is_left_alone_when_the_page_cannot_be_read_the_way_webfetch_would(https_pages, tmp_path,
                                                                                     monkeypatch):
    api, _ = https_pages
    api.pages["doc.pdf"] = b"%PDF-1.7 binary"
    base = api.https_url + "/pages/"
    assert pre_tool_use.handle(event(base + "doc.pdf", str(tmp_path))) is None  # not text
    assert pre_tool_use.handle(event(base + "missing.html", str(tmp_path))) is None  # 404
    assert pre_tool_use.handle(event("ftp://example.invalid/x", str(tmp_path))) is None
    api.pages["ok.html"] = docs_page()
    assert pre_tool_use.handle(event(base + "ok.html", str(tmp_path), mode="default")) is None  # would ask
    monkeypatch.setenv("CTXLEAN_FETCH_PAGES_LOCALLY", "0")
    assert pre_tool_use.handle(event(base + "ok.html", str(tmp_path))) is None
    assert [r["rule"] for r in api.requests] == ["page:doc.pdf", "page:missing.html"]


def test_a_redirect_to_another_host_is_left_to_webfetch(https_pages, tmp_path):
    _, (cert, key) = https_pages

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            target = "https://localhost:1/elsewhere" if self.path == "/away" else "/here"
            if self.path == "/here":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(FACT.encode())
                return
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"https://127.0.0.1:{server.server_address[1]}"
        assert pre_tool_use.handle(event(base + "/away", str(tmp_path))) is None
        same_host = pre_tool_use.handle(event(base + "/moved", str(tmp_path)))
        assert FACT in same_host["hookSpecificOutput"]["permissionDecisionReason"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def launched(tmp_path, monkeypatch):
    """launched(*args) makes the hook's parent look like Claude Code started with these flags (a /proc tree)."""
    proc = tmp_path / "proc"
    monkeypatch.setattr(claude_permissions, "PROC", str(proc))

    def start(*args: str) -> None:
        for pid, ppid, cmdline in ((os.getpid(), 4242, ["python", "-m", "ctxlean", "hook"]),
                                   (4242, 1, ["claude", "-p", "x", *args])):
            (proc / str(pid)).mkdir(parents=True, exist_ok=True)
            (proc / str(pid) / "stat").write_text(f"{pid} (some (odd) name) S {ppid} 1 1")
            (proc / str(pid) / "cmdline").write_bytes("\0".join(cmdline).encode() + b"\0")

    return start


@pytest.mark.parametrize("args, mode, expected", [
    ((), "bypassPermissions", True),
    (("--settings", '{"permissions": {"deny": ["WebFetch(domain:docs.example)"]}}'), "bypassPermissions", False),
    (("--settings", "/nonexistent/settings.json"), "bypassPermissions", False),  # unreadable: may deny
    (("--disallowedTools", "Bash(rm:*) WebFetch"), "bypassPermissions", False),
    (("--disallowed-tools=WebFetch(domain:docs.example),Edit",), "bypassPermissions", False),
    (("--allowedTools", "Read,WebFetch(domain:docs.example)"), "default", True),
    (("--allowedTools", "WebFetch(domain:other.example)"), "default", False),
])
def test_rules_from_the_flags_claude_code_was_started_with_count_too(settings, launched, args, mode, expected):
    launched(*args)
    assert claude_permissions.runs_unasked("WebFetch", "docs.example", mode, settings.project) is expected


def test_setting_sources_limit_the_files_read(settings, launched):
    project = settings({"allow": ["WebFetch(domain:docs.example)"]}, "user")
    launched("--setting-sources", "project,local")  # Claude Code ignores the user's allow rule
    assert not claude_permissions.runs_unasked("WebFetch", "docs.example", "default", project)


def test_without_proc_the_flags_cannot_be_seen_so_claude_code_decides(settings, monkeypatch, tmp_path):
    monkeypatch.setattr(claude_permissions, "PROC", str(tmp_path / "no-proc"))
    assert not claude_permissions.runs_unasked("WebFetch", "docs.example", "bypassPermissions", settings.project)


def test_agent_sdk_sessions_keep_webfetch(https_pages, tmp_path):
    api, _ = https_pages
    api.pages["ok.html"] = docs_page()
    sdk_event = {**event(api.https_url + "/pages/ok.html", str(tmp_path)), IN_PROCESS: True}
    assert pre_tool_use.handle(sdk_event) is None
    assert api.requests == []
