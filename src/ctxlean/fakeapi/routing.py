"""The fake API's route table and the request/reply types its handlers exchange.

Endpoint modules register handlers with `@route(method, path_regex)`; `server.py` imports those modules,
so adding an endpoint is one decorated function plus one import there. Handlers get a Request (parsed
body, lower-cased headers, the regex's named groups, the serving FakeAnthropic) and return a Reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ctxlean.fakeapi.server import FakeAnthropic


@dataclass
class Request:
    seq: int  # 1, 2, ... in arrival order, per server
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON; None when empty; {"_unparsed": text} when not JSON
    server: FakeAnthropic
    params: dict[str, str] = field(default_factory=dict)  # the route regex's named groups
    rule: str | None = None  # set by the handler: which script rule or route answered (logged)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None  # when set, sent with chunked transfer encoding instead of body


Handler = Callable[[Request], Reply]

# (method, compiled path regex, handler), tried in registration order; the path must match fully.
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `method` requests whose path matches `pattern`."""

    def register(handler: Handler) -> Handler:
        ROUTES.append((method.upper(), re.compile(pattern), handler))
        return handler

    return register


def find_route(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    for verb, pattern, handler in ROUTES:
        found = pattern.fullmatch(path)
        if verb == method and found:
            return handler, found.groupdict()
    return None


def json_reply(obj: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(obj).encode())


def error_reply(status: int, error_type: str, message: str) -> Reply:
    """An error in the Anthropic API's shape: {"type": "error", "error": {"type", "message"}}."""
    return json_reply({"type": "error", "error": {"type": error_type, "message": message}}, status)
