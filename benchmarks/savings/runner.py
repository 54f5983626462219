"""One trajectory, one setup ("arm"), one real Claude Code session against the fake API with prompt caching
simulated; returns what the model received and what it cost.

Arms: "none" (Claude Code as installed), "ctxlean" (installed with `ctxlean install --lean` into the
session's HOME, as the README recommends; `--project --lean` for a long session, as the README tells a
team, so Claude Code compacts at the budget), "ctxlean-no-lean" (the same without `--lean`: what the lean
prefix adds is the difference), "context-mode" (the npm package's Claude Code plugin, installed with
`claude plugin` from the package directory into the session's HOME). Every arm gets the same HOME
settings and workspace copy.

What one run leaves in its directory (kept with `bench.py --keep DIR`, as DIR/<trajectory>/<arm>/):
`work/` (the workspace after the session), `home/` (the session's HOME: Claude Code's transcript
`home/.claude/projects/<cwd>/<session>.jsonl` with its `<session>/tool-results/`, and the plugin's data),
and `requests.jsonl` (every request the fake API received, bodies included).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from agent import CM, FETCH_DETAIL, Agent, Trajectory

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.cache import ManualClock, PromptCache
from ctxlean.fakeapi.claude import claude_env, claude_executable, install_ctxlean, run_claude
from ctxlean.fakeapi.script import (
    COMPACTION_MARK,
    last_user_text,
    reply,
    text,
    tool_result_text,
    tool_results,
    tool_use_names,
)
from ctxlean.usage import pricing

ARMS = ("none", "ctxlean", "ctxlean-no-lean", "context-mode")
# The WebFetch tool sends the page to a small model with the user's prompt: that request is answered here.
WEB_DIGEST_MARK = "Web page content:"
DIGEST_CHARS = 1500
LOOKUP_TOOLS = (FETCH_DETAIL, CM + "ctx_search", CM + "ctx_execute")


@dataclass
class Run:
    trajectory: str
    arm: str
    rc: int
    complete: bool  # every needle captured with its planted value, and no Edit made blind
    needles_in_log: bool  # and each planted value appears in what the model received (any request)
    follow_ups: int  # lookups made because a needle or an Edit's old_string was not in front of the model
    edit_lookups: int  # of which for an Edit's old_string
    blind_edits: int  # Edits made although their old_string never reached the model
    fetch_detail_calls: int  # calls of ctxlean's fetch_detail
    lookup_tool_calls: int  # calls of the setup's look-up tools: fetch_detail; ctx_search, ctx_execute
    retries: int  # calls repeated because the setup's MCP server went away
    compactions: int  # compaction requests the model answered
    cost: float  # USD, every request priced with ctxlean's pricing data
    requests: list[dict]  # per model request: kind ("main", "compaction" or "web-digest"), retry (it repeated
    # a call), model, clock time, usage
    plugin_tools: list[str]  # the plugin MCP tools offered to the model (any request)
    tools_used: dict[str, int]  # tool name -> calls the model made (over every request, compactions included)
    wall: float
    captures: dict
    transcripts: list[str]  # Claude Code's transcripts of the session, relative to the run's directory
    error: str = ""


def web_digest(req) -> dict:
    """What WebFetch's small model answers: the page lines that mention the prompt's words (bounded)."""
    body = last_user_text(req.body)
    page, _, prompt = body.partition(WEB_DIGEST_MARK)[2].rpartition("\n---")
    words = {w.lower() for w in prompt.replace(",", " ").split() if len(w) > 3}
    hits = [line for line in page.splitlines() if words & set(line.lower().split())]
    return reply(text("From the page:\n" + "\n".join(hits)[:DIGEST_CHARS]))


def install_context_mode(home: Path, workdir: Path, env: dict[str, str], package: Path) -> None:
    """The plugin from the npm package's own marketplace manifest, with Claude Code's plugin commands."""
    claude = claude_executable()
    for args in (["marketplace", "add", str(package)], ["install", "context-mode@context-mode"]):
        subprocess.run([claude, "plugin", *args], cwd=workdir, env=env, check=True, capture_output=True,
                       timeout=300)


def prepare_home(home: Path) -> None:
    home.mkdir(parents=True)
    # Offline, WebFetch's domain check against claude.ai cannot run; users behind firewalls set this.
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text(json.dumps({"skipWebFetchPreflight": True}))


def _calls(bodies: list[dict]) -> dict[str, int]:
    """Tool name -> how often the model called it, over every request of the session (a compaction drops
    earlier turns from later requests, so each request adds the calls it has, by tool_use id)."""
    names: dict[str, str] = {}
    for body in bodies:
        names.update(tool_use_names(body))
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return counts


def _received(bodies: list[dict]) -> str:
    """Every tool result the model received in the session, each once."""
    texts = {b.get("tool_use_id"): tool_result_text(b) for body in bodies for b in tool_results(body)}
    return "\n".join(texts.values())


def _install_args(trajectory: Trajectory, arm: str) -> list[str]:
    return [*(["--project"] if trajectory.long else []), *(["--lean"] if arm == "ctxlean" else [])]


def run_arm(trajectory: Trajectory, arm: str, base: Path, scratch: Path, *, pages: FakeAnthropic,
            cert: Path, context_mode_package: Path | None = None) -> Run:
    workdir, home = scratch / "work", scratch / "home"
    shutil.copytree(base, workdir, symlinks=True)
    prepare_home(home)
    clock = ManualClock()
    cache = PromptCache(min_cacheable_tokens=pricing.min_cacheable_tokens, clock=clock)

    def usage(body: dict, blocks: list[dict]) -> dict:
        counted = cache(body, blocks)
        kind = ("web-digest" if WEB_DIGEST_MARK in last_user_text(body)
                else "compaction" if COMPACTION_MARK in last_user_text(body) else "main")
        cache.history[-1].update(kind=kind, retry=kind == "main" and agent.retried)
        return counted

    agent = Agent(trajectory, arm, clock, str(workdir))
    script = Script([Rule("web-digest", match=lambda req: WEB_DIGEST_MARK in last_user_text(req.body),
                          respond=web_digest),
                     Rule("agent", respond=agent.respond)])
    pages.pages.clear()
    pages.pages.update(trajectory.pages)
    # The benchmark's own interpreter (with pytest) comes first on the session's PATH.
    extra = {"NODE_EXTRA_CA_CERTS": str(cert), "CURL_CA_BUNDLE": str(cert),
             "GIT_AUTHOR_NAME": "bench", "GIT_COMMITTER_NAME": "bench",
             "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
             "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
             **trajectory.env}
    with ExitStack() as stack:
        if trajectory.service:
            extra.update(stack.enter_context(trajectory.service(workdir, home)))
        api = stack.enter_context(FakeAnthropic(script, usage=usage, log_path=scratch / "requests.jsonl"))
        env = claude_env(home, api.url, extra)
        if arm.startswith("ctxlean"):
            install_ctxlean(home, workdir, *_install_args(trajectory, arm)).check_returncode()
        elif arm == "context-mode":
            install_context_mode(home, workdir, env, context_mode_package)
        result = run_claude(trajectory.prompt, home=home, cwd=workdir, base_url=api.url, timeout=1800, env=extra)
        bodies = [r["body"] for r in api.model_requests()]
    main = [b for b in bodies if b.get("tools") and WEB_DIGEST_MARK not in last_user_text(b)]
    received = _received(main)
    reached = all(any(v in received for v in (n.expected, *n.also)) for n in trajectory.needles())
    used = _calls(main)
    offered = {t["name"] for b in main for t in b.get("tools") or [] if t.get("name", "").startswith("mcp__plugin_")}
    return Run(trajectory.name, arm, result.rc, agent.complete(),
               reached, agent.follow_ups, agent.edit_lookups,
               len(agent.blind_edits), used.get(FETCH_DETAIL, 0), sum(used.get(name, 0) for name in LOOKUP_TOOLS),
               agent.retries, agent.compactions,
               round(sum(pricing.cost_usd(r["model"], r["usage"]) for r in cache.history), 6), cache.history,
               sorted(offered), used, result.wall, {k: v for k, v in agent.captures.items() if k != "cwd"},
               sorted(str(p.relative_to(scratch)) for p in (home / ".claude" / "projects").rglob("*.jsonl")),
               "" if result.rc == 0 else (result.stderr or "")[-2000:])


def context_mode_package(prefix: Path) -> Path:
    """context-mode installed the way its non-marketplace users install it (`npm install -g`), into a
    benchmark-local prefix; returns the package dir (it carries its Claude Code marketplace manifest)."""
    package = prefix / "lib" / "node_modules" / "context-mode"
    if not (package / ".claude-plugin" / "marketplace.json").is_file():
        # Its postinstall edits ~/.claude: point HOME elsewhere, but keep the user's npm settings (nodedir:
        # better-sqlite3 is compiled against local Node headers when its prebuilt binary cannot be fetched).
        env = dict(os.environ, HOME=str(prefix / "home"),
                   npm_config_userconfig=os.path.expanduser("~/.npmrc"))
        subprocess.run(["npm", "install", "-g", "--prefix", str(prefix), "context-mode"], env=env, check=True,
                       capture_output=True, timeout=1200)
    return package
