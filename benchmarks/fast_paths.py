"""The fast paths of issue 17, every row measured as a ratio within this one run (cases interleaved round by
round, medians), on real outputs made here by real tools:

- `claude -p hi` with the plugin / without (the real CLI against the fake API): the plugin as installed
  (relay to the warm fork server), its first session (the fork server cold), `--direct` (the server
  imported in the session's own process, as before), and the floor: the plugin without its MCP server;
- `ctxlean mcp` start to `tools/list` answered, the same ways, against a stdlib stand-in;
- fetch_detail grep= on a 50 MB payload (`grep -rn` over site-packages) against decompress + regex;
- fetch_detail jsonpath= on a 20 MB JSON (`ruff --output-format json` over site-packages) against
  decompress + parse;
- PostToolUse 1 MB offload (`git log -p` of this repository, persisted by Claude Code's rules) and
  pass-through against bare `python -c pass`, with where the offload's time goes (summarize/ imports and
  work, masking, the store);
- a whole trajectory of the savings benchmark through the real CLI, ctxlean / no plugin.

    .venv/bin/python benchmarks/fast_paths.py [--rounds 7] [--trajectory-rounds 3] [--only ROW ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks" / "savings")]  # this checkout's ctxlean

from ctxlean.fakeapi import FakeAnthropic, Rule, Script  # noqa: E402
from ctxlean.fakeapi.claude import claude_env, claude_executable, install_ctxlean, isolate_network, run_claude  # noqa: E402
from ctxlean.fakeapi.script import reply, text  # noqa: E402

SHIM = ROOT / "plugin" / "bin" / "ctxlean-shim"
SITE = Path(sys.executable).resolve().parents[1] / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" \
    / "site-packages"
ROWS = ("start", "mcp", "grep", "jsonpath", "hook", "trajectory")
TARGETS = {"start": "<= 1.3x", "mcp": "<= 150 ms", "grep": "<= 0.3 s", "jsonpath": "<= 1 s",
           "hook": "<= 6x", "trajectory": "<= 1.15x"}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def interleave(cases: dict, rounds: int) -> dict[str, list[float]]:
    """Each case's seconds per round, the cases run in turn within every round."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(rounds):
        for name, run in cases.items():
            times[name].append(run(r))
    return times


def end_forkservers(run_dir: Path) -> None:
    """The fork servers whose sockets live under run_dir: their pid is in the lock file beside the socket."""
    for lock in (run_dir / "ctxlean").glob("*.lock") if (run_dir / "ctxlean").is_dir() else ():
        try:
            os.kill(int(lock.read_text().strip()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass


# -- session start ------------------------------------------------------------------------------------

def floor_plugin(tmp: Path, home: Path, work: Path) -> None:
    """The plugin as it is, minus its MCP server, installed with Claude Code's own commands."""
    market = tmp / "floor-market"
    shutil.copytree(ROOT / ".claude-plugin", market / ".claude-plugin")
    shutil.copytree(ROOT / "plugin", market / "plugin")
    (market / "plugin" / ".mcp.json").unlink()
    env = claude_env(home, "http://127.0.0.1:9")
    for args in (["marketplace", "add", str(market)], ["install", "ctxlean@ctxlean"]):
        subprocess.run([claude_executable(), "plugin", *args], cwd=work, env=env, check=True, capture_output=True,
                       timeout=300)
    data = home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean"
    subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "CLAUDE_PLUGIN_DATA": str(data)}, check=True)


def row_start(tmp: Path, rounds: int) -> list[tuple]:
    homes = {name: tmp / f"home-{name}" for name in ("none", "plugin", "floor")}
    work = tmp / "work-start"
    for path in (*homes.values(), work):
        path.mkdir()
    install_ctxlean(homes["plugin"], work).check_returncode()
    floor_plugin(tmp, homes["floor"], work)
    script = Script([Rule("hi", respond=reply(text("hi")))])
    with FakeAnthropic(script) as api:
        def session(home: Path, env: dict | None = None) -> float:
            run = run_claude("hi", home=home, cwd=work, base_url=api.url, env=env)
            assert run.rc == 0 and run.result and run.result.get("result") == "hi", run.stderr[-500:]
            return run.wall

        def cold(r: int) -> float:
            run_dir = tmp / f"run-start-{r}"
            run_dir.mkdir(mode=0o700)
            try:
                return session(homes["plugin"], {"XDG_RUNTIME_DIR": str(run_dir)})
            finally:
                end_forkservers(run_dir)

        session(homes["plugin"])  # the fork server a user's earlier session left running
        times = interleave({"no plugin": lambda r: session(homes["none"]),
                            "plugin without its MCP server (floor)": lambda r: session(homes["floor"]),
                            "plugin (relay, warm fork server)": lambda r: session(homes["plugin"]),
                            "plugin, first session (fork server cold)": cold,
                            "plugin, --direct (mcp imported per session)":
                                lambda r: session(homes["plugin"], {"CTXLEAN_MCP_DIRECT": "1"})}, rounds)
    base = statistics.median(times["no plugin"])
    return [("start", f"`claude -p hi`: {name} / no plugin", f"{statistics.median(t) / base:.2f}x",
             f"{median_ms(t):.0f} ms") for name, t in times.items() if name != "no plugin"]


