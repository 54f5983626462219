"""The fleet store: PostgreSQL against the local SQLite store, as ratios measured in one run.

    .venv/bin/python benchmarks/fleet_store.py [--rounds 15]

Prints, PostgreSQL vs SQLite on the same payloads:
- offload: wall time of the PostToolUse hook as Claude Code runs it (the plugin's shim, `-S` Python) storing
  one real tool output, medians over interleaved rounds;
- fetch: fetch_detail with lines= and with grep= on an open store (the MCP server keeps one), medians;
- throughput: 8 processes offloading 8 payloads each at once, each put on a connection of its own as a
  hook's is: payloads/s and MB/s;
- fail-open: the hook against a server that accepts connections and never answers, next to the connect
  timeout (store_connect_timeout_s, default 2 s).

The PostgreSQL server is a throwaway cluster on 127.0.0.1 (tests/pg_cluster.py), durable (fsync on, as a
team's server would be) and reached over TCP. The payloads are real outputs of real tools on this machine:
`ls -laR` of directories under /usr/lib, /usr/share and /usr/include, and `git show` of this repository's
commits, each as the tool printed it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "reliability")]
SHIM = ROOT / "plugin" / "bin" / "ctxlean-shim"
WRITERS, PER_WRITER = 8, 8

from pg_cluster import Cluster  # noqa: E402
from reliability_support import bash_persisted_event  # noqa: E402


def real_outputs(count: int, smallest: int = 20_000, largest: int = 6 << 20) -> list[tuple[str, bytes]]:
    """(command, output) of real tools on this machine, distinct, between smallest and largest bytes."""
    found: list[tuple[str, bytes]] = []
    for base in ["/usr/lib", "/usr/share", "/usr/include"]:
        for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            path = os.path.join(base, name)
            if os.path.isdir(path) and not os.path.islink(path):
                found.append((f"ls -laR {path}", subprocess.run(["ls", "-laR", path], capture_output=True).stdout))
    commits = subprocess.run(["git", "-C", str(ROOT), "rev-list", "HEAD"], capture_output=True, text=True).stdout
    for commit in commits.split():
        command = ["git", "-C", str(ROOT), "show", "--stat", "-p", commit]
        found.append((f"git show --stat -p {commit[:12]}", subprocess.run(command, capture_output=True).stdout))
    chosen = [(c, out) for c, out in found if smallest <= len(out) <= largest]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} real outputs of {smallest:,}-{largest:,} bytes here; need {count}")
    return chosen[:count]


def timed(cmd: list[str], stdin: bytes, env: dict) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=True)
    return time.perf_counter() - start, proc.stdout


def ratio_line(name: str, sqlite: list[float], pg: list[float], unit: str = "ms", scale: float = 1000) -> str:
    a, b = statistics.median(sqlite), statistics.median(pg)
    return f"{name:<42} {a * scale:>10.1f} {b * scale:>12.1f} {unit:<4} {b / a:>7.2f}x"


def bench_offload(rounds: int, payloads, stores: dict, tmp: Path, env: dict) -> dict[str, list[float]]:
    hook = ["sh", str(SHIM), "hook", "post-tool-use"]
    samples: dict[str, list[float]] = {name: [] for name in stores}
    for r in range(rounds):
        command, data = payloads[r]
        for name, location in stores.items():
            project = tmp / f"offload-{name}"
            project.mkdir(exist_ok=True)
            event, _ = bash_persisted_event(tmp / f"out-{name}-{r}.txt", data.decode("utf-8", "replace"), str(project))
            seconds, out = timed(hook, json.dumps(event).encode(), {**env, "CTXLEAN_STORE": location})
            assert b"stored out of band" in out, f"{name} did not offload {command}: {out[:200]!r}"
            samples[name].append(seconds)
    return samples


def bench_fetch(payloads, stores: dict, repeats: int) -> dict[str, dict[str, list[float]]]:
    from ctxlean.mcp_server.fetch import fetch_detail
    from ctxlean.store import open_store

    samples: dict[str, dict[str, list[float]]] = {"lines": {}, "grep": {}}
    for name, location in stores.items():
        with open_store(location if "://" in location else Path(location) / "store.sqlite3") as store:
            handles = [store.put(data, project="/fetch", tool="Bash", kind="text", description=command).handle
                       for command, data in payloads]
            for kind, args in (("lines", {"lines": "200-260"}), ("grep", {"grep": "rw-r--r--|^diff "})):
                times = samples[kind].setdefault(name, [])
                for _ in range(repeats):
                    for handle in handles:
                        start = time.perf_counter()
                        fetch_detail(store, "/fetch", handle, **args)
                        times.append(time.perf_counter() - start)
    return samples


_WRITER = """
import sys, time
from ctxlean.store import open_store
paths = sys.argv[2:]
while not __import__("os").path.exists(sys.argv[1]):
    time.sleep(0.001)
