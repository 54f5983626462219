"""grep over a stored payload with whole-line semantics: match first, then mask and format what is shown.

re.search runs on each whole line, whatever its length and however the store cut the payload into chunks
(up to LINE_CAP; a longer line is reported, not searched). Lines are matched as stored; with masking on,
a matching line is masked before it is shown and shown only if its masked form still matches, so a secret
is never found by its content (grep is no oracle for it) and never shown. Masking every line before
matching cost 80% of a grep; now only the lines shown are masked, and lines inside a private key block
(known from its BEGIN line, whatever the range) are followed line by line.

For patterns whose per-line matches cannot depend on what lies beyond the line (no lookaround, no
atomic group or possessive repeat, no \\A or \\Z; `^` and `$` become line anchors), candidate lines are
found by one search over a whole block of lines; the line each match starts on is then checked on its own.
A block search slower than BLOCK_SLOW_S (a backtracking pattern) is interrupted and the block checked line
by line, so whoever stops this scan at a deadline learns the exact line it was stuck on (`position`).
"""

from __future__ import annotations

import re
import signal
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator

from ctxlean.mcp_server.lines import Row
from ctxlean.redact import KEY_TRIGGER, Masker

LINE_CAP = 32 << 20  # a line is held whole in memory up to this many bytes
BLOCK_SLOW_S = 0.25
_KEY = KEY_TRIGGER.encode()
_UNSAFE_OPS = {"ASSERT", "ASSERT_NOT", "ATOMIC_GROUP", "POSSESSIVE_REPEAT"}
_LINE_ANCHORS = {"AT_BEGINNING_LINE", "AT_END_LINE", "AT_BOUNDARY", "AT_NON_BOUNDARY", "AT_UNI_BOUNDARY",
                 "AT_UNI_NON_BOUNDARY", "AT_LOC_BOUNDARY", "AT_LOC_NON_BOUNDARY"}


class _Slow(Exception):
    pass


def line_local(pattern: str) -> bool:
    """True when searching a block of lines (compiled with re.MULTILINE) finds a match starting in every
    line that re.search(pattern, line) matches on its own."""
    try:
        from re import _parser  # the parser re itself uses (3.11+)

        parsed = _parser.parse(pattern, re.MULTILINE)
    except Exception:
        return False

    def safe(items) -> bool:
        for op, arg in items:
            name = str(op)
            if name in _UNSAFE_OPS or (name == "AT" and str(arg) not in _LINE_ANCHORS):
                return False
            for sub in arg if isinstance(arg, (list, tuple)) else ():
                if isinstance(sub, _parser.SubPattern) and not safe(sub):
                    return False
                for inner in sub if isinstance(sub, (list, tuple)) else ():
                    if isinstance(inner, _parser.SubPattern) and not safe(inner):
                        return False
        return True

    return safe(parsed)


class _Alarm:
    """Interrupts a block search that takes longer than BLOCK_SLOW_S (re checks for signals while it
    backtracks); only in a process's main thread, where signals are delivered."""

    def __init__(self) -> None:
        self.usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if self.usable:
            signal.signal(signal.SIGALRM, self._ring)

    @staticmethod
    def _ring(*_args) -> None:
        raise _Slow

    def search(self, regex: re.Pattern, text: str, pos: int) -> re.Match | None:
        if not self.usable:
            return regex.search(text, pos)
        signal.setitimer(signal.ITIMER_REAL, BLOCK_SLOW_S)
        try:
            return regex.search(text, pos)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _newlines(data: bytes | str) -> list[int]:
    sep = b"\n" if isinstance(data, bytes) else "\n"
    found, at = [], data.find(sep)
    while at >= 0:
        found.append(at)
        at = data.find(sep, at + 1)
    return found


