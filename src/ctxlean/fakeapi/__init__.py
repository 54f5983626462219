"""A scripted fake of the Anthropic API on 127.0.0.1, for end-to-end tests, the demo and benchmarks.

`FakeAnthropic` (server.py) serves the Messages API from a `Script` (script.py) and logs every request;
endpoint modules (messages.py, static.py, ...) register on the route table in routing.py; claude.py runs
the real Claude Code CLI against it. Standard library only.
"""

from ctxlean.fakeapi.script import Rule, Script
from ctxlean.fakeapi.server import FakeAnthropic

__all__ = ["FakeAnthropic", "Rule", "Script"]
