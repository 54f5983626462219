"""PostgreSQL store schema as append-only named migrations: never edit one that has shipped, add the next.

Everything lives in the `ctxlean` schema of the database the URL names, so the store shares a database
with other applications without touching their tables. Each migration runs once, in one transaction
under an advisory lock (many machines may start at once against a fresh database), and is recorded in
`ctxlean.migrations`. An up-to-date store is recognised with one read.
"""

from __future__ import annotations

import time

from ctxlean.store import StoreError

LOCK_CLASS = 0x63747878  # the first key of every advisory lock ctxlean takes ("ctxx")
MIGRATION_LOCK = 0


def m001_initial(db) -> None:
    # One distinct payload (by sha256). A writer inserts it, its chunks and its payload row in one
    # transaction, so a writer killed half-way leaves nothing behind: no handle ever names partial data.
    # `stored` is the compressed size of its chunks, what the size cap counts.
    db.execute("""CREATE TABLE ctxlean.blobs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sha256 TEXT UNIQUE,
        size BIGINT NOT NULL DEFAULT 0,
        lines BIGINT NOT NULL DEFAULT 0,
        stored BIGINT NOT NULL DEFAULT 0,
        created DOUBLE PRECISION NOT NULL)""")
    # Payload bytes in zlib-compressed chunks of 1 MB raw; first_line lets a line range seek.
    db.execute("""CREATE TABLE ctxlean.chunks (
        blob_id BIGINT NOT NULL REFERENCES ctxlean.blobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        first_line BIGINT NOT NULL,
        raw_size INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (blob_id, seq))""")
    # Already compressed: PostgreSQL trying again would only cost time.
    db.execute("ALTER TABLE ctxlean.chunks ALTER COLUMN data SET STORAGE EXTERNAL")
    # A handle as one project saw it: the scope fetch_detail enforces.
    db.execute("""CREATE TABLE ctxlean.payloads (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project TEXT NOT NULL,
        handle TEXT NOT NULL,
        blob_id BIGINT NOT NULL REFERENCES ctxlean.blobs(id),
        tool TEXT NOT NULL,
        kind TEXT NOT NULL,
        description TEXT NOT NULL,
        session_id TEXT,
        created DOUBLE PRECISION NOT NULL,
        last_access DOUBLE PRECISION NOT NULL,
        UNIQUE (project, handle))""")
    db.execute("CREATE INDEX payloads_recent ON ctxlean.payloads(project, created)")
    db.execute("CREATE INDEX payloads_blob ON ctxlean.payloads(blob_id)")  # is a blob still referenced?
    db.execute("CREATE INDEX payloads_access ON ctxlean.payloads(last_access)")  # TTL and LRU eviction
    # The search index, apart from payloads: every read updates last_access, which must not rewrite it.
    db.execute("""CREATE TABLE ctxlean.payload_search (
        payload_id BIGINT PRIMARY KEY REFERENCES ctxlean.payloads(id) ON DELETE CASCADE,
        project TEXT NOT NULL,
        body TEXT NOT NULL,
        doc TSVECTOR NOT NULL)""")
    db.execute("CREATE INDEX payload_search_doc ON ctxlean.payload_search USING GIN (doc)")
    # One row per offload: what was kept out of the context, and by whom (the team's savings ledger).
    db.execute("""CREATE TABLE ctxlean.ledger (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        project TEXT NOT NULL,
        session_id TEXT,
        agent_id TEXT,
        tool TEXT NOT NULL,
        handle TEXT NOT NULL,
        original_tokens BIGINT NOT NULL,
        summary_tokens BIGINT NOT NULL,
        user_name TEXT NOT NULL,
        machine TEXT NOT NULL)""")
    db.execute("CREATE INDEX ledger_session ON ctxlean.ledger(session_id)")
    db.execute("CREATE INDEX ledger_ts ON ctxlean.ledger(ts)")
    db.execute("CREATE TABLE ctxlean.meta (key TEXT PRIMARY KEY, value DOUBLE PRECISION)")  # e.g. last gc


MIGRATIONS = [m001_initial]


def apply(db) -> None:
    """Bring the schema up to date (db: a psycopg connection in autocommit mode); one read when it is."""
    import psycopg

    try:
        done = {row[0] for row in db.execute("SELECT name FROM ctxlean.migrations")}
    except psycopg.errors.UndefinedTable:  # also when the schema is not there yet
        done = set()
    if len(done) == len(MIGRATIONS):
        return
    _check_known(done)
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, MIGRATION_LOCK))
        db.execute("CREATE SCHEMA IF NOT EXISTS ctxlean")
        db.execute("CREATE TABLE IF NOT EXISTS ctxlean.migrations (name TEXT PRIMARY KEY, applied DOUBLE PRECISION)")
        done = {row[0] for row in db.execute("SELECT name FROM ctxlean.migrations")}  # another machine may have
        _check_known(done)
        for migration in MIGRATIONS:
            if migration.__name__ not in done:
                migration(db)
                db.execute("INSERT INTO ctxlean.migrations VALUES (%s, %s)", (migration.__name__, time.time()))


def _check_known(done: set[str]) -> None:
    unknown = done - {m.__name__ for m in MIGRATIONS}
    if unknown:  # never touch a schema a newer ctxlean wrote
        raise StoreError(f"the PostgreSQL store was migrated by a newer ctxlean ({', '.join(sorted(unknown))}): "
                         "upgrade ctxlean on this machine")
