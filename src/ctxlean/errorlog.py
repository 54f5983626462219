"""Fail-open error logging for hooks: a hook never breaks the session, but nothing goes unrecorded."""

from __future__ import annotations

import os
import stat
import sys
import time

MAX_LOG_BYTES = 1 << 20  # rotate to errors.log.1 beyond this


def log_error(context: str, exc: BaseException | None = None) -> None:
    """Append a timestamped entry (with traceback) to the data dir's errors.log; stderr if that fails."""
    from ctxlean.paths import error_log_path

    entry = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {context}\n"
    if exc is not None:
        import traceback

        entry += "".join(traceback.format_exception(exc))
    path = error_log_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if hasattr(os, "geteuid") and path.parent.stat().st_uid != os.geteuid():
            raise PermissionError(f"{path.parent} belongs to another user")  # the store refuses it too
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o600)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO must not hold the hook
            os.close(fd)
            raise OSError(f"{path} is not a regular file")
        with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as fh:
            fh.write(entry)
    except OSError:
        last = "" if exc is None else ": " + (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(f"ctxlean: {context}{last} (could not write {path})", file=sys.stderr)
