"""How every backend cuts a payload: CHUNK_SIZE raw bytes per zlib chunk, each distinct line of the first
FTS_MAX_BYTES kept for the search index. Shared so the SQLite and PostgreSQL stores hold the same chunks and
find the same payloads for the same bytes."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

TYPE_CHECKING = False  # typing costs every offloading hook call ~1.5 ms of imports
if TYPE_CHECKING:
    from typing import BinaryIO

CHUNK_SIZE = 1 << 20
# search_details finds a payload by the words in its first 2 MB, each distinct line indexed once. (FTS5's
# insert grows faster than the text, 1 MB ~50 ms, 512 KB ~14 ms; a smaller head would lose an error line in
# the middle of a big log, which is what search is for.)
FTS_MAX_BYTES = 2 << 20


def distinct_lines(text: str) -> str:
    """Each line once, in order of first appearance: a log repeating itself adds nothing to search for.
    (Applied after masking, which must see lines in their context.)"""
    lines = text.split("\n")
    distinct = dict.fromkeys(lines)
    return text if len(distinct) == len(lines) else "\n".join(distinct)


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
