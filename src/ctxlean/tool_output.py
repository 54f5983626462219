"""Tool outputs as Claude Code hands them to PostToolUse, and replacements in each tool's own schema.

Claude Code keeps the original output when `updatedToolOutput` does not match the tool's output schema
(it only logs "does not match" to the debug file), so every replacement keeps the original object and
swaps only the model-visible field.
"""

from __future__ import annotations

import copy
import os
import stat
from collections.abc import Callable


class ToolOutput:
    """A tool's model-visible output (a plain class: this module is on every hook call's import path)."""

    __slots__ = ("text", "replace", "full_path")

    def __init__(self, text: str, replace: Callable[[str], object], full_path: str | None = None):
        self.text = text  # what the hook received as the model-visible output
        self.replace = replace  # summary text -> updatedToolOutput in the tool's schema
        self.full_path = full_path  # file holding the full output when Claude Code cut `text`

    def full_size(self) -> int:
        if self.full_path:
            try:
                return os.path.getsize(self.full_path)
            except OSError:
                pass
        return len(self.text.encode("utf-8", "surrogatepass"))


def persisted_output_trusted(response: object, transcript_path: object) -> bool:
    """False when a Bash response names a persistedOutputPath that is not a file Claude Code wrote for this
    session: anything but a regular file, not a symlink, directly in the `tool-results` directory beside
    the session's transcript, of exactly persistedOutputSize bytes. Such a file is never read: a hook
    event could otherwise make ctxlean store and index any file the user can read."""
    if not isinstance(response, dict) or "persistedOutputPath" not in response:
        return True
    path, size = response.get("persistedOutputPath"), response.get("persistedOutputSize")
    if not (isinstance(path, str) and isinstance(transcript_path, str) and transcript_path.endswith(".jsonl")
            and isinstance(size, int) and not isinstance(size, bool)):
        return False
    results = os.path.join(transcript_path[:-len(".jsonl")], "tool-results")
    try:
        if os.path.realpath(os.path.dirname(os.path.abspath(path))) != os.path.realpath(results):
            return False
        info = os.lstat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == size


def _bash(response: object) -> ToolOutput | None:
    if not isinstance(response, dict) or not isinstance(response.get("stdout"), str) or response.get("isImage"):
        return None
    stderr = response.get("stderr") if isinstance(response.get("stderr"), str) else ""
    text = response["stdout"] + (("\n" if response["stdout"] else "") + stderr if stderr else "")

    def replace(summary: str) -> dict:
        # persistedOutputPath/Size must go: with them Claude Code wraps our text in <persisted-output> again.
        kept = {k: v for k, v in response.items() if not k.startswith("persistedOutput")}
        return {**kept, "stdout": summary, "stderr": ""}

    path = response.get("persistedOutputPath")
    # With stderr present the stored payload must be stdout + stderr, which the file alone does not hold.
    full = path if isinstance(path, str) and os.path.isfile(path) and not stderr else None
    return ToolOutput(text, replace, full)


def _read(response: object) -> ToolOutput | None:
    if not isinstance(response, dict) or response.get("type") != "text":
        return None
    file = response.get("file")
    if not isinstance(file, dict) or not isinstance(file.get("content"), str):
        return None

    def replace(summary: str) -> dict:
        new = copy.deepcopy(response)
        new["file"]["content"] = summary
        return new

    return ToolOutput(file["content"], replace)


def _mcp(response: object) -> ToolOutput | None:
    if isinstance(response, str):
        return ToolOutput(response, lambda summary: summary)
    if isinstance(response, list) and all(isinstance(b, dict) for b in response):
        texts = [b.get("text") for b in response if b.get("type") == "text" and isinstance(b.get("text"), str)]
        if not texts:
            return None
        others = [b for b in response if b.get("type") != "text"]  # images etc. pass through untouched
        return ToolOutput("\n".join(texts), lambda summary: [{"type": "text", "text": summary}, *others])
    return None


def _largest_field(response: object) -> ToolOutput | None:
    """Grep, Glob, WebFetch and unknown tools: the biggest string (or list of strings) field is the output."""
    if isinstance(response, str):
        return ToolOutput(response, lambda summary: summary)
    if not isinstance(response, dict):
        return None
    best_key, best_len = None, -1
    for key, value in response.items():
        if isinstance(value, str):
            size = len(value)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            size = sum(len(v) + 1 for v in value)
        else:
            continue
        if size > best_len:
            best_key, best_len = key, size
    if best_key is None:
        return None
    value = response[best_key]
    if isinstance(value, str):
        return ToolOutput(value, lambda summary: {**response, best_key: summary})
    return ToolOutput("\n".join(value), lambda summary: {**response, best_key: [summary]})


def extract(tool_name: str, response: object) -> ToolOutput | None:
    """The model-visible output of a tool call, or None when ctxlean should leave it alone."""
    if tool_name == "Bash":
        return _bash(response)
    if tool_name == "Read":
        return _read(response)
    if tool_name.startswith("mcp__"):
        return _mcp(response)
    return _largest_field(response)
