"""Worst latency of each MCP tool on a 1 GB store with hostile arguments (issue 15).

    python benchmarks/hostile_latency.py [--gb 1.0] [--data DIR] [--timeout 10]

The store holds real outputs of tools run on this machine (commands below; written once to --data and
reused): a file listing, disassemblies (every line has `mov`/`call`...), and the strings of the bundled
Claude Code binary (minified JavaScript: lines of megabytes). Each MCP tool is then called with the
arguments that hurt most (catastrophic regexes, a grep that never matches over the biggest payload, a
page deep into a long line, common words, repeated and overlong queries), in process and through the
real stdio server with 40 slow calls in flight. Prints each tool's worst time as a ratio of fetch_timeout_s.
Everything runs in a temporary store; nothing touches the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from ctxlean.mcp_server.fetch import FetchError, fetch_detail, list_details, search_details  # noqa: E402
from ctxlean.store import HandleError, open_store  # noqa: E402


def _claude_binary() -> str:
    import claude_agent_sdk

    return str(Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude")


def sources() -> list[tuple[str, str, int]]:
    """(name, shell command, cap in MB) of each real output."""
    return [
        ("find-ls", "find / -xdev -ls 2>/dev/null", 150),
        ("objdump-libpython", f"objdump -d {Path(sys.base_prefix) / 'lib' / 'libpython3.11.so.1.0'} 2>/dev/null", 250),
        ("objdump-llvm", "objdump -d /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1 2>/dev/null", 350),
        ("strings-claude", f"strings -n 6 {_claude_binary()}", 200),
        ("objdump-clang", "objdump -d /usr/lib/x86_64-linux-gnu/libclang-14.so.14.0.6 2>/dev/null", 250),
        ("objdump-z3", "objdump -d /usr/lib/x86_64-linux-gnu/libz3.so.4 2>/dev/null", 250),
    ]


def make_data(data: Path, total_bytes: int) -> list[Path]:
    data.mkdir(parents=True, exist_ok=True)
    files, have = [], 0
    for name, command, cap_mb in sources():
        if have >= total_bytes:
            break
        path = data / f"{name}.txt"
        if not path.exists():
            print(f"  running: {command} | head -c {cap_mb}M", file=sys.stderr, flush=True)
            subprocess.run(f"{command} | head -c {cap_mb << 20} > {path}.part", shell=True, check=False)
            os.replace(f"{path}.part", path)
        files.append(path)
        have += path.stat().st_size
    return files


def timed(fn, *args, **kwargs) -> tuple[float, str]:
    started = time.monotonic()
    try:
        out = fn(*args, **kwargs)
    except (HandleError, FetchError) as exc:
        out = f"error: {exc}"
    return time.monotonic() - started, out


def in_process(store, handles: dict[str, str], timeout: float) -> dict[str, list[tuple[float, str, str]]]:
    biggest = max(handles, key=lambda name: handles[name][1])
    h = {name: handle for name, (handle, _) in handles.items()}
    fetches = [
        ("grep (a+)+$", dict(handle=h["strings-claude"], grep="(a+)+$")),
        ("grep (.*a){20}", dict(handle=h["find-ls"], grep="(.*a){20}")),
        ("grep never matching, biggest payload", dict(handle=h[biggest], grep="zq9xj_never_there")),
        ("grep lookahead (line by line)", dict(handle=h[biggest], grep="(?=zq9xj)")),
        ("grep every line", dict(handle=h[biggest], grep=".")),
        ("page 5000 of a long-line payload", dict(handle=h["strings-claude"], page=5000)),
        ("lines near the end", dict(handle=h[biggest], lines="3000000-3000100")),
        ("page far past the end", dict(handle=h[biggest], page=10**12)),
        ("jsonpath on 350 MB of text", dict(handle=h[biggest], jsonpath="$..a")),
    ]
    searches = [("common word", "mov"), ("common words repeated", "mov " * 200), ("20 distinct words",
                " ".join(f"call{i} mov" for i in range(20))), ("996 characters", "r" * 996), ("rare", "zq9xj")]
    results: dict[str, list] = {"fetch_detail": [], "search_details": [], "list_details": []}
    for what, args in fetches:
        elapsed, out = timed(fetch_detail, store, "/bench", timeout_s=timeout, **args)
        results["fetch_detail"].append((elapsed, what, out.splitlines()[-1][:120]))
    for what, query in searches:
        elapsed, out = timed(search_details, store, "/bench", query, timeout_s=timeout)
        results["search_details"].append((elapsed, what, out.splitlines()[0][:120]))
    elapsed, out = timed(list_details, store, "/bench")
    results["list_details"].append((elapsed, "20 newest", out.splitlines()[0][:120]))
    return results


def through_server(store_dir: Path, cwd: str, handle: str, timeout: float) -> dict[str, float]:
    """40 slow greps in flight, then list_details and search_details: how long the fast calls waited."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = {**os.environ, "CTXLEAN_STORE": str(store_dir), "CTXLEAN_FETCH_TIMEOUT_S": str(timeout),
           "CLAUDE_PROJECT_DIR": "/bench", "PYTHONPATH": str(ROOT / "src")}

    async def run() -> dict[str, float]:
        server = StdioServerParameters(command=sys.executable, args=["-m", "ctxlean", "mcp"], cwd=cwd, env=env)
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()

            async def call(tool, args):
                started = time.monotonic()
                await session.call_tool(tool, args)
                return time.monotonic() - started

            slow = [asyncio.create_task(call("fetch_detail", {"handle": handle, "grep": "(a+)+$"})) for _ in range(40)]
            await asyncio.sleep(1.0)
            listing = await call("list_details", {})
            search = await call("search_details", {"query": "mov call"})
            waits = await asyncio.gather(*slow)
            return {"list_details with 40 slow greps in flight": listing,
                    "search_details with 40 slow greps in flight": search,
                    "slowest of the 40 slow greps": max(waits)}

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "ctxlean-hostile-data")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    files = make_data(args.data, int(args.gb * (1 << 30)))
    total = sum(f.stat().st_size for f in files)
    with tempfile.TemporaryDirectory(prefix="ctxlean-hostile-") as tmp:
        store_dir = Path(tmp) / "store"
        os.environ["CTXLEAN_STORE"] = str(store_dir)
        from ctxlean import redact

        started = time.monotonic()
        with open_store() as store:
            handles = {}
            for path in files:
                with open(path, "rb") as fh:
                    info = store.put(fh, project="/bench", tool="Bash", kind="text", description=path.stem,
                                     index_filter=redact.mask)
                handles[path.stem] = (info.handle, info.size)
            # the shape that made FTS5's snippet() take 55 s: 25 payloads of 30,000 lines, a word on every line
            # (`objdump -d ... | sed -n 'A,Bp'`: consecutive slices of the disassembly)
            with open(files[-1], "rb") as fh:
                for i in range(25):
                    piece = b"".join(fh.readline() for _ in range(30_000))
                    store.put(piece, project="/bench", tool="Bash", kind="text", description=f"slice {i}",
                              index_filter=redact.mask)
            print(f"store: {len(files)} payloads and 25 slices, {total / (1 << 30):.2f} GB of real tool output, "
                  f"stored in {time.monotonic() - started:.0f} s", flush=True)
            results = in_process(store, handles, args.timeout)
        with open_store() as store:
            bait = store.put(b"ok\n" * 50 + (b"a" * 40 + b"!\n") * 3, project="/bench", tool="Bash", kind="text",
                             description="bait").handle
        served = through_server(store_dir, tmp, bait, args.timeout)
    print(f"\nfetch_timeout_s = {args.timeout:g} s; times in seconds (ratio to the timeout)")
    for tool, rows in results.items():
        worst = max(rows)
        print(f"\n{tool}: worst {worst[0]:.2f} s ({worst[0] / args.timeout:.2f}x) on {worst[1]}")
        for elapsed, what, tail in rows:
            print(f"  {elapsed:7.2f} s  {what:<42} {tail}")
    print("\nthrough the real stdio server (4 fetch_detail slots; 40 greps that each run to the deadline):")
    for what, elapsed in served.items():
        print(f"  {elapsed:7.2f} s ({elapsed / args.timeout:.2f}x)  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
