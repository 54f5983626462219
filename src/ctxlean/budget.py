"""Lever 2: the live context size, read from the transcript's tail, and the budget policy.

Accounting. Claude Code writes every API response into the session transcript with its usage; the context
the model saw then is input + cache read + cache write + output tokens of that response. What was appended
after it (tool results, user messages, hook context, files restored after a compaction) no response has
counted yet, so it is estimated with ctxlean.tokens. The transcript is read backwards in blocks from its end
and only until the last response, so the cost depends on the tail, never on the file (transcripts reach
hundreds of MB). One response spans several transcript lines with the same message id (one per content
block, each carrying the full usage); only the last of them is used, so nothing is counted twice.

Policy. A pure function of the fill (context tokens / budget): below the soft mark the configured offload
threshold, summary budget and read cap apply; between the soft and the hard mark they shrink linearly to
their tightest values (TIGHTEST: a quarter of the threshold and read cap, half of the summary budget); past
the hard mark they stay there. Claude Code itself compacts at the budget (see autocompact_env).
"""

from __future__ import annotations

import json
import os

from ctxlean.paths import OWN_TOOL_PREFIXES
from ctxlean.safe_open import open_regular
from ctxlean.tokens import estimate_tokens
from ctxlean.values import Value

TYPE_CHECKING = False  # typing, dataclasses and pathlib are costly imports on the hook path
if TYPE_CHECKING:
    from collections.abc import Iterator

    from ctxlean.config import Config

BLOCK_BYTES = 64 << 10
# Looking further back than this for the last response is not worth a hook's time; what was read is counted.
MAX_TAIL_BYTES = 32 << 20
IMAGE_TOKENS = 1_600  # what an image block costs in context, roughly (a ~1,100 px square image)
# Line types that can hold context; the others (api-request, last-prompt, cost-state, ...) are skipped unparsed.
_CONTEXT_TYPES = (b'{"type":"user"', b'{"type":"assistant"', b'{"type":"system"', b'{"type":"attachment"')


class ContextUse(Value):
    """The context size now (estimated): what the last response counted plus what was appended since."""

    __slots__ = ("tokens", "response_tokens", "appended_tokens", "compacted")

    def __init__(self, response_tokens: int, appended_tokens: int, compacted: bool = False):
        self.response_tokens = response_tokens  # the last response's usage (0 when none is in the tail)
        self.appended_tokens = appended_tokens  # estimated, for everything written after that response
        self.compacted = compacted  # a compaction happened after the last response: only its result counts
        self.tokens = response_tokens + appended_tokens


def transcript_for(event: dict) -> str | None:
    """The transcript of the agent a hook event comes from.

    Hook events carry the main session's transcript_path even inside a subagent; a subagent (agent_id set)
    writes its own transcript at <session dir>/subagents/agent-<agent_id>.jsonl beside it.
    """
    path = event.get("transcript_path")
    if not isinstance(path, str) or not path:
        return None
    agent_id = event.get("agent_id")
    if isinstance(agent_id, str) and agent_id:
        return os.path.join(os.path.splitext(path)[0], "subagents", f"agent-{agent_id}.jsonl")
    return path


def lines_from_end(fh, size: int, max_bytes: int) -> Iterator[bytes]:
    """The file's complete lines, last first, reading blocks backwards; a long line is joined only once."""
    pos = size
    pieces: list[bytes] = []  # the line being assembled, last piece first
    while pos > 0 and size - pos < max_bytes:
        step = min(BLOCK_BYTES, pos)
        pos -= step
        fh.seek(pos)
        parts = fh.read(step).split(b"\n")
        if len(parts) == 1:
            pieces.append(parts[0])
            continue
        yield b"".join([parts[-1], *reversed(pieces)])
        yield from reversed(parts[1:-1])
        pieces = [parts[0]]
    if pos == 0:
        yield b"".join(reversed(pieces))


def _text_tokens(content) -> int:
    """Tokens of model-visible message content: a string or a list of blocks (text, tool results, images)."""
    if isinstance(content, str):
        return estimate_tokens(content)
    total = 0
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            total += estimate_tokens(str(block.get("text", "")))
        elif kind == "tool_result":
            total += _text_tokens(block.get("content"))
        elif kind == "image":
            total += IMAGE_TOKENS
        elif kind == "tool_use":
            total += estimate_tokens(json.dumps(block.get("input"), ensure_ascii=False))
    return total


def _usage_tokens(usage: dict) -> int:
    keys = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens")
    return sum(int(usage.get(k) or 0) for k in keys)


def context_use(transcript: str | os.PathLike) -> ContextUse | None:
    """The current context size of the agent writing this transcript; None if it cannot be read."""
    try:
        fh = open_regular(transcript)  # a FIFO there would block the hook until Claude Code kills it
    except OSError:
        return None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        appended = 0
        for line in lines_from_end(fh, size, MAX_TAIL_BYTES):
            if not line.startswith(b"{") or (line.startswith(b'{"type":"') and not line.startswith(_CONTEXT_TYPES)):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line being written right now
            kind = entry.get("type")
            if kind == "assistant":
                message = entry.get("message") or {}
                usage = message.get("usage")
                counted = _usage_tokens(usage) if isinstance(usage, dict) else 0
                if counted:
                    # The last line of the last response: its usage covers everything before it, and the
                    # earlier lines with the same message id carry the same usage, so the scan stops here.
                    return ContextUse(counted, appended)
                appended += _text_tokens(message.get("content"))  # Claude Code's own notices carry no usage
            elif kind == "user":
                appended += _text_tokens((entry.get("message") or {}).get("content"))
            elif kind == "attachment":
                rendered = entry.get("rendered")
                if isinstance(rendered, list):  # the text Claude Code renders into the request
                    appended += sum(estimate_tokens(str(r.get("content", ""))) for r in rendered
                                    if isinstance(r, dict))
            elif kind == "system" and entry.get("subtype") == "compact_boundary":
                return ContextUse(0, appended, compacted=True)
        return ContextUse(0, appended)


