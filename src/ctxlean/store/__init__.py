"""The payload store: content-addressed, compressed, scoped by project.

`open_store()` returns the configured backend: the embedded SQLite store (the default), or the PostgreSQL
store a fleet of machines shares when CTXLEAN_STORE (or `store` in the user config) is a postgresql://
URL. Both implement the protocol in store/protocol.py. Handles are `ctx_` plus the first 16 hex digits of
the payload's sha256, so the same payload always gets the same handle, on every machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HANDLE_RE = re.compile(r"ctx_[0-9a-f]{16}")


class StoreError(Exception):
    """The store cannot be used (unwritable, corrupt, ...)."""


class SearchTimeout(Exception):
    """search() reached its deadline; `hits` are those found by then (newest first, not ranked)."""

    def __init__(self, hits: list):
        super().__init__("search stopped at its deadline")
        self.hits = hits


class HandleError(LookupError):
    """A handle that is malformed, unknown, or not visible from this project. The message is for the model."""


@dataclass(frozen=True)
class PayloadInfo:
    handle: str
    project: str
    tool: str
    kind: str
    description: str
    size: int
    lines: int
    created: float


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
    """The handle, stripped, if well-formed; else HandleError with a hint."""
    if not isinstance(handle, str) or not HANDLE_RE.fullmatch(handle.strip()):
        shown = repr(handle)[:60]
        raise HandleError(f"malformed handle {shown}: handles look like ctx_ followed by 16 hex digits, "
                          "e.g. ctx_0123456789abcdef (list_details() shows this project's handles)")
    return handle.strip()


def open_store(location: Path | str | None = None):
    """The store at `location` (a SQLite file, or a postgresql:// URL; default: the configured one).

    The PostgreSQL backend, and psycopg with it, is imported only when the location is such a URL, so the
    SQLite path stays standard-library."""
    from ctxlean.paths import STORE_URL_SCHEMES, store_path, store_url

    if location is None:
        location = store_url() or store_path()
    if isinstance(location, str) and location.startswith(STORE_URL_SCHEMES):
        from ctxlean.store.postgres import open_postgres_store

        return open_postgres_store(location)
    if isinstance(location, str) and "://" in location:
        raise StoreError(f"{location.split('://')[0]}:// is no store ctxlean knows: give a postgresql:// URL or a "
                         "SQLite store file")
    from ctxlean.store.sqlite import SqliteStore

    return SqliteStore(Path(location))
