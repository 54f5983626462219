"""The scripted model: an ordered list of rules, each a predicate on the request and a response.

For every Messages request the first rule whose `match` holds (and whose `times` is not used up) answers.
Predicates and callable responses receive the fake server's Request (`.body`, `.headers`, `.seq`); the
readers below take the request body. A typical tool-call round trip:

    Script([
        Rule("run", match=last_user_contains("run the tests"), respond=reply(tool_use("Bash", {...}))),
        Rule("fetch", match=tool_result_for("Bash"),
             respond=lambda req: reply(tool_use(FETCH_DETAIL, {"handle": find_handle(req.body)}))),
        Rule("done", match=tool_result_for(FETCH_DETAIL), respond=reply(text("Found it."))),
    ])
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ctxlean.fakeapi.routing import Request

Predicate = Callable[[Request], bool]
Response = dict[str, Any]  # {"content": [blocks], "usage"?: {...}, "stop_reason"?, "status"?, "error"?}

HANDLE_RE = re.compile(r"ctx_[0-9a-f]{16}")
# The compaction prompt of Claude Code 2.1.330 ends with this sentence (see CLAUDE_CODE_FACTS.md).
COMPACTION_MARK = "an <analysis> block followed by a <summary> block"


@dataclass(frozen=True)
class Rule:
    name: str
    respond: Response | Callable[[Request], Response]
    match: Predicate | Sequence[Predicate] = ()  # all must hold; empty matches every request
    times: int | None = None  # answer at most this many requests (None: unlimited)

    def matches(self, req: Request) -> bool:
        preds = [self.match] if callable(self.match) else self.match
        return all(pred(req) for pred in preds)


class Script:
    """Rules in priority order plus the answer when none matches. Use counts live here, so build a
    fresh Script (or call reset()) for every session that should start from the first rule."""

    def __init__(self, rules: Sequence[Rule], default: Response | None = None):
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique: {names}")
        self.rules = list(rules)
        self.default = default or reply(text("(fake model: no rule matched this request)"))
        self.uses: dict[str, int] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.uses.clear()

    def pick(self, req: Request) -> tuple[str, Response]:
        """(rule name, response) for this request; the response of a callable rule is computed here."""
        with self._lock:
            for rule in self.rules:
                used = self.uses.get(rule.name, 0)
                if rule.times is not None and used >= rule.times:
                    continue
                if rule.matches(req):
                    self.uses[rule.name] = used + 1
                    break
            else:
                return "default", self.default
        respond = rule.respond
        return rule.name, respond(req) if callable(respond) else respond


# --- responses --------------------------------------------------------------------------------------

def text(value: str) -> dict:
    return {"type": "text", "text": value}


def thinking(value: str) -> dict:
    return {"type": "thinking", "thinking": value}


def tool_use(name: str, input: dict) -> dict:
    """A tool call; the server gives it an id derived from the request's seq (reproducible runs)."""
    return {"type": "tool_use", "name": name, "input": input}


def reply(*blocks: dict, usage: dict | None = None, stop_reason: str | None = None) -> Response:
    """A model turn. usage entries override the computed ones (steer the client's view of the context)."""
    response: Response = {"content": list(blocks)}
    if usage is not None:
        response["usage"] = usage
    if stop_reason is not None:
        response["stop_reason"] = stop_reason
    return response


def error(status: int, error_type: str, message: str) -> Response:
    return {"status": status, "error": {"type": error_type, "message": message}}


# --- readers (take a request body) ------------------------------------------------------------------

def system_text(body: dict) -> str:
    system = body.get("system")
    if isinstance(system, list):
        return "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    return system if isinstance(system, str) else ""


def last_user_message(body: dict) -> dict | None:
    """The last message with role user (Claude Code may append role system entries after it)."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return message
    return None


def _blocks(message: dict | None) -> list[dict]:
    content = (message or {}).get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def tool_result_text(block: dict) -> str:
    """The text a tool_result carries (its content is a string or a list of content blocks)."""
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content or []
                     if isinstance(b, dict) and b.get("type") == "text")


def last_user_text(body: dict) -> str:
    """All text of the last user message, tool results included."""
    parts = []
    for block in _blocks(last_user_message(body)):
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(tool_result_text(block))
    return "\n".join(parts)


def tool_results(body: dict) -> list[dict]:
    """Every tool_result block of the conversation, oldest first."""
    return [b for m in body.get("messages") or [] if m.get("role") == "user"
            for b in _blocks(m) if b.get("type") == "tool_result"]


def last_tool_results(body: dict) -> list[dict]:
    """The tool_result blocks of the last user message (the answers to the model's last turn)."""
    return [b for b in _blocks(last_user_message(body)) if b.get("type") == "tool_result"]


def all_tool_result_texts(body: dict) -> list[str]:
    return [tool_result_text(b) for b in tool_results(body)]


def last_tool_result_text(body: dict) -> str | None:
    results = last_tool_results(body)
    return tool_result_text(results[-1]) if results else None


def tool_use_names(body: dict) -> dict[str, str]:
    """tool_use id -> tool name, over the assistant turns of the conversation."""
    return {b.get("id"): b.get("name") for m in body.get("messages") or [] if m.get("role") == "assistant"
            for b in _blocks(m) if b.get("type") == "tool_use"}


def results_for(body: dict, tool_name: str) -> list[str]:
    """Texts of every tool_result answering a call of `tool_name`, oldest first."""
    names = tool_use_names(body)
    return [tool_result_text(b) for b in tool_results(body) if names.get(b.get("tool_use_id")) == tool_name]


def find_handle(body: dict) -> str | None:
    """The first ctxlean handle in the last tool result, if any."""
    found = HANDLE_RE.search(last_tool_result_text(body) or "")
    return found.group(0) if found else None


# --- predicates (take the Request) ------------------------------------------------------------------

def last_user_contains(needle: str) -> Predicate:
    return lambda req: needle in last_user_text(req.body)


def has_tool_result(req: Request) -> bool:
    return bool(last_tool_results(req.body))


def tool_result_for(tool_name: str) -> Predicate:
    """The last user message answers a call of `tool_name`."""

    def check(req: Request) -> bool:
        names = tool_use_names(req.body)
        return any(names.get(b.get("tool_use_id")) == tool_name for b in last_tool_results(req.body))

    return check


def system_contains(needle: str) -> Predicate:
    return lambda req: needle in system_text(req.body)


def model_contains(needle: str) -> Predicate:
    return lambda req: needle.lower() in str(req.body.get("model", "")).lower()


def tools_include(tool_name: str) -> Predicate:
    """The request offers a tool of that name to the model."""
    return lambda req: any(t.get("name") == tool_name for t in req.body.get("tools") or [])


def is_compaction_request(req: Request) -> bool:
    return COMPACTION_MARK in last_user_text(req.body)


def has_agent_header(req: Request) -> bool:
    """Sent by a subagent: Claude Code marks its subagents' requests with x-claude-code-agent-id."""
    return "x-claude-code-agent-id" in req.headers


def not_(pred: Predicate) -> Predicate:
    return lambda req: not pred(req)


def any_of(*preds: Predicate) -> Predicate:
    return lambda req: any(pred(req) for pred in preds)
