"""grep for fetch_detail, run in a child process that is killed at the deadline.

Python's re has no timeout and holds the GIL while it matches: a pattern like (a+)+$ against one long line
of a's backtracks for longer than anyone waits, and no thread can stop it. Rejecting "dangerous" patterns
cannot be complete (.*.*.*x is polynomial, (a|aa)+$ exponential), so the whole scan (read, match, mask
what is shown: mcp_server.line_grep) runs in a child process instead: it streams matches back as JSON
lines and keeps the number of the line it is on in a shared 8-byte mapping, and search() kills it at the
deadline (knowing exactly which line was too slow) or as soon as the caller has the page it needs.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
import tempfile
from collections.abc import Iterator

from ctxlean.mcp_server import worker
from ctxlean.mcp_server.lines import Row

MEMORY_LIMIT_BYTES = 1 << 30  # a pathological pattern may also try to eat memory


class GrepFailed(RuntimeError):
    """The worker died (out of memory, store unreadable); the message is its last error line."""


def search(store_location: str, handle: str, project: str, pattern: str, first: int, last: int | None,
           piece_bytes: int, redact: bool, deadline: float) -> Iterator[Row]:
    """Rows of the lines matching `pattern` (re.search on each whole line), in order; TimeUp at the deadline
    with the line the worker was on. `store_location` is the store's path or URL (what open_store takes)."""
    with tempfile.TemporaryFile() as position:
        position.write(struct.pack("=q", first))
        position.flush()
        request = {"store": store_location, "handle": handle, "project": project, "pattern": pattern,
                   "first": first, "last": last, "piece_bytes": piece_bytes, "redact": redact,
                   "position_fd": position.fileno()}

        def at() -> int:
            return struct.unpack("=q", os.pread(position.fileno(), 8, 0))[0]

        try:
            for row in worker.run("ctxlean.mcp_server.grep_worker", request, store_location, deadline, at,
                                  pass_fds=(position.fileno(),)):
                yield tuple(row)
        except worker.WorkerFailed as exc:
            raise GrepFailed(str(exc)) from exc


def main() -> int:
    from ctxlean.mcp_server.line_grep import Grep
    from ctxlean.mcp_server.lines import chunks_from
    from ctxlean.store import open_store

    request, send = worker.child(MEMORY_LIMIT_BYTES)
    mapping = mmap.mmap(request["position_fd"], 8)  # the caller reads the line it kills us on
    position = memoryview(mapping).cast("q")

    def at(lineno: int) -> None:
        position[0] = lineno

    grep = Grep(request["pattern"], request["piece_bytes"], request["redact"], at)
    with open_store(request["store"]) as store:
        first = request["first"]
        chunks = chunks_from(store, request["handle"], request["project"], first, request["redact"])
        for row in grep.rows(chunks, first, request["last"]):
            send(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
