"""64 hook processes offload at once into one store (as parallel subagents do) while fetch_detail reads
the same store in-process and through the real stdio MCP server: nothing lost, no lock error reaching
anyone, no duplicate rows."""

import asyncio
import os
import sys
import threading
import time

import pytest
from reliability_support import (
    SRC,
    bash_persisted_event,
    handle_of,
    hook_env,
    log_text,
    mcp_event,
    printed_handle,
    read_event,
    start_hook,
)

from ctxlean.mcp_server.fetch import fetch_detail, list_details, search_details
from ctxlean.store import HANDLE_RE, open_store

WRITERS = 64
HANG_GUARD_S = 1500  # the run took 300-500 s on a loaded 2-core machine; below the test's own timeout


def build_events(tmp_path, project):
    """Half the writers store the same 3 MB persisted Bash output; the rest distinct Read, MCP and big
    Bash outputs: [(event, payload)]."""
    shared = log_text(0, 3 << 20)
    events = [bash_persisted_event(tmp_path / f"shared{i}.txt", shared, project, f"s{i}") for i in range(32)]
    events += [read_event(log_text(100 + i, 80_000), project, f"r{i}") for i in range(16)]
    events += [mcp_event(log_text(200 + i, 120_000), project, f"m{i}") for i in range(8)]
    events += [bash_persisted_event(tmp_path / f"big{i}.txt", log_text(300 + i, (2 + i % 4) << 20), project, f"b{i}")
               for i in range(8)]
    return events


def first_lines(data: bytes, n: int = 3) -> list[str]:
    return [f"{i}: {line}" for i, line in enumerate(data.decode().splitlines()[:n], 1)]


def body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("[ctxlean]")]


def reader(project, expected, stop, errors, reads):
    """Reads whatever handles list_details shows, as fast as it can, until stop; every answer checked."""
    try:
        with open_store() as store:
            n = 0
            while not stop.is_set():
                for handle in HANDLE_RE.findall(list_details(store, project, limit=100)):
                    got = body(fetch_detail(store, project, handle, lines="1-3"))
                    if got != first_lines(expected[handle]):
                        errors.append(f"{handle}: {got[:1]}")
                    if n % 40 == 0:
                        fetch_detail(store, project, handle, grep="ERROR", page=2)
                        search_details(store, project, "compiled module_7.py")
                    n += 1
                    reads.append(handle)
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        errors.append(repr(exc))


async def scenario(tmp_path, project, events, expected):
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = hook_env(tmp_path / "store")
    server = StdioServerParameters(command=sys.executable, args=["-m", "ctxlean", "mcp"], cwd=project,
                                   env={**env, "CLAUDE_PROJECT_DIR": project})
    stop, errors, reads = threading.Event(), [], []
    mcp_checked, mcp_errors = set(), []
    threads = [threading.Thread(target=reader, args=(project, expected, stop, errors, reads), daemon=True)
               for _ in range(2)]
    procs = []
    try:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            for thread in threads:
                thread.start()
            procs = [start_hook(event, tmp_path, f"e{i}", env) for i, (event, _) in enumerate(events)]
            deadline = time.monotonic() + HANG_GUARD_S
            while any(p.poll() is None for p in procs) or len(mcp_checked) < len(expected):
                listing = await session.call_tool("list_details", {})
                for handle in set(HANDLE_RE.findall(listing.content[0].text)) - mcp_checked:
                    result = await session.call_tool("fetch_detail", {"handle": handle, "lines": "1-3"})
                    if result.is_error or body(result.content[0].text) != first_lines(expected[handle]):
                        mcp_errors.append(result.content[0].text[:200])
                    mcp_checked.add(handle)
                if time.monotonic() > deadline:  # a hang, not slowness: the guard is many times a loaded run
                    raise TimeoutError(f"writers still running after {HANG_GUARD_S} s: "
                                       f"{sum(p.poll() is None for p in procs)} of {len(procs)}")
                await asyncio.sleep(0.05)
    finally:  # whatever happened: the readers stop, the writers are gone
        stop.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    outputs = [(p.returncode, *p.communicate()) for p in procs]
    return outputs, errors, reads, mcp_checked, mcp_errors


@pytest.mark.timeout(1800)
def test_64_writers_and_readers_at_once_lose_nothing_and_duplicate_nothing(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    events = build_events(tmp_path, project)
    assert len(events) == WRITERS
    expected = {handle_of(data): data for _, data in events}
    assert len(expected) == 33  # 32 writers share one payload

    outputs, errors, reads, mcp_checked, mcp_errors = asyncio.run(scenario(tmp_path, project, events, expected))

    for returncode, _, stderr in outputs:
        assert (returncode, stderr) == (0, b"")
    printed = [printed_handle(stdout) for _, stdout, _ in outputs]
    assert printed == [handle_of(data) for _, data in events]  # every writer handed its payload's handle
    assert not errors and not mcp_errors and reads
    assert mcp_checked == set(expected)
    with open_store() as store:
        for handle, data in expected.items():
            assert store.read_bytes(handle, project) == data
        db = store.db
        blobs = db.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM blobs WHERE complete = 1").fetchone()
        assert blobs == (33, 33)
        assert db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM payloads").fetchone() == (33,)
        assert db.execute("SELECT COUNT(*) FROM payload_fts").fetchone() == (33,)
        assert db.execute("SELECT COUNT(*) FROM ledger").fetchone() == (WRITERS,)  # one saving per offload
    assert not (tmp_path / "store" / "errors.log").exists()  # no lock error, nor any other, anywhere
    assert str(SRC) in os.environ["PYTHONPATH"]
