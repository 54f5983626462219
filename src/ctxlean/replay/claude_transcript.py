"""Claude Code transcripts -> a replayable Session: every block the model saw, every request it made.

Read whole (every line parsed: a replay needs the content, not only the usage lines the report reads).
What goes into a chain, in file order:
- user lines: their content blocks (the prompt, tool results, compaction summaries); a tool result is
  joined to its tool_use (name, input) and to the line's `toolUseResult`, which is the tool_response the
  hooks get. A Bash output Claude Code persisted (`persistedOutputPath`) is found in the session's
  `tool-results/` directory beside the transcript, wherever the session was recorded.
- assistant lines: one API response is written as several lines sharing `message.id` (one per content
  block, each with the response's usage): its first line places the Request, its usage is the
  response's largest, and its blocks follow. A response already read from another file (a resumed or
  forked session copies earlier ones) stays in the context but is not billed again. Lines without usage
  are Claude Code's own notices: context, no request.
- attachment lines: the text Claude Code renders from them (reminders, the skill listing, ...).
- a `compact_boundary` system line: a Compaction (the summary follows as a user line).
- `api-request-shape` lines: which tool definitions the prefix held (for the lean estimate).
Subagents (`<session>/subagents/agent-<id>.jsonl`) are chains of their own. Lines of a subagent
(`isSidechain`) in the main file are left to the subagent's own transcript.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import orjson

from ctxlean.paths import PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX
from ctxlean.prompt_cache import block_text
from ctxlean.replay.session import Block, Chain, Compaction, Request, Session, ToolCall
from ctxlean.tokens import estimate_tokens
from ctxlean.usage.records import parse_ts
from ctxlean.usage.transcripts import TranscriptFile

IMAGE_TOKENS = 1_600  # an image block in context, roughly (ctxlean.budget counts the same)
CTXLEAN_MARK = "[ctxlean] "
_SKILL_LINE = re.compile(r"^- ([^\s:]+):", re.M)
_PERSISTED = re.compile(r"Full output saved to: (\S+)")

Warn = Callable[[str], None]


def read_session(main: TranscriptFile, subagents: list[TranscriptFile], *, seen: set | None = None,
                 warn: Warn | None = None) -> Session:
    """The session of one main transcript and its subagents' transcripts.

    `seen` (message ids) is shared across sessions so a response copied into another transcript is billed
    once; `warn` gets one line per file with unreadable lines.
    """
    seen = set() if seen is None else seen
    reader = _Reader(seen, warn)
    chains = [reader.chain(main)]
    chains += [reader.chain(sub) for sub in subagents]
    return Session(main.session_id, reader.cwd or main.project_dir, "claude-code", chains,
                   ran_with_ctxlean=reader.ctxlean, offered_tools=reader.tools, listed_skills=reader.skills,
                   outputs_cut=reader.cut)


def _records(path: Path, warn: Warn | None):
    try:
        data = path.read_bytes()
    except OSError as exc:
        if warn:
            warn(f"cannot read {path}: {exc.strerror}")
        return
    bad = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            bad += 1
            continue
        if isinstance(rec, dict):
            yield rec
    if bad and warn:
        warn(f"{path}: {bad} unreadable line(s) skipped")


def _content(message: object) -> list[dict]:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text") \
        if isinstance(content, list) else ""


def _tokens(block: dict) -> int:
    kind = block.get("type")
    if kind == "image":
        return IMAGE_TOKENS
    if kind == "tool_result" and isinstance(block.get("content"), list):
        parts = block["content"]
        images = sum(1 for b in parts if isinstance(b, dict) and b.get("type") == "image")
        rest = [b for b in parts if not (isinstance(b, dict) and b.get("type") == "image")]
        return images * IMAGE_TOKENS + estimate_tokens(block_text({**block, "content": rest}))
    return estimate_tokens(block_text(block))


class _Reader:
    def __init__(self, seen: set, warn: Warn | None):
        self.seen = seen
        self.warn = warn
        self.cwd: str | None = None
        self.ctxlean = False
        self.cut = False
        self.tools: frozenset[str] | None = None
        self.skills: frozenset[str] = frozenset()

    def chain(self, tf: TranscriptFile) -> Chain:
        chain = Chain(tf.agent_id, agent_type=tf.agent_type)
        calls: dict[str, tuple[str, dict]] = {}  # tool_use id -> (name, input)
        responses: dict[str, Request] = {}  # message id -> its Request (usage grows over its lines)
        results_dir = tf.path.parent / tf.session_id / "tool-results" if tf.agent_id is None else \
            tf.path.parent.parent / "tool-results"
        for rec in _records(tf.path, self.warn):
            kind = rec.get("type")
            if tf.agent_id is None and rec.get("isSidechain"):
                continue
            if self.cwd is None and isinstance(rec.get("cwd"), str):
                self.cwd = rec["cwd"]
            if kind == "assistant":
                self._assistant(chain, rec, calls, responses, tf)
            elif kind == "user":
                self._user(chain, rec, calls, results_dir)
            elif kind == "attachment":
                self._attachment(chain, rec)
            elif kind == "system" and rec.get("subtype") == "compact_boundary":
                chain.items.append(Compaction(parse_ts(rec.get("timestamp"))))
            elif kind == "api-request-shape" and self.tools is None:
                tools = (rec.get("shape") or {}).get("tools")
                if isinstance(tools, list):
                    self.tools = frozenset(t.get("name") for t in tools if isinstance(t, dict))
        return chain

    def _assistant(self, chain: Chain, rec: dict, calls: dict, responses: dict, tf: TranscriptFile) -> None:
        message = rec.get("message")
        if not isinstance(message, dict):
            return
        usage = message.get("usage") if isinstance(message.get("usage"), dict) else None
        key = message.get("id") or rec.get("requestId")
        if usage is not None and key is not None:
            request = responses.get(key)
            if request is None:
                billed = key not in self.seen
                self.seen.add(key)
                model = str(message.get("model") or tf.agent_model or "unknown")
                request = Request(parse_ts(rec.get("timestamp")), model, 0, dict(usage), billed=billed)
                responses[key] = request
                chain.items.append(request)
            else:
                request.usage = _larger(request.usage, usage)
            request.output_tokens = int(request.usage.get("output_tokens") or 0)
        for block in _content(message):
            use = None
            if block.get("type") == "tool_use":
                name = str(block.get("name", ""))
                tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
                calls[str(block.get("id"))] = (name, tool_input)
                use = ToolCall(str(block.get("id")), name, tool_input, "")
                if name.startswith((PLUGIN_TOOL_PREFIX, SDK_TOOL_PREFIX)):
                    self.ctxlean = True
            chain.items.append(Block("assistant", _kind(block), block_text(block), _tokens(block), use))

    def _user(self, chain: Chain, rec: dict, calls: dict, results_dir: Path) -> None:
        role = "user"
        for block in _content(rec.get("message")):
            if block.get("type") != "tool_result":
                chain.items.append(Block(role, _kind(block), block_text(block), _tokens(block)))
                continue
            use_id = str(block.get("tool_use_id"))
            name, tool_input = calls.get(use_id, ("unknown", {}))
            shown = _result_text(block.get("content"))
            if shown.startswith(CTXLEAN_MARK) or f"\t{CTXLEAN_MARK}" in shown[:16]:
                self.ctxlean = True
            call = ToolCall(use_id, name, tool_input, shown, rec.get("toolUseResult"),
                            error=bool(block.get("is_error")))
            call.full_path = _persisted_file(call, results_dir)
            if call.full_path is None and _PERSISTED.search(shown[:2000]):
                call.cut = self.cut = True  # Claude Code saved the whole output where this copy cannot see
            chain.items.append(Block(role, "tool_result", shown, _tokens(block), call))

    def _attachment(self, chain: Chain, rec: dict) -> None:
        rendered = rec.get("rendered")
        attachment = rec.get("attachment") if isinstance(rec.get("attachment"), dict) else {}
        if attachment.get("type") == "skill_listing" and isinstance(attachment.get("content"), str):
            self.skills = self.skills | frozenset(_SKILL_LINE.findall(attachment["content"]))
        for part in rendered if isinstance(rendered, list) else ():
            if isinstance(part, dict):
                text = str(part.get("content", ""))
                chain.items.append(Block("user", "reminder", text, estimate_tokens(text)))


def _kind(block: dict) -> str:
    kind = block.get("type")
    if kind in ("text", "tool_use", "tool_result"):
        return kind
    return "thinking" if kind in ("thinking", "redacted_thinking") else "other"


def _larger(old: dict | None, new: dict) -> dict:
    """A response's usage over its lines: the counts only grow while it streams."""
    if old is None:
        return dict(new)
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, int) and isinstance(merged.get(key), int):
            merged[key] = max(merged[key], value)
        else:
            merged.setdefault(key, value)
    return merged


def _persisted_file(call: ToolCall, results_dir: Path) -> str | None:
    """The whole output Claude Code saved for this call, in this transcript's tool-results directory."""
    response = call.response
    recorded = response.get("persistedOutputPath") if isinstance(response, dict) else None
    if not isinstance(recorded, str):
        found = _PERSISTED.search(call.shown[:2000])
        recorded = found.group(1) if found else None
    if not recorded:
        return None
    local = results_dir / os.path.basename(recorded)
    return str(local) if local.is_file() and not local.is_symlink() else None