# -- ctxlean mcp start --------------------------------------------------------------------------------

STAND_IN = ("import json, sys\n"
            "for line in sys.stdin:\n"
            "    m = json.loads(line)\n"
            "    if 'id' in m:\n"
            "        print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': {'tools': []}}), flush=True)\n")


def to_tools_list(command: list[str], env: dict) -> float:
    """Seconds from starting `command` to its answer to tools/list, as Claude Code opens a session."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def send(message: dict) -> None:
        proc.stdin.write(json.dumps(message).encode() + b"\n")
        proc.stdin.flush()

    send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
          "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "b", "version": "1"}}})
    assert json.loads(proc.stdout.readline())["id"] == 0
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    answer = json.loads(proc.stdout.readline())
    seconds = time.perf_counter() - started
    assert "tools" in answer["result"], answer
    proc.stdin.close()
    proc.wait(timeout=60)
    return seconds


def row_mcp(tmp: Path, rounds: int) -> list[tuple]:
    warm_dir = tmp / "run-mcp"
    warm_dir.mkdir(mode=0o700)
    base_env = {"HOME": str(tmp), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                "PYTHONPATH": str(ROOT / "src"), "CTXLEAN_STORE": str(tmp / "store-mcp")}
    ctxlean = [sys.executable, "-S", "-c", "import sys; from ctxlean.cli import main; sys.exit(main())", "mcp"]

    def cold(r: int) -> float:
        run_dir = tmp / f"run-mcp-{r}"
        run_dir.mkdir(mode=0o700)
        try:
            return to_tools_list(ctxlean, {**base_env, "XDG_RUNTIME_DIR": str(run_dir)})
        finally:
            end_forkservers(run_dir)

    warm_env = {**base_env, "XDG_RUNTIME_DIR": str(warm_dir)}
    to_tools_list(ctxlean, warm_env)
    try:
        stand_in = [sys.executable, "-S", "-c", STAND_IN]
        times = interleave({"stdlib stand-in": lambda r: to_tools_list(stand_in, base_env),
                            "relay, warm fork server": lambda r: to_tools_list(ctxlean, warm_env),
                            "relay, fork server cold": cold,
                            "--direct": lambda r: to_tools_list(ctxlean + ["--direct"], base_env)}, rounds)
    finally:
        end_forkservers(warm_dir)
    base = statistics.median(times["stdlib stand-in"])
    return [("mcp", f"`ctxlean mcp` start to tools/list: {name}", f"{median_ms(t):.0f} ms",
             f"{statistics.median(t) / base:.1f}x the stand-in") for name, t in times.items()]


# -- fetch_detail ---------------------------------------------------------------------------------------

def real_output(command: str, limit: int, cwd: Path = ROOT) -> bytes:
    """What `command` prints (its first `limit` bytes, cut at a line end), run here through sh."""
    out = subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, check=False).stdout[:limit]
    return out[:out.rfind(b"\n") + 1]


def row_fetch(tmp: Path, rounds: int, only: set[str]) -> list[tuple]:
    from ctxlean.mcp_server.fetch import fetch_detail
    from ctxlean.store import open_store

    rows = []
    with open_store(tmp / "store-fetch" / "store.sqlite3") as store:
        if "grep" in only:
            command = f"grep -rn -e 'def ' -e 'class ' -e 'raise ' {SITE}"
            data = real_output(command, 50 << 20)
            handle = store.put(data, project="/bench", tool="Bash", kind="grep", description="grep -rn").handle
            pattern = r"raise \w+Error\("

            def floor(r: int) -> float:
                started = time.perf_counter()
                regex = re.compile(pattern.encode())
                for _, raw in store.iter_chunks(handle, "/bench"):
                    regex.findall(raw)
                return time.perf_counter() - started

            def grep(r: int) -> float:
                started = time.perf_counter()
                fetch_detail(store, "/bench", handle, grep=pattern, page=40, timeout_s=60)
                return time.perf_counter() - started

            times = interleave({"floor": floor, "fetch": grep}, rounds)
            shown = command.replace(str(SITE), "site-packages")
            rows.append(("grep", f"fetch_detail grep= page 40 on {len(data) / 1e6:.0f} MB (`{shown} | head -c 50M`) "
                         "/ decompress + regex", f"{median_ms(times['fetch']) / 1000:.2f} s",
                         f"{statistics.median(times['fetch']) / statistics.median(times['floor']):.1f}x "
                         f"(floor {median_ms(times['floor']) / 1000:.2f} s)"))
        if "jsonpath" in only:
            import orjson

            folders = " ".join(str(SITE / name) for name in ("pydantic", "anyio", "mcp", "starlette", "hypothesis",
                                                                "httpx2", "uvicorn", "_pytest"))
            ruff = Path(sys.executable).parent / "ruff"
            data = subprocess.run([str(ruff), "check", "--select", "ALL", "--output-format", "json", "--no-cache",
                                   "--exit-zero", "--isolated", *folders.split()], capture_output=True,
                                  check=True).stdout
            orjson.loads(data)
            handle = store.put(data, project="/bench", tool="Bash", kind="json", description="ruff json").handle
            query = "$[?@.code=='NO-SUCH-RULE'].filename"  # matches nothing: the whole document is filtered

            def parse(r: int) -> float:
                started = time.perf_counter()
                orjson.loads(store.read_bytes(handle, "/bench"))
                return time.perf_counter() - started

            def jsonpath(r: int) -> float:
                started = time.perf_counter()
                out = fetch_detail(store, "/bench", handle, jsonpath=query, timeout_s=60)
                assert "\n1: []" in out, out[:300]
                return time.perf_counter() - started

            times = interleave({"floor": parse, "fetch": jsonpath}, rounds)
            rows.append(("jsonpath", f"fetch_detail jsonpath=\"{query}\" on {len(data) / 1e6:.0f} MB "
                         "(`ruff check --select ALL --output-format json` over 8 packages) / decompress + parse",
                         f"{median_ms(times['fetch']) / 1000:.2f} s",
                         f"{statistics.median(times['fetch']) / statistics.median(times['floor']):.1f}x "
                         f"(floor {median_ms(times['floor']) / 1000:.2f} s)"))
    return rows


# -- the offload hook ---------------------------------------------------------------------------------

PHASES = r"""
import json, sys, time
marks = [time.perf_counter()]
def mark():
    marks.append(time.perf_counter())
