"""SQLite payload store (the embedded default): WAL, safe for concurrent writers, private files.

Payloads are written as zlib chunks of CHUNK_SIZE raw bytes under a blob row that becomes visible only
when complete, so a killed writer never leaves a handle pointing at partial data, and a payload of any
size is stored without holding it whole in memory.

Opening checks that the store is the user's alone (directory 0700, files 0600, owned by this user: loose
modes are fixed, another owner is refused) and that the file is a ctxlean store: garbage, another
program's database or a directory at the store path is moved aside with a timestamp, logged, and replaced
by a fresh store, so one bad file never disables every hook that follows.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ctxlean.store import (
    HandleError,
    PayloadInfo,
    SearchTimeout,
    StoreError,
    check_handle,
    handle_for,
    migrations,
    search_terms,
)
from ctxlean.store.chunks import CHUNK_SIZE, FTS_MAX_BYTES, chunks_of, distinct_lines, read_chunks, walk_chunks
from ctxlean.store.snippet import snippet

TYPE_CHECKING = False  # typing costs every offloading hook call ~1.5 ms of imports
if TYPE_CHECKING:
    from typing import BinaryIO

__all__ = ["CHUNK_SIZE", "FTS_MAX_BYTES", "SqliteStore"]
CHUNKS_PER_TRANSACTION = 16
BUSY_TIMEOUT_S = 30.0
TOUCH_BUSY_MS = 200  # last_access only steers gc: a read never waits long to record it
WAL_LIMIT_BYTES = 64 << 20  # a checkpointed WAL is cut back to this (a 1 GB write would leave it huge)
_LOCK_RETRIES = 8
_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary codes)


class _NotAStore(Exception):
    """The file at the store path is no usable ctxlean store; the message says what it is."""

    def __init__(self, what: str, inode: int | None):
        super().__init__(what)
        self.inode = inode


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _CORRUPT_CODES


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _private(path: Path, mode: int) -> None:
    """Refuse a path another user owns; tighten a looser mode to `mode`."""
    st = os.stat(path)
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise StoreError(f"{path} belongs to uid {st.st_uid}, not to you (uid {os.geteuid()}): ctxlean keeps "
                         "payloads only where no one else can read or change them; set CTXLEAN_STORE to a "
                         "directory of your own")
    if stat.S_IMODE(st.st_mode) & ~mode:
        os.chmod(path, mode)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _private(path, 0o700)


@contextlib.contextmanager
def _store_lock(path: Path, exclusive: bool):
    """Openers share this lock and moving a bad file aside takes it alone, so no process creates a fresh
    store (and its WAL) in the middle of a move. Without fcntl (Windows) the inode check alone guards."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o600)  # never a FIFO's wait
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


