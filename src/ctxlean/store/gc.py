"""`ctxlean gc`: keep the store within its TTL and size cap, and clear what failed writers left behind.

In order: incomplete blobs whose writer stopped moving (killed, disk full) over INCOMPLETE_GRACE_S ago;
payloads neither stored nor read for `ttl_days`; then the least recently used payloads while the store
holds more than `max_store_mb`; and every blob no project references any more. Each step works in small
transactions, so hooks writing meanwhile wait milliseconds, not for the whole run. The MCP server runs it
once a day at startup (collect_if_due), so the cap holds without anyone remembering the command.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ctxlean.store import StoreError

INCOMPLETE_GRACE_S = 600.0  # a live writer refreshes its blob every CHUNKS_PER_TRANSACTION chunks
AUTO_INTERVAL_S = 86400.0
_BATCH = 64


@dataclass
class GcReport:
    incomplete: int = 0  # blobs a killed or failed writer left half-written
    expired: int = 0  # payloads past the TTL
    evicted: int = 0  # payloads removed to get under the size cap
    blobs: int = 0  # stored contents removed because no project referenced them any more
    used_before: int = 0  # bytes of the store's pages in use
    used_after: int = 0
    file_before: int = 0  # bytes on disk: database file plus WAL
    file_after: int = 0
    storage: str = "file"  # what file_* measure: the SQLite file, or a PostgreSQL store's "tables"

    def text(self, ttl_days: int, max_mb: int) -> str:
        ttl = f"past the {ttl_days}-day TTL" if ttl_days else "TTL off"
        cap = f"over the {max_mb:,} MB cap" if max_mb else "no size cap"
        return (f"ctxlean gc: removed {self.expired + self.evicted:,} payloads ({self.expired:,} {ttl}, "
                f"{self.evicted:,} {cap}), {self.blobs:,} blobs no project references, {self.incomplete:,} "
                f"incomplete blobs left by failed writers; store data {self.used_before:,} -> "
                f"{self.used_after:,} bytes (freed {self.used_before - self.used_after:,}); {self.storage} "
                f"{self.file_before:,} -> {self.file_after:,} bytes")


def used_bytes(db) -> int:
    """Bytes of the store's pages that hold data (free pages excluded)."""
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * page_size


