"""What ctxlean changes in the prefix every request resends, as `ctxlean install --lean` sets it up.

`ctxlean lean` hides the optional tools and skill descriptions the user's sessions of the last 30 days
never used; the plugin adds its MCP tools' definitions and its entries in Claude Code's listings. Sizes
are data (src/ctxlean/data/lean.json, measured on one Claude Code version by benchmarks/lean_prefix.py).
A tool counts only where the session's recorded prefix offered it and a skill only where its listing
showed the description, so a session of another Claude Code version is not credited for what it never
had. Trajectories of other agent frameworks keep their own prefix and gain only the MCP tools.
"""

from __future__ import annotations

from ctxlean.config import Config
from ctxlean.lean.catalog import TOOL, Catalog
from ctxlean.lean.uses import Uses
from ctxlean.replay.engine import Setup
from ctxlean.replay.session import Session
from ctxlean.usage.pricing import PriceBook

CLAUDE_CODE = "claude-code"


def unused(catalog: Catalog, uses: Uses | None) -> frozenset[str]:
    """The catalog items (kind:name) lean would hide: those never used (all of them without history)."""
    return frozenset(f"{i.kind}:{i.name}" for i in catalog.items if uses is None or not uses.of(i.kind, i.name))


def lean_saving(session: Session, catalog: Catalog, hidden: frozenset[str]) -> int:
    """Tokens per request of the session's prefix that lean would hide."""
    if session.source != CLAUDE_CODE:
        return 0
    total = 0
    for item in catalog.items:
        if f"{item.kind}:{item.name}" not in hidden:
            continue
        present = (session.offered_tools is not None and item.name in session.offered_tools) \
            if item.kind == TOOL else item.name in session.listed_skills
        total += item.tokens if present else 0
    return total


def plugin_addition(session: Session, catalog: Catalog) -> int:
    """Tokens per request the plugin adds: everything in Claude Code, its tools' definitions elsewhere."""
    return catalog.plugin_tokens if session.source == CLAUDE_CODE else catalog.plugin_tool_tokens


def lean_install(cfg: Config, prices: PriceBook, catalog: Catalog, hidden: frozenset[str]) -> Setup:
    """The replay setup of `ctxlean install --lean` with `hidden` as lean's choice."""
    return Setup(cfg, prices, lambda session: lean_saving(session, catalog, hidden),
                 lambda session: plugin_addition(session, catalog))
