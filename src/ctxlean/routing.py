"""The routing policy: step kind -> model alias, from data/routing.toml with config overrides applied.

Mechanical steps (the plugin's agents: digest, extract, classify, format) default to Haiku, bulk tool-using
turns to Sonnet, planning and hard decisions to the session's own model ("inherit"). Users move a step with
`[routing]` in config; the SDK integration and the routing eval read the result through `model_for`.
"""

from __future__ import annotations

import functools
import os

# Read by config when a user sets [routing], i.e. possibly on the hook path: no dataclasses, no pathlib.
POLICY_PATH = os.path.join(os.path.dirname(__file__), "data", "routing.toml")
INHERIT = "inherit"  # the session's main model (an AgentDefinition with model="inherit" runs on it)


class Step:
    """One kind of step: its model (an alias, "inherit", or a full model id) and which work it covers."""

    __slots__ = ("kind", "model", "what")

    def __init__(self, kind: str, model: str, what: str):
        self.kind, self.model, self.what = kind, model, what

    def __repr__(self) -> str:
        return f"Step({self.kind!r}, model={self.model!r})"


@functools.cache
def default_policy() -> dict[str, Step]:
    """The shipped policy (read once): kind -> Step, in file order."""
    import tomllib

    with open(POLICY_PATH, "rb") as fh:
        steps = tomllib.load(fh)["steps"]
    return {kind: Step(kind, entry["model"], entry["what"]) for kind, entry in steps.items()}


def step_kinds() -> tuple[str, ...]:
    return tuple(default_policy())


def policy(cfg=None) -> dict[str, Step]:
    """The policy in effect: the shipped defaults with cfg.routing (kind -> model) applied."""
    overrides = getattr(cfg, "routing", None) or {}
    return {kind: Step(kind, overrides.get(kind, step.model), step.what) for kind, step in default_policy().items()}


def model_for(kind: str, cfg=None) -> str:
    """The model alias (or id, or "inherit") that runs steps of this kind. KeyError names the known kinds."""
    steps = policy(cfg)
    if kind not in steps:
        raise KeyError(f"unknown step kind {kind!r} (known: {', '.join(steps)})")
    return steps[kind].model
