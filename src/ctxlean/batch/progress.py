"""Progress and notices on stderr. The bar is redrawn in place on a terminal and printed as a line per
change (throttled) otherwise, so logs of unattended runs still show how far a job got; `notice` prints a
message above the bar instead of through it."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
_active: Progress | None = None  # the bar on screen, which notices must not garble


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, min_interval: float = 2.0):
        global _active
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = 0.1 if self.tty else min_interval
        self._last_text = ""
        self._last_time = 0.0
        _active = self

    def render(self, done: int, detail: str) -> str:
        filled = WIDTH * min(done, self.total) // self.total
        bar = "#" * filled + "-" * (WIDTH - filled)
        return f"{self.label} [{bar}] {done:,}/{self.total:,} {detail}".rstrip()

    def update(self, done: int, detail: str = "", force: bool = False) -> None:
        text = self.render(done, detail)
        now = time.monotonic()
        if text == self._last_text or (not force and now - self._last_time < self.min_interval):
            return
        self._last_text, self._last_time = text, now
        self._draw()

    def _draw(self) -> None:
        self.stream.write(("\r\x1b[K" + self._last_text) if self.tty else (self._last_text + "\n"))
        self.stream.flush()

    def close(self) -> None:
        global _active
        if self.tty and self._last_text:
            self.stream.write("\n")
            self.stream.flush()
        _active = None


def notice(message: str) -> None:
    """A line for the user on stderr (prefixed `ctxlean batch:`), kept clear of a bar being drawn."""
    bar = _active if _active is not None and _active.tty and _active._last_text else None
    if bar:
        bar.stream.write("\r\x1b[K")
    print(f"ctxlean batch: {message}", file=sys.stderr, flush=True)
    if bar:
        bar._draw()
