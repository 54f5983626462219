"""WebFetch answered by ctxlean in the real Claude Code: the model gets the page's matching lines and a
handle instead of WebFetch's digest, no page-reading model call is made, and a deny rule is respected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import WEB_FACT as FACT
from support import docs_page, offload_script

from ctxlean.fakeapi import FakeAnthropic
from ctxlean.fakeapi.claude import FETCH_DETAIL
from ctxlean.fakeapi.script import results_for
from ctxlean.fakeapi.tls import self_signed_cert

pytestmark = pytest.mark.e2e
DIGEST_MARK = "Web page content:"  # WebFetch's page-reading request carries the page after this
QUESTION = "What is the default maximum number of retries?"


@pytest.fixture
def pages(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("serving pages over https needs the openssl CLI")
    cert, key = self_signed_cert(tmp_path)
    with FakeAnthropic(None, tls=(cert, key), pages={"retries.html": docs_page()}) as server:
        yield server, cert


def _settings(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"skipWebFetchPreflight": True, **extra}))  # the preflight asks claude.ai
    return path


def test_the_model_gets_the_matching_lines_and_a_handle_without_webfetch_s_model_call(session, ctxlean_home,
                                                                                      tmp_path, pages):
    server, cert = pages
    url = f"{server.https_url}/pages/retries.html"
    script = offload_script("WebFetch", {"url": url, "prompt": QUESTION}, [{"grep": "Retries behaviour 39"}])
    run, api = session(script, home=ctxlean_home, args=["--settings", str(_settings(tmp_path))],
                       env={"NODE_EXTRA_CA_CERTS": str(cert)})
    assert run.result["subtype"] == "success"
    assert [r["rule"] for r in server.requests] == ["page:retries.html"]  # fetched once, by ctxlean
    bodies = [r["body"] for r in api.model_requests()]
    assert not any(DIGEST_MARK in json.dumps(b) for b in bodies)  # no page-reading model call
    last = bodies[-1]
    [answered] = results_for(last, "WebFetch")
    assert "[ctxlean] This WebFetch was answered by ctxlean" in answered
    assert FACT in answered
    assert len(answered) < 1500  # the page is ~12,000 characters of text
    [fetched] = results_for(last, FETCH_DETAIL)
    assert "Retries behaviour 39 depends on the transport." in fetched


def test_a_deny_rule_for_the_domain_is_left_to_claude_code(session, ctxlean_home, tmp_path, pages):
    server, cert = pages
    url = f"{server.https_url}/pages/retries.html"
    settings = _settings(tmp_path, permissions={"deny": ["WebFetch(domain:127.0.0.1)"]})
    run, api = session(offload_script("WebFetch", {"url": url, "prompt": QUESTION}, []), home=ctxlean_home,
                       args=["--settings", str(settings)], env={"NODE_EXTRA_CA_CERTS": str(cert)})
    assert server.requests == []  # neither ctxlean nor WebFetch fetched the page
    [answered] = results_for(api.model_requests()[-1]["body"], "WebFetch")
    assert "ctxlean" not in answered and FACT not in answered
