"""Writes transcripts the way Claude Code 2.1.330 lays them out (compact JSON lines, one assistant line per
content block with the full usage on each, subagents in <session>/subagents with a .meta.json), for the
usage tests and the report benchmark."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def project_dir(root: Path, cwd: str) -> Path:
    return root / re.sub(r"[^a-zA-Z0-9]", "-", cwd)


class SessionWriter:
    def __init__(self, root: Path, cwd: str, session_id: str | None = None, *, agent_id: str | None = None,
                 path: Path | None = None):
        self.cwd = cwd
        self.session_id = session_id or str(uuid.uuid4())
        self.agent_id = agent_id
        self.path = path or project_dir(root, cwd) / f"{self.session_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("a", encoding="utf-8")

    def _line(self, obj: dict) -> None:
        self.fh.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def _base(self, kind: str, ts: float) -> dict:
        base = {"parentUuid": None, "isSidechain": self.agent_id is not None, "type": kind,
                "uuid": str(uuid.uuid4()), "timestamp": iso(ts), "cwd": self.cwd, "sessionId": self.session_id,
                "version": "2.1.330"}
        if self.agent_id:
            base["agentId"] = self.agent_id
        return base

    def user(self, text: str, ts: float) -> None:
        self._line({**self._base("user", ts), "message": {"role": "user", "content": text}})

    def tool_result(self, text: str, ts: float) -> None:
        content = [{"tool_use_id": "toolu_x", "type": "tool_result", "content": text}]
        self._line({**self._base("user", ts), "message": {"role": "user", "content": content}})

    def request(self, ts: float, shape: str, shape_body: dict | None = None, tools: list[str] | None = None) -> str:
        """The api-request line Claude Code writes before a response (and its shape when new)."""
        if tools is not None:
            self._line({"type": "tools-used", "tools": tools, "sessionId": self.session_id})
        if shape_body is not None:
            self._line({"type": "api-request-shape", "sessionId": self.session_id, "shapeHash": shape,
                        "timestamp": iso(ts), "shape": shape_body})
        ref = str(uuid.uuid4())
        self._line({"type": "api-request", "sessionId": self.session_id, "id": ref, "timestamp": iso(ts),
                    "shapeHash": shape, "params": {"model": "x"}})
        return ref

    def assistant(self, model: str, ts: float, *, input: int = 0, output: int = 0, cache_read: int = 0,
                  write_5m: int = 0, write_1h: int = 0, blocks: int = 2, request_id: bool = True,
                  msg_id: str | None = None, request_ref: str | None = None, ttl: str = "5m",
                  text: str = "ok") -> str:
        """One API response, written as `blocks` lines (same message id, the full usage on each)."""
        msg_id = msg_id or f"msg_{uuid.uuid4().hex[:20]}"
        usage = {"input_tokens": input, "cache_creation_input_tokens": write_5m + write_1h,
                 "cache_read_input_tokens": cache_read, "output_tokens": output,
                 "service_tier": "standard",
                 "cache_creation": {"ephemeral_1h_input_tokens": write_1h, "ephemeral_5m_input_tokens": write_5m},
                 "inference_geo": "", "speed": "standard"}
        req = f"req_{uuid.uuid4().hex[:16]}"
        for i in range(blocks):
            block = {"type": "text", "text": text} if i == blocks - 1 else \
                {"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {"command": "true"}}
            line = {**self._base("assistant", ts), "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [block],
                "stop_reason": "end_turn", "usage": usage}, "requestedModel": model,
                "promptCacheRequested": ttl}
            if request_id:
                line["requestId"] = req
            if request_ref:
                line["requestRef"] = request_ref
            self._line(line)
        return msg_id

    def tool_use(self, name: str, tool_input: dict, ts: float, tool_id: str | None = None) -> None:
        """The model calling a tool: an assistant line with one tool_use block."""
        block = {"type": "tool_use", "id": tool_id or f"toolu_{uuid.uuid4().hex[:24]}", "name": name,
                 "input": tool_input}
        self._line({**self._base("assistant", ts), "message": {
            "id": f"msg_{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant", "model": "claude-opus-5-5",
            "content": [block], "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}}})

    def slash_command(self, name: str, ts: float) -> None:
        """The user typing /name: the command line, then the skill's prompt as a meta line."""
        typed = f"<command-message>{name}</command-message>\n<command-name>/{name}</command-name>"
        self._line({**self._base("user", ts), "message": {"role": "user", "content": typed}})
        self._line({**self._base("user", ts), "isMeta": True, "message": {"role": "user", "content": [
            {"type": "text", "text": "If a `<command-name>/simplify</command-name>` block is present, follow it."}]}})

    def compact(self, ts: float, trigger: str = "auto", pre_tokens: int = 0) -> None:
        self._line({**self._base("system", ts), "subtype": "compact_boundary", "content": "Conversation compacted",
                    "compactMetadata": {"trigger": trigger, "preTokens": pre_tokens}})
        self._line({**self._base("user", ts), "isCompactSummary": True,
                    "message": {"role": "user", "content": "This session is being continued ..."}})

    def cost_state(self, model_usage: dict) -> None:
        self._line({"type": "cost-state", "sessionId": self.session_id, "modelUsage": model_usage})

    def subagent(self, agent_id: str, agent_type: str, model: str) -> SessionWriter:
        folder = self.path.with_suffix("") / "subagents"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"agent-{agent_id}.meta.json").write_text(json.dumps({"agentType": agent_type, "model": model}))
        return SessionWriter(self.path.parent.parent, self.cwd, self.session_id, agent_id=agent_id,
                             path=folder / f"agent-{agent_id}.jsonl")

    def raw(self, data: str) -> None:
        self.fh.write(data)

    def close(self) -> None:
        self.fh.close()

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
