"""Dependency-aware fan-out: a small graph of model steps, each started as soon as its inputs are ready.

    steps = [
        Step("facts", "List the facts in: ..."),
        Step("risks", "List the risks in: ...", model="claude-haiku-4-5"),
        Step("review", lambda got: f"Facts:\\n{got['facts']}\\nRisks:\\n{got['risks']}\\nWrite the review.",
             depends_on=("facts", "risks")),
    ]
    report = await run_graph(steps, AnthropicSteps(anthropic.AsyncAnthropic()), model="claude-sonnet-4-5")
    print(report.summary())

Independent steps run concurrently (at most `max_concurrency` at a time), so the graph takes as many
rounds as its longest dependency chain, not as many as it has steps. A step that fails cancels the steps
that depend on it, directly or not, and nothing else. Steps run through a `StepRunner`: `AnthropicSteps`
(one Messages call) and `AgentSDKSteps` (one Claude Agent SDK `query()`) are in `step_runners.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ctxlean.batch.costs import PriceBook, Usage, request_cost


@dataclass(frozen=True)
class Step:
    name: str
    # The prompt, or a function of {dependency name: its output text} returning it.
    prompt: str | Callable[[dict[str, str]], str]
    depends_on: tuple[str, ...] = ()
    model: str | None = None  # None: the run's default model
    system: str | None = None
    max_tokens: int = 1024

    def render(self, inputs: dict[str, str]) -> str:
        return self.prompt(inputs) if callable(self.prompt) else self.prompt


@dataclass
class StepOutput:
    """What a StepRunner returns for one step."""
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)  # all models together
    cost_usd: float | None = None  # what the runner says it cost (the Agent SDK reports one)
    usage_by_model: dict[str, Usage] | None = None  # when the run used several models (subagents)

    def priced(self, book: PriceBook) -> float | None:
        """The cost from the price book, each model's tokens at that model's prices (None if one is unknown)."""
        costs = [request_cost(book, model, usage.as_api(), batch=False)
                 for model, usage in (self.usage_by_model or {self.model: self.usage}).items()]
        return None if None in costs else sum(costs)


class StepRunner(Protocol):
    """Runs one step's prompt on a model. Raise to fail the step (its dependents are then canceled)."""

    async def run(self, step: Step, prompt: str, model: str) -> StepOutput: ...


@dataclass
class StepResult:
    name: str
    status: Literal["succeeded", "failed", "canceled"]
    model: str | None = None
    output: StepOutput | None = None
    error: str | None = None
    started: float | None = None  # seconds since the run started
    ended: float | None = None
    cost_usd: float | None = None

    @property
    def seconds(self) -> float:
        return (self.ended or 0.0) - (self.started or 0.0) if self.started is not None else 0.0

    @property
    def text(self) -> str | None:
        return self.output.text if self.output else None


@dataclass
class FanoutReport:
    results: dict[str, StepResult]  # in the steps' declared order
    wall_seconds: float

    @property
    def ok(self) -> bool:
        return all(r.status == "succeeded" for r in self.results.values())

    @property
    def cost_usd(self) -> float:
        return sum(r.cost_usd or 0.0 for r in self.results.values())

    @property
    def serial_seconds(self) -> float:
        """How long the steps took added up: the wall time of running them one after another."""
        return sum(r.seconds for r in self.results.values())

    def summary(self) -> str:
        rows = [f"{'step':<16} {'status':<10} {'model':<26} {'seconds':>8} {'in+cache':>10} {'out':>7} {'cost':>9}"]
        for r in self.results.values():
            usage = r.output.usage if r.output else Usage()
            cost = f"${r.cost_usd:.4f}" if r.cost_usd is not None else "-"
            rows.append(f"{r.name:<16} {r.status:<10} {r.model or '-':<26} {r.seconds:>8.2f} "
                        f"{usage.input_tokens + usage.cache_read + usage.cache_write_5m + usage.cache_write_1h:>10,} "
                        f"{usage.output_tokens:>7,} {cost:>9}" + (f"  {r.error}" if r.error else ""))
        speedup = self.serial_seconds / self.wall_seconds if self.wall_seconds else 0.0
        rows.append(f"wall {self.wall_seconds:.2f}s vs {self.serial_seconds:.2f}s one after another "
                    f"({speedup:.1f}x); cost ${self.cost_usd:.4f}")
        return "\n".join(rows)


