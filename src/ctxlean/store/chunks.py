"""How every backend cuts a payload: CHUNK_SIZE raw bytes per zlib chunk, the first FTS_MAX_BYTES kept for
the search index. Shared so the SQLite and PostgreSQL stores hold the same chunks for the same bytes."""

from __future__ import annotations

from collections.abc import Iterator
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