class Grep:
    """Matching rows of a payload's chunks, in order. `position(lineno)` is called before each line or
    block is searched, so a caller that kills the scan knows where it was."""

    def __init__(self, pattern: str, piece_bytes: int, redact: bool, position: Callable[[int], None]):
        self.regex = re.compile(pattern)
        self.block = re.compile(pattern, re.MULTILINE) if line_local(pattern) else None
        self.piece_bytes = piece_bytes
        self.masker = Masker() if redact else None
        self.position = position
        self.alarm = _Alarm() if self.block is not None else None

    def rows(self, chunks: Iterator[tuple[int, bytes]], first: int, last: int | None) -> Iterator[Row]:
        lineno = None
        pending = bytearray()  # the start of a line that continues in the next chunk
        too_long = 0  # bytes of a line over LINE_CAP seen so far (its bytes are dropped)
        for first_line, raw in chunks:
            if lineno is None:
                lineno = first_line
            if last is not None and lineno > last:
                return
            head = raw.find(b"\n")
            if head < 0:
                if too_long or len(pending) + len(raw) > LINE_CAP:
                    too_long += len(pending) + len(raw)
                    pending.clear()
                else:
                    pending += raw
                continue
            if too_long:
                yield from self._too_long(lineno, too_long + head, first, last)
            else:
                yield from self._block(bytes(pending) + raw[:head + 1], lineno, first, last)
            too_long = 0
            pending.clear()
            lineno += 1
            tail = raw.rfind(b"\n") + 1
            if tail > head + 1:
                yield from self._block(raw[head + 1:tail], lineno, first, last)
                lineno += raw.count(b"\n", head + 1, tail)
            pending += raw[tail:]
        if lineno is not None and (last is None or lineno <= last):
            if too_long:
                yield from self._too_long(lineno, too_long + len(pending), first, last)
            elif pending:
                yield from self._block(bytes(pending) + b"\n", lineno, first, last)

    def _too_long(self, lineno: int, size: int, first: int, last: int | None) -> Iterator[Row]:
        if first <= lineno and (last is None or lineno <= last):
            yield lineno, f"[not searched: {size:,} bytes, longer than grep's {LINE_CAP >> 20} MB line limit; " \
                          "read it with lines=]", ""

    def _block(self, block: bytes, lineno: int, first: int, last: int | None) -> Iterator[Row]:
        """The matching rows of `block` (whole lines, each ending in a newline) numbered from `lineno`."""
        count = block.count(b"\n")
        if lineno + count <= first:  # before the range: only the masker's key state matters
            if self.masker is not None and (self.masker.in_key or _KEY in block):
                for line in block.decode("utf-8", "replace").split("\n")[:-1]:
                    self.masker.track(line)
            return
        text = block.decode("utf-8", "replace")
        lines: list[str] | None = None
        keyed = self.masker is not None and (self.masker.in_key or _KEY in block)
        if keyed or self.block is None:
            indices = range(count)  # every line, in order (a key block's state runs through them)
        else:
            indices = self._candidates(text, lineno)
        for index in indices:
            number = lineno + index
            if last is not None and number > last:
                return
            if lines is None:
                lines = text.split("\n")
            line = lines[index]
            if number < first:
                if keyed:
                    self.masker.track(line)
                continue
            self.position(number)
            if keyed:
                shown = self.masker.segment(line)
                found = self.regex.search(shown)
            else:
                shown, found = line, self.regex.search(line)
                if found and self.masker is not None:
                    shown = self.masker.segment(line)
                    if shown != line:  # shown only if what is shown matches: a secret is not found by its content
                        found = self.regex.search(shown)
            if found:
                yield self._row(number, shown, found)

    def _candidates(self, text: str, lineno: int) -> Iterator[int]:
        """Indices of lines where a block search finds a match start (all from where it got slow)."""
        self.position(lineno)
        ends = None
        pos = 0
        while pos < len(text):
            try:
                found = self.alarm.search(self.block, text, pos)
            except _Slow:
                ends = ends or _newlines(text)
                yield from range(bisect_right(ends, pos - 1), len(ends))
                return
            if found is None:
                return
            ends = ends or _newlines(text)
            index = bisect_right(ends, found.start() - 1)
            yield index
            if index >= len(ends):
                return
            pos = ends[index] + 1

    def _row(self, lineno: int, shown: str, found: re.Match) -> Row:
        """The matching line, or of a line longer than a piece the part around the match, saying where."""
        if len(shown) * 4 <= self.piece_bytes or len(shown.encode("utf-8", "surrogatepass")) <= self.piece_bytes:
            return lineno, "", shown
        width = self.piece_bytes
        while True:
            start = max(0, min(found.start() - width // 4, len(shown) - width))
            excerpt = shown[start:start + width]
            if len(excerpt.encode("utf-8", "surrogatepass")) <= self.piece_bytes or width < 64:
                break
            width = width * 3 // 4
        end = start + len(excerpt)
        return lineno, (f"[chars {start + 1:,}-{end:,} of {len(shown):,}, match at {found.start() + 1:,}]"), excerpt
