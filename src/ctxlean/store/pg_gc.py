"""`ctxlean gc` on the PostgreSQL store: the same TTL and size cap as on SQLite (store/gc.py).

In order: payloads neither stored nor read for `ttl_days`; then the least recently used payloads while
the store's data (compressed chunks plus indexed text) is over the cap; then every blob no project
references. There are no half-written blobs to clear: a writer's payload commits whole or not at all.
Each removal takes the payload's digest lock first (as writers do before they link a blob), in small
transactions, so writers on other machines wait milliseconds, not for the whole run. Then VACUUM lets
PostgreSQL reuse the space (it gives it back to the file system only on VACUUM FULL, a DBA's call).
"""

from __future__ import annotations

import contextlib
import time

import psycopg

from ctxlean.store import pg_migrations
from ctxlean.store.gc import GcReport
from ctxlean.store.postgres import PgStore, _lock_key

_BATCH = 64
TABLES = ("chunks", "blobs", "payloads", "payload_search", "ledger", "meta")


def used_bytes(store: PgStore) -> int:
    """What the size cap counts: compressed chunk bytes plus the text kept for search."""
    return store.db.execute("SELECT ((SELECT COALESCE(SUM(stored), 0) FROM ctxlean.blobs)"
                            " + (SELECT COALESCE(SUM(octet_length(body)), 0) FROM ctxlean.payload_search))::BIGINT"
                            ).fetchone()[0]


def table_bytes(store: PgStore) -> int:
    """Bytes PostgreSQL holds for the store's tables, their indexes and TOAST."""
    return store.db.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c"
                            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ctxlean'"
                            " AND c.relkind = 'r'").fetchone()[0]


def _lock(store: PgStore, sha: str | None) -> None:
    if sha is not None:
        store.db.execute("SELECT pg_advisory_xact_lock(%s, %s)", (pg_migrations.LOCK_CLASS, _lock_key(sha)))


def _remove_payload(store: PgStore, payload_id: int, blob_id: int, sha: str | None, still: str,
                    args: tuple) -> tuple[int, int, int]:
    """Inside a transaction: remove a payload row if it still matches `still` (it may have been read
    meanwhile), with its search row, and its blob when no other row references it: (payloads, blobs,
    bytes freed)."""
    _lock(store, sha)
    body = store.db.execute("SELECT COALESCE(octet_length(body), 0) FROM ctxlean.payload_search"
                            " WHERE payload_id = %s", (payload_id,)).fetchone()
    if not store.db.execute(f"DELETE FROM ctxlean.payloads WHERE id = %s AND {still} RETURNING 1",
                            (payload_id, *args)).fetchone():
        return 0, 0, 0
    freed = body[0] if body else 0
    dropped = _drop_unreferenced(store, blob_id)
    return 1, int(dropped is not None), freed + (dropped or 0)


def _drop_unreferenced(store: PgStore, blob_id: int) -> int | None:
    """Inside a transaction holding the blob's digest lock: drop it (its chunks go with it) when no payload
    references it; its stored bytes, None when it stays."""
    row = store.db.execute("DELETE FROM ctxlean.blobs b WHERE b.id = %s AND NOT EXISTS (SELECT 1 FROM"
                           " ctxlean.payloads p WHERE p.blob_id = b.id) RETURNING stored", (blob_id,)).fetchone()
    return row[0] if row else None


def _candidates(store: PgStore, where: str, args: tuple, order: str, limit: int) -> list[tuple]:
    return store.db.execute(f"SELECT p.id, p.blob_id, b.sha256, p.last_access FROM ctxlean.payloads p JOIN"
                            f" ctxlean.blobs b ON b.id = p.blob_id WHERE {where} ORDER BY {order} LIMIT %s",
                            (*args, limit)).fetchall()


def _expire(store: PgStore, report: GcReport, before: float) -> None:
    while rows := _candidates(store, "p.last_access < %s", (before,), "b.sha256", _BATCH):
        with store.db.transaction():  # digest locks in one order: two gc runs never deadlock
            removed = [_remove_payload(store, pid, blob_id, sha, "last_access < %s", (before,))
                       for pid, blob_id, sha, _ in rows]
        report.expired += sum(r[0] for r in removed)
        report.blobs += sum(r[1] for r in removed)


def _evict_to(store: PgStore, report: GcReport, max_bytes: int) -> None:
    """Evict least recently used payloads until the data is within max_bytes (counted exactly as it goes)."""
    used = used_bytes(store)
    while used > max_bytes and (rows := _candidates(store, "TRUE", (), "p.last_access, p.id", 1)):
        pid, blob_id, sha, last_access = rows[0]
        with store.db.transaction():
            removed, blobs, freed = _remove_payload(store, pid, blob_id, sha, "last_access = %s", (last_access,))
        report.evicted += removed
        report.blobs += blobs
        used -= freed


def _drop_orphans(store: PgStore, report: GcReport) -> None:
    orphans = store.db.execute("SELECT id, sha256 FROM ctxlean.blobs b WHERE NOT EXISTS (SELECT 1 FROM"
                               " ctxlean.payloads p WHERE p.blob_id = b.id) ORDER BY sha256").fetchall()
    for blob_id, sha in orphans:
        with store.db.transaction():
            _lock(store, sha)
            report.blobs += _drop_unreferenced(store, blob_id) is not None  # unless relinked meanwhile


def collect(store: PgStore, *, ttl_days: int, max_bytes: int, now: float | None = None, progress=None) -> GcReport:
    """Run every gc step on an open PgStore; what was removed and the sizes before and after."""
    now = time.time() if now is None else now
    say = progress or (lambda text: None)
    with store._errors():
        report = GcReport(used_before=used_bytes(store), file_before=table_bytes(store), storage="tables")
        if ttl_days > 0:
            say(f"payloads unused for {ttl_days} days")
            _expire(store, report, now - ttl_days * 86400.0)
        if max_bytes > 0:
            say(f"size cap {max_bytes:,} bytes")
            _evict_to(store, report, max_bytes)
        say("unreferenced blobs")
        _drop_orphans(store, report)
        say("letting PostgreSQL reuse the freed space (VACUUM)")
        for table in TABLES:
            with contextlib.suppress(psycopg.Error):  # not the tables' owner: autovacuum does it
                store.db.execute(f"VACUUM ctxlean.{table}")
        store.db.execute("INSERT INTO ctxlean.meta VALUES ('last_gc', %s) ON CONFLICT (key) DO UPDATE SET"
                         " value = EXCLUDED.value", (now,))
        report.used_after = used_bytes(store)
        report.file_after = table_bytes(store)
    return report
