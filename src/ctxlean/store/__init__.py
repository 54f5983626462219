"""The payload store: content-addressed, compressed, scoped by project.

`open_store()` returns the store at the one configured location (ctxlean.paths.store_location): the
embedded SQLite store (the default), or the PostgreSQL store a fleet of machines shares when CTXLEAN_STORE
(or `store` in the user config) is a postgresql:// URL. Both implement the protocol in store/protocol.py.
Handles are `ctx_` plus the first 16 hex digits of the payload's sha256, so the same payload always gets
the same handle, on every machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from ctxlean.values import Value

HANDLE_RE = re.compile(r"ctx_[0-9a-f]{16}")
# A handle as a model may copy it out of a summary: quoted, in backticks, with the colon or full stop that
# followed it, or inside a few words ("handle ctx_...: 189,260 bytes"). Not part of a longer identifier.
_HANDLE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z_])ctx_([0-9a-fA-F]{16})(?![0-9A-Za-z_])")
MAX_HANDLE_TEXT = 400  # beyond this an argument is not "a handle with punctuation" but some other text


class StoreError(Exception):
    """The store cannot be used (unwritable, corrupt, ...)."""


class SearchTimeout(Exception):
    """search() reached its deadline; `hits` are those found by then (newest first, not ranked)."""

    def __init__(self, hits: list):
        super().__init__("search stopped at its deadline")
        self.hits = hits


class HandleError(LookupError):
    """A handle that is malformed, unknown, or not visible from this project. The message is for the model."""


class PayloadInfo(Value):
    __slots__ = ("handle", "project", "tool", "kind", "description", "size", "lines", "created")

    def __init__(self, handle: str, project: str, tool: str, kind: str, description: str, size: int, lines: int,
                 created: float):
        self.handle, self.project, self.tool, self.kind = handle, project, tool, kind
        self.description, self.size, self.lines, self.created = description, size, lines, created


MAX_SEARCH_TERMS = 12  # a full-text query ANDs its terms: more only narrow it, and each one costs time


def search_terms(query: str) -> tuple[list[str], int]:
    """The words of a search query as full-text terms: quotes and NULs dropped (user text cannot break the
    query; a NUL would end FTS5's parsing inside a quote, a lone surrogate cannot be bound at all), repeats
    dropped (terms are matched ignoring case), at most MAX_SEARCH_TERMS; and how many were left out."""
    clean = query.encode("utf-8", "replace").decode("utf-8").replace('"', " ").replace("\x00", " ")
    terms: dict[str, str] = {}
    for word in clean.split():
        terms.setdefault(word.casefold(), word)
    words = list(terms.values())
    return words[:MAX_SEARCH_TERMS], max(len(words) - MAX_SEARCH_TERMS, 0)


def handle_for(sha256_hex: str) -> str:
    return "ctx_" + sha256_hex[:16]


def check_handle(handle: object) -> str:
    """The one handle in `handle`: the handle itself, or a short text holding exactly one (quotes, backticks,
    trailing punctuation, a few words around it); else HandleError with a hint for the model."""
    found = set()
    if isinstance(handle, str) and len(handle) <= MAX_HANDLE_TEXT:
        found = {match.lower() for match in _HANDLE_IN_TEXT.findall(handle)}
    if len(found) == 1:
        return "ctx_" + found.pop()
    shown = repr(handle)[:60]
    if len(found) > 1:
        raise HandleError(f"{len(found)} different handles in {shown}: pass one handle per call")
    raise HandleError(f"malformed handle {shown}: handles look like ctx_ followed by 16 hex digits, "
                      "e.g. ctx_0123456789abcdef (list_details() shows this project's handles)")


def open_store(location: Path | str | None = None):
    """The store at `location`: a SQLite file (a Path, or the `location` a SQLite store gives back), a
    postgresql:// URL, or by default the configured one (ctxlean.paths.store_location). The PostgreSQL
    backend, and psycopg with it, is imported only for such a URL, so the SQLite path stays standard-library.
    StoreError when the location cannot be used (a bad setting, a URL of no store ctxlean knows)."""
    from ctxlean.paths import StoreLocationError, resolve_store, store_location
    from ctxlean.store.sqlite import SqliteStore

    if isinstance(location, Path) or (isinstance(location, str) and "://" not in location):
        return SqliteStore(Path(location))
    try:
        where = store_location() if location is None else resolve_store(location, "store")
    except StoreLocationError as exc:
        raise StoreError(str(exc)) from exc
    if where.kind == "postgresql":
        return _open_postgresql(where)
    return SqliteStore(where.path)


def _open_postgresql(location):
    """The PostgreSQL backend for a postgresql:// location: it ships as the `postgres` extra."""
    try:
        from ctxlean.store.postgres import open_postgres_store
    except ImportError as exc:
        raise StoreError(f"{location.source} = {location.shown()} needs the PostgreSQL backend: "
                         f"pip install 'ctxlean[postgres]' ({exc})") from exc
    return open_postgres_store(location)
