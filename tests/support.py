"""Shared test helpers (a module, not conftest: tests/ and tests/e2e/ each have a conftest.py)."""

import json
from pathlib import Path

from ctxlean.fakeapi import Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL
from ctxlean.fakeapi.script import HANDLE_RE, has_tool_result, not_, reply, results_for, text, tool_result_for, tool_use

FIXTURES = Path(__file__).parent / "fixtures"


def load_sample(name: str) -> dict:
    return json.loads((FIXTURES / "samples" / name).read_text())


WEB_FACT = "The default maximum number of retries is 4, with exponential backoff starting at 0.5 s."


def docs_page(fact: str = WEB_FACT) -> str:
    """A documentation page of ~12,000 characters of text with one fact in the middle."""
    filler = "".join(f"<h2>Retries detail {i}</h2><p>Retries behaviour {i} depends on the transport.</p>"
                     f"<pre>client = Client(option_{i}=True)\nclient.get('/r/{i}')</pre>" for i in range(40))
    return (f"<html><head><title>Retries - docs</title><style>p {{color: red}}</style></head><body>"
            f"<nav><a href='/home'>Home</a></nav><h1>Retries</h1>{filler}<h2>Defaults</h2><p>{fact}</p>"
            f"<script>var secret = 'not text';</script><ul><li>first</li><li>second</li></ul>{filler}</body></html>")


def offload_script(tool: str, tool_input: dict, fetches: list[dict], first: tuple[Rule, ...] = (),
                   fetch_tool: str = FETCH_DETAIL) -> Script:
    """Call `tool`, then fetch_detail with each of `fetches` (plus the handle the summary named), then stop.
    Rules in `first` take precedence (for requests Claude Code makes on its own); `fetch_tool` is the
    fetch_detail tool's name (the plugin's by default)."""

    def handle_of(req) -> str:
        return HANDLE_RE.search(results_for(req.body, tool)[0]).group(0)

    rules = [*first, Rule("call", match=not_(has_tool_result), respond=reply(tool_use(tool, tool_input)))]
    for i, fetch in enumerate(fetches):
        previous = tool if i == 0 else fetch_tool
        rules.append(Rule(f"fetch{i}", times=1, match=tool_result_for(previous),
                          respond=lambda req, fetch=fetch: reply(tool_use(fetch_tool,
                                                                          {"handle": handle_of(req), **fetch}))))
    rules.append(Rule("done", match=has_tool_result, respond=reply(text("Done."))))
    return Script(rules)
