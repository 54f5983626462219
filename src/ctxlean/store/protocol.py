"""The store seam: everything that reads or writes payloads and the ledger goes through these methods, so
the SQLite store (store/sqlite.py, one machine) and the PostgreSQL store (store/postgres.py, a fleet) are
interchangeable. A test holds both backends to this list (tests/test_store_backends.py).

`project` below is a scope key, as `scope()` gives it for a project directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, Protocol

from ctxlean.store import PayloadInfo


class Store(Protocol):
    backend: str  # "sqlite" or "postgresql"
    location: str  # what open_store() takes to open the same store again (a path, or a URL)

    def scope(self, project_dir: str) -> str:
        """The key this store files a project directory's payloads under (ctxlean.identity)."""

    def put(self, payload: bytes | BinaryIO, *, project: str, tool: str, kind: str, description: str,
            session_id: str | None = None, index_text: str | None = None,
            index_filter: Callable[[str], str] | None = None) -> PayloadInfo:
        """Store a payload for `project`; the handle is durable when this returns."""

    def record_offload(self, *, project: str, session_id: str | None, agent_id: str | None, tool: str,
                       handle: str, original_tokens: int, summary_tokens: int) -> None:
        """One ledger row: what one offload kept out of the context."""

    def info(self, handle: str, project: str) -> PayloadInfo:
        """The handle's info, or HandleError when `project` cannot see it."""

    def owner(self, handle: str, project: str, allowed: Iterable[str] = ()) -> str:
        """The project whose copy of `handle` a caller in `project` may read."""

    def iter_chunks(self, handle: str, project: str, from_line: int = 1) -> Iterator[tuple[int, bytes]]:
        """(first_line, raw bytes) per chunk, from the chunk holding from_line."""

    def read_bytes(self, handle: str, project: str) -> bytes:
        """The whole payload."""

    def touch(self, handle: str, project: str) -> None:
        """Record a read for gc's least-recently-used order (best effort)."""

    def recent(self, project: str, limit: int = 20) -> list[PayloadInfo]:
        """The project's payloads, newest first."""

    def session_handles(self, project: str, session_id: str, agent_id: str | None = None,
                        limit: int = 40) -> list[PayloadInfo]:
        """Handles one agent offloaded in one session, last offloaded first."""

    def search(self, project: str, query: str, limit: int = 10,
               deadline: float | None = None) -> list[tuple[PayloadInfo, str]]:
        """Full-text search over the project's payloads: (info, snippet), best first; the backend's work
        stops at `deadline` (time.monotonic()) with SearchTimeout carrying the hits found by then."""

    def ledger_for_session(self, session_id: str) -> list[tuple]:
        """(ts, tool, handle, original_tokens, summary_tokens, agent_id) per offload of a session."""

    def ledger_totals(self, since: float | None = None) -> list[tuple]:
        """(project, user, machine, offloads, sessions, original_tokens, kept_out_tokens, first_ts, last_ts) per
        project, user and machine, offloads only (a failing command's stored output keeps nothing out)."""

    def last_gc(self) -> float | None:
        """When gc last ran on this store."""

    def damage(self) -> str | None:
        """What an integrity check finds wrong, None when nothing."""

    def replaced(self) -> bool:
        """True when a long-lived reader should open the store again."""

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc) -> None: ...