def _file_bytes(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def _remove_payload(store, rowid: int, blob_id: int, still: str, args: tuple) -> tuple[int, int]:
    """Inside a transaction: remove a payload row if it still matches `still` (it may have been read
    meanwhile), its search row, and its blob when no other row references it: (payloads, blobs) removed."""
    if not store.db.execute(f"DELETE FROM payloads WHERE rowid = ? AND {still}", (rowid, *args)).rowcount:
        return 0, 0
    store.db.execute("DELETE FROM payload_fts WHERE rowid = ?", (rowid,))
    if store.db.execute("SELECT 1 FROM payloads WHERE blob_id = ? LIMIT 1", (blob_id,)).fetchone():
        return 1, 0
    store._drop_blob(blob_id)
    return 1, 1


def _merge_index(store) -> None:
    """Merge the search index, dropping the entries of deleted rows (they otherwise keep their space)."""
    store._transaction(lambda: store.db.execute("INSERT INTO payload_fts (payload_fts) VALUES ('optimize')"))


def _drop_blobs(store, query: str, args: tuple, still: str) -> int:
    """Drop each blob `query` selects, each in its own transaction, if `still` holds for it then."""
    dropped = 0
    for (blob_id,) in store.db.execute(query, args).fetchall():
        def work(blob_id=blob_id) -> int:
            if not store.db.execute(f"SELECT 1 FROM blobs b WHERE b.id = ? AND {still}", (blob_id, *args)).fetchone():
                return 0
            store._drop_blob(blob_id)
            return 1
        dropped += store._transaction(work)
    return dropped


def _expire(store, report: GcReport, before: float) -> None:
    db = store.db
    while rows := db.execute("SELECT rowid, blob_id FROM payloads WHERE last_access < ? LIMIT ?",
                             (before, _BATCH)).fetchall():
        def work(rows=rows) -> list[tuple[int, int]]:
            return [_remove_payload(store, rowid, blob_id, "last_access < ?", (before,)) for rowid, blob_id in rows]
        for removed, blobs in store._transaction(work):
            report.expired += removed
            report.blobs += blobs


def _evict_to(store, report: GcReport, max_bytes: int) -> None:
    """Evict least recently used payloads until the store's used bytes are within max_bytes.

    A deleted row's search entries leave the index only when it is merged, so the size lags behind the
    evictions: each round evicts about the excess by estimate (a payload's chunks and indexed text plus its
    share of the index), then merges the index and measures again.
    """
    db = store.db
    if used_bytes(db) <= max_bytes:
        return
    _merge_index(store)
    while (excess := used_bytes(db) - max_bytes) > 0 and db.execute("SELECT 1 FROM payloads LIMIT 1").fetchone():
        index_bytes, count = db.execute("SELECT (SELECT COALESCE(SUM(LENGTH(block)), 0) FROM payload_fts_data),"
                                        " (SELECT COUNT(*) FROM payloads)").fetchone()
        estimate = 0
        while estimate < excess and (row := db.execute(
                "SELECT rowid, blob_id, last_access FROM payloads ORDER BY last_access LIMIT 1").fetchone()):
            rowid, blob_id, last_access = row
            text = db.execute("SELECT LENGTH(CAST(body AS BLOB)) FROM payload_fts WHERE rowid = ?", (rowid,)).fetchone()
            data = db.execute("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM chunks WHERE blob_id = ?",
                              (blob_id,)).fetchone()[0]
            removed, blobs = store._transaction(
                lambda row=row: _remove_payload(store, row[0], row[1], "last_access = ?", (row[2],)))
            report.evicted += removed
            report.blobs += blobs
            estimate += (text[0] or 0 if text else 0) + (data if blobs else 0) + index_bytes // count
        _merge_index(store)


def collect(store, *, ttl_days: int, max_bytes: int, now: float | None = None,
            incomplete_grace_s: float = INCOMPLETE_GRACE_S, progress=None) -> GcReport:
    """Run every gc step on an open store; what was removed and the sizes before and after."""
    if store.backend == "postgresql":  # no half-written blobs there to wait out: see store/pg_gc.py
        from ctxlean.store import pg_gc

        return pg_gc.collect(store, ttl_days=ttl_days, max_bytes=max_bytes, now=now, progress=progress)
    now = time.time() if now is None else now
    db = store.db
    say = progress or (lambda text: None)
    report = GcReport(used_before=used_bytes(db), file_before=_file_bytes(store.path))
    say("incomplete blobs")
    stalled = (now - incomplete_grace_s,)
    report.incomplete = _drop_blobs(store, "SELECT id FROM blobs WHERE complete = 0 AND touched < ?", stalled,
                                    "b.complete = 0 AND b.touched < ?")
    if ttl_days > 0:
        say(f"payloads unused for {ttl_days} days")
        _expire(store, report, now - ttl_days * 86400.0)
    if max_bytes > 0:
        say(f"size cap {max_bytes:,} bytes")
        _evict_to(store, report, max_bytes)
    elif report.expired:
        _merge_index(store)
    say("unreferenced blobs")
    report.blobs += _drop_blobs(store, "SELECT id FROM blobs b WHERE complete = 1 AND NOT EXISTS"
                                " (SELECT 1 FROM payloads p WHERE p.blob_id = b.id)", (),
                                "NOT EXISTS (SELECT 1 FROM payloads p WHERE p.blob_id = b.id)")  # not relinked
    say("returning free space to the file system")
    # Frees pages in stores created with auto_vacuum (all new ones). executescript, because execute() steps
    # a statement only once and this pragma frees one page per step.
    db.executescript("PRAGMA incremental_vacuum;")
    store._transaction(lambda: db.execute("INSERT OR REPLACE INTO meta VALUES ('last_gc', ?)", (now,)))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # best effort: readers may keep part of the WAL
    report.used_after = used_bytes(db)
    report.file_after = _file_bytes(store.path)
    return report


def collect_if_due(cfg, path: Path | None = None) -> GcReport | None:
    """collect() when the last run is more than a day old (the MCP server calls this at startup, in the
    background); None when not due."""
    from ctxlean.store import open_store

    with open_store(path) as store:
        last = store.last_gc()
        if last is not None and time.time() - last < AUTO_INTERVAL_S:
            return None
        return collect(store, ttl_days=cfg.ttl_days, max_bytes=cfg.max_store_mb << 20)


def main(argv: list[str]) -> int:
    from ctxlean import config
    from ctxlean.helptext import parser as help_parser
    from ctxlean.paths import StoreLocationError, store_location
    from ctxlean.store import open_store

    parser = help_parser(
        "ctxlean gc", "Keep the payload store within its TTL and size cap (see ttl_days, max_store_mb), and "
                      "clear what failed writers left.",
        reads="the user config (~/.config/ctxlean/config.toml) and CTXLEAN_* for ttl_days, max_store_mb, store",
        writes="the payload store every hook and command uses (never creates one), its captures/ dir",
        examples=["ctxlean gc", "ctxlean gc --ttl-days 7 --max-mb 500"])
    parser.add_argument("--ttl-days", type=int, help="override ttl_days from the config (0: no TTL)")
    parser.add_argument("--max-mb", type=int, help="override max_store_mb from the config (0: no cap)")
    parser.add_argument("--now", action="store_true",
                        help=f"also remove what failed writers left less than {INCOMPLETE_GRACE_S / 60:g} minutes "
                        "ago, and capture files of commands still running: for when no Claude Code session runs "
                        "(a hook storing right now would pass its output through)")
    args = parser.parse_args(argv[1:])
    try:
        cfg = config.load()  # store-wide settings: user config and environment only
        location = store_location()
    except (config.ConfigError, StoreLocationError) as exc:
        print(f"ctxlean gc: {exc}", file=sys.stderr)
        return 2
    ttl = cfg.ttl_days if args.ttl_days is None else args.ttl_days
    cap = cfg.max_store_mb if args.max_mb is None else args.max_mb
    if location.path is not None and not location.path.exists():
        print(f"ctxlean gc: no store at {location.shown()} yet; nothing to clean")
        _report_swept(args.now)
        return 0
    try:
        say = lambda step: print(f"ctxlean gc: {step} ...", file=sys.stderr)  # noqa: E731
        say("checking the store")
        store = open_store()
        if damage := store.damage():  # run by the user: the one place that may read every page
            print(f"ctxlean gc: {store.move_aside(f'is damaged ({damage})')}")
            store = open_store()
        with store:
            payloads = store.db.execute("SELECT COUNT(*) FROM payloads").fetchone()[0]
            report = collect(store, ttl_days=ttl, max_bytes=cap << 20, progress=say,
                             incomplete_grace_s=0.0 if args.now else INCOMPLETE_GRACE_S)
            left = store.db.execute("SELECT COUNT(*) FROM payloads").fetchone()[0]
    except StoreError as exc:
        print(f"ctxlean gc: {exc}", file=sys.stderr)
        return 1
    print(f"ctxlean gc: store {location.shown()}: {payloads:,} payload(s) before, {left:,} after")
    print(report.text(ttl, cap))
    _report_swept(args.now)
    return 0


def _report_swept(now: bool) -> None:
    if swept := sweep_captures(0.0 if now else None):
        print(f"ctxlean gc: removed {swept} leftover capture file(s) of interrupted commands")


def sweep_captures(max_age: float | None = None) -> int:
    """Capture files that no PostToolUseFailure collected (an interrupted command, a killed session), older
    than max_age seconds (default: capture's own limit)."""
    from ctxlean.capture import MAX_CAPTURE_AGE_S, sweep
    from ctxlean.paths import capture_dir

    return sweep(str(capture_dir()), MAX_CAPTURE_AGE_S if max_age is None else max_age)
