"""Opening files on the hook path without ever blocking on them: regular files only, opened non-blocking.

A FIFO (or a terminal, or a device) where a file is expected blocks open() until someone writes to it,
and Claude Code waits for a hook 60 s before it kills it, on every tool call. Opening with O_NONBLOCK
returns at once whatever the file is; fstat then refuses anything but a regular file. Standard library
only (the hook path imports nothing else).
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: str | os.PathLike, *, follow: bool = True) -> BinaryIO:
    """`path` opened for binary reading; OSError unless it is a regular file (or, with follow=False, if
    its last component is a symlink)."""
    fd = os.open(path, _FLAGS | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # no effect on a regular file's reads; restores the usual semantics
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
