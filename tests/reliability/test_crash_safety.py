"""Hooks killed (SIGKILL) at random points while writing, and bad files at the store path: the store
opens cleanly afterwards, every handle handed to the model is retrievable, and nothing loops."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from reliability_support import bash_persisted_event, handle_of, hook_env, log_text, printed_handle, start_hook

from ctxlean.store import StoreError, open_store
from ctxlean.store.gc import collect

KILLS = 16


def incomplete_blobs(path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=30) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone()[0]
        except sqlite3.OperationalError:  # the tables are not there yet
            return 0


def kill_hook(proc, store_file, rnd, mid_write: bool, full_time: float) -> None:
    """SIGKILL the hook at a random moment; mid_write waits until its blob is being written first."""
    if mid_write:
        before = incomplete_blobs(store_file)
        deadline = time.monotonic() + 30
        while incomplete_blobs(store_file) <= before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rnd.uniform(0, 0.15))
    else:
        time.sleep(rnd.uniform(0, full_time))
    proc.send_signal(signal.SIGKILL)


def test_sigkill_at_random_points_loses_no_printed_handle(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    store_dir = tmp_path / "store"
    env = hook_env(store_dir)
    rnd = random.Random(8)
    # One undisturbed run first: it gives the time a whole hook takes, and a handle to keep safe.
    event, data = bash_persisted_event(tmp_path / "p0.txt", log_text(0, 40 << 20), project)
    started = time.monotonic()
    proc = start_hook(event, tmp_path, "e0", env)
    out, _ = proc.communicate()
    full_time = time.monotonic() - started
    printed = {printed_handle(out): data}
    killed_mid_write = 0
    for i in range(1, KILLS + 1):
        event, data = bash_persisted_event(tmp_path / f"p{i}.txt", log_text(i, 40 << 20), project)
        proc = start_hook(event, tmp_path, f"e{i}", env)
        kill_hook(proc, store_dir / "store.sqlite3", rnd, mid_write=i % 2 == 0, full_time=full_time)
        out, _ = proc.communicate()
        if proc.returncode == 0:
            printed[printed_handle(out)] = data  # it finished before the kill: the model got this handle
        else:
            assert proc.returncode == -signal.SIGKILL
            killed_mid_write += i % 2 == 0
    assert killed_mid_write >= KILLS // 4  # the kills did land while blobs were being written

    with open_store() as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for handle, data in printed.items():
            assert store.read_bytes(handle, project) == data
        left = store.db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone()[0]
        assert left >= 1
        report = collect(store, ttl_days=0, max_bytes=0, incomplete_grace_s=0)
        assert report.incomplete == left and report.expired == report.evicted == 0
        assert store.db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone() == (0,)
        for handle, data in printed.items():  # gc took only the leftovers
            assert store.read_bytes(handle, project) == data


def test_gc_spares_an_incomplete_blob_that_is_still_moving_and_a_stalled_writer_fails_open(tmp_path):
    with open_store() as store:
        chunks = iter([b"a" * 100, b"b" * 100])

        def stall_until_gc():
            yield next(chunks)
            collect(store, ttl_days=0, max_bytes=0)  # within the grace period: the blob is still moving
            assert store.db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone() == (1,)
            collect(store, ttl_days=0, max_bytes=0, now=time.time() + 3600)  # stalled for an hour: removed
            yield next(chunks)

        class Stream:  # a persisted output whose reading stalls half-way
            parts = stall_until_gc()

            def read(self, n):
                return next(self.parts, b"")

        with pytest.raises(StoreError, match="removed while being written"):
            store.put(Stream(), project="/p", tool="Bash", kind="text", description="d")
        assert store.db.execute("SELECT COUNT(*) FROM blobs").fetchone() == (0,)
        assert store.db.execute("SELECT COUNT(*) FROM payloads").fetchone() == (0,)


def run_hook(tmp_path, name, project, env, timeout=60):
    event, data = bash_persisted_event(tmp_path / f"{name}.txt", log_text(hash(name) % 1000, 200_000), project)
    proc = start_hook(event, tmp_path, name, env)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, printed_handle(out), data, err


def bad_files(store_dir):
    return sorted(p.name for p in store_dir.iterdir() if ".bad-" in p.name)


@pytest.mark.parametrize("bad", ["garbage", "foreign", "directory", "fifo", "truncated-header"])
def test_a_bad_file_at_the_store_path_is_moved_aside_once_and_a_fresh_store_used(tmp_path, bad):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    store_dir = tmp_path / "store"
    store_dir.mkdir(mode=0o700)
    path = store_dir / "store.sqlite3"
    if bad == "garbage":
        path.write_bytes(os.urandom(64 << 10))
    elif bad == "foreign":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE users (name TEXT)")
            db.execute("INSERT INTO users VALUES ('alice')")
        db.close()
    elif bad == "directory":
        path.mkdir()
        (path / "inside").write_text("x")
    elif bad == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever
    else:
        with open_store(path) as store:
            store.put(b"x\n" * 1000, project=project, tool="Bash", kind="text", description="d")
        path.write_bytes(b"SQLite format 2\x00" + path.read_bytes()[16:])  # header of no SQLite version
    original = path.read_bytes() if path.is_file() else None
    env = hook_env(store_dir)

    code, handle, data, err = run_hook(tmp_path, "first", project, env)
    assert (code, err) == (0, b"") and handle
    [aside] = bad_files(store_dir)
    if original is not None:
        assert (store_dir / aside).read_bytes() == original  # kept exactly as found (a foreign db untouched)
    log = (store_dir / "errors.log").read_text()
    assert f"moved it aside to {aside}" in log and "a fresh store replaces it" in log
    # The next hooks use the fresh store: no new move, no new error, everything retrievable.
    code, second, data2, err = run_hook(tmp_path, "second", project, env)
    assert (code, err) == (0, b"") and second and bad_files(store_dir) == [aside]
    assert (store_dir / "errors.log").read_text() == log
    with open_store(path) as store:
        assert store.read_bytes(handle, project) == data and store.read_bytes(second, project) == data2


def test_many_hooks_meeting_one_bad_file_move_it_aside_exactly_once(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    store_dir = tmp_path / "store"
    store_dir.mkdir(mode=0o700)
    (store_dir / "store.sqlite3").write_bytes(os.urandom(1 << 20))
    env = hook_env(store_dir)
    events = [bash_persisted_event(tmp_path / f"c{i}.txt", log_text(500 + i, 300_000), project) for i in range(12)]
    procs = [start_hook(event, tmp_path, f"c{i}", env) for i, (event, _) in enumerate(events)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [printed_handle(out) for out, _ in outs] == [handle_of(data) for _, data in events]
    assert len(bad_files(store_dir)) == 1
    with open_store() as store:
        for _, data in events:
            assert store.read_bytes(handle_of(data), project) == data


def test_a_store_from_a_newer_ctxlean_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "store" / "store.sqlite3"
    with open_store(path) as store:
        store.put(b"y\n" * 100, project="/p", tool="Bash", kind="text", description="d")
        store.db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer ctxlean"):
        open_store(path)
    assert path.read_bytes() == before and not bad_files(path.parent)
    # the hook passes outputs through (no answer), with the reason in the log
    event = b'{"tool_name": "Bash", "cwd": "/p", "tool_response": {"stdout": "' + b"z" * 9000 + b'"}}'
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], capture_output=True, input=event)
    assert (proc.returncode, proc.stdout) == (0, b"")
    assert "newer ctxlean" in (path.parent / "errors.log").read_text()


def test_a_damaged_store_fails_open_with_a_clear_error_and_gc_replaces_it(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    path = tmp_path / "store" / "store.sqlite3"
    with open_store(path) as store:
        for i in range(10):
            store.put(os.urandom(100_000), project=project, tool="Bash", kind="text", description=f"{i}")
        page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
        root = store.db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'blobs'").fetchone()[0]
    with path.open("r+b") as fh:  # a bad sector under the table every write reads
        fh.seek((root - 1) * page_size)
        fh.write(os.urandom(page_size))
    code, handle, _, err = run_hook(tmp_path, "after", project, hook_env(path.parent))
    assert (code, handle, err) == (0, None, b"")  # the original output passes through
    assert "is damaged (database disk image is malformed)" in (path.parent / "errors.log").read_text()
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "gc"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "is damaged" in proc.stdout and "moved it aside" in proc.stdout
    code, handle, data, err = run_hook(tmp_path, "fresh", project, hook_env(path.parent))
    assert (code, err) == (0, b"") and handle
    assert len(bad_files(path.parent)) == 1