for path in paths:
    data = open(path, "rb").read()
    with open_store() as store:
        info = store.put(data, project="/throughput", tool="Bash", kind="text", description=path)
        store.record_offload(project="/throughput", session_id="bench", agent_id=None, tool="Bash",
                             handle=info.handle, original_tokens=len(data) // 4, summary_tokens=300)
"""


def bench_throughput(payloads, location: str, tmp: Path, env: dict) -> tuple[float, float]:
    """(payloads/s, MB/s) with WRITERS processes storing PER_WRITER payloads each at once."""
    files = []
    for i, (_, data) in enumerate(payloads[:WRITERS * PER_WRITER]):
        path = tmp / f"through-{i}.out"
        path.write_bytes(data)
        files.append(str(path))
    go = tmp / f"go-{time.monotonic_ns()}"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(go), *files[w::WRITERS]],
                              env={**env, "CTXLEAN_STORE": location}) for w in range(WRITERS)]
    time.sleep(1.5)  # every writer imported and waiting
    start = time.perf_counter()
    go.touch()
    for proc in procs:
        assert proc.wait() == 0
    wall = time.perf_counter() - start
    total = sum(len(data) for _, data in payloads[:WRITERS * PER_WRITER])
    return len(files) / wall, total / wall / 1e6


def bench_fail_open(tmp: Path, env: dict, payload: bytes) -> float:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        project = tmp / "fail-open"
        project.mkdir(exist_ok=True)
        event, _ = bash_persisted_event(tmp / "fail-open.txt", payload.decode("utf-8", "replace"), str(project))
        url = f"postgresql://ctxlean@127.0.0.1:{listener.getsockname()[1]}/postgres"
        seconds, out = timed(["sh", str(SHIM), "hook", "post-tool-use"], json.dumps(event).encode(),
                             {**env, "CTXLEAN_STORE": url})
        assert out == b"", "the hook answered against a silent server"
        return seconds
    finally:
        listener.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    payloads = real_outputs(max(args.rounds, WRITERS * PER_WRITER))
    cluster = Cluster(durable=True).start()
    version = cluster.version
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            data = tmp / "plugin-data"
            env = {**os.environ, "CLAUDE_PLUGIN_DATA": str(data), "HOME": tmp_name, "PYTHONPATH": str(ROOT / "src")}
            subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                           env=env, check=True)

            def stores(tag: str) -> dict[str, str]:
                cluster.create_database(f"bench_{tag}")
                return {"sqlite": str(tmp / f"sqlite-{tag}"), "postgresql": cluster.url(f"bench_{tag}", tcp=True)}

            offload = bench_offload(args.rounds, payloads, stores("offload"), tmp, env)
            fetch = bench_fetch(payloads[:5], stores("fetch"), repeats=4)
            through = {name: bench_throughput(payloads, location, tmp, env)
                       for name, location in stores("throughput").items()}
            fail_open = bench_fail_open(tmp, env, payloads[0][1])
    finally:
        cluster.destroy()

    sizes = [len(data) for _, data in payloads[:args.rounds]]
    print(f"PostgreSQL {version} on 127.0.0.1 (TCP, fsync on) vs SQLite (WAL), one run, {os.cpu_count()} cores")
    print(f"{'':<42} {'SQLite':>10} {'PostgreSQL':>12} {'':<4} {'PG/SQLite':>8}")
    print(ratio_line(f"offload hook ({args.rounds} outputs, median {statistics.median(sizes) / 1e3:.0f} KB)",
                     offload["sqlite"], offload["postgresql"]))
    print(ratio_line("fetch_detail lines= (open store)", fetch["lines"]["sqlite"], fetch["lines"]["postgresql"]))
    print(ratio_line("fetch_detail grep= (open store)", fetch["grep"]["sqlite"], fetch["grep"]["postgresql"]))
    (sp, smb), (pp, pmb) = through["sqlite"], through["postgresql"]
    total = sum(len(d) for _, d in payloads[:WRITERS * PER_WRITER]) / 1e6
    print(f"{f'{WRITERS} writers x {PER_WRITER} puts ({total:.0f} MB)':<42} {sp:>10.1f} {pp:>12.1f} {'/s':<4} "
          f"{pp / sp:>7.2f}x   ({smb:.1f} vs {pmb:.1f} MB/s)")
    print(f"fail-open against a silent server: {fail_open:.2f} s (connect timeout 2 s)")
    tools = sorted({" ".join(command.split()[:2]) for command, _ in payloads})
    print(f"payloads: {len(payloads)} real outputs of {', '.join(tools)} on this machine")


if __name__ == "__main__":
    main()
