"""How every backend cuts a payload: CHUNK_SIZE raw bytes per zlib chunk, the first FTS_MAX_BYTES kept for
the search index. Shared so the SQLite and PostgreSQL stores hold the same chunks for the same bytes."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

CHUNK_SIZE = 1 << 20
FTS_MAX_BYTES = 2 << 20  # search_details indexes the first 2 MB of each payload


def chunks_of(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK_SIZE):
        yield data[i:i + CHUNK_SIZE]


def read_chunks(stream: BinaryIO, head: list[bytes]) -> Iterator[bytes]:
    """The stream in CHUNK_SIZE pieces, keeping the first FTS_MAX_BYTES in `head` for the search index."""
    kept = 0
    while chunk := stream.read(CHUNK_SIZE):
        if kept < FTS_MAX_BYTES:
            head.append(chunk[:FTS_MAX_BYTES - kept])
            kept += len(head[-1])
        yield chunk


def walk_chunks(handle: str, seq: int, chunk: Callable[[int], tuple | None],
                blob_exists: Callable[[], bool]) -> Iterator[tuple[int, bytes]]:
    """(first_line, raw bytes) of each chunk from `seq` on: `chunk(seq)` gives (first_line, compressed) or
    None past the end. gc removes a blob and its chunks together, so a missing chunk of a blob that is
    gone means gc took it mid-read (HandleError), and of a blob still there, the end."""
    from ctxlean.store import HandleError

    while True:
        row = chunk(seq)
        if row is None:
            if not blob_exists():
                raise HandleError(f"{handle} was removed by gc (TTL or size cap) while it was being read")
            return
        yield row[0], zlib.decompress(row[1])
        seq += 1
