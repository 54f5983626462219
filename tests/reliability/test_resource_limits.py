"""Payloads far bigger than memory should allow are stored streaming; the store keeps to its TTL and size
cap through `ctxlean gc`; a full disk leaves the original output in place."""

import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from reliability_support import (
    SRC,
    bash_persisted_event,
    handle_of,
    hook_env,
    hook_peak_memory,
    log_text,
    printed_handle,
    start_hook,
)

from ctxlean import config
from ctxlean.hooks import MAX_INPUT_BYTES, run
from ctxlean.store import HandleError, migrations, open_store
from ctxlean.store.gc import collect, collect_if_due, used_bytes
from ctxlean.store.sqlite import FTS_MAX_BYTES


def hook_peak_rss(tmp_path, name: str, size: int, project: str) -> tuple[int, str, str]:
    """Run the hook on a persisted Bash output of `size` bytes: (its peak RSS in bytes, handle, sha256)."""
    text = log_text(size, size)
    event, data = bash_persisted_event(tmp_path / f"{name}.txt", text, project)
    digest = hashlib.sha256(data).hexdigest()
    run = hook_peak_memory(event, tmp_path, name, hook_env(tmp_path / "store"))
    assert (run["code"], run["stderr"]) == (0, "")
    return run["maxrss_kb"] * 1024, printed_handle(run["stdout"].encode()), digest


