"""The scripted model that drives a trajectory through the real Claude Code CLI, one request at a time.

A trajectory is a list of Steps (tool calls a coding agent makes). Some steps need a Needle: a fact the
model must read in the tool's answer (a failing test name, an error line, a record id) and that later
steps use (`{name}` placeholders in their input). When the needle is not in what the model received, the
model follows up the way each setup lets it: with ctxlean, fetch_detail on the handle with the grep the
summary suggests; without a plugin, grep over the file Claude Code persisted a cut output to; with
context-mode, ctx_search in its index. A needle the model never saw stops the task.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from ctxlean.fakeapi.cache import ManualClock
from ctxlean.fakeapi.routing import Request
from ctxlean.fakeapi.script import HANDLE_RE, Response, last_tool_result_text, reply, text, tool_use

FETCH_DETAIL = "mcp__plugin_ctxlean_ctxlean__fetch_detail"
CM = "mcp__plugin_context-mode_context-mode__"  # context-mode's MCP tools, as Claude Code names them
PERSISTED_RE = re.compile(r"Full output saved to: (\S+)")
TOKENS_PER_SECOND = 60  # output speed used to advance the simulated clock while the model "writes"
LATENCY_SECONDS = 2.0  # time to first token of every request


@dataclass(frozen=True)
class Needle:
    """A fact the model must see: `pattern`'s group 1 is captured as `name` and must equal `expected`."""

    name: str
    pattern: str
    expected: str
    grep: str  # regex for fetch_detail(grep=) / grep -E when the answer was not shown
    query: str  # words for a full-text search (context-mode)


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
    heavy: bool  # heavy-output trajectory (the >= 60% cost target applies)
    pages: dict[str, str] = field(default_factory=dict)  # served over HTTPS for WebFetch
    context_mode_note: str = ""  # why context-mode cannot run it (empty: it can)

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
    """Answers each Messages request of one session; `arm` is "none", "ctxlean" or "context-mode"."""

    def __init__(self, trajectory: Trajectory, arm: str, clock: ManualClock, workdir: str):
        self.trajectory = trajectory
        self.arm = arm
        self.clock = clock
        self.steps = [s for s in trajectory.steps if not (arm == "context-mode" and s.tool == "ToolSearch")]
        if arm == "context-mode":
            names = ",".join(CM + t for t in ("ctx_batch_execute", "ctx_search", "ctx_fetch_and_index",
                                              "ctx_execute_file"))
            self.steps.insert(0, Step("ToolSearch", {"query": f"select:{names}", "max_results": 4},
                                      "Loading the context-mode tools.", seconds=1))
        self.index = 0  # the next step to issue
        self.following_up = False
        self.captures: dict[str, str] = {"cwd": workdir}  # steps name files as {cwd}/...
        self.found: dict[str, str] = {}  # needle name -> "result" | "follow-up"
        self.follow_ups = 0
        self.finished = False
        self.stopped_for: str | None = None
        self._last_output_tokens = 0

    # --- per-arm behaviour ----------------------------------------------------------------------------

    def _call(self, step: Step) -> tuple[str, dict]:
        """The tool call this setup's model makes for a step."""
        data = _fill(step.input, self.captures)
        if step.tool in ("Grep", "Glob"):  # not in Claude Code 2.1.330: "... via the Bash tool instead"
            return self._call(Step("Bash", {"command": step.shell}, step.say, step.needle, step.seconds))
        if self.arm != "context-mode":
            return step.tool, data
        query = step.needle.query if step.needle else (step.say or step.tool)
        if step.tool == "Bash" or (step.shell and not step.edit):
            command = data["command"] if step.tool == "Bash" else _fill(step.shell, self.captures)
            return CM + "ctx_batch_execute", {"commands": [{"label": step.tool.lower(), "command": command}],
                                               "queries": [query]}
        if step.tool == "WebFetch":
            return CM + "ctx_fetch_and_index", {"url": data["url"], "source": data["url"].rsplit("/", 1)[-1]}
        return step.tool, data

    def _follow_up(self, step: Step, seen: str) -> tuple[str, dict] | None:
        needle = step.needle
        if self.arm == "context-mode":
            return CM + "ctx_search", {"queries": [needle.query]}
        handle = HANDLE_RE.search(seen)
        if self.arm == "ctxlean" and handle:
            return FETCH_DETAIL, {"handle": handle.group(0), "grep": needle.grep}
        grep = f"grep -n -E {shlex.quote(needle.grep)}"
        persisted = PERSISTED_RE.search(seen)
        if persisted:  # Claude Code saved the whole output and showed a preview
            command = f"{grep} {shlex.quote(persisted.group(1))} | head -40"
        elif step.tool == "Read":
            command = f"{grep} {shlex.quote(_fill(step.input['file_path'], self.captures))} | head -40"
        elif step.tool == "Bash":  # a failed command's output is cut to its head: run it again, filtered
            command = f"({_fill(step.input['command'], self.captures)}) 2>&1 | {grep} | head -40"
        else:
            return None
        return "Bash", {"command": command, "description": f"Find {needle.name} in the full output"}

    # --- the request handler -----------------------------------------------------------------------------

    def _turn(self, say: str, name: str, data: dict) -> Response:
        response = reply(text(say), tool_use(name, data)) if say else reply(tool_use(name, data))
        self._last_output_tokens = len(say) // 4 + len(str(data)) // 4
        return response

    def _look(self, step: Step, seen: str) -> bool:
        found = re.search(step.needle.pattern, seen)
        if found:
            self.captures[step.needle.name] = found.group(1)
        return bool(found)

    def respond(self, req: Request) -> Response:
        seen = last_tool_result_text(req.body) or ""
        previous = self.steps[self.index - 1] if self.index else None
        self.clock.advance((previous.seconds if previous else 0) + LATENCY_SECONDS
                           + self._last_output_tokens / TOKENS_PER_SECOND)
        if previous and previous.needle and previous.needle.name not in self.captures:
            if self._look(previous, seen):
                self.found[previous.needle.name] = "follow-up" if self.following_up else "result"
            elif not self.following_up and (call := self._follow_up(previous, seen)):
                self.following_up = True
                self.follow_ups += 1
                return self._turn(f"The output does not show {previous.needle.name}; looking it up.", *call)
        self.following_up = False
        if self.index == len(self.steps):
            return self._finish()
        step = self.steps[self.index]
        try:
            call = self._call(step)
        except KeyError as missing:
            self.stopped_for = str(missing)
            return self._finish()
        self.index += 1
        return self._turn(step.say, *call)

    def _finish(self) -> Response:
        self.finished = True
        self._last_output_tokens = 60
        if self.stopped_for:
            return reply(text(f"I could not finish: I never saw {self.stopped_for}."))
        facts = ", ".join(f"{k}={v}" for k, v in self.captures.items() if k != "cwd")
        return reply(text(f"Done. {self.trajectory.title}: {facts}."))

    def complete(self) -> bool:
        """Every needle was captured with its planted value (the scripted task could be finished)."""
        return self.finished and not self.stopped_for and all(
            self.captures.get(n.name) == n.expected for n in self.trajectory.needles())