# --- policy ---------------------------------------------------------------------------------------------

# At and past the hard mark: these fractions of the configured offload threshold, summary budget, read cap.
TIGHTEST = {"offload_threshold_tokens": 0.25, "summary_budget_tokens": 0.5, "read_max_tokens": 0.25}


class Limits(Value):
    __slots__ = tuple(TIGHTEST)

    def __init__(self, offload_threshold_tokens: int, summary_budget_tokens: int, read_max_tokens: int):
        self.offload_threshold_tokens = offload_threshold_tokens
        self.summary_budget_tokens = summary_budget_tokens
        self.read_max_tokens = read_max_tokens


def tightening(fill: float, soft: float, hard: float) -> float:
    """0 below the soft mark, 1 at and past the hard mark, linear in between."""
    return min(max((fill - soft) / (hard - soft), 0.0), 1.0)


def limits_at(fill: float, cfg: Config) -> Limits:
    """The offload threshold, summary budget and read cap that apply at this fill (context / budget)."""
    k = tightening(fill, cfg.budget_soft_mark, cfg.budget_hard_mark)
    return Limits(**{name: max(1, round(getattr(cfg, name) * (1 - (1 - low) * k))) for name, low in TIGHTEST.items()})


def tightened(cfg: Config, tool: str, fill: float) -> Config:
    """cfg for one call of `tool` at this fill: its per-tool overrides applied, then tightened."""
    own = cfg.for_tool(tool)
    limits = limits_at(fill, own)
    return own.replace(tools={}, **{name: getattr(limits, name) for name in TIGHTEST})


def offload_config(cfg: Config, tool: str, fill: float) -> Config | None:
    """The config PostToolUse offloads an output of `tool` with at this fill (ctxlean.offload.offload takes
    it), or None when the tool's outputs always pass through: not in offload_tools, or ctxlean's own."""
    if not cfg.offloads(tool) or tool.startswith(OWN_TOOL_PREFIXES):
        return None
    return tightened(cfg, tool, fill)


class BudgetState(Value):
    __slots__ = ("tokens", "budget", "soft_mark", "hard_mark")

    def __init__(self, tokens: int, budget: int, soft_mark: float, hard_mark: float):
        self.tokens, self.budget, self.soft_mark, self.hard_mark = tokens, budget, soft_mark, hard_mark

    @property
    def fill(self) -> float:
        return self.tokens / self.budget

    @property
    def zone(self) -> str:
        """ok (below the soft mark), soft, hard (past the hard mark), or over (at or past the budget)."""
        if self.fill >= 1:
            return "over"
        if self.fill >= self.hard_mark:
            return "hard"
        return "soft" if self.fill >= self.soft_mark else "ok"


def state_of(tokens: int, cfg: Config) -> BudgetState:
    return BudgetState(tokens, cfg.context_budget_tokens, cfg.budget_soft_mark, cfg.budget_hard_mark)


def budget_note(state: BudgetState, limits: Limits) -> str:
    """The one-paragraph budget state PostToolUse adds for the model past the soft mark."""
    return (f"[ctxlean] Context at {state.fill:.0%} of its budget ({state.tokens:,} of {state.budget:,} tokens); "
            f"it is compacted at the budget. Outputs over {limits.offload_threshold_tokens:,} tokens are now "
            "stored out of band: prefer fetch_detail slices, Grep and bounded Reads over whole outputs.")


# --- compaction at the budget (Claude Code 2.1.330, measured against the fake API) ----------------------
# Auto-compaction fires when the context reaches  E - 13,000, where E = W - min(max output tokens, 20,000)
# and W = min(CLAUDE_CODE_AUTO_COMPACT_WINDOW, model window); W below 100,000 counts as 100,000. With
# CLAUDE_AUTOCOMPACT_PCT_OVERRIDE=p the threshold is min(floor(E * p / 100), E - 13,000).
MIN_WINDOW = 100_000
OUTPUT_RESERVE = 20_000
THRESHOLD_MARGIN = 13_000
AUTOCOMPACT_VARS = ("CLAUDE_CODE_AUTO_COMPACT_WINDOW", "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE")


def autocompact_env(budget_tokens: int) -> dict[str, str]:
    """Claude Code environment settings under which auto-compaction fires at `budget_tokens`.

    Budgets the window alone cannot express (below 67,000) add the percentage override; its value sits
    half a token above the target so the floor() cannot land one below it.
    """
    window = budget_tokens + OUTPUT_RESERVE + THRESHOLD_MARGIN
    if window >= MIN_WINDOW:
        return {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": str(window)}
    effective = MIN_WINDOW - OUTPUT_RESERVE
    pct = (budget_tokens + 0.5) * 100 / effective
    return {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": str(MIN_WINDOW), "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE": f"{pct:.6f}"}