class SqliteStore:
    backend = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        try:
            _private_dir(self.path.parent)
            old_umask = os.umask(0o077)
            try:
                self.db = self._open()
            finally:
                os.umask(old_umask)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open payload store {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create payload store in {self.path.parent}: {exc}") from exc
        self.inode = _inode(self.path)

    def _open(self) -> sqlite3.Connection:
        """A connection to a usable store; a bad file at the path is moved aside once and replaced."""
        try:
            with _store_lock(self.path, exclusive=False):
                return self._connect()
        except _NotAStore as bad:
            self._quarantine(str(bad), bad.inode)
        try:
            with _store_lock(self.path, exclusive=False):
                return self._connect()
        except _NotAStore as bad:  # replaced by something bad again at once: give up for this call
            raise StoreError(f"payload store {self.path} {bad}") from None

    def _connect(self) -> sqlite3.Connection:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        if st is not None:
            if not stat.S_ISREG(st.st_mode):  # a FIFO would even block the open forever
                raise _NotAStore("is not a regular file", st.st_ino)
            for suffix in ("", "-wal", "-shm"):
                if suffix == "" or os.path.exists(f"{self.path}{suffix}"):
                    _private(Path(f"{self.path}{suffix}"), 0o600)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            # Look before changing anything: another program's database must be left exactly as it was.
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "_ctxlean_migrations" not in tables:
                raise _NotAStore(f"is another program's SQLite database (tables: {', '.join(sorted(tables)[:5])})",
                                 _inode(self.path))
            if not tables:  # a new file (on an existing one this pragma still rewrites the header)
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # lets gc give freed space back
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if _is_corrupt(exc):
                raise _NotAStore(f"is not a usable SQLite database ({exc})", _inode(self.path)) from exc
            raise
        except BaseException:
            db.close()
            raise
        return db

    def _quarantine(self, what: str, inode: int | None) -> str | None:
        """Move the bad file and its -wal/-shm aside as <name>.bad-<time>-<pid> and log it, unless another
        process already did (the path no longer holds the inode found bad); the message, if this one did.

        Only for files no live connection can be using as a database (garbage, a directory, a store
        `ctxlean gc` was asked to check): SQLite deletes a WAL by name when its last connection closes,
        which after a rename would be the fresh store's WAL."""
        from ctxlean.errorlog import log_error

        with _store_lock(self.path, exclusive=True):
            if inode is None or _inode(self.path) != inode:
                return None
            aside = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        message = f"payload store {self.path} {what}: moved it aside to {aside.name}; a fresh store replaces it"
        log_error(message)
        return message

    def damage(self) -> str | None:
        """What PRAGMA quick_check finds wrong (reads every page: for `ctxlean gc`, not the hook path)."""
        try:
            rows = [row[0] for row in self.db.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(rows)

    def move_aside(self, what: str) -> str | None:
        """Close this store and move its file aside (see _quarantine); the message saying so."""
        self.close()
        return self._quarantine(what, self.inode)

    def replaced(self) -> bool:
        """True when the file at the path is no longer the one this connection has open (moved aside by
        another process): a long-lived reader should then open the store again."""
        return _inode(self.path) != self.inode

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
                if self.db.in_transaction:  # SQLite may already have rolled back (disk full, ...)
                    self.db.execute("ROLLBACK")
                raise
        raise AssertionError("unreachable")

    def put(self, payload: bytes | BinaryIO, *, project: str, tool: str, kind: str, description: str,
            session_id: str | None = None, index_text: str | None = None,
            index_filter: Callable[[str], str] | None = None) -> PayloadInfo:
        """Store a payload (bytes or a binary stream) for `project`; return its info with the handle.

        Storing the same bytes again, from any project, reuses the blob and returns the same handle.
        `index_text` is what search_details can find (default: the start of the payload), passed through
        `index_filter` (secret masking) when given. When put returns, the handle is durable: the blob is
        published and linked to the project in one transaction, so gc never sees it unreferenced.
        """
        try:
            return self._put(payload, project, tool, kind, description, session_id, index_text, index_filter)
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                raise StoreError(f"payload store {self.path} is damaged ({exc}): tool outputs pass through "
                                 "unchanged until `ctxlean gc` moves it aside") from exc
            raise

    def _put(self, payload, project, tool, kind, description, session_id, index_text, index_filter) -> PayloadInfo:
        head: list[bytes] = []

        def index() -> str:
            text = index_text if index_text is not None else b"".join(head).decode("utf-8", "replace")
            return distinct_lines(index_filter(text) if index_filter else text)

        def link(blob_id: int, sha: str, text: str) -> float:
            return self._link(blob_id, handle_for(sha), project, tool, kind, description, session_id, text)

        if isinstance(payload, bytes):
            sha = hashlib.sha256(payload).hexdigest()
            head.append(payload[:FTS_MAX_BYTES])
            if self._complete_blob(sha):  # stored before: link it, unless gc removed it in between
                text = index()
                found = self._transaction(lambda: self._link_complete(sha, text, link))
                if found:
                    return PayloadInfo(handle_for(sha), project, tool, kind, description, *found)
            chunks = chunks_of(payload)
        else:
            chunks = read_chunks(payload, head)
        size, lines, sha, created = self._write_blob(chunks, index, link)
        return PayloadInfo(handle_for(sha), project, tool, kind, description, size, lines, created)

    def _link_complete(self, sha: str, text: str, link) -> tuple[int, int, float] | None:
        row = self._complete_blob(sha)
        if row is None:
            return None
        blob_id, size, lines = row
        return size, lines, link(blob_id, sha, text)

    def _link(self, blob_id: int, handle: str, project: str, tool: str, kind: str, description: str,
              session_id: str | None, index_text: str) -> float:
        """Inside a transaction: make blob_id visible to `project` as `handle`; the row's creation time."""
        now = time.time()
        row = self.db.execute("SELECT created FROM payloads WHERE project = ? AND handle = ?",
                              (project, handle)).fetchone()
        if row:
            self.db.execute("UPDATE payloads SET last_access = ? WHERE project = ? AND handle = ?",
                            (now, project, handle))
            return row[0]
        rowid = self.db.execute("INSERT INTO payloads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (project, handle, blob_id, tool, kind, description, session_id, now, now)).lastrowid
        # the search row shares the payload row's rowid, so gc removes it by key
        self.db.execute("INSERT INTO payload_fts (rowid, handle, project, description, body) VALUES (?, ?, ?, ?, ?)",
                        (rowid, handle, project, description, index_text))
        return now

    def _complete_blob(self, sha: str) -> tuple[int, int, int] | None:
        return self.db.execute("SELECT id, size, lines FROM blobs WHERE sha256 = ? AND complete = 1",
                               (sha,)).fetchone()

    def _claim(self, blob_id: int, token: str) -> None:
        """Inside a transaction: prove the incomplete blob is still ours (gc removes stalled ones) and show
        it is moving."""
        cur = self.db.execute("UPDATE blobs SET touched = ? WHERE id = ? AND token = ? AND complete = 0",
                              (time.time(), blob_id, token))
        if cur.rowcount != 1:
            raise StoreError(f"blob {blob_id} was removed while being written (stalled longer than gc's grace "
                             "period); the output passes through unchanged")

    def _write_blob(self, chunks: Iterable[bytes], index: Callable[[], str],
                    link: Callable[[int, str, str], float]) -> tuple[int, int, str, float]:
        """Write chunks under a new incomplete blob, then in one transaction publish it (or reuse an identical
        blob that completed meanwhile) and link it: (size, lines, sha256, created)."""
        digest = hashlib.sha256()
        token = os.urandom(8).hex()
        blob_id = self._transaction(lambda: self.db.execute(
            "INSERT INTO blobs (complete, created, touched, token) VALUES (0, ?, ?, ?)",
            (time.time(), time.time(), token)).lastrowid)
        size = lines = seq = 0
        raw = b""
        pending: list[tuple] = []

        def flush():
            self._claim(blob_id, token)
            self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", pending)

        def publish():
            flush()
            existing = self._complete_blob(sha)
            if existing:
                self._drop_blob(blob_id)
                return existing[1], existing[2], link(existing[0], sha, text)
            self.db.execute("UPDATE blobs SET sha256 = ?, size = ?, lines = ?, complete = 1, token = NULL"
                            " WHERE id = ?", (sha, size, lines, blob_id))
            return size, lines, link(blob_id, sha, text)

        def drop_own():
            if self.db.execute("SELECT 1 FROM blobs WHERE id = ? AND token = ?", (blob_id, token)).fetchone():
                self._drop_blob(blob_id)

        try:
            for raw in chunks:
                digest.update(raw)
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
            text = index()
            size, lines, created = self._transaction(publish)
            return size, lines, sha, created
        except Exception:
            # Best effort (the disk may be full): what stays behind is an incomplete blob that gc removes.
            with contextlib.suppress(sqlite3.Error):
                self._transaction(drop_own)
            raise

    def _drop_blob(self, blob_id: int) -> None:
        self.db.execute("DELETE FROM chunks WHERE blob_id = ?", (blob_id,))
        self.db.execute("DELETE FROM blobs WHERE id = ?", (blob_id,))

    def record_offload(self, *, project: str, session_id: str | None, agent_id: str | None, tool: str,
                       handle: str, original_tokens: int, summary_tokens: int) -> None:
        self._transaction(lambda: self.db.execute(
            "INSERT INTO ledger (ts, project, session_id, agent_id, tool, handle, original_tokens,"
            " summary_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), project, session_id, agent_id, tool, handle, original_tokens, summary_tokens)))

    # -- reading -------------------------------------------------------------------------------

    def info(self, handle: str, project: str) -> PayloadInfo:
        """Info for a handle visible from `project`, else HandleError saying why.

        A handle stored only by another project gets the same answer as one never stored: telling them
        apart would let one project probe whether another ever saw a given content.
        """
        handle = check_handle(handle)
        row = self.db.execute(
            "SELECT p.tool, p.kind, p.description, b.size, b.lines, p.created FROM payloads p"
            " JOIN blobs b ON b.id = p.blob_id WHERE p.project = ? AND p.handle = ?",
            (project, handle)).fetchone()
        if row is None:
            raise HandleError(f"unknown handle {handle}: nothing stored under it for this project (handles are "
                              "scoped to the project that stored them; list_details() shows this project's)")
        return PayloadInfo(handle, project, *row)

    def owner(self, handle: str, project: str, allowed: Iterable[str] = ()) -> str:
        """The project whose copy of `handle` a caller in `project` may read: its own, else the first other
        project matching one of the `allowed` globs (the user's allow_cross_project), else HandleError."""
        handle = check_handle(handle)
        allowed = tuple(allowed)
        if allowed and not self.db.execute("SELECT 1 FROM payloads WHERE project = ? AND handle = ?",
                                           (project, handle)).fetchone():
            for (other,) in self.db.execute("SELECT project FROM payloads WHERE handle = ? ORDER BY project",
                                            (handle,)).fetchall():
                if any(fnmatch.fnmatchcase(other, pattern) for pattern in allowed):
                    return other
        self.info(handle, project)
        return project

    def _blob_id(self, handle: str, project: str) -> int:
        handle = check_handle(handle)
        row = self.db.execute("SELECT blob_id FROM payloads WHERE project = ? AND handle = ?",
                              (project, handle)).fetchone()
        if row is None:
            self.info(handle, project)  # raises the HandleError that says why
        return row[0]

    def iter_chunks(self, handle: str, project: str, from_line: int = 1) -> Iterator[tuple[int, bytes]]:
        """Yield (first_line, raw bytes) for each chunk, starting with the chunk holding from_line."""
        blob_id = self._blob_id(handle, project)
        # first_line < from_line (not <=): a chunk may begin mid-way through its first_line.
        start = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM chunks WHERE blob_id = ? AND first_line < ?",
                                (blob_id, from_line)).fetchone()[0]
        yield from walk_chunks(handle, start, lambda seq: self.db.execute(
            "SELECT first_line, data FROM chunks WHERE blob_id = ? AND seq = ?", (blob_id, seq)).fetchone(),
            lambda: bool(self.db.execute("SELECT 1 FROM blobs WHERE id = ?", (blob_id,)).fetchone()))

    def read_bytes(self, handle: str, project: str) -> bytes:
        return b"".join(raw for _, raw in self.iter_chunks(handle, project))

    def touch(self, handle: str, project: str) -> None:
        """Record a read for gc's least-recently-used order. Best effort: a busy or full store skips it
        rather than delay or fail the read."""
        self.db.execute(f"PRAGMA busy_timeout = {TOUCH_BUSY_MS}")
        try:
            self._transaction(lambda: self.db.execute(
                "UPDATE payloads SET last_access = ? WHERE project = ? AND handle = ?", (time.time(), project, handle)))
        except sqlite3.OperationalError:
            pass
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

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

    def search(self, project: str, query: str, limit: int = 10,
               deadline: float | None = None) -> list[tuple[PayloadInfo, str]]:
        """Full-text search over this project's payloads: (info, snippet) best first. Past `deadline`
        (time.monotonic()) SQLite's work is interrupted: SearchTimeout carries the hits found by then.

        Ranking gets the first half of the time; if it cannot finish, the newest matching payloads are
        taken unranked. Snippets are cut from a bounded window around the first term found, not built by
        FTS5's snippet(), which walks every hit in the payload's indexed text."""
        words, _ = search_terms(query)  # any text: quotes, NULs and lone surrogates cannot break the query
        match = " ".join(f'"{w}"' for w in words) or '""'
        sql = "SELECT rowid, handle FROM payload_fts WHERE payload_fts MATCH ? AND project = ? ORDER BY {} LIMIT ?"
        found: list[tuple[int, str]] = []
        try:
            with self._until(None if deadline is None else (time.monotonic() + deadline) / 2):
                found = self.db.execute(sql.format("rank"), (match, project, limit)).fetchall()
            ranked = True
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            ranked = False
        hits: list[tuple[PayloadInfo, str]] = []
        try:
            with self._until(deadline):
                if not ranked:
                    cursor = self.db.execute(sql.format("rowid DESC"), (match, project, limit))
                    while row := cursor.fetchone():  # one at a time: what came before the deadline counts
                        found.append(row)
                for rowid, handle in found:
                    if deadline is not None and time.monotonic() > deadline:
                        raise SearchTimeout(hits)
                    hits.append((self.info(handle, project), self._snippet(rowid, words)))
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            raise SearchTimeout(hits) from None
        if not ranked:
            raise SearchTimeout(hits)
        return hits

    def _snippet(self, rowid: int, words: list[str]) -> str:
        (body,) = self.db.execute("SELECT body FROM payload_fts WHERE rowid = ?", (rowid,)).fetchone()
        return snippet(body or "", words)

    @contextlib.contextmanager
    def _until(self, deadline: float | None):
        """SQLite work inside is interrupted (OperationalError "interrupted") once `deadline` passes."""
        if deadline is None:
            yield
            return
        self.db.set_progress_handler(lambda: time.monotonic() > deadline, 200)
        try:
            yield
        finally:
            self.db.set_progress_handler(None, 0)

    def ledger_for_session(self, session_id: str) -> list[tuple]:
        return self.db.execute(
            "SELECT ts, tool, handle, original_tokens, summary_tokens, agent_id FROM ledger WHERE session_id = ?"
            " ORDER BY ts", (session_id,)).fetchall()

    def scope(self, project_dir: str) -> str:
        """The project directory itself: this store is one user's on one machine (ctxlean.identity)."""
        return project_dir

    def ledger_totals(self, since: float | None = None) -> list[tuple]:
        """Per project (see Store.ledger_totals): this store is private to the user running this, here."""
        from ctxlean.identity import local_user_and_machine

        user, machine = local_user_and_machine()
        return [(project, user, machine, *rest) for project, *rest in self.db.execute(
            "SELECT project, SUM(original_tokens > 0), COUNT(DISTINCT session_id),"
            " SUM(CASE WHEN original_tokens > 0 THEN original_tokens ELSE 0 END),"
            " SUM(CASE WHEN original_tokens > 0 THEN MAX(original_tokens - summary_tokens, 0) ELSE 0 END),"
            " MIN(ts), MAX(ts) FROM ledger WHERE ts >= ? GROUP BY project ORDER BY project",
            (since or 0.0,)).fetchall()]

    def last_gc(self) -> float | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_gc'").fetchone()
        return row[0] if row else None
