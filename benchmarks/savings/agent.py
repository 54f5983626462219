"""The scripted model that drives a trajectory through the real Claude Code CLI, one request at a time.

A trajectory is a list of Steps (tool calls a coding agent makes). Some steps need a Needle: a fact the
model must read in the tool's answer (a failing test name, an error line, a record id) and that later
steps use (`{name}` placeholders in their input). When the needle is not in what the model received, the
model follows up the way each setup lets it (at most two lookups per needle, in this order): with
ctxlean, fetch_detail on the handle with the grep the summary suggests, then a grep of its own; without a
plugin, a grep over the file Claude Code persisted a cut output to (or over the file read, or a filtered
re-run of the command); with context-mode, ctx_search in its index, then ctx_execute with a grep (its
"think in code" tool). A needle the model never saw stops the task.

An Edit copies its `old_string` from what the model has in front of it. Before an Edit the model checks
that every line of it is in the current context (a tool result, the compaction summary, or its own
earlier Write/Edit); if not, it looks the lines up first, at most twice: with ctxlean, fetch_detail on the
handle of the output that held the file (a Read of it, or a command naming it), then a Read with
offset/limit; without a plugin and with context-mode (whose rules keep reads made to edit native), a Read
with offset/limit. An Edit still unseen after that is counted as blind (the run is not complete).

Claude Code's compaction request (its last user message asks for an <analysis> and a <summary>) is
answered the way a model following the request would: the task, the progress, every fact found so far,
and every handle the compaction's instructions name (ctxlean's PreCompact hook lists them), verbatim.

With context-mode the model follows the routing rules its SessionStart hook injects: commands, searches
and reads for analysis go through ctx_batch_execute (one command per step: every setup makes the same
decisions in the same order), pages through ctx_fetch_and_index, while file changes (Edit, Write,
`sed -i`, git writes) and reads made to edit stay native. An MCP call that fails because the server
went away ("Connection closed") is retried, as a model would.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from ctxlean.fakeapi.cache import ManualClock
from ctxlean.fakeapi.routing import Request
from ctxlean.fakeapi.script import (
    HANDLE_RE,
    Response,
    is_compaction_request,
    last_tool_result_text,
    last_user_text,
    reply,
    text,
    tool_result_text,
    tool_results,
    tool_use,
)

FETCH_DETAIL = "mcp__plugin_ctxlean_ctxlean__fetch_detail"
CM = "mcp__plugin_context-mode_context-mode__"  # context-mode's MCP tools, as Claude Code names them
PERSISTED_RE = re.compile(r"Full output saved to: (\S+)")
# Commands that change files or history: context-mode's rules keep them on native Bash.
MUTATES_RE = re.compile(r"\bsed -i\b|\bgit (add|commit)\b")
CLOSED = "Connection closed"  # Claude Code's tool error when an MCP server died mid-session
MAX_FOLLOW_UPS = 2
MAX_RETRIES = 2
TOKENS_PER_SECOND = 60  # output speed used to advance the simulated clock while the model "writes"
LATENCY_SECONDS = 2.0  # time to first token of every request


@dataclass(frozen=True)
class Needle:
    """A fact the model must see: `pattern`'s group 1 is captured as `name` and must equal `expected` (or
    one of `also`, values that are as right, e.g. any of several failing tests)."""

    name: str
    pattern: str
    expected: str
    grep: str  # regex for fetch_detail(grep=) / grep -E when the answer was not shown
    query: str  # words for a full-text search (context-mode)
    also: tuple[str, ...] = ()

    def accepts(self, value: str | None) -> bool:
        return value == self.expected or value in self.also


@dataclass(frozen=True)
class Step:
    tool: str  # a Claude Code tool: Bash, Read, Glob, Edit, Write, WebFetch, ToolSearch (Grep, Glob: run as `shell`)
    input: dict  # string values may hold {needle} placeholders
    say: str = ""  # the model's text before the call
    needle: Needle | None = None
    seconds: float = 5.0  # tool run time plus reading time before the next request
    shell: str | None = None  # the same lookup as a shell command (context-mode routes Grep and reads there)
    edit: bool = False  # a Read done to edit the file (context-mode keeps native Read for that)


@dataclass
class Trajectory:
    name: str
    title: str
    prompt: str
    steps: list[Step]
    heavy: bool  # heavy-output trajectory (the cost target for heavy trajectories applies)
    pages: dict[str, str] = field(default_factory=dict)  # served over HTTPS for WebFetch
    context_mode_note: str = ""  # why context-mode cannot run it (empty: it can)
    long: bool = False  # a long session (its own cost target; ctxlean installed with --project)
    budget: int = 0  # the context budget its project's .claude/ctxlean.toml sets (0: ctxlean's default)
    env: dict[str, str] = field(default_factory=dict)  # added to the session's environment
    # per-arm services the session talks to (started fresh for every arm): a callable(workdir, home) giving
    # a context manager that yields more environment
    service: Callable[[Path, Path], AbstractContextManager[dict[str, str]]] | None = None
    # commits made after the initial one, oldest first: (message, {path: new content})
    later_commits: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def needles(self) -> list[Needle]:
        return [s.needle for s in self.steps if s.needle]


def _fill(value, captures: dict[str, str]):
    if isinstance(value, str):
        filled = value.format_map(captures)
        # a whole-value placeholder holding a number (a line offset) is passed as a number
        return int(filled) if value.startswith("{") and value.endswith("}") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, captures) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, captures) for v in value]
    return value


class Agent:
    """Answers each Messages request of one session; `arm` is "none", "ctxlean", "ctxlean-no-lean" or
    "context-mode" (the ctxlean arms' models behave the same way)."""

    def __init__(self, trajectory: Trajectory, arm: str, clock: ManualClock, workdir: str):
        self.trajectory = trajectory
        self.arm = arm
        self.clock = clock
        self.workdir = workdir
        self.steps = [s for s in trajectory.steps if not (arm == "context-mode" and s.tool == "ToolSearch")]
        if arm == "context-mode":  # its MCP tools are deferred: the model loads them first
            names = ",".join(CM + t for t in ("ctx_batch_execute", "ctx_search", "ctx_fetch_and_index",
                                              "ctx_execute"))
            self.steps.insert(0, Step("ToolSearch", {"query": f"select:{names}", "max_results": 4},
                                      "Loading the context-mode tools.", seconds=1))
        self.index = 0  # the next step to issue
        self.attempts = 0  # follow-up lookups made for the previous step's needle
        self.edit_attempts = 0  # lookups made for the next Edit's old_string
        self.captures: dict[str, str] = {"cwd": workdir}  # steps name files as {cwd}/...
        self.found: dict[str, str] = {}  # needle name -> "result" | "follow-up"
        self.follow_ups = 0  # every lookup: for a needle or for an Edit's old_string
        self.edit_lookups = 0
        self.blind_edits: list[str] = []  # Edits made although their old_string never reached the model
        self.compactions = 0
        self.retries = 0  # calls repeated after an MCP server went away
        self.finished = False
        self.stopped_for: str | None = None
        self._last_output_tokens = 0
        self._last_call: tuple[str, str, dict] | None = None  # (say, name, input) of the previous turn
        self._step_retries = 0
        self._carried: str | None = None  # the last tool result, read while writing a compaction summary
        self.retried = False  # this turn repeats the previous call

    # --- per-arm behaviour ----------------------------------------------------------------------------

    def _call(self, step: Step) -> tuple[str, dict]:
        """The tool call this setup's model makes for a step."""
        data = _fill(step.input, self.captures)
        if step.tool in ("Grep", "Glob"):  # not in Claude Code 2.1.330: "... via the Bash tool instead"
            return self._call(Step("Bash", {"command": step.shell}, step.say, step.needle, step.seconds))
        if self.arm != "context-mode":
            return step.tool, data
        query = step.needle.query if step.needle else (step.say or step.tool)
        if step.tool == "Bash" and not MUTATES_RE.search(data["command"]):
            return _batch(step, data["command"], query)
        if step.tool == "Read" and not step.edit:  # "NO Read for analysis"
            return _batch(step, _fill(step.shell, self.captures) if step.shell else _as_shell(data), query)
        if step.tool == "WebFetch":  # "NO WebFetch": fetch and index, then search the index
            return CM + "ctx_fetch_and_index", {"url": data["url"], "source": data["url"].rsplit("/", 1)[-1]}
        return step.tool, data

    def _follow_ups(self, step: Step, seen: str) -> list[tuple[str, dict]]:
        """The lookups this setup's model makes, in order, when a step's answer lacks its needle."""
        needle = step.needle
        grep = f"grep -n -E {shlex.quote(needle.grep)}"
        persisted = PERSISTED_RE.search(seen)
        if persisted:  # Claude Code saved the whole output and showed a preview
            command = f"{grep} {shlex.quote(persisted.group(1))} | head -40"
        elif step.tool == "Read":
            command = f"{grep} {shlex.quote(_fill(step.input['file_path'], self.captures))} | head -40"
        elif step.tool in ("Bash", "Grep", "Glob"):  # run it again, filtered
            original = step.input["command"] if step.tool == "Bash" else step.shell
            command = f"({_fill(original, self.captures)}) 2>&1 | {grep} | head -40"
        else:
            command = None
        if self.arm == "context-mode":
            calls = [(CM + "ctx_search", {"queries": [needle.query]})]
            if command:
                calls.append((CM + "ctx_execute", {"language": "shell", "code": command}))
            return calls
        calls = []
        handle = HANDLE_RE.search(seen)
        if self.arm.startswith("ctxlean") and handle:
            calls.append((FETCH_DETAIL, {"handle": handle.group(0), "grep": needle.grep}))
        if command:
            calls.append(("Bash", {"command": command, "description": f"Find {needle.name} in the full output"}))
        return calls

    def _edit_lookups(self, path: str, old: str, body: dict) -> list[tuple[str, dict]]:
        """How this setup's model gets an Edit's old_string back in front of it, in order."""
        calls = []
        wanted = _lines(old)
        handle = _handle_for(path, self.workdir, body) if self.arm.startswith("ctxlean") else None
        if handle:
            grep = "|".join(re.escape(line.strip()) for line in wanted)
            calls.append((FETCH_DETAIL, {"handle": handle, "grep": grep}))
        first = _line_number(path, old)
        if first:
            calls.append(("Read", {"file_path": path, "offset": max(1, first - 3), "limit": len(wanted) + 6}))
        return calls

    # --- the request handler -----------------------------------------------------------------------------

    def _turn(self, say: str, name: str, data: dict) -> Response:
        self._last_call = (say, name, data)
        response = reply(text(say), tool_use(name, data)) if say else reply(tool_use(name, data))
        self._last_output_tokens = len(say) // 4 + len(str(data)) // 4
        return response

    def _look(self, step: Step, seen: str) -> bool:
        found = re.search(step.needle.pattern, seen)
        if found:
            self.captures[step.needle.name] = found.group(1)
        return bool(found)

    def respond(self, req: Request) -> Response:
        if is_compaction_request(req):
            return self._compact(req.body)
        seen = last_tool_result_text(req.body)
        if seen is None:  # the first request after a compaction: the model works from its summary
            seen, self._carried = self._carried or "", None
        previous = self.steps[self.index - 1] if self.index else None
        self.clock.advance((previous.seconds if previous else 0) + LATENCY_SECONDS
                           + self._last_output_tokens / TOKENS_PER_SECOND)
        self.retried = seen.strip() == CLOSED and self._last_call is not None and self._step_retries < MAX_RETRIES
        if self.retried:
            self._step_retries += 1
            self.retries += 1
            return self._turn(*self._last_call)
        self._step_retries = 0
        if previous and previous.needle and previous.needle.name not in self.captures:
            if self._look(previous, seen):
                self.found[previous.needle.name] = "follow-up" if self.attempts else "result"
            elif self.attempts < MAX_FOLLOW_UPS and self.attempts < len(calls := self._follow_ups(previous, seen)):
                self.attempts += 1
                self.follow_ups += 1
                return self._turn(f"The output does not show {previous.needle.name}; looking it up.",
                                  *calls[self.attempts - 1])
        self.attempts = 0
        if self.index == len(self.steps):
            return self._finish()
        step = self.steps[self.index]
        try:
            call = self._call(step)
        except KeyError as missing:
            self.stopped_for = str(missing)
            return self._finish()
        if call[0] == "Edit" and not _in_context(call[1]["old_string"], req.body):
            lookups = self._edit_lookups(call[1]["file_path"], call[1]["old_string"], req.body)
            if self.edit_attempts < min(MAX_FOLLOW_UPS, len(lookups)):
                self.edit_attempts += 1
                self.follow_ups += 1
                self.edit_lookups += 1
                return self._turn("Getting the exact lines before editing.", *lookups[self.edit_attempts - 1])
            self.blind_edits.append(call[1]["old_string"])
        self.edit_attempts = 0
        self.index += 1
        return self._turn(_fill(step.say, self.captures), *call)

    def _compact(self, body: dict) -> Response:
        """The summary a model writes when Claude Code compacts: it reads the last tool result once more
        (a needle pending from the previous step is found there), then keeps the task, the progress, the
        facts found and every handle the instructions name."""
        self.compactions += 1
        results = tool_results(body)
        last = tool_result_text(results[-1]) if results else ""
        previous = self.steps[self.index - 1] if self.index else None
        if previous and previous.needle and previous.needle.name not in self.captures and self._look(previous, last):
            self.found[previous.needle.name] = "result"
        self._carried = last
        facts = "\n".join(f"- {k}: {v}" for k, v in self.captures.items() if k != "cwd") or "- none yet"
        kept = "\n".join(line.strip() for line in _instructions(body).splitlines() if HANDLE_RE.search(line))
        latest = "\n".join(line for line in last.splitlines()[:3]
                           if HANDLE_RE.search(line) or PERSISTED_RE.search(line))
        summary = (f"<analysis>The user asked: {self.trajectory.prompt} I have made {self.index} of the planned "
                   f"steps and kept every fact and stored output I still need.</analysis>\n<summary>\n"
                   f"1. Task: {self.trajectory.prompt}\n2. Progress: {self.index} steps done; the last tool call was "
                   f"{self._last_call[1] if self._last_call else 'none'}.\n3. Facts found:\n{facts}\n"
                   + (f"4. Stored outputs (handles kept verbatim):\n{kept}\n" if kept else "")
                   + (f"5. The last output:\n{latest}\n" if latest else "")
                   + "</summary>")
        self._last_output_tokens = len(summary) // 4
        self.clock.advance(LATENCY_SECONDS + self._last_output_tokens / TOKENS_PER_SECOND)
        return reply(text(summary))

    def _finish(self) -> Response:
        self.finished = True
        self._last_output_tokens = 60
        if self.stopped_for:
            return reply(text(f"I could not finish: I never saw {self.stopped_for}."))
        facts = ", ".join(f"{k}={v}" for k, v in self.captures.items() if k != "cwd")
        return reply(text(f"Done. {self.trajectory.title}: {facts}."))

    def complete(self) -> bool:
        """Every needle was captured with its planted value and no Edit was made blind."""
        return self.finished and not self.stopped_for and not self.blind_edits and all(
            n.accepts(self.captures.get(n.name)) for n in self.trajectory.needles())


def _lines(value: str) -> list[str]:
    return [line for line in value.splitlines() if line.strip()]


def _context_text(body: dict) -> str:
    """Everything the model has in front of it: message texts, tool results, and its own tool inputs
    (what it wrote with Write or Edit it knows)."""
    parts = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        for block in content or []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text":
                parts.append(block.get("text", ""))
            elif block.get("type") == "tool_result":
                parts.append(tool_result_text(block))
            elif block.get("type") == "tool_use":
                parts += [v for v in (block.get("input") or {}).values() if isinstance(v, str)]
    return "\n".join(parts)


def _in_context(old: str, body: dict) -> bool:
    """Every line of an Edit's old_string is in the request (a Read shows `N<tab>line`: lines, not blocks)."""
    seen = _context_text(body)
    return all(line in seen for line in _lines(old))


def _handle_for(path: str, workdir: str, body: dict) -> str | None:
    """The handle of the newest output in the request that held the file: a Read of it, or a command
    naming it."""
    relative = str(Path(path).relative_to(workdir)) if path.startswith(workdir + "/") else path
    calls = {}
    for message in body.get("messages") or []:
        for block in message.get("content") or [] if isinstance(message.get("content"), list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                data = block.get("input") or {}
                if data.get("file_path") == path or relative in str(data.get("command", "")):
                    calls[block.get("id")] = True
    for block in reversed(tool_results(body)):
        if block.get("tool_use_id") in calls:
            found = HANDLE_RE.search(tool_result_text(block))
            if found:
                return found.group(0)
    return None


def _line_number(path: str, old: str) -> int | None:
    """Where old_string starts in the file now (1-based), as a Read of that part would show it."""
    try:
        content = Path(path).read_text(errors="replace")
    except OSError:
        return None
    at = content.find(old)
    return content.count("\n", 0, at) + 1 if at >= 0 else None


def _instructions(body: dict) -> str:
    """The custom instructions of Claude Code's compaction prompt (ctxlean's PreCompact text is there)."""
    prompt = last_user_text(body)
    start = prompt.find("Additional Instructions:")
    return prompt[start:] if start >= 0 else ""


def _batch(step: Step, command: str, query: str) -> tuple[str, dict]:
    """context-mode's primary tool for one step: run, index under a descriptive label, search."""
    label = (step.say or command).rstrip(".")[:60]
    return CM + "ctx_batch_execute", {"commands": [{"label": label, "command": command}], "queries": [query]}


def _as_shell(read: dict) -> str:
    """A Read as the shell command that prints the same numbered lines."""
    path = shlex.quote(read["file_path"])
    if "offset" in read:
        first = int(read["offset"])
        return f"cat -n {path} | sed -n '{first},{first + int(read.get('limit', 2000)) - 1}p'"
    return f"cat -n {path}"
