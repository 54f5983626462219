"""Replay: what a session would have cost with ctxlean, and what ctxlean's summaries would have hidden.

Each chain (one agent's context) is played twice, request by request, through the same prompt-cache
simulation (ctxlean.prompt_cache) and prices (usage/pricing.py):
- as it ran: every block as the model saw it;
- with ctxlean: each tool result goes through the offload path the PostToolUse hook takes
  (budget.offload_config at the context's fill, then offload.offload, here with a store that keeps
  nothing), a failing command Claude Code cut gets the summary PostToolUseFailure adds, the budget note
  is added past the soft mark, the prefix loses what `ctxlean lean` hides and gains what the plugin adds;
  and every *used fact* (replay/facts.py) the summary hid costs one fetch_detail request before the
  response that used it: the context at that point, the call, and the slice it returns, which stays in
  the context afterwards.

Block sizes are ctxlean.tokens estimates. Where the source recorded the API's usage (Claude Code), a
chain's estimates are calibrated to it: the prefix (system prompt and tools, which transcripts do not
hold) is what the first request counted beyond its blocks, the estimates are scaled by the median ratio
of the usage's growth to theirs, and context the transcript does not show (a tool definition loaded mid
session, hook context) enters as a block where the usage grew by more than the blocks did. The
no-ctxlean replay is then a check on the rebuild: its simulated cost against the recorded one.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from ctxlean import budget, capture, last_words, read_policy
from ctxlean.config import Config
from ctxlean.offload import SAMPLE_BYTES, offload
from ctxlean.prompt_cache import Block as CacheBlock
from ctxlean.prompt_cache import CacheSim
from ctxlean.replay.dry_store import DryStore
from ctxlean.replay.facts import Mentions, identifiers
from ctxlean.replay.session import Block, Chain, Compaction, Request, Session, ToolCall
from ctxlean.tokens import estimate_tokens, tokens_for_bytes
from ctxlean.tool_output import ToolOutput, extract
from ctxlean.usage.pricing import PriceBook

NEXT_RESPONSES = 3  # a fact is used when one of the model's next this-many responses mentions it
FETCH_TOOL = "mcp__plugin_ctxlean_ctxlean__fetch_detail"
SLICE_LINE_CHARS = 500  # a fetched line is shown up to about this long
_SCALE_BOUNDS = (0.5, 2.0)
_MIN_GROWTH = 50  # estimated tokens a request pair must grow by to tell the scale
_READ_LINE = re.compile(r"^ *\d+\t", re.M)


@dataclass(frozen=True)
class Setup:
    """How ctxlean would have been set up: its config, prices, and what it changes in the prefix."""

    cfg: Config
    prices: PriceBook
    lean_tokens: Callable[[Session], int] = lambda session: 0  # prefix tokens `ctxlean lean` would hide
    plugin_tokens: Callable[[Session], int] = lambda session: 0  # prefix tokens the plugin adds
    default_model: str = "claude-sonnet-5-5"  # for sources that do not name a Claude model
    pace_seconds: float = 10.0  # time per step where the source has no timestamps


@dataclass
class Facts:
    used: int = 0  # facts new in a tool output that the model used in its next responses
    kept: int = 0  # ... that the model would have seen with ctxlean
    offloaded: int = 0  # ... of them from outputs ctxlean would have offloaded
    offloaded_kept: int = 0

    def add(self, other: Facts) -> None:
        for name in ("used", "kept", "offloaded", "offloaded_kept"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Arm:
    cost: float = 0.0
    unpriced: int = 0  # requests of models without a price
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    requests: int = 0
    context: list[int] = field(default_factory=list)  # main agent: prompt tokens per request

    def add_usage(self, usage: dict, cost: float | None, main: bool) -> None:
        self.requests += 1
        self.input += int(usage.get("input_tokens") or 0)
        self.output += int(usage.get("output_tokens") or 0)
        self.cache_read += int(usage.get("cache_read_input_tokens") or 0)
        self.cache_write += int(usage.get("cache_creation_input_tokens") or 0)
        if cost is None:
            self.unpriced += 1
        else:
            self.cost += cost
        if main:
            self.context.append(_usage_prompt(usage))

    def merge(self, other: Arm) -> None:
        for name in ("cost", "unpriced", "input", "output", "cache_read", "cache_write", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Replayed:
    session: Session
    recorded: Arm | None  # the usage the source recorded (Claude Code), priced
    without: Arm  # the rebuild without ctxlean, simulated
    with_ctxlean: Arm  # the rebuild with ctxlean, simulated
    facts: Facts
    fetches: int = 0  # fetch_detail requests charged for hidden used facts
    tool_output_tokens: int = 0  # tool results as the model saw them without ctxlean
    kept_out_tokens: int = 0  # of those, not shown with ctxlean (summaries in their place)
    offloads: int = 0

    @property
    def actual_cost(self) -> float:
        """What the session cost: the recorded usage priced, else (a trajectory) the rebuild's."""
        return self.recorded.cost if self.recorded is not None else self.without.cost

    @property
    def estimated_cost(self) -> float:
        """With ctxlean: the simulated ratio applied to the actual cost (the rebuild's own error cancels)."""
        if not self.without.cost:
            return self.with_ctxlean.cost
        return self.actual_cost * self.with_ctxlean.cost / self.without.cost


