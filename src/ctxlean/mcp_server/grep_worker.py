"""grep for fetch_detail, run in a child process that is killed at the deadline.

Python's re has no timeout and holds the GIL while it matches: a pattern like (a+)+$ against one long line
of a's backtracks for longer than anyone waits, and no thread can stop it. Rejecting "dangerous" patterns
cannot be complete (.*.*.*x is polynomial, (a|aa)+$ exponential), so the whole scan (read, match, mask
what is shown: mcp_server.line_grep) runs in a child process instead: it streams matches back as JSON
lines and keeps the number of the line it is on in a shared 8-byte mapping, and search() kills it at the
deadline (knowing exactly which line was too slow) or as soon as the caller has the page it needs.
"""

from __future__ import annotations

import json
import mmap
import os
import selectors
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ctxlean.mcp_server.lines import Row, TimeUp

MEMORY_LIMIT_BYTES = 1 << 30  # a pathological pattern may also try to eat memory


class GrepFailed(RuntimeError):
    """The worker died (out of memory, store unreadable); the message is its last error line."""


def search(store_location: str, handle: str, project: str, pattern: str, first: int, last: int | None,
           piece_bytes: int, redact: bool, deadline: float) -> Iterator[Row]:
    """Rows of the lines matching `pattern` (re.search on each whole line), in order; TimeUp at the deadline
    with the line the worker was on. `store_location` is the store's path or URL (what open_store takes)."""
    package_root = str(Path(__file__).resolve().parents[2])  # this ctxlean, not whatever else is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile() as position:
        position.write(struct.pack("=q", first))
        position.flush()
        request = json.dumps({"store": store_location, "handle": handle, "project": project, "pattern": pattern,
                              "first": first, "last": last, "piece_bytes": piece_bytes, "redact": redact,
                              "position_fd": position.fileno()})
        # -P: never import from the current directory (a project could hold its own "ctxlean" package)
        proc = subprocess.Popen([sys.executable, "-P", "-m", "ctxlean.mcp_server.grep_worker"], env=env,
                                cwd=_quiet_dir(store_location), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(position.fileno(),))
        try:
            proc.stdin.write(request.encode("utf-8", "surrogatepass"))
            proc.stdin.close()
            yield from _matches(proc, deadline, lambda: struct.unpack("=q", os.pread(position.fileno(), 8, 0))[0])
            if proc.wait() != 0:
                lines = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
                raise GrepFailed(lines[-1] if lines else f"exit status {proc.returncode}")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                stream.close()


def _quiet_dir(store_location: str) -> str:
    """A directory of ctxlean's own to run the worker in: the SQLite store's, else the temporary dir."""
    parent = os.path.dirname(store_location)
    return parent if os.path.isabs(store_location) and os.path.isdir(parent) else tempfile.gettempdir()


def _matches(proc: subprocess.Popen, deadline: float, position) -> Iterator[Row]:
    """The worker's rows as they arrive, until it closes its output; TimeUp(position()) at the deadline."""
    with selectors.DefaultSelector() as selector:  # closed with the generator: one epoll fd per grep otherwise
        selector.register(proc.stdout, selectors.EVENT_READ)
        pending = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc.kill()  # before reading the position: it must not move on
                proc.wait()
                raise TimeUp(position())
            if not selector.select(remaining):
                continue
            data = os.read(proc.stdout.fileno(), 1 << 16)
            if not data:
                return
            *messages, pending = (pending + data).split(b"\n")
            for message in messages:
                yield tuple(json.loads(message))


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):
        pass


def main() -> int:
    from ctxlean.mcp_server.line_grep import Grep
    from ctxlean.mcp_server.lines import chunks_from
    from ctxlean.store import open_store

    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    _limit_memory()
    out = sys.stdout.buffer
    mapping = mmap.mmap(request["position_fd"], 8)  # the caller reads the line it kills us on
    position = memoryview(mapping).cast("q")

    def at(lineno: int) -> None:
        position[0] = lineno

    grep = Grep(request["pattern"], request["piece_bytes"], request["redact"], at)
    with open_store(request["store"]) as store:
        first = request["first"]
        chunks = chunks_from(store, request["handle"], request["project"], first, request["redact"])
        for row in grep.rows(chunks, first, request["last"]):
            out.write(json.dumps(row).encode() + b"\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
