"""The fixed prefix every Claude Code request resends, without and with `ctxlean lean`'s settings, and
what the ctxlean plugin itself adds to it.

    .venv/bin/python benchmarks/lean_prefix.py [--write-data] [--tools A,B,...]

Runs the real Claude Code CLI (the one claude-agent-sdk bundles, or $CTXLEAN_CLAUDE) three times against
the fake API in a throwaway HOME, offline: once with empty settings, once with every optional tool denied
and every bundled skill set to "name-only" (what `ctxlean lean --apply` writes when nothing was used), and
once with the ctxlean plugin installed (`ctxlean install`, no lean). It prints the first request's size
(characters of its JSON, estimated tokens) by part (system, tools, messages) and the ratio, then each
item's size, then what the plugin adds (its MCP tools' definitions, its agents, skill and instructions in
the listings). --write-data stores the sizes in src/ctxlean/data/lean.json (the optional tools are the
ones listed there, or --tools); the replay engine (`ctxlean estimate`) prices a session with ctxlean
from them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]  # this checkout's ctxlean, whatever the environment has installed

from ctxlean.fakeapi import FakeAnthropic, Rule, Script  # noqa: E402
from ctxlean.fakeapi.cache import prompt_blocks  # noqa: E402
from ctxlean.fakeapi.claude import claude_executable, install_ctxlean, isolate_network, run_claude  # noqa: E402
from ctxlean.fakeapi.script import reply, text  # noqa: E402
from ctxlean.lean.catalog import DATA_FILE, TOOL, load  # noqa: E402
from ctxlean.lean.hiding import NAME_ONLY  # noqa: E402
from ctxlean.paths import PLUGIN_TOOL_PREFIX  # noqa: E402
from ctxlean.tokens import estimate_tokens  # noqa: E402

PARTS = ("system", "tools", "messages")
SKILLS_HEADER = "The following skills are available for use with the Skill tool:\n\n"
SKILL_ENTRY = re.compile(r"- ([\w.:-]+)(?:: (.*))?")  # a description may go on over further lines


def wire(value: object) -> str:
    """value as Claude Code sends it: compact JSON, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def first_request(settings: dict, with_ctxlean: bool = False) -> dict:
    """The body of the first model request of `claude -p hi` with these user settings (and the plugin)."""
    with tempfile.TemporaryDirectory(prefix="lean-prefix-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        (home / ".claude").mkdir(parents=True)
        work.mkdir()
        (home / ".claude" / "settings.json").write_text(json.dumps(settings))
        if with_ctxlean:
            install_ctxlean(home, work).check_returncode()
        with FakeAnthropic(Script([Rule("hi", respond=reply(text("ok")))])) as api:
            run = run_claude("hi", home=home, cwd=work, base_url=api.url)
        bodies = [r["body"] for r in api.model_requests() if r["body"].get("tools")]
    if run.rc != 0 or not bodies:
        raise SystemExit(f"claude failed (rc={run.rc}): {run.stderr[-1000:]}")
    return bodies[0]


def skill_listing(body: dict) -> dict[str, str]:
    """skill name -> description, from the skills listing the request's messages carry."""
    for message in body["messages"]:
        content = message["content"]
        for block in [{"text": content}] if isinstance(content, str) else content:
            found = (block.get("text") or "").find(SKILLS_HEADER)
            if found == -1:
                continue
            listing, skills, name = block["text"][found + len(SKILLS_HEADER):].split("\n\n")[0], {}, None
            for line in listing.splitlines():
                entry = SKILL_ENTRY.fullmatch(line)
                if entry:
                    name, skills[entry[1]] = entry[1], entry[2] or ""
                elif name:
                    skills[name] += "\n" + line
            return skills
    return {}


def sizes(body: dict) -> dict[str, str]:
    """part -> its JSON, as sent"""
    parts = {part: wire(body.get(part)) for part in PARTS}
    return {**parts, "total": "".join(parts.values())}


def block_sum(body: dict, only_tools: bool = False) -> int:
    """Tokens as the prompt cache counts them (ctxlean.prompt_cache.block_tokens): the whole prompt, or the
    plugin's MCP tool definitions."""
    if only_tools:
        body = {"tools": [t for t in body["tools"] if t["name"].startswith(PLUGIN_TOOL_PREFIX)]}
    return sum(block.tokens for block in prompt_blocks(body))


def claude_version() -> str:
    out = subprocess.run([claude_executable(), "--version"], capture_output=True, text=True, timeout=60).stdout
    return out.split()[0] if out.split() else "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-data", action="store_true", help=f"rewrite {DATA_FILE.relative_to(ROOT)}")
    parser.add_argument("--tools", help="comma-separated optional tools (default: those in the data file)")
    args = parser.parse_args()
    tools = args.tools.split(",") if args.tools else [i.name for i in load().items if i.kind == TOOL]
    isolate_network()

    plain = first_request({})
    defined = {tool["name"]: tool for tool in plain["tools"]}
    missing = [name for name in tools if name not in defined]
    if missing:
        print(f"not in this Claude Code's tools (left out): {', '.join(missing)}", file=sys.stderr)
    tool_tokens = {name: estimate_tokens(wire(defined[name])) for name in tools if name in defined}
    skills = skill_listing(plain)
    # name-only drops ": <description>" from the skill's listing line
    skill_tokens = {name: estimate_tokens(wire(": " + desc)[1:-1]) for name, desc in skills.items()}
    lean = first_request({"permissions": {"deny": list(tool_tokens)},
                          "skillOverrides": {name: NAME_ONLY for name in skills}})
    left = sorted(set(tool_tokens) & {tool["name"] for tool in lean["tools"]})
    described = [name for name, desc in skill_listing(lean).items() if desc]

    before, after = sizes(plain), sizes(lean)
    print(f"Claude Code {claude_version()}: first request of `claude -p hi`, JSON characters (~tokens)")
    print(f"{'part':<10} {'plain':>16} {'lean':>16} {'lean/plain':>11}")
    for part in (*PARTS, "total"):
        b, a = before[part], after[part]
        print(f"{part:<10} {len(b):>8,} (~{estimate_tokens(b):>5,}) {len(a):>8,} (~{estimate_tokens(a):>5,})"
              f" {len(a) / len(b):>11.2f}")
    print(f"\nhidden tools ({sum(tool_tokens.values()):,} tokens): "
          + ", ".join(f"{n} {t:,}" for n, t in tool_tokens.items()))
    print(f"skill descriptions ({sum(skill_tokens.values()):,} tokens): "
          + ", ".join(f"{n} {t:,}" for n, t in skill_tokens.items()))
    plugin = first_request({}, with_ctxlean=True)
    added = {"tools": block_sum(plugin, only_tools=True), "total": block_sum(plugin) - block_sum(plain)}
    print(f"\nthe ctxlean plugin adds {added['total']:,} tokens per request ({added['tools']:,} of them its MCP "
          "tools' definitions; the rest its agents, skill and instructions in the listings)")
    if left or described:
        print(f"NOT hidden by the lean settings: tools {left}, skill descriptions {described}", file=sys.stderr)
    if args.write_data:
        data = {
            "about": "Tokens (ctxlean.tokens.estimate_tokens) each item adds to every Claude Code request: an "
                     "optional tool's definition, a bundled skill's description in the skills listing; and "
                     "what the ctxlean plugin adds (ctxlean_plugin: its MCP tools' definitions, and in all). "
                     "Measured by benchmarks/lean_prefix.py --write-data.",
            "claude_code_version": claude_version(),
            "tools": tool_tokens,
            "skills": skill_tokens,
            "ctxlean_plugin": added,
        }
        DATA_FILE.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {DATA_FILE.relative_to(ROOT)}")
    return 1 if left or described else 0


if __name__ == "__main__":
    sys.exit(main())
