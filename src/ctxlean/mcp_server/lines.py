"""A stored payload as numbered rows of bounded size, for fetch_detail's lines=, page= and jsonpath answers.

A row is (line number, label, text): label "" for a whole line; a line longer than `piece_bytes` comes as
pieces labelled "[1]", "[2]", ... cut at UTF-8 boundaries while it streams, so even a 1 GB payload without
a newline is read in bounded memory. Each line (or piece) is decoded on its own, invalid UTF-8 replaced.

With masking on, what is shown is decided on whole lines and whole blocks, never on what one answer shows:
reading starts a chunk (at least 1 MB) before the first line asked for, so a private key block that began
earlier is known; each piece of a long line is masked with the text around it (redact.CONTEXT on each
side), so a secret straddling a cut is masked in both pieces.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ctxlean.redact import CONTEXT, Masker

Row = tuple[int, str, str]


class TimeUp(Exception):
    """The deadline passed while reading `lineno`: answer with what was found and how to go on."""

    def __init__(self, lineno: int):
        super().__init__(f"time ran out at line {lineno}")
        self.lineno = lineno


def _cut(data: bytes | bytearray, limit: int, start: int = 0) -> int:
    """A cut position at most start + limit that does not split a UTF-8 sequence."""
    cut = start + limit
    while cut > start + limit - 4 and cut > start and data[cut] & 0xC0 == 0x80:
        cut -= 1
    return cut if cut > start else start + limit


def _decode(data: bytes | bytearray | memoryview) -> str:
    return bytes(data).decode("utf-8", "replace")


def chunks_from(store, handle: str, project: str, first: int, look_back: bool) -> Iterator[tuple[int, bytes]]:
    """(first_line, raw) chunks from the one holding line `first`, or from the one before it (look_back)."""
    chunks = store.iter_chunks(handle, project, from_line=first)
    if not look_back or first <= 1:
        return chunks
    head = next(chunks, None)
    if head is None or head[0] <= 1:
        return itertools.chain([head] if head else [], chunks)
    chunks.close()
    return store.iter_chunks(handle, project, from_line=head[0])  # first_line < head's: the chunk before


class _Pieces:
    """One line longer than a piece, cut as it streams: each piece is shown with up to CONTEXT bytes of
    the line on each side for the masker to decide on."""

    def __init__(self, piece_bytes: int, masker: Masker | None):
        self.piece_bytes = piece_bytes
        self.masker = masker
        self.buf = bytearray()  # the line from CONTEXT bytes before the next piece on
        self.at = 0  # where the next piece starts in buf
        self.part = 0

    def feed(self, data: bytes, shown: bool, end: bool = False) -> Iterator[Row]:
        """Pieces that are complete (with their right context, unless the line ends here) as rows; only
        followed, not yielded, when not `shown`."""
        self.buf += data
        need = 0 if end else CONTEXT
        while len(self.buf) - self.at > (self.piece_bytes + need if not end else 0):
            rest = len(self.buf) - self.at
            cut = _cut(self.buf, self.piece_bytes, self.at) if rest > self.piece_bytes else len(self.buf)
            self.part += 1
            text = self._text(cut, shown)
            if shown:
                yield 0, f"[{self.part}]", text
            self.at = cut
            if self.at > 2 * CONTEXT:  # keep only the context the next piece needs
                del self.buf[:self.at - CONTEXT]
                self.at = CONTEXT

    def _text(self, cut: int, shown: bool) -> str:
        piece = _decode(memoryview(self.buf)[self.at:cut])
        if self.masker is None:
            return piece
        left = _decode(memoryview(self.buf)[max(self.at - CONTEXT, 0):self.at])
        right = _decode(memoryview(self.buf)[cut:cut + CONTEXT])
        window = left + piece + right
        if not shown:
            self.masker.track(window)
            return ""
        return self.masker.segment(window, len(left), len(left) + len(piece))


def _whole(lineno: int, data: bytes, masker: Masker | None, shown: bool) -> Iterator[Row]:
    text = _decode(data)
    if masker is None:
        yield lineno, "", text
    elif shown:
        yield lineno, "", masker.segment(text)
    else:
        masker.track(text)


def iter_lines(store, handle: str, project: str, first: int, piece_bytes: int,
               redact: bool = False) -> Iterator[Row]:
    """Rows of the payload from line `first` on, masked when `redact` (the store seeks to the chunk
    holding `first`, or the one before it to know the masking state there)."""
    masker = Masker() if redact else None
    lineno = None
    carry = b""  # the start of the current line, while it fits a piece
    pieces: _Pieces | None = None  # the current line, once it is longer than a piece
    for first_line, raw in chunks_from(store, handle, project, first, masker is not None):
        if lineno is None:
            lineno = first_line
        start = 0
        while True:
            newline = raw.find(b"\n", start)
            part = raw[start:] if newline < 0 else raw[start:newline]
            shown = lineno >= first
            if pieces is None and len(carry) + len(part) > piece_bytes:
                pieces, carry = _Pieces(piece_bytes, masker), carry + part
                part = b""
                rows = pieces.feed(carry, shown, end=newline >= 0)
                carry = b""
            elif pieces is not None:
                rows = pieces.feed(part, shown, end=newline >= 0)
            elif newline >= 0:
                rows = _whole(lineno, carry + part, masker, shown)
                carry = b""
            else:
                carry += part
                rows = iter(())
            for _, label, text in rows:
                yield lineno, label, text
            if newline < 0:
                break
            lineno += 1
            pieces = None
            start = newline + 1
    if lineno is not None and lineno >= first:  # a last line without newline
        if pieces is not None:
            for _, label, text in pieces.feed(b"", True, end=True):
                yield lineno, label, text
        elif carry:
            yield from _whole(lineno, carry, masker, True)


def stop_after(rows: Iterator[Row], last: int) -> Iterator[Row]:
    for row in rows:
        if row[0] > last:
            return
        yield row


def line_rows(lineno: int, text: str, piece_bytes: int) -> Iterator[Row]:
    """One line of text already in memory (jsonpath's rendering) as rows, in pieces when long."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= piece_bytes:
        yield lineno, "", text
        return
    pieces = _Pieces(piece_bytes, None)
    for _, label, piece in pieces.feed(data, True, end=True):
        yield lineno, label, piece