def replay(session: Session, setup: Setup) -> Replayed:
    """Both replays of every chain of `session`, summed."""
    result = Replayed(session, None, Arm(), Arm(), Facts())
    for chain in session.chains:
        _ChainReplay(session, chain, setup, result).run()
    return result


def _usage_prompt(usage: dict) -> int:
    return sum(int(usage.get(k) or 0) for k in
               ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"))


class _Context:
    """One arm's prompt as cache blocks: the prefix, then (key, tokens) per block since the last compaction.
    Prefix digests chain over block keys, so identical histories share cache entries within an arm."""

    def __init__(self, prefix_key: str, prefix_tokens: int):
        self.prefix_key, self.prefix_tokens = prefix_key, max(prefix_tokens, 0)
        self.keys: list[str] = []
        self.tokens: list[int] = []
        self.total = self.prefix_tokens
        self._model: str | None = None
        self._digests: list[str] = []

    def add(self, key: str, tokens: int) -> None:
        self.keys.append(key)
        self.tokens.append(tokens)
        self.total += tokens
        if self._model is not None:
            self._digests.append(_chain(self._digests[-1], key))

    def grow_prefix(self, key: str, tokens: int) -> None:
        """More system prompt or tools from here on: a new prefix, so nothing cached before matches."""
        self.prefix_key += "+" + key
        self.prefix_tokens += tokens
        self.total += tokens
        self._model = None

    def reset(self) -> None:
        self.keys, self.tokens, self.total, self._model = [], [], self.prefix_tokens, None

    def blocks(self, model: str) -> list[CacheBlock]:
        """Breakpoints where Claude Code puts them: the end of the system prompt and the last block."""
        if self._model != model:
            self._model = model
            self._digests = [_chain(model, self.prefix_key)]
            for key in self.keys:
                self._digests.append(_chain(self._digests[-1], key))
        last = len(self.keys)
        out = [CacheBlock(self._digests[0], self.prefix_tokens, "5m")]
        out += [CacheBlock(self._digests[i + 1], t, "5m" if i + 1 == last else None)
                for i, t in enumerate(self.tokens)]
        return out


def _chain(previous: str, key: str) -> str:
    return hashlib.blake2b(f"{previous}\0{key}".encode(), digest_size=12).hexdigest()


class _ChainReplay:
    def __init__(self, session: Session, chain: Chain, setup: Setup, result: Replayed):
        self.session, self.chain, self.setup, self.result = session, chain, setup, result
        self.main = chain is session.main
        self.items = chain.items
        self.now = 0.0
        clock = lambda: self.now  # noqa: E731
        self.sim_without = CacheSim(setup.prices.min_cacheable_tokens, clock)
        self.sim_with = CacheSim(setup.prices.min_cacheable_tokens, clock)
        self.store = DryStore()
        self.edited: set[str] = set()  # files the session's edit calls changed so far

    # --- pass 1: payloads, facts and the model's uses of them -----------------------------------------

    def _analyse(self) -> None:
        self.payloads: dict[int, tuple[ToolOutput | None, str]] = {}
        self.uses: dict[int, dict[str, int]] = {}  # tool result index -> used fact -> index of the Request
        responses: list[tuple[int, Mentions]] = []  # (Request index, what its response mentions)
        texts: list[str] = []
        results: list[tuple[int, set[str]]] = []
        seen = Mentions()
        growth: list[float] = []
        first: tuple[int, int] | None = None  # (recorded prompt, estimated blocks) of the first request
        blocks_since = 0
        previous: tuple[int, int] | None = None
        for index, item in enumerate(self.items):
            if isinstance(item, Request):
                if texts and responses:
                    responses[-1] = (responses[-1][0], Mentions("\n".join(texts)))
                texts = []
                responses.append((index, Mentions("")))
                if item.usage is not None:
                    prompt = _usage_prompt(item.usage)
                    if first is None:
                        first = (prompt, blocks_since)
                    if previous is not None and blocks_since - previous[1] >= _MIN_GROWTH:
                        growth.append((prompt - previous[0]) / (blocks_since - previous[1]))
                    previous = (prompt, blocks_since)
            elif isinstance(item, Compaction):
                blocks_since, previous = 0, None
            else:
                blocks_since += item.tokens
                if item.role == "assistant":
                    texts.append(item.text)
                if item.kind == "tool_result" and item.call is not None:
                    output, text = self._payload(item.call)
                    self.payloads[index] = (output, text)
                    found = identifiers(text)
                    results.append((index, {fact for fact in found if not seen.has(fact)}))
                    seen.add(found)
                else:
                    seen.add(identifiers(item.text))
        if texts and responses:
            responses[-1] = (responses[-1][0], Mentions("\n".join(texts)))
        for index, new in results:
            later = [r for r in responses if r[0] > index][:NEXT_RESPONSES]
            uses = {}
            for fact in sorted(new):
                at = next((r for r, mentions in later if mentions.has(fact)), None)
                if at is not None:
                    uses[fact] = at
            self.uses[index] = uses
        scale = statistics.median(growth) if growth else 1.0
        self.scale = min(max(scale, _SCALE_BOUNDS[0]), _SCALE_BOUNDS[1])
        if first is not None:
            self.prefix = first[0] - round(self.scale * first[1])
        else:
            self.prefix = self.chain.prefix_tokens or 0

    def _payload(self, call: ToolCall) -> tuple[ToolOutput | None, str]:
        """What PostToolUse would have had (the ToolOutput) and its text, as the store would keep it."""
        response = call.response
        if call.full_path and isinstance(response, dict):
            response = {**response, "persistedOutputPath": call.full_path}
        output = extract(call.tool, response) if response is not None and not call.error else None
        if output is None and not call.error:
            text = call.output if call.output is not None else \
                _READ_LINE.sub("", call.shown) if call.tool == "Read" else call.shown
            output = ToolOutput(text, lambda summary: summary, call.full_path)
        if output is not None and output.full_path:
            with open(output.full_path, "rb") as fh:
                return output, fh.read(SAMPLE_BYTES).decode("utf-8", "replace")
        return output, output.text if output is not None else call.shown

    # --- pass 2: both arms, request by request --------------------------------------------------------

    def run(self) -> None:
        self._analyse()
        session, setup, result = self.session, self.setup, self.result
        lean = setup.lean_tokens(session) if self.main else 0
        added = setup.plugin_tokens(session)
        without = _Context("prefix", self.prefix)
        with_ = _Context("prefix-ctxlean", self.prefix + round(self.scale * (added - lean)))
        recorded = Arm() if any(isinstance(i, Request) and i.usage is not None for i in self.items) else None
        due: dict[int, list[tuple[str, int]]] = {}  # Request index -> (fact, tool result index) to fetch first
        step = last_prompt = 0
        for index, item in enumerate(self.items):
            if isinstance(item, Compaction):
                without.reset()
                with_.reset()
                continue
            if isinstance(item, Request):
                step += 1
                self.now = item.ts or step * setup.pace_seconds
                model = self._model(item)
                if item.usage is not None:
                    prompt = _usage_prompt(item.usage)
                    if prompt > without.total:  # context the source does not show
                        self._unseen(without, with_, index, prompt - without.total, item.usage, last_prompt)
                    last_prompt = prompt
                for fact, source in due.pop(index, []):
                    self._fetch(with_, model, fact, source, index)
                if not item.billed:
                    continue
                usage = self.sim_without.account(model, without.blocks(model), item.output_tokens)
                result.without.add_usage(usage, setup.prices.usage_cost(model, usage, item.ts), self.main)
                usage = self.sim_with.account(model, with_.blocks(model), item.output_tokens)
                result.with_ctxlean.add_usage(usage, setup.prices.usage_cost(model, usage, item.ts), self.main)
                if recorded is not None and item.usage is not None:
                    recorded.add_usage(item.usage, setup.prices.usage_cost(model, item.usage, item.ts), self.main)
                continue
            tokens = round(self.scale * item.tokens)
            without.add(str(index), tokens)
            if item.kind == "tool_result" and item.call is not None:
                self._tool_result(with_, index, item, tokens, due)
            else:
                with_.add(str(index), tokens)
                if item.kind == "tool_use" and item.call is not None:
                    changed = read_policy.edited(item.call.tool, item.call.input, self.session.project)
                    if changed:
                        self.edited.add(changed)
        if recorded is not None:
            if result.recorded is None:
                result.recorded = Arm()
            result.recorded.merge(recorded)
            if self.main:
                result.recorded.context = recorded.context

    @staticmethod
    def _unseen(without: _Context, with_: _Context, index: int, tokens: int, usage: dict, last_prompt: int) -> None:
        """Context the source does not show, where the recorded cache says it went: into the prefix when
        the session caches and this request read less than half the previous prompt from the cache (a
        tool definition loaded mid session changes the tools, which come first), else after the last
        block (hook context, ...)."""
        cached = int(usage.get("cache_read_input_tokens") or 0) + int(usage.get("cache_creation_input_tokens") or 0)
        if cached and int(usage.get("cache_read_input_tokens") or 0) < last_prompt / 2:
            for ctx in (without, with_):
                ctx.grow_prefix(f"unseen{index}", tokens)
        else:
            without.add(f"unseen{index}", tokens)
            with_.add(f"unseen{index}", tokens)

    def _words(self, index: int) -> str:
        """The model's last words before the call whose result is items[index] (ctxlean.last_words)."""
        responses: list[list[str]] = [[]]
        for item in reversed(self.items[:index]):
            if isinstance(item, Request):
                if len(responses) == last_words.LOOKBACK_RESPONSES:
                    break
                responses.append([])
            elif isinstance(item, Compaction) or (item.role == "user" and item.kind == "text"):
                break  # the user's prompt: what came before it is another request
            elif item.role == "assistant" and item.kind == "text":
                responses[-1].insert(0, item.text)
        return last_words.of_responses(responses)

    def _model(self, request: Request) -> str:
        known = request.model and request.model != "unknown" and self.setup.prices.resolve(request.model)
        return request.model if known else self.setup.default_model

    def _tool_result(self, ctx: _Context, index: int, block: Block, tokens: int, due: dict) -> None:
        call = block.call
        cfg = self.setup.cfg
        fill = ctx.total / cfg.context_budget_tokens
        output, text = self.payloads[index]
        uses = self.uses.get(index, {})
        shown, offloaded = None, False
        call_cfg = budget.offload_config(cfg, call.tool, fill)
        if call.error:
            added = self._failure_summary(call, call_cfg, index)
            ctx.add(str(index), tokens)
            if added:
                ctx.add(f"failure{index}", round(self.scale * estimate_tokens(added)))
        else:
            whole = call_cfg is not None and read_policy.keeps_whole(
                call.tool, call.input, self.session.project, tokens_for_bytes(output.full_size()) if output else 0,
                call_cfg.read_max_tokens, call_cfg.keep_whole_views, lambda: self.edited)
            if call_cfg is not None and output is not None and not whole:
                done = offload(output, tool=call.tool, tool_input=call.input, project=self.session.project,
                               cfg=call_cfg, session_id=self.session.session_id, agent_id=self.chain.agent_id,
                               store=self.store, words=self._words(index))
                if done is not None:
                    shown = _numbered(done.text) if call.tool == "Read" else done.text
                    offloaded = True
            if shown is None:
                ctx.add(str(index), tokens)
            else:
                shown_tokens = round(self.scale * estimate_tokens(shown))
                ctx.add(f"ctxlean{index}", shown_tokens)
                self.result.offloads += 1
                self.result.kept_out_tokens += tokens - shown_tokens
        self.result.tool_output_tokens += tokens
        if call_cfg is not None:
            state = budget.state_of(ctx.total, cfg)
            if state.zone != "ok":
                note = budget.budget_note(state, budget.limits_at(state.fill, cfg))
                ctx.add(f"note{index}", round(self.scale * estimate_tokens(note)))
        facts = Facts(used=len(uses))
        mentions = Mentions(shown) if offloaded else None
        for fact, at in uses.items():
            kept = mentions is None or mentions.has(fact)
            facts.kept += kept
            if offloaded:
                facts.offloaded += 1
                facts.offloaded_kept += kept
            if not kept:
                due.setdefault(at, []).append((fact, index))
        self.result.facts.add(facts)

    def _failure_summary(self, call: ToolCall, call_cfg: Config | None, index: int) -> str | None:
        """What PostToolUseFailure adds for a failing Bash command Claude Code cut and ctxlean captured: a
        summary of the output. The source holds only the cut output, so that is what is summarized."""
        cfg = self.setup.cfg
        command = str(call.input.get("command", ""))
        if call.tool != "Bash" or call_cfg is None or not cfg.capture_failures:
            return None
        text = capture.shown_output(call.shown)
        if not capture.TRUNCATED.search(text) or not capture.wants_capture(command, cfg.capture_commands):
            return None
        output = ToolOutput(text, lambda summary: summary)
        done = offload(output, tool="Bash", tool_input=call.input, project=self.session.project, cfg=call_cfg,
                       session_id=self.session.session_id, agent_id=self.chain.agent_id, store=self.store,
                       kept_out=False, words=self._words(index))
        return done.text if done is not None else None

    def _fetch(self, ctx: _Context, model: str, fact: str, source: int, at: int) -> None:
        """One fetch_detail round trip for a hidden fact: a request that calls it, then its answer."""
        call = estimate_tokens(FETCH_TOOL + json.dumps({"handle": "ctx_0123456789abcdef", "grep": re.escape(fact)}))
        usage = self.sim_with.account(model, ctx.blocks(model), call)
        self.result.with_ctxlean.add_usage(usage, self.setup.prices.usage_cost(model, usage, self.now), self.main)
        self.result.fetches += 1
        answer = _slice(self.payloads[source][1], fact, self.setup.cfg.fetch_budget_tokens)
        ctx.add(f"fetch{at}:{fact}", round(self.scale * call))
        ctx.add(f"fetched{at}:{fact}", round(self.scale * estimate_tokens(answer)))


def _numbered(text: str) -> str:
    """Read's rendering of file content: each line after its number and a tab."""
    return "\n".join(f"{n}\t{line}" for n, line in enumerate(text.split("\n"), 1))


def _slice(payload: str, fact: str, budget_tokens: int) -> str:
    """What fetch_detail(grep=fact) returns: the matching lines with their numbers, within the budget."""
    out = ['[ctxlean] ctx_0123456789abcdef: lines matching the fact, page 1']
    used = estimate_tokens(out[0])
    for number, line in enumerate(payload.split("\n"), 1):
        if fact in line:
            shown = f"{number}: {line[:SLICE_LINE_CHARS]}"
            used += estimate_tokens(shown) + 1
            if used > budget_tokens:
                break
            out.append(shown)
    out.append("[ctxlean] end of selection.")
    return "\n".join(out)