class GraphError(ValueError):
    """The declared graph cannot run: duplicate or unknown step names, or a cycle."""


def check_graph(steps: Iterable[Step]) -> dict[str, Step]:
    """The steps by name, after checking names are unique, dependencies exist and there is no cycle."""
    by_name: dict[str, Step] = {}
    for step in steps:
        if step.name in by_name:
            raise GraphError(f"two steps are named {step.name!r}")
        by_name[step.name] = step
    for step in by_name.values():
        unknown = [d for d in step.depends_on if d not in by_name]
        if unknown:
            raise GraphError(f"step {step.name!r} depends on unknown step(s): {', '.join(unknown)}")
    waiting = {name: set(step.depends_on) for name, step in by_name.items()}
    while waiting:
        free = [name for name, deps in waiting.items() if not deps]
        if not free:
            raise GraphError(f"dependency cycle among: {', '.join(sorted(waiting))}")
        for name in free:
            del waiting[name]
        for deps in waiting.values():
            deps.difference_update(free)
    return by_name


def dependents_of(name: str, steps: dict[str, Step]) -> set[str]:
    """Every step that needs `name`'s output, directly or through other steps."""
    found: set[str] = set()
    frontier = [name]
    while frontier:
        current = frontier.pop()
        for step in steps.values():
            if current in step.depends_on and step.name not in found:
                found.add(step.name)
                frontier.append(step.name)
    return found


async def run_graph(steps: Iterable[Step], runner: StepRunner, *, model: str, max_concurrency: int = 4,
                    prices: PriceBook | None = None) -> FanoutReport:
    """Run every step once its dependencies succeeded; returns each step's result and the totals.

    `model` is the default for steps without their own. `prices`, a price book (ctxlean.batch.costs.
    price_book()), prices every step from the pricing data, as everywhere in ctxlean; without it, or for a
    model it does not know, a step costs what its runner reported (None for AnthropicSteps). Raises
    GraphError before running anything if the graph is invalid.
    """
    graph = check_graph(steps)
    start = time.monotonic()
    limit = asyncio.Semaphore(max_concurrency)
    results: dict[str, StepResult] = {}
    waiting = {name: set(step.depends_on) for name, step in graph.items()}

    async def run_one(step: Step) -> StepResult:
        chosen = step.model or model
        inputs = {dep: results[dep].text or "" for dep in step.depends_on}
        async with limit:
            result = StepResult(step.name, "succeeded", model=chosen, started=time.monotonic() - start)
            try:
                result.output = await runner.run(step, step.render(inputs), chosen)
            except Exception as exc:  # any failure of a step is that step's result, not the run's
                result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
            result.ended = time.monotonic() - start
        if result.output:
            priced = result.output.priced(prices) if prices is not None else None
            result.cost_usd = priced if priced is not None else result.output.cost_usd
        return result

    running: dict[asyncio.Task, str] = {}

    def launch_ready() -> None:
        for name in [n for n, deps in waiting.items() if not deps]:
            del waiting[name]
            running[asyncio.create_task(run_one(graph[name]))] = name

    launch_ready()
    try:
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                name = running.pop(task)
                result = results[name] = task.result()
                if result.status == "succeeded":
                    for deps in waiting.values():
                        deps.discard(name)
                    continue
                for dependent in dependents_of(name, graph):
                    if dependent in waiting:
                        del waiting[dependent]
                        results[dependent] = StepResult(dependent, "canceled", model=graph[dependent].model or model,
                                                        error=f"canceled: needs {name!r}, which failed")
            launch_ready()
    finally:
        for task in running:
            task.cancel()
    return FanoutReport({name: results[name] for name in graph}, time.monotonic() - start)
