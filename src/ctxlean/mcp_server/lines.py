"""A stored payload as numbered rows of bounded size, for fetch_detail and its grep worker.

A row is (line number, piece, text): piece 0 is a whole line; a line longer than `piece_bytes` comes as
pieces 1, 2, ... cut at UTF-8 boundaries while it streams, so even a 1 GB payload without a newline is
read in bounded memory. Each line (or piece) is decoded on its own, invalid UTF-8 replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from ctxlean.redact import LineMasker

Row = tuple[int, int, str]


class TimeUp(Exception):
    """The deadline passed while reading `lineno`: answer with what was found and how to go on."""

    def __init__(self, lineno: int):
        super().__init__(f"time ran out at line {lineno}")
        self.lineno = lineno


def _cut(data: bytes, limit: int) -> int:
    """A cut position at most `limit` that does not split a UTF-8 sequence."""
    cut = limit
    while cut > limit - 4 and cut > 0 and data[cut] & 0xC0 == 0x80:
        cut -= 1
    return cut if cut > 0 else limit


def line_rows(lineno: int, data: bytes, piece_bytes: int, part: int = 0) -> Iterator[Row]:
    """One line as rows: whole if it fits a piece and none of it was handed out yet, else in pieces
    numbered after `part`."""
    if part == 0 and len(data) <= piece_bytes:
        yield lineno, 0, data.decode("utf-8", "replace")
        return
    while data:
        cut = _cut(data, piece_bytes) if len(data) > piece_bytes else len(data)
        part += 1
        yield lineno, part, data[:cut].decode("utf-8", "replace")
        data = data[cut:]


def iter_lines(store, handle: str, project: str, first: int, piece_bytes: int) -> Iterator[Row]:
    """Rows of the payload from line `first` on (the store seeks to the chunk holding it)."""
    lineno = None
    carry = b""
    part = 0  # pieces of the current (long) line already yielded
    for first_line, raw in store.iter_chunks(handle, project, from_line=first):
        if lineno is None:
            lineno = first_line
        parts = (carry + raw).split(b"\n")
        carry = parts.pop()
        for data in parts:
            if lineno >= first:
                yield from line_rows(lineno, data, piece_bytes, part)
            lineno += 1
            part = 0
        while len(carry) > piece_bytes:  # a line longer than a piece: hand out its full pieces now
            cut = _cut(carry, piece_bytes)
            part += 1
            if lineno >= first:
                yield lineno, part, carry[:cut].decode("utf-8", "replace")
            carry = carry[cut:]
    if carry and lineno >= first:  # a last line without newline
        yield from line_rows(lineno, carry, piece_bytes, part)


def stop_after(rows: Iterator[Row], last: int) -> Iterator[Row]:
    for row in rows:
        if row[0] > last:
            return
        yield row


def masked(rows: Iterator[Row]) -> Iterator[Row]:
    """Rows with obvious secrets masked (ctxlean.redact), private key blocks across lines included."""
    mask = LineMasker()
    for lineno, part, text in rows:
        yield lineno, part, mask(text)
