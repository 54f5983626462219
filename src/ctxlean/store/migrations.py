"""Store schema as append-only named migrations: never edit one that has shipped, add the next.

Each migration runs once, inside a transaction, and is recorded in `_ctxlean_migrations`. PRAGMA
user_version mirrors the count so an up-to-date store is recognised with one read.
"""

from __future__ import annotations

import sqlite3
import time


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


MIGRATIONS = [m001_initial]


def apply(db: sqlite3.Connection) -> None:
    """Bring the schema up to date; cheap when it already is (one PRAGMA read)."""
    if db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return
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
        db.execute("ROLLBACK")
        raise
