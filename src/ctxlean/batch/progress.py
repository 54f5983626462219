"""A progress bar on stderr: redrawn in place on a terminal, a line per change (throttled) otherwise,
so logs of unattended runs still show how far a job got."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, min_interval: float = 2.0):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = 0.1 if self.tty else min_interval
        self._last_text = ""
        self._last_time = 0.0

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
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._last_text:
            self.stream.write("\n")
            self.stream.flush()