def test_a_big_payload_is_stored_streaming_in_bounded_memory(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    small_rss, _, _ = hook_peak_rss(tmp_path, "small", 24 << 20, project)
    big_rss, handle, digest = hook_peak_rss(tmp_path, "big", 256 << 20, project)
    # 10x the payload, and the hook's peak memory stays where the 24 MB run had it (the summarizer's
    # sample is capped at SAMPLE_BYTES, the store writes 1 MB chunks, the search index keeps a 2 MB head)
    assert big_rss < small_rss + (32 << 20), (small_rss, big_rss)
    assert big_rss < 128 << 20
    with open_store() as store:
        info = store.info(handle, project)
        assert info.size == os.path.getsize(tmp_path / "s" / "tool-results" / "big.txt") > 250 << 20
        check = hashlib.sha256()
        for _, raw in store.iter_chunks(handle, project):
            check.update(raw)
        assert check.hexdigest() == digest
        [indexed] = store.db.execute("SELECT LENGTH(CAST(body AS BLOB)) FROM payload_fts f JOIN payloads p"
                                     " ON p.rowid = f.rowid WHERE p.handle = ?", (handle,)).fetchone()
        assert indexed <= FTS_MAX_BYTES


def put_aged(store, project, text, age_days):
    info = store.put(text.encode(), project=project, tool="Bash", kind="text", description=text[:20])
    store.db.execute("UPDATE payloads SET last_access = ? WHERE handle = ?",
                     (time.time() - age_days * 86400, info.handle))
    return info.handle


def test_ctxlean_gc_applies_ttl_and_size_cap_and_reports_what_it_freed(tmp_path):
    config = tmp_path / "home" / ".config" / "ctxlean" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("ttl_days = 7\nmax_store_mb = 3\n")
    with open_store() as store:
        old = put_aged(store, "/a", log_text(1, 400_000), age_days=30)
        shared = [put_aged(store, project, log_text(2, 400_000), age_days=10) for project in ("/a", "/b")]
        lru = [put_aged(store, "/a", log_text(10 + i, 1 << 20), age_days=6 - i * 0.1) for i in range(6)]
        fresh = put_aged(store, "/b", log_text(99, 1 << 20), age_days=0)
        store.db.execute("INSERT INTO blobs (complete, created, touched, token) VALUES (0, 0, 0, 'dead')")
        db_bytes = os.path.getsize(store.path) + os.path.getsize(f"{store.path}-wal")
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "gc"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    # three payload rows past the TTL (one blob shared by two projects), then least recently used ones
    assert "past the 7-day TTL" in report and "(3 past the 7-day TTL" in report
    assert "1 incomplete blobs left by failed writers" in report
    assert "ctxlean gc: checking the store ..." in proc.stderr  # progress goes to stderr
    with open_store() as store:
        alive = {h for (h,) in store.db.execute("SELECT handle FROM payloads")}
        used = used_bytes(store.db)
        assert old not in alive and not alive & set(shared)
        assert fresh in alive and lru[-1] in alive and lru[0] not in alive  # evicted oldest first
        assert used <= 3 << 20
        assert store.db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone() == (0,)
    evicted = sum(h not in alive for h in lru)
    assert f"{evicted} over the 3 MB cap" in report
    assert os.path.getsize(tmp_path / "store" / "store.sqlite3") < db_bytes  # space went back to the disk


def test_disk_full_fails_open_with_the_original_output_and_the_store_survives(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    store_dir = tmp_path / "store"
    env = hook_env(store_dir)
    event, kept = bash_persisted_event(tmp_path / "kept.txt", log_text(1, 200_000), project)
    proc = start_hook(event, tmp_path, "kept", env)
    assert printed_handle(proc.communicate()[0]) == handle_of(kept)
    limit = os.path.getsize(store_dir / "store.sqlite3") + (1 << 20)
    # 8 MB of random text does not compress: its chunks outgrow the file size limit mid-write
    event, _ = bash_persisted_event(tmp_path / "big.txt", os.urandom(6 << 20).hex()[: 8 << 20], project)
    proc = start_hook(event, tmp_path, "big", env,
                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    out, err = proc.communicate()
    # exit 0 and no answer: Claude Code keeps the tool's original output
    assert (proc.returncode, out, err) == (0, b"", b"")
    # a file size limit surfaces as an I/O error; a full file system (next test) as "disk is full"
    assert "sqlite3.OperationalError: disk I/O error" in (store_dir / "errors.log").read_text()
    with open_store() as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert store.read_bytes(handle_of(kept), project) == kept


def test_real_full_disk_on_a_small_tmpfs(tmp_path):
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or not unshare or subprocess.run([unshare, "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs root and unshare to mount a private tmpfs")
    mount = tmp_path / "mnt"
    mount.mkdir()
    script = Path(__file__).with_name("full_disk_driver.py")
    proc = subprocess.run([unshare, "-m", "sh", "-c", f"mount -t tmpfs -o size=8m tmpfs {mount} && "
                           f"{sys.executable} {script} {mount} {tmp_path}"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(script.parent)])})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kept_handle_printed"] and result["full_exit"] == 0 and result["full_stdout"] == ""
    assert result["after_refill"] == "retrievable" and result["integrity"] == "ok"
    assert result["gc_incomplete"] >= 0 and result["next_handle_printed"]


def test_hook_input_over_the_cap_passes_through(tmp_path):
    raw = b'{"tool_name": "Bash", "tool_response": {"stdout": "' + b"x" * MAX_INPUT_BYTES + b'"}}'
    assert run("post-tool-use", raw) == ""
    assert "over 67,108,864: passed through" in (tmp_path / "store" / "errors.log").read_text()
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], input=raw,
                          capture_output=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")


def test_the_mcp_servers_automatic_gc_runs_once_a_day(tmp_path):
    with open_store() as store:
        expired = put_aged(store, "/a", log_text(1, 10_000), age_days=40)
    cfg = config.load()
    first = collect_if_due(cfg)
    assert first is not None and first.expired == 1
    assert collect_if_due(cfg) is None  # ran less than a day ago
    with open_store() as store:
        store.db.execute("UPDATE meta SET value = value - 2 * 86400 WHERE key = 'last_gc'")
        with pytest.raises(HandleError):
            store.info(expired, "/a")
    assert collect_if_due(cfg) is not None


def test_a_store_written_before_the_gc_migration_upgrades_and_gc_removes_the_right_search_rows(tmp_path):
    path = tmp_path / "old" / "store.sqlite3"
    path.parent.mkdir(mode=0o700)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("BEGIN")
    migrations.m001_initial(db)
    db.execute("CREATE TABLE _ctxlean_migrations (name TEXT PRIMARY KEY, applied REAL)")
    db.execute("INSERT INTO _ctxlean_migrations VALUES ('m001_initial', 0)")
    db.execute("PRAGMA user_version = 1")
    old, now = time.time() - 90 * 86400, time.time()
    for blob_id, (project, word, access) in enumerate([("/a", "alpha", old), ("/b", "beta", now)], 1):
        data = f"{word}\n".encode() * 100
        handle = "ctx_" + hashlib.sha256(data).hexdigest()[:16]
        db.execute("INSERT INTO blobs VALUES (?, ?, ?, 100, 1, ?)",
                   (blob_id, hashlib.sha256(data).hexdigest(), len(data), old))
        db.execute("INSERT INTO chunks VALUES (?, 0, 1, ?, ?)", (blob_id, len(data), zlib.compress(data)))
        db.execute("INSERT INTO payloads VALUES (?, ?, ?, 'Bash', 'text', ?, NULL, ?, ?)",
                   (project, handle, blob_id, word, access, access))
        # the old code let the search rows take their own rowids: here the other payload's
        db.execute("INSERT INTO payload_fts (rowid, handle, project, description, body) VALUES (?, ?, ?, ?, ?)",
                   (3 - blob_id, handle, project, word, data.decode()))
    db.execute("COMMIT")
    db.close()
    with open_store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone() == (len(migrations.MIGRATIONS),)
        report = collect(store, ttl_days=30, max_bytes=0)
        assert (report.expired, report.blobs) == (1, 1)
        assert store.search("/a", "alpha") == [] and [i.project for i, _ in store.search("/b", "beta")] == ["/b"]
        assert store.db.execute("SELECT COUNT(*) FROM payload_fts").fetchone() == (1,)
