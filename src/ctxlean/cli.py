"""Command-line entry point: dispatch only.

Each command lives in its own module exposing ``main(argv) -> int``; the module is imported only when
its command runs, so `ctxlean hook ...` (run on every tool call) loads nothing but the standard library.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module, one-line help). Add a command here and a main(argv) in its module.
COMMANDS: dict[str, tuple[str, str]] = {
    "hook": ("ctxlean.hooks", "run a Claude Code hook event (reads the event JSON on stdin)"),
    "mcp": ("ctxlean.mcp_server.relay", "run the MCP server (stdio): fetch_detail, search_details, ..."),
    "install": ("ctxlean.install", "install the Claude Code plugin (user scope, or --project)"),
    "uninstall": ("ctxlean.install", "remove the plugin and undo what install changed"),
    "budget": ("ctxlean.budget_command", "the current session's context use against the budget"),
    "routing-eval": ("ctxlean.routing_eval", "agreement and cost of the Haiku agents vs a reference model"),
    "demo": ("ctxlean.demo", "run the real Claude Code CLI on a scripted task, without and with ctxlean"),
    "report": ("ctxlean.usage.report",
               "tokens, cost, cache hits and what ctxlean saved, by session/model/day/turn"),
    "estimate": ("ctxlean.replay.estimate",
                 "what your sessions would have cost with ctxlean, and what its summaries would have hidden"),
    "doctor": ("ctxlean.usage.doctor", "find cache misses in sessions and say why they happened"),
    "statusline": ("ctxlean.usage.statusline", "Claude Code status line: context, cache hits, cost, saved"),
    "gc": ("ctxlean.store.gc", "apply the store's TTL and size cap; remove what failed writers left"),
    "batch": ("ctxlean.batch.cli", "bulk prompts via Message Batches: submit, status, results, cancel"),
    "lean": ("ctxlean.lean.command",
             "trim what every request resends: hide Claude Code tools and skill descriptions your sessions never use"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items())
    return f"usage: ctxlean <command> [args]\n\ncommands:\n{rows}\n\nctxlean <command> --help for details."


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] in ("-V", "--version"):
        from ctxlean import __version__

        print(f"ctxlean {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"ctxlean: unknown command {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(entry[0])
    return module.main(args)