import ctxlean.summarize.registry; mark()
from ctxlean.summarize import Payload, summarize
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
summarize(Payload(text=text, tool="Bash", tool_input={"command": "git log -p"}, size=len(text)), 300); mark()
from ctxlean import redact
redact.mask(text[:2 << 20]); mark()
print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))
"""


def hook_event(session_dir: Path, transcript: Path, cwd: Path, stdout: str, persisted: Path | None) -> bytes:
    response = {"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False, "noOutputExpected": False}
    if persisted:
        response.update(persistedOutputPath=str(persisted), persistedOutputSize=persisted.stat().st_size)
    return json.dumps({"session_id": session_dir.name, "transcript_path": str(transcript), "cwd": str(cwd),
                       "hook_event_name": "PostToolUse", "tool_name": "Bash",
                       "tool_input": {"command": "git log -p", "description": "history"},
                       "tool_response": response, "tool_use_id": "toolu_bench"}).encode()


def row_hook(tmp: Path, rounds: int) -> list[tuple]:
    data_dir = tmp / "plugin-data"
    env = {**os.environ, "CLAUDE_PLUGIN_DATA": str(data_dir), "HOME": str(tmp)}
    for name in ("CTXLEAN_STORE", "XDG_RUNTIME_DIR"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                   env={**env, "PYTHONPATH": str(ROOT / "src")}, check=True)
    project = tmp / "project"
    session = project / ".claude-session" / "bench-session"
    results = session / "tool-results"
    results.mkdir(parents=True)
    transcript = session.with_suffix(".jsonl")
    transcript.write_text("")
    hook = ["sh", str(SHIM), "hook", "post-tool-use"]
    outputs = []
    for r in range(rounds + 1):  # a payload of its own each round: a stored one would be linked, not written
        out = real_output(f"git log -p --skip={r}", 1 << 20)
        path = results / f"toolu_{r}.txt"
        path.write_bytes(out)
        outputs.append((out, path))
    small = hook_event(session, transcript, project, "3 passed in 0.12s\n", None)
    tokens = []

    def offload(r: int) -> float:
        out, path = outputs[r]
        started = time.perf_counter()
        shown = out[:30_000].decode("utf-8", "replace")  # Claude Code's cut of stdout
        done = subprocess.run(hook, input=hook_event(session, transcript, project, shown, path), capture_output=True,
                              env=env, check=True)
        seconds = time.perf_counter() - started
        replaced = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
        from ctxlean.tokens import estimate_tokens

        tokens.append(estimate_tokens(replaced))
        return seconds

    def timed(command: list[str], stdin: bytes) -> float:
        started = time.perf_counter()
        subprocess.run(command, input=stdin, capture_output=True, env=env, check=True)
        return time.perf_counter() - started

    def phases(r: int) -> float:
        done = subprocess.run([sys.executable, "-S", "-c", PHASES, str(outputs[r][1])], capture_output=True,
                              env={**env, "PYTHONPATH": str(ROOT / "src")}, check=True)
        phase_times.append(json.loads(done.stdout))
        return 0.0

    phase_times: list[list[float]] = []
    offload(rounds)  # the store created, as a user's first session did long ago
    # In a session the plugin's MCP server runs beside the hooks and keeps the store open.
    server = subprocess.Popen(["sh", str(SHIM), "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                              cwd=project)
    try:
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "b", "version": "1"}}}).encode()
            + b"\n")
        server.stdin.flush()
        server.stdout.readline()
        time.sleep(1.0)  # its store connection opens in the background
        times = interleave({"python -c pass": lambda r: timed([sys.executable, "-c", "pass"], b""),
                            "pass-through": lambda r: timed(hook, small),
                            "1 MB offload": offload, "phases": phases}, rounds)
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    base = statistics.median(times["python -c pass"])
    offload_ms = median_ms(times["1 MB offload"])
    imports, work, mask = (statistics.median(p[i] for p in phase_times) * 1000 for i in range(3))
    return [("hook", "PostToolUse 1 MB offload (`git log -p`, persisted as Claude Code persists it) / "
             "`python -c pass`", f"{statistics.median(times['1 MB offload']) / base:.1f}x",
             f"{offload_ms:.0f} ms vs {base * 1000:.0f} ms; the model gets ~{statistics.median(tokens):.0f} tokens"),
            ("hook", "PostToolUse pass-through / `python -c pass`",
             f"{statistics.median(times['pass-through']) / base:.1f}x", f"{median_ms(times['pass-through']):.0f} ms"),
            ("hook", "of the 1 MB offload: summarize/ imports, summarize work, masking the index head",
             f"{imports:.0f} + {work:.0f} + {mask:.0f} ms",
             f"{(imports + work) / offload_ms:.0%} of it is summarize/ (in a separate process, same payload)")]


# -- a whole trajectory ---------------------------------------------------------------------------------

def row_trajectory(tmp: Path, rounds: int, names: list[str]) -> list[tuple]:
    from runner import run_arm
    from trajectories import build_workspace

    from ctxlean.fakeapi.tls import self_signed_cert

    rows = []
    cert, key = self_signed_cert(tmp)
    with FakeAnthropic(Script([]), tls=(cert, key)) as pages:
        for name in names:
            base = tmp / f"traj-{name}" / "base"
            trajectory = build_workspace(name, base, {"pages": pages.https_url})

            def arm(which: str, trajectory=trajectory, base=base, name=name):
                def run(r: int) -> float:
                    done = run_arm(trajectory, which, base, tmp / f"traj-{name}" / f"{which}-{r}", pages=pages,
                                   cert=cert)
                    assert done.rc == 0 and done.complete, (name, which, done.error)
                    return done.wall
                return run

            times = interleave({"none": arm("none"), "ctxlean": arm("ctxlean")}, rounds)
            rows.append(("trajectory", f"savings trajectory `{name}` through the real CLI: ctxlean / no plugin",
                         f"{statistics.median(times['ctxlean']) / statistics.median(times['none']):.2f}x",
                         f"{statistics.median(times['ctxlean']):.1f} s vs {statistics.median(times['none']):.1f} s"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--trajectory-rounds", type=int, default=3)
    parser.add_argument("--trajectories", default="fix_tests,log_triage")
    parser.add_argument("--only", nargs="*", choices=ROWS, default=list(ROWS))
    args = parser.parse_args()
    only = set(args.only)
    isolated = isolate_network()
    rows: list[tuple] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ctxlean-fast-") as tmp:
        tmp = Path(tmp)
        for row, measure in (("start", lambda: row_start(tmp, args.rounds)), ("mcp", lambda: row_mcp(tmp, args.rounds)),
                             ("fetch", lambda: row_fetch(tmp, args.rounds, only)),
                             ("hook", lambda: row_hook(tmp, args.rounds)),
                             ("trajectory", lambda: row_trajectory(tmp, args.trajectory_rounds,
                                                                   args.trajectories.split(",")))):
            if row in only or (row == "fetch" and only & {"grep", "jsonpath"}):
                print(f"measuring {row} ...", file=sys.stderr, flush=True)
                rows += measure()
    print(f"\n{args.rounds} interleaved rounds ({args.trajectory_rounds} for trajectories), medians; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; network isolated: {isolated}; "
          f"{time.monotonic() - started:.0f} s\n")
    print("| row | what | figure | detail | target |\n|---|---|---:|---|---|")
    for row, what, figure, detail in rows:
        print(f"| {row} | {what} | {figure} | {detail} | {TARGETS[row]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
