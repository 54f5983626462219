"""SQLite payload store (the embedded default): WAL, safe for concurrent writers, private files.

Payloads are written as zlib chunks of CHUNK_SIZE raw bytes under a blob row that becomes visible only
when complete, so a killed writer never leaves a handle pointing at partial data, and a payload of any
size is stored without holding it whole in memory.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ctxlean.store import HandleError, PayloadInfo, StoreError, check_handle, handle_for, migrations

CHUNK_SIZE = 1 << 20
CHUNKS_PER_TRANSACTION = 16
FTS_MAX_BYTES = 2 << 20  # search_details indexes the first 2 MB of each payload
BUSY_TIMEOUT_S = 30.0
_LOCK_RETRIES = 8


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


class SqliteStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            _private_dir(self.path.parent)
            old_umask = os.umask(0o077)
            try:
                self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                          check_same_thread=False)
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                migrations.apply(self.db)
            finally:
                os.umask(old_umask)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open payload store {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create payload store in {self.path.parent}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def _transaction(self, work):
        """Run work() inside BEGIN IMMEDIATE, retrying a bounded number of times on lock contention."""
        for attempt in range(_LOCK_RETRIES):
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _LOCK_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
                continue
            try:
                result = work()
                self.db.execute("COMMIT")
                return result
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        raise AssertionError("unreachable")

    def put(self, payload: bytes | BinaryIO, *, project: str, tool: str, kind: str, description: str,
            session_id: str | None = None, index_text: str | None = None) -> PayloadInfo:
        """Store a payload (bytes or a binary stream) for `project`; return its info with the handle.

        Storing the same bytes again, from any project, reuses the blob and returns the same handle.
        `index_text` is what search_details can find (default: the start of the payload).
        """
        if isinstance(payload, bytes):
            sha = hashlib.sha256(payload).hexdigest()
            blob = self._complete_blob(sha)
            if blob is None:
                blob = self._write_blob(_chunks_of(payload))
            head = payload[:FTS_MAX_BYTES]
        else:
            head_parts: list[bytes] = []
            blob = self._write_blob(_read_chunks(payload), keep_head=head_parts)
            head = b"".join(head_parts)[:FTS_MAX_BYTES]
        blob_id, size, lines, sha = blob
        handle = handle_for(sha)
        now = time.time()
        text = index_text if index_text is not None else head.decode("utf-8", "replace")

        def link():
            row = self.db.execute("SELECT created FROM payloads WHERE project = ? AND handle = ?",
                                  (project, handle)).fetchone()
            if row:
                self.db.execute("UPDATE payloads SET last_access = ? WHERE project = ? AND handle = ?",
                                (now, project, handle))
                return row[0]
            self.db.execute("INSERT INTO payloads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (project, handle, blob_id, tool, kind, description, session_id, now, now))
            self.db.execute("INSERT INTO payload_fts VALUES (?, ?, ?, ?)", (handle, project, description, text))
            return now

        created = self._transaction(link)
        return PayloadInfo(handle, project, tool, kind, description, size, lines, created)

    def _complete_blob(self, sha: str) -> tuple[int, int, int, str] | None:
        row = self.db.execute("SELECT id, size, lines FROM blobs WHERE sha256 = ? AND complete = 1",
                              (sha,)).fetchone()
        return (row[0], row[1], row[2], sha) if row else None

    def _write_blob(self, chunks: Iterable[bytes], keep_head: list | None = None) -> tuple[int, int, int, str]:
        """Write chunks under a new incomplete blob, then publish it (or reuse an existing identical one)."""
        digest = hashlib.sha256()
        blob_id = self._transaction(lambda: self.db.execute(
            "INSERT INTO blobs (complete, created) VALUES (0, ?)", (time.time(),)).lastrowid)
        size = lines = seq = 0
        pending: list[tuple] = []

        def flush():
            self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", pending)

        for raw in chunks:
            digest.update(raw)
            if keep_head is not None and size < FTS_MAX_BYTES:
                keep_head.append(raw)
            pending.append((blob_id, seq, lines + 1, len(raw), zlib.compress(raw, 1)))
            size += len(raw)
            lines += raw.count(b"\n")
            seq += 1
            if len(pending) >= CHUNKS_PER_TRANSACTION:
                self._transaction(flush)
                pending = []
        if size and not raw.endswith(b"\n"):  # a last line without newline still counts
            lines += 1
        sha = digest.hexdigest()

        def publish():
            if pending:
                flush()
            existing = self._complete_blob(sha)
            if existing:
                self.db.execute("DELETE FROM chunks WHERE blob_id = ?", (blob_id,))
                self.db.execute("DELETE FROM blobs WHERE id = ?", (blob_id,))
                return existing
            self.db.execute("UPDATE blobs SET sha256 = ?, size = ?, lines = ?, complete = 1 WHERE id = ?",
                            (sha, size, lines, blob_id))
            return blob_id, size, lines, sha

        return self._transaction(publish)

    def record_offload(self, *, project: str, session_id: str | None, agent_id: str | None, tool: str,
                       handle: str, original_tokens: int, summary_tokens: int) -> None:
        self._transaction(lambda: self.db.execute(
            "INSERT INTO ledger (ts, project, session_id, agent_id, tool, handle, original_tokens,"
            " summary_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), project, session_id, agent_id, tool, handle, original_tokens, summary_tokens)))

    # -- reading -------------------------------------------------------------------------------

    def info(self, handle: str, project: str) -> PayloadInfo:
        """Info for a handle visible from `project`, else HandleError saying why."""
        handle = check_handle(handle)
        row = self.db.execute(
            "SELECT p.tool, p.kind, p.description, b.size, b.lines, p.created FROM payloads p"
            " JOIN blobs b ON b.id = p.blob_id WHERE p.project = ? AND p.handle = ?",
            (project, handle)).fetchone()
        if row is None:
            other = self.db.execute("SELECT 1 FROM payloads WHERE handle = ? LIMIT 1", (handle,)).fetchone()
            if other:
                raise HandleError(f"handle {handle} belongs to another project; it is not readable from "
                                  f"{project}")
            raise HandleError(f"unknown handle {handle}: nothing stored under it for this project "
                              "(list_details() shows the handles that exist)")
        return PayloadInfo(handle, project, *row)

    def _blob_id(self, handle: str, project: str) -> int:
        self.info(handle, project)
        return self.db.execute("SELECT blob_id FROM payloads WHERE project = ? AND handle = ?",
                               (project, handle)).fetchone()[0]

    def iter_chunks(self, handle: str, project: str, from_line: int = 1) -> Iterator[tuple[int, bytes]]:
        """Yield (first_line, raw bytes) for each chunk, starting with the chunk holding from_line."""
        blob_id = self._blob_id(handle, project)
        # first_line < from_line (not <=): a chunk may begin mid-way through its first_line.
        start = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM chunks WHERE blob_id = ? AND first_line < ?",
                                (blob_id, from_line)).fetchone()[0]
        seq = start
        while True:
            row = self.db.execute("SELECT first_line, data FROM chunks WHERE blob_id = ? AND seq = ?",
                                  (blob_id, seq)).fetchone()
            if row is None:
                return
            yield row[0], zlib.decompress(row[1])
            seq += 1

    def read_bytes(self, handle: str, project: str) -> bytes:
        return b"".join(raw for _, raw in self.iter_chunks(handle, project))

    def touch(self, handle: str, project: str) -> None:
        self._transaction(lambda: self.db.execute(
            "UPDATE payloads SET last_access = ? WHERE project = ? AND handle = ?", (time.time(), project, handle)))

    def recent(self, project: str, limit: int = 20) -> list[PayloadInfo]:
        rows = self.db.execute(
            "SELECT p.handle, p.tool, p.kind, p.description, b.size, b.lines, p.created FROM payloads p"
            " JOIN blobs b ON b.id = p.blob_id WHERE p.project = ? ORDER BY p.created DESC, p.handle LIMIT ?",
            (project, limit)).fetchall()
        return [PayloadInfo(h, project, t, k, d, s, n, c) for h, t, k, d, s, n, c in rows]

    def session_handles(self, project: str, session_id: str, agent_id: str | None = None,
                        limit: int = 40) -> list[PayloadInfo]:
        """Handles offloaded in one session by one agent (None: the main agent), last offloaded first."""
        rows = self.db.execute(
            "SELECT p.handle, p.tool, p.kind, p.description, b.size, b.lines, p.created, MAX(l.id) AS last"
            " FROM ledger l JOIN payloads p ON p.project = l.project AND p.handle = l.handle"
            " JOIN blobs b ON b.id = p.blob_id WHERE l.session_id = ? AND l.project = ? AND l.agent_id IS ?"
            " GROUP BY p.handle ORDER BY last DESC LIMIT ?", (session_id, project, agent_id, limit)).fetchall()
        return [PayloadInfo(h, project, t, k, d, s, n, c) for h, t, k, d, s, n, c, _ in rows]

    def search(self, project: str, query: str, limit: int = 10) -> list[tuple[PayloadInfo, str]]:
        """Full-text search over this project's payloads: (info, snippet) best first."""
        rows = self.db.execute(
            "SELECT handle, snippet(payload_fts, 3, '[', ']', ' ... ', 12) FROM payload_fts"
            " WHERE payload_fts MATCH ? AND project = ? ORDER BY rank LIMIT ?",
            (_fts_query(query), project, limit)).fetchall()
        return [(self.info(handle, project), snippet) for handle, snippet in rows]

    def ledger_for_session(self, session_id: str) -> list[tuple]:
        return self.db.execute(
            "SELECT ts, tool, handle, original_tokens, summary_tokens, agent_id FROM ledger WHERE session_id = ?"
            " ORDER BY ts", (session_id,)).fetchall()


def _fts_query(query: str) -> str:
    """Each word as a quoted FTS5 term (so user text with operators or quotes cannot break the query)."""
    words = [w for w in query.replace('"', " ").split() if w]
    return " ".join(f'"{w}"' for w in words) or '""'


def _chunks_of(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK_SIZE):
        yield data[i:i + CHUNK_SIZE]


def _read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk
