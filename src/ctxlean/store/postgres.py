"""PostgreSQL payload store: one set of handles and one ledger for many machines (docs/fleet.md).

The same handles, chunks (zlib, 1 MB raw) and scoping as the SQLite store, in the `ctxlean` schema of the
database the URL names (store/pg_migrations.py). A payload is written in one transaction: its chunks, its
blob row (published under the payload's sha256) and its project's payload row commit together or not at
all, so a writer killed or cut off mid-payload leaves nothing that could be served as complete. Writers
of the same payload meet at an advisory lock on its digest, which gc takes too before it removes a blob.

Every connection has a short connect timeout and server-side statement and idle-in-transaction timeouts,
so a store that is down, restarting or out of reach costs a hook seconds at most, and the hook then fails
open. psycopg (the `postgres` extra) is imported only here, when a URL selects this backend.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import math
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ctxlean.store import (
    HandleError,
    PayloadInfo,
    SearchTimeout,
    StoreError,
    check_handle,
    handle_for,
    pg_migrations,
)
from ctxlean.store.chunks import FTS_MAX_BYTES, chunks_of, distinct_lines, read_chunks, walk_chunks


def _import_psycopg():
    """psycopg, or None when the `postgres` extra is not installed. Hooks run Python with -S (no
    site-packages: it saves every hook call milliseconds), so here, and only for this backend, the
    site-packages are added first."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()
    try:
        import psycopg
        import psycopg.conninfo
    except ImportError:
        return None
    return psycopg


psycopg = _import_psycopg()
if psycopg is not None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

CHUNKS_PER_STATEMENT = 16
STATEMENT_TIMEOUT_S = 60  # any one statement; a hook's whole offload stays within Claude Code's hook timeout
SEARCH_TIMEOUT_S = 10.0  # search_details answers within this, or says to narrow the words
IDLE_IN_TRANSACTION_S = 600  # a writer that stops mid-payload (a laptop asleep) is rolled back by the server
_KEEPALIVE = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
              "tcp_user_timeout": "30000"}  # a server that vanished without a word is noticed in seconds
_HEADLINE = "StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=2, FragmentDelimiter=\" ... \""
_PAYLOAD_COLUMNS = "p.handle, p.tool, p.kind, p.description, b.size, b.lines, p.created"


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if psycopg is None:
        return url.split("@")[-1]
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        return url.split("@")[-1]
    user, host = params.get("user", ""), params.get("host", "")
    port, db = params.get("port"), params.get("dbname", "")
    return f"postgresql://{user + '@' if user else ''}{host}{':' + str(port) if port else ''}/{db}"


def _text(value: str | None) -> str | None:
    """Text PostgreSQL accepts: valid UTF-8 without NUL (a hostile tool output may hold either)."""
    if value is None:
        return None
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _lock_key(sha: str) -> int:
    """An advisory lock's second key for a digest (32 bits: a collision only makes two writers queue)."""
    return int(sha[:8], 16) - (1 << 31)


def connect(url: str, connect_timeout_s: float):
    """A psycopg connection in autocommit mode with ctxlean's timeouts, unless the URL sets its own."""
    if psycopg is None:
        raise StoreError("this store is PostgreSQL but psycopg is not installed: pip install 'ctxlean[postgres]'")
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise StoreError(f"CTXLEAN_STORE is not a usable PostgreSQL URL ({exc})") from None
    extra = {key: value for key, value in _KEEPALIVE.items() if key not in params}
    extra.setdefault("application_name", params.get("application_name", "ctxlean"))
    extra["connect_timeout"] = params.get("connect_timeout", str(max(2, math.ceil(connect_timeout_s))))
    extra["options"] = " ".join(filter(None, [params.get("options"), f"-c statement_timeout={STATEMENT_TIMEOUT_S}s",
                                              f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_S}s"]))
    try:
        return psycopg.connect(make_conninfo(url, **extra), autocommit=True)
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the PostgreSQL store {display_url(url)}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_postgres_store(location) -> PgStore:
    """The store at a postgresql:// location: its URL, or an object carrying it as `url`."""
    return PgStore(getattr(location, "url", location))


class PgStore:
    backend = "postgresql"

    def __init__(self, url: str, connect_timeout_s: float | None = None):
        if connect_timeout_s is None:
            from ctxlean import config

            connect_timeout_s = config.load().store_connect_timeout_s
        self.location = url
        self.connect_timeout_s = connect_timeout_s
        self.db = connect(url, connect_timeout_s)
        with self._errors():
            pg_migrations.apply(self.db)
        self._scopes: dict[str, str] = {}

    # -- connection ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self):
        """psycopg's errors as StoreError, which every caller already handles (hooks fail open)."""
        try:
            yield
        except psycopg.errors.QueryCanceled as exc:
            raise StoreError(f"the PostgreSQL store {display_url(self.location)} took too long: "
                             f"{_first_line(exc)}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"the PostgreSQL store {display_url(self.location)} failed: {_first_line(exc)}") from exc

    def _read(self, work: Callable[[], object]):
        """Run a read; once more on a fresh connection if the old one broke (the server restarted since)."""
        with self._errors():
            try:
                return work()
            except psycopg.OperationalError:
                if not (self.db.broken or self.db.closed):
                    raise
            self.db = connect(self.location, self.connect_timeout_s)
            return work()

    def replaced(self) -> bool:
        """True when the connection is gone (server restarted, network cut): open the store again."""
        return self.db.closed or self.db.broken

    def damage(self) -> str | None:
        """None: PostgreSQL keeps its own pages consistent (amcheck is its DBA's tool, not ours)."""
        return None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def scope(self, project_dir: str) -> str:
        """The project's key on this shared store: project_id, else the git remote, else the path."""
        if project_dir not in self._scopes:
            from ctxlean.identity import shared_scope_key

            self._scopes[project_dir] = shared_scope_key(project_dir)
        return self._scopes[project_dir]

    # -- writing -------------------------------------------------------------------------------

    def put(self, payload: bytes | BinaryIO, *, project: str, tool: str, kind: str, description: str,
            session_id: str | None = None, index_text: str | None = None,
            index_filter: Callable[[str], str] | None = None) -> PayloadInfo:
        """Store a payload (bytes or a binary stream) for `project`; see SqliteStore.put. When put returns
        the handle is committed: blob, chunks and payload row in one transaction."""
        head: list[bytes] = []
        row = (_text(project), _text(tool), _text(kind), _text(description), _text(session_id))

        def index() -> str:
            text = index_text if index_text is not None else b"".join(head).decode("utf-8", "replace")
            return _text(distinct_lines(index_filter(text) if index_filter else text))

        with self._errors():
            if isinstance(payload, bytes):
                sha = hashlib.sha256(payload).hexdigest()
                head.append(payload[:FTS_MAX_BYTES])
                with self.db.transaction():
                    found = self._link_existing(sha, row, index)
                if found:
                    return PayloadInfo(handle_for(sha), project, tool, kind, description, *found)
                chunks = chunks_of(payload)
            else:
                chunks = read_chunks(payload, head)
            with self.db.transaction():
                size, lines, sha, created = self._write_blob(chunks, row, index)
        return PayloadInfo(handle_for(sha), project, tool, kind, description, size, lines, created)

    def _link_existing(self, sha: str, row: tuple, index: Callable[[], str]) -> tuple[int, int, float] | None:
        """Inside a transaction: link the complete blob with this digest, if there is one, under its lock."""
        self.db.execute("SELECT pg_advisory_xact_lock(%s, %s)", (pg_migrations.LOCK_CLASS, _lock_key(sha)))
        found = self.db.execute("SELECT id, size, lines FROM ctxlean.blobs WHERE sha256 = %s", (sha,)).fetchone()
        if found is None:
            return None
        blob_id, size, lines = found
        return size, lines, self._link(blob_id, handle_for(sha), row, index)

    def _write_blob(self, chunks: Iterable[bytes], row: tuple, index: Callable[[], str]) -> tuple[int, int, str, float]:
        """Inside a transaction: the chunks under a new blob, then that blob published and linked, or, when
        an identical blob was published meanwhile, ours dropped and that one linked."""
        digest = hashlib.sha256()
        blob_id = self.db.execute("INSERT INTO ctxlean.blobs (created) VALUES (%s) RETURNING id",
                                  (time.time(),)).fetchone()[0]
        size = lines = seq = stored = 0
        raw = b""
        pending: list[tuple] = []
        with self.db.cursor() as cur:
            for raw in chunks:
                digest.update(raw)
                data = zlib.compress(raw, 1)
                pending.append((blob_id, seq, lines + 1, len(raw), data))
                size += len(raw)
                stored += len(data)
                lines += raw.count(b"\n")
                seq += 1
                if len(pending) >= CHUNKS_PER_STATEMENT:
                    cur.executemany("INSERT INTO ctxlean.chunks VALUES (%s, %s, %s, %s, %s)", pending)
                    pending = []
            if pending:
                cur.executemany("INSERT INTO ctxlean.chunks VALUES (%s, %s, %s, %s, %s)", pending)
        if size and not raw.endswith(b"\n"):  # a last line without newline still counts
            lines += 1
        sha = digest.hexdigest()
        found = self._link_existing(sha, row, index)
        if found:
            self.db.execute("DELETE FROM ctxlean.blobs WHERE id = %s", (blob_id,))  # its chunks go with it
            return *found[:2], sha, found[2]
        self.db.execute("UPDATE ctxlean.blobs SET sha256 = %s, size = %s, lines = %s, stored = %s WHERE id = %s",
                        (sha, size, lines, stored, blob_id))
        return size, lines, sha, self._link(blob_id, handle_for(sha), row, index)

    def _link(self, blob_id: int, handle: str, row: tuple, index: Callable[[], str]) -> float:
        """Inside a transaction holding the digest's lock: make blob_id visible to the project as `handle`;
        the payload row's creation time."""
        project, tool, kind, description, session_id = row
        now = time.time()
        existing = self.db.execute("UPDATE ctxlean.payloads SET last_access = %s WHERE project = %s AND handle = %s"
                                   " RETURNING created", (now, project, handle)).fetchone()
        if existing:
            return existing[0]
        payload_id = self.db.execute(
            "INSERT INTO ctxlean.payloads (project, handle, blob_id, tool, kind, description, session_id, created,"
            " last_access) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (project, handle, blob_id, tool, kind, description, session_id, now, now)).fetchone()[0]
        self._index(payload_id, project, description, index())
        return now

    def _index(self, payload_id: int, project: str, description: str, body: str) -> None:
        """The search row. A tsvector holds at most 1 MB: text with too many distinct words (random tokens,
        base64) is indexed by its longest start that fits, down to the description alone."""
        while True:
            try:
                with self.db.transaction():
                    self.db.execute(
                        "INSERT INTO ctxlean.payload_search VALUES (%(id)s, %(project)s, %(body)s,"
                        " setweight(to_tsvector('simple', %(description)s), 'A') || to_tsvector('simple', %(body)s))",
                        {"id": payload_id, "project": project, "body": body, "description": description})
                return
            except psycopg.errors.ProgramLimitExceeded:
                if not body:
                    raise
                body = body[:len(body) // 2] if len(body) > 1024 else ""

    def record_offload(self, *, project: str, session_id: str | None, agent_id: str | None, tool: str,
                       handle: str, original_tokens: int, summary_tokens: int) -> None:
        """One ledger row, with the user and machine it came from (the team report groups by them)."""
        from ctxlean.identity import local_user_and_machine

        with self._errors():
            self.db.execute(
                "INSERT INTO ctxlean.ledger (ts, project, session_id, agent_id, tool, handle, original_tokens,"
                " summary_tokens, user_name, machine) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (time.time(), _text(project), _text(session_id), _text(agent_id), _text(tool), handle,
                 original_tokens, summary_tokens, *map(_text, local_user_and_machine())))

    # -- reading -------------------------------------------------------------------------------

    def info(self, handle: str, project: str) -> PayloadInfo:
        """Info for a handle visible from `project`, else HandleError (the same for another project's
        handle as for one never stored, as in SqliteStore.info)."""
        handle = check_handle(handle)
        row = self._read(lambda: self.db.execute(
            "SELECT p.tool, p.kind, p.description, b.size, b.lines, p.created FROM ctxlean.payloads p"
            " JOIN ctxlean.blobs b ON b.id = p.blob_id WHERE p.project = %s AND p.handle = %s",
            (_text(project), handle)).fetchone())
        if row is None:
            raise HandleError(f"unknown handle {handle}: nothing stored under it for this project (handles are "
                              "scoped to the project that stored them; list_details() shows this project's)")
        return PayloadInfo(handle, project, *row)

    def owner(self, handle: str, project: str, allowed: Iterable[str] = ()) -> str:
        """See SqliteStore.owner: its own copy, else the first other project `allowed` matches."""
        handle = check_handle(handle)
        allowed = tuple(allowed)
        if allowed:
            projects = self._read(lambda: [row[0] for row in self.db.execute(
                "SELECT project FROM ctxlean.payloads WHERE handle = %s ORDER BY project", (handle,))])
            if project not in projects:
                for other in projects:
                    if any(fnmatch.fnmatchcase(other, pattern) for pattern in allowed):
                        return other
        self.info(handle, project)
        return project

    def iter_chunks(self, handle: str, project: str, from_line: int = 1) -> Iterator[tuple[int, bytes]]:
        """Yield (first_line, raw bytes) for each chunk, starting with the chunk holding from_line."""
        handle = check_handle(handle)
        found = self._read(lambda: self.db.execute(
            "SELECT p.blob_id, (SELECT COALESCE(MAX(seq), 0) FROM ctxlean.chunks c WHERE c.blob_id = p.blob_id"
            " AND c.first_line < %s) FROM ctxlean.payloads p WHERE p.project = %s AND p.handle = %s",
            (from_line, _text(project), handle)).fetchone())
        if found is None:
            self.info(handle, project)  # raises the HandleError that says why
            return
        blob_id, start = found
        yield from walk_chunks(handle, start, lambda seq: self._read(lambda: self.db.execute(
            "SELECT first_line, data FROM ctxlean.chunks WHERE blob_id = %s AND seq = %s", (blob_id, seq)).fetchone()),
            lambda: bool(self._read(lambda: self.db.execute("SELECT 1 FROM ctxlean.blobs WHERE id = %s",
                                                            (blob_id,)).fetchone())))

    def read_bytes(self, handle: str, project: str) -> bytes:
        return b"".join(raw for _, raw in self.iter_chunks(handle, project))

    def touch(self, handle: str, project: str) -> None:
        """Record a read for gc's least-recently-used order; a row another transaction holds is skipped,
        never waited for."""
        with contextlib.suppress(StoreError):
            self._read(lambda: self.db.execute(
                "UPDATE ctxlean.payloads SET last_access = %s WHERE id = (SELECT id FROM ctxlean.payloads"
                " WHERE project = %s AND handle = %s FOR UPDATE SKIP LOCKED)", (time.time(), _text(project), handle)))

    def _infos(self, project: str, rows: list[tuple]) -> list[PayloadInfo]:
        return [PayloadInfo(h, project, t, k, d, s, n, c) for h, t, k, d, s, n, c, *_ in rows]

    def recent(self, project: str, limit: int = 20) -> list[PayloadInfo]:
        return self._infos(project, self._read(lambda: self.db.execute(
            f"SELECT {_PAYLOAD_COLUMNS} FROM ctxlean.payloads p JOIN ctxlean.blobs b ON b.id = p.blob_id"
            " WHERE p.project = %s ORDER BY p.created DESC, p.handle LIMIT %s", (_text(project), limit)).fetchall()))

    def session_handles(self, project: str, session_id: str, agent_id: str | None = None,
                        limit: int = 40) -> list[PayloadInfo]:
        """Handles offloaded in one session by one agent (None: the main agent), last offloaded first."""
        return self._infos(project, self._read(lambda: self.db.execute(
            f"SELECT {_PAYLOAD_COLUMNS}, MAX(l.id) AS last FROM ctxlean.ledger l"
            " JOIN ctxlean.payloads p ON p.project = l.project AND p.handle = l.handle"
            " JOIN ctxlean.blobs b ON b.id = p.blob_id"
            " WHERE l.session_id = %s AND l.project = %s AND l.agent_id IS NOT DISTINCT FROM %s"
            " GROUP BY p.id, b.id ORDER BY last DESC LIMIT %s",
            (_text(session_id), _text(project), _text(agent_id), limit)).fetchall()))

    def search(self, project: str, query: str, limit: int = 10,
               deadline: float | None = None) -> list[tuple[PayloadInfo, str]]:
        """PostgreSQL full-text search over this project's payloads: every word must occur; (info, snippet)
        best first, within SEARCH_TIMEOUT_S or until `deadline` (time.monotonic()), whichever comes first:
        SearchTimeout past it (nothing ranked by then: PostgreSQL cancels the statement whole)."""
        budget = SEARCH_TIMEOUT_S if deadline is None else min(SEARCH_TIMEOUT_S, deadline - time.monotonic())

        def run() -> list[tuple]:
            with self.db.transaction():
                self.db.execute("SELECT set_config('statement_timeout', %s, true)",
                                (str(max(int(budget * 1000), 1)),))
                return self.db.execute(
                    f"SELECT {_PAYLOAD_COLUMNS}, ts_headline('simple', s.body, q.q, %(headline)s) FROM ("
                    "  SELECT s.payload_id, ts_rank(s.doc, q.q) AS rank FROM ctxlean.payload_search s,"
                    "  plainto_tsquery('simple', %(query)s) AS q(q) WHERE s.project = %(project)s AND s.doc @@ q.q"
                    "  ORDER BY rank DESC, s.payload_id LIMIT %(limit)s) top"
                    " JOIN ctxlean.payload_search s ON s.payload_id = top.payload_id"
                    " JOIN ctxlean.payloads p ON p.id = top.payload_id JOIN ctxlean.blobs b ON b.id = p.blob_id,"
                    " plainto_tsquery('simple', %(query)s) AS q(q) ORDER BY top.rank DESC, top.payload_id",
                    {"headline": _HEADLINE, "query": _text(query), "project": _text(project), "limit": limit},
                ).fetchall()

        try:
            rows = self._read(run)
        except StoreError as exc:
            if isinstance(exc.__cause__, psycopg.errors.QueryCanceled):
                raise SearchTimeout([]) from exc
            raise
        return [(info, row[-1]) for info, row in zip(self._infos(project, rows), rows, strict=True)]

    def ledger_for_session(self, session_id: str) -> list[tuple]:
        return self._read(lambda: self.db.execute(
            "SELECT ts, tool, handle, original_tokens, summary_tokens, agent_id FROM ctxlean.ledger"
            " WHERE session_id = %s ORDER BY ts", (_text(session_id),)).fetchall())

    def ledger_totals(self, since: float | None = None) -> list[tuple]:
        """Per project, user and machine (see Store.ledger_totals)."""
        return self._read(lambda: self.db.execute(
            "SELECT project, user_name, machine, COUNT(*) FILTER (WHERE original_tokens > 0),"
            " COUNT(DISTINCT session_id),"
            " COALESCE(SUM(original_tokens) FILTER (WHERE original_tokens > 0), 0)::BIGINT,"
            " COALESCE(SUM(GREATEST(original_tokens - summary_tokens, 0))"
            " FILTER (WHERE original_tokens > 0), 0)::BIGINT,"
            " MIN(ts), MAX(ts) FROM ctxlean.ledger WHERE ts >= %s GROUP BY project, user_name, machine"
            " ORDER BY project, user_name, machine", (since or 0.0,)).fetchall())

    def last_gc(self) -> float | None:
        row = self._read(lambda: self.db.execute("SELECT value FROM ctxlean.meta WHERE key = 'last_gc'").fetchone())
        return row[0] if row else None
