"""The shared PostgreSQL store under load and faults, each case judged by what a later fetch returns:
64 writers on 8 processes lose nothing; a writer killed mid-payload leaves nothing served as complete;
the server restarting under load makes hooks fail open and the next call work; a server that does not
answer costs a hook the connect timeout, not a hang."""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from pg_cluster import Cluster, ClusterUnavailable, free_port
from reliability_support import (
    bash_persisted_event,
    handle_of,
    hook_env,
    log_text,
    printed_handle,
    start_hook,
)

from ctxlean.mcp_server.fetch import fetch_detail, list_details, search_details
from ctxlean.store import HandleError, open_store

HERE = Path(__file__).parent
PROCESSES = 8


def error_log(tmp_path) -> str:
    """The hooks' errors.log: with a URL store it stays in the local data dir, Claude Code's plugin data dir."""
    path = tmp_path / "home" / ".claude" / "plugins" / "data" / "ctxlean-ctxlean" / "errors.log"
    return path.read_text() if path.exists() else ""


def test_64_writers_on_8_processes_lose_nothing_and_store_each_payload_once(pg_url, tmp_path):
    from pg_writers import THREADS, payload_for

    project = tmp_path / "proj"
    project.mkdir()
    go = tmp_path / "go"
    env = {**hook_env(pg_url), "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "src"), str(HERE)])}
    procs = [subprocess.Popen([sys.executable, str(HERE / "pg_writers.py"), str(i), str(go), str(project)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(PROCESSES)]
    time.sleep(1.0)  # let every process import and reach the start line
    go.touch()
    rows = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert (proc.returncode, err) == (0, "")
        rows += [json.loads(line) for line in out.splitlines()]
    writers = PROCESSES * THREADS
    assert sorted(r[0] for r in rows) == list(range(writers))
    assert [r for r in rows if r[2] is not None] == []  # no writer failed
    expected = {handle_of(payload_for(w).encode()): payload_for(w).encode() for w in range(writers)}
    assert all(handle == handle_of(payload_for(w).encode()) for w, handle, _ in rows)

    with open_store(pg_url) as store:  # a later reader, e.g. another machine's MCP server
        key = store.scope(str(project))
        for handle, data in expected.items():
            assert store.read_bytes(handle, key) == data
            first = data.decode().splitlines()[0]
            assert f"1: {first}" in fetch_detail(store, key, handle, lines="1")
        assert set(list_details(store, key, limit=100).split()) >= set(expected)
        assert "payload(s) matching" in search_details(store, key, "compiled module_7.py")
        counts = store.db.execute("SELECT (SELECT COUNT(*) FROM ctxlean.blobs), (SELECT COUNT(*) FROM"
                                  " ctxlean.payloads), (SELECT COUNT(*) FROM ctxlean.payload_search),"
                                  " (SELECT COUNT(*) FROM ctxlean.ledger)").fetchone()
    assert counts == (len(expected), len(expected), len(expected), writers)  # once each; one saving per offload
    assert error_log(tmp_path) == ""


def writing_backend(url: str) -> bool:
    """True while a ctxlean connection is inside a transaction that has written (a payload going in)."""
    with psycopg.connect(url, autocommit=True) as db:
        return bool(db.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = 'ctxlean'"
                               " AND backend_xid IS NOT NULL").fetchone())


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def test_a_writer_killed_mid_payload_leaves_nothing_served_and_the_payload_stores_whole_later(pg_url, tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    env = hook_env(pg_url)
    rnd = random.Random(16)
    kept, killed = {}, []
    for i in range(6):
        event, data = bash_persisted_event(tmp_path / f"p{i}.txt", log_text(i, 24 << 20), project)
        proc = start_hook(event, tmp_path, f"e{i}", env)
        wait_for(lambda proc=proc: writing_backend(pg_url) or proc.poll() is not None, "the hook to write")
        time.sleep(rnd.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        if proc.returncode == 0:
            kept[printed_handle(out)] = data  # finished before the kill: the model got this handle
        else:
            killed.append(data)
    wait_for(lambda: not writing_backend(pg_url), "the server to roll the killed writers back")

    with open_store(pg_url) as store:
        key = store.scope(project)
        stored, lost = dict(kept), []
        for data in killed:  # a killed writer's payload is served whole (it had committed) or not at all
            try:
                assert store.read_bytes(handle_of(data), key) == data
                stored[handle_of(data)] = data
            except HandleError:
                lost.append(data)
        assert len(lost) >= 3  # the kills did land while payloads were going in
        for handle, data in kept.items():
            assert store.read_bytes(handle, key) == data
        assert store.db.execute("SELECT COUNT(*) FROM ctxlean.blobs WHERE sha256 IS NULL").fetchone() == (0,)
        assert store.db.execute("SELECT COUNT(*) FROM ctxlean.chunks").fetchone()[0] == sum(
            -(-len(d) // (1 << 20)) for d in stored.values())  # no chunk of a killed writer survived
    event, data = bash_persisted_event(tmp_path / "again.txt", lost[0].decode(), project)
    proc = start_hook(event, tmp_path, "again", env)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (0, b"") and printed_handle(out) == handle_of(data)
    with open_store(pg_url) as store:
        assert store.read_bytes(handle_of(data), store.scope(project)) == data


@pytest.fixture
def own_cluster():
    """A private cluster this test may stop and start (on 127.0.0.1, over TCP as a team's server is)."""
    try:
        cluster = Cluster().start()
    except ClusterUnavailable as exc:
        pytest.skip(f"no PostgreSQL server of its own could be started ({exc})")
    try:
        yield cluster
    finally:
        cluster.destroy()


class Load:
    """Hooks offloading distinct outputs, `parallel` at a time, until stopped: every run's payload, exit
    status, output and when it started and ended."""

    def __init__(self, tmp_path: Path, project: str, env: dict, parallel: int = 3):
        self.tmp_path, self.project, self.env, self.parallel = tmp_path, project, env, parallel
        self.runs: list[tuple] = []  # (payload, returncode, stdout, stderr, started, ended)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop)

    def _loop(self) -> None:
        running, n = [], 0
        while not self.stopping.is_set() or running:
            if not self.stopping.is_set() and len(running) < self.parallel:
                event, data = bash_persisted_event(self.tmp_path / f"p{n}.txt", log_text(5000 + n, 300_000),
                                                   self.project)
                running.append((data, time.monotonic(), start_hook(event, self.tmp_path, f"e{n}", self.env)))
                n += 1
            for item in [r for r in running if r[2].poll() is not None]:
                data, started, proc = item
                out, err = proc.communicate()
                self.runs.append((data, proc.returncode, out, err, started, time.monotonic()))
                running.remove(item)
            time.sleep(0.01)

    def wait_until(self, count, what: str) -> None:
        wait_for(lambda: count(self.runs), what, timeout=120)


def test_server_restart_under_load_fails_hooks_open_and_the_next_call_works(own_cluster, tmp_path):
    url = own_cluster.url(tcp=True)
    project = str(tmp_path / "proj")
    os.makedirs(project)
    reader = open_store(url)  # a long-lived reader, as the MCP server keeps one
    key = reader.scope(project)
    first = reader.put(b"kept across the restart\n" * 500, project=key, tool="Bash", kind="text", description="d")
    load = Load(tmp_path, project, hook_env(url))
    load.thread.start()
    try:
        load.wait_until(lambda runs: len(runs) >= 3, "hooks before the restart")
        own_cluster.stop()  # ends every session, transactions in the middle of a payload included
        down = time.monotonic()
        load.wait_until(lambda runs: sum(r[4] > down for r in runs) >= 3, "hooks while the server is down")
        up_from = time.monotonic()
        own_cluster.start()
        up = time.monotonic()
        load.wait_until(lambda runs: sum(r[4] > up for r in runs) >= 4, "hooks after the restart")
    finally:
        load.stopping.set()
        load.thread.join()

    for _, code, _, err, _, _ in load.runs:
        assert (code, err) == (0, b"")  # never a crash, never noise: pass through or answer
    while_down = [r for r in load.runs if r[4] > down and r[5] < up_from]
    assert while_down and all(r[2] == b"" for r in while_down)  # the original output reached the model
    after = [r for r in load.runs if r[4] > up]
    assert after and all(printed_handle(r[2]) == handle_of(r[0]) for r in after)  # the next calls work
    log = error_log(tmp_path)
    assert log.count("hook post-tool-use failed") >= len(while_down)
    assert "cannot reach the PostgreSQL store" in log
    assert reader.read_bytes(first.handle, key) == b"kept across the restart\n" * 500  # it reconnected by itself
    for data, _, out, _, _, _ in load.runs:
        try:
            got = reader.read_bytes(handle_of(data), key)
        except HandleError:
            assert out == b""  # not stored: the model got the original output
            continue
        assert got == data  # whatever is served is whole
    reader.close()


def blackhole() -> socket.socket:
    """A TCP port that accepts connections and never says a word (a server hung, or a dead proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


def test_a_store_that_does_not_answer_fails_open_after_the_connect_timeout(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    listener = blackhole()
    try:
        for url in (f"postgresql://ctxlean:pw-s3cret@127.0.0.1:{listener.getsockname()[1]}/db",  # silent
                    f"postgresql://ctxlean:pw-s3cret@127.0.0.1:{free_port()}/db"):  # refused
            event, data = bash_persisted_event(tmp_path / "p.txt", log_text(1, 200_000), project)
            started = time.monotonic()
            proc = start_hook(event, tmp_path, "e", hook_env(url))
            out, err = proc.communicate(timeout=60)
            took = time.monotonic() - started
            assert (proc.returncode, out, err) == (0, b"", b"")  # the original output reaches the model
            assert took < 20, f"the hook waited {took:.1f} s"  # guards against libpq's 130 s default, not a target
    finally:
        listener.close()
    log = error_log(tmp_path)
    assert log.count("hook post-tool-use failed") == 2
    assert "timeout" in log.lower() and "refused" in log.lower()
    assert "pw-s3cret" not in log
