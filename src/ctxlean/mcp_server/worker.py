"""A child process for fetch_detail work Python cannot interrupt (grep_worker, jsonpath_worker).

The parent sends the request as JSON on the child's stdin and reads JSON lines from its stdout as they
come; it kills the child at the deadline or as soon as the caller stops reading. The child runs this very
ctxlean, never a package of the project's directory, under a memory limit.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ctxlean.mcp_server.lines import TimeUp


class WorkerFailed(RuntimeError):
    """The child exited with an error (out of memory, store unreadable); the message is its last error line."""


def run(module: str, request: dict, store_location: str, deadline: float, position: Callable[[], int],
        pass_fds: tuple[int, ...] = ()) -> Iterator[object]:
    """The JSON lines `module` (run with -m) writes for `request`, in order; TimeUp(position()) at the
    deadline, after the child is killed. `store_location` is the store's path or URL (what open_store takes)."""
    package_root = str(Path(__file__).resolve().parents[2])  # this ctxlean, not whatever else is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    # -P: never import from the current directory (a project could hold its own "ctxlean" package)
    proc = subprocess.Popen([sys.executable, "-P", "-m", module], env=env, cwd=_quiet_dir(store_location),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=pass_fds)
    try:
        proc.stdin.write(json.dumps(request).encode("utf-8", "surrogatepass"))
        proc.stdin.close()
        yield from _messages(proc, deadline, position)
        if proc.wait() != 0:
            lines = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise WorkerFailed(lines[-1] if lines else f"exit status {proc.returncode}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()


def _quiet_dir(store_location: str) -> str:
    """A directory of ctxlean's own to run the child in: the SQLite store's, else the temporary dir."""
    parent = os.path.dirname(store_location)
    return parent if os.path.isabs(store_location) and os.path.isdir(parent) else tempfile.gettempdir()


def _messages(proc: subprocess.Popen, deadline: float, position: Callable[[], int]) -> Iterator[object]:
    """The child's messages as they arrive, until it closes its output; TimeUp(position()) at the deadline."""
    with selectors.DefaultSelector() as selector:  # closed with the generator: one epoll fd per call otherwise
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
                yield json.loads(message)


def child(memory_limit_bytes: int) -> tuple[dict, Callable[[object], None]]:
    """In the child: its request, and the function that sends one message, once the memory limit is set."""
    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    except (ImportError, ValueError, OSError):
        pass
    out: BinaryIO = sys.stdout.buffer

    def send(message: object) -> None:
        out.write(json.dumps(message).encode() + b"\n")
        out.flush()

    return request, send
