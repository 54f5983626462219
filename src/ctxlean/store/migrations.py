"""Store schema as append-only named migrations: never edit one that has shipped, add the next.

Each migration runs once, inside a transaction, and is recorded in `_ctxlean_migrations`. PRAGMA
user_version mirrors the count so an up-to-date store is recognised with one read.
"""

from __future__ import annotations

import sqlite3
import time

from ctxlean.store import StoreError


def m001_initial(db: sqlite3.Connection) -> None:
    # A blob is one distinct payload (by sha256); it becomes visible when complete = 1, so a writer killed
    # half-way leaves only an incomplete blob that gc removes, never a handle pointing at partial data.
    db.execute("""CREATE TABLE blobs (
        id INTEGER PRIMARY KEY,
        sha256 TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        lines INTEGER NOT NULL DEFAULT 0,
        complete INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL)""")
    db.execute("CREATE UNIQUE INDEX blobs_sha ON blobs(sha256) WHERE complete = 1")
    # Payload bytes in zlib-compressed chunks; first_line lets a line range seek without reading it all.
    db.execute("""CREATE TABLE chunks (
        blob_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        first_line INTEGER NOT NULL,
        raw_size INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (blob_id, seq)) WITHOUT ROWID""")
    # A handle as one project saw it: the scope that fetch_detail enforces.
    db.execute("""CREATE TABLE payloads (
        project TEXT NOT NULL,
        handle TEXT NOT NULL,
        blob_id INTEGER NOT NULL,
        tool TEXT NOT NULL,
        kind TEXT NOT NULL,
        description TEXT NOT NULL,
        session_id TEXT,
        created REAL NOT NULL,
        last_access REAL NOT NULL,
        PRIMARY KEY (project, handle))""")
    db.execute("CREATE INDEX payloads_recent ON payloads(project, created)")
    db.execute("""CREATE VIRTUAL TABLE payload_fts USING fts5(
        handle UNINDEXED, project UNINDEXED, description, body, tokenize = 'unicode61')""")
    # One row per offload: what was kept out of the context (the savings ledger).
    db.execute("""CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        project TEXT NOT NULL,
        session_id TEXT,
        agent_id TEXT,
        tool TEXT NOT NULL,
        handle TEXT NOT NULL,
        original_tokens INTEGER NOT NULL,
        summary_tokens INTEGER NOT NULL)""")
    db.execute("CREATE INDEX ledger_session ON ledger(session_id)")


def m002_writers_and_gc(db: sqlite3.Connection) -> None:
    # A writer stamps its incomplete blob with a random token and refreshes `touched` at every flush: gc
    # removes only incomplete blobs that stopped moving, and a writer whose blob gc did remove (the laptop
    # slept mid-write, say) notices at its next flush and fails open instead of publishing missing chunks.
    db.execute("ALTER TABLE blobs ADD COLUMN token TEXT")
    db.execute("ALTER TABLE blobs ADD COLUMN touched REAL")
    db.execute("UPDATE blobs SET touched = created")
    db.execute("CREATE INDEX blobs_incomplete ON blobs(touched) WHERE complete = 0")
    db.execute("CREATE INDEX payloads_blob ON payloads(blob_id)")  # is a blob still referenced?
    db.execute("CREATE INDEX payloads_access ON payloads(last_access)")  # TTL and least-recently-used eviction
    # From now on a search row shares its payload row's rowid, so gc removes it by key (its handle and
    # project columns are UNINDEXED: finding them by value is a full scan). Re-key the rows already there.
    db.execute("CREATE TEMP TABLE fts_rekey AS SELECT p.rowid AS id, f.handle, f.project, f.description, f.body"
               " FROM payload_fts f JOIN payloads p ON p.project = f.project AND p.handle = f.handle")
    db.execute("DELETE FROM payload_fts")
    db.execute("INSERT INTO payload_fts (rowid, handle, project, description, body)"
               " SELECT id, handle, project, description, body FROM fts_rekey")
    db.execute("DROP TABLE fts_rekey")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID")  # e.g. when gc last ran


MIGRATIONS = [m001_initial, m002_writers_and_gc]


def apply(db: sqlite3.Connection) -> None:
    """Bring the schema up to date; cheap when it already is (one PRAGMA read)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == len(MIGRATIONS):
        return
    if version > len(MIGRATIONS):  # never mark a newer store as older, nor touch its data
        raise StoreError(f"the payload store was written by a newer ctxlean (schema {version}, this one knows "
                         f"{len(MIGRATIONS)}): upgrade ctxlean, or point CTXLEAN_STORE elsewhere")
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS _ctxlean_migrations (name TEXT PRIMARY KEY, applied REAL)")
        done = {row[0] for row in db.execute("SELECT name FROM _ctxlean_migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ not in done:
                migration(db)
                db.execute("INSERT INTO _ctxlean_migrations VALUES (?, ?)", (migration.__name__, time.time()))
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
