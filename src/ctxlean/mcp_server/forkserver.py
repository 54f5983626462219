"""The user's warm MCP fork server: imports the `mcp` package once, then forks one server per session.

Started on demand by the relay (`ctxlean mcp`, ctxlean.mcp_server.relay) with the path of its socket;
one per interpreter and source tree, guarded by an exclusive lock next to the socket (the lock file
holds its pid). It listens on a Unix socket (mode 0600, in a 0700 directory, peers checked to be this
user) and, for each relay that connects, forks a child that takes the relay's stdin, stdout and stderr,
its cwd and environment, and runs the very server `ctxlean mcp --direct` runs, on them: a child is as
isolated from other sessions as a server of its own. Before listening it builds one server and lists its
tools, so a child finds the modules imported and pydantic's schemas made.

It exits after IDLE_EXIT_S without a session, and as soon as a module it imported changed on disk (an
upgrade, an edit in a checkout): it then refuses the connecting relay, which starts a fresh one. Running
sessions are never touched: their children are processes of their own.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
import threading

from ctxlean.mcp_server.relay import decode_session

IDLE_EXIT_S = 1800.0
SESSION_TIMEOUT_S = 5.0  # a relay that does not send its session or its "go" in this time is dropped
MAX_SESSION_BYTES = 4 << 20  # cwd + environment


def _peer_uid(conn: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None  # the 0700 directory alone keeps other users out (macOS, BSD)
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _warm_up() -> None:
    """What every session's server does first, done once: import it all, build a server, list its tools."""
    import anyio

    from ctxlean.mcp_server import server

    try:
        anyio.run(server.build_server(os.path.abspath(os.sep)).list_tools)
    except Exception:  # e.g. a broken user config: each session reports it itself
        pass


def _module_stamps() -> dict[str, int]:
    """mtime of each of ctxlean's imported files (edited in a checkout) and of each other top-level
    package's directory (an upgrade or reinstall adds and removes files there): some 100 stats."""
    stamps = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or ("." in name and not name.startswith("ctxlean.")):
            continue
        target = path if name.startswith("ctxlean") else os.path.dirname(path)
        try:
            stamps[target] = os.stat(target).st_mtime_ns
        except OSError:
            pass
    return stamps


def _changed(stamps: dict[str, int]) -> bool:
    for path, mtime in stamps.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


def _listen(path: str) -> socket.socket:
    """Bind `path` (mode 0600) in place of a dead server's socket: the caller holds the lock."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    sock.listen(64)
    return sock


def _receive_session(conn: socket.socket) -> tuple[bytes, dict[bytes, bytes], list[int]]:
    """The relay's cwd, environment and stdio descriptors (see relay.encode_session)."""
    conn.settimeout(SESSION_TIMEOUT_S)
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(fds) != 3:
        raise ValueError(f"relay passed {len(fds)} descriptors, not 3")
    size = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else -1
    if not 0 <= size <= MAX_SESSION_BYTES:
        raise ValueError("malformed session from the relay")
    while len(data) < 4 + size:
        more = conn.recv(1 << 16)
        if not more:
            raise ValueError("relay closed before sending its whole session")
        data += more
    cwd, env = decode_session(data[4:4 + size])
    return cwd, env, fds


def _exit_when_closed(conn: socket.socket) -> None:
    """The relay holds the other end until Claude Code ends it: then this session is over."""
    def watch() -> None:
        try:
            while conn.recv(64):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="ctxlean-relay-watch", daemon=True).start()


def _serve_session(conn: socket.socket) -> int:
    """In the forked child: take over the relay's session and run the MCP server on its stdio."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # grep_worker waits for its own children
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    cwd, env, fds = _receive_session(conn)
    os.chdir(cwd)
    os.environb.clear()
    os.environb.update(env)
    conn.sendall(b"ready\n")
    if conn.recv(16) != b"go\n":  # the relay gave up on us and serves the session itself
        return 0
    conn.settimeout(None)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    _exit_when_closed(conn)
    from ctxlean.mcp_server import server

    return server.main(["mcp"])


def _fork_session(conn: socket.socket, listener: socket.socket, lock_fd: int) -> None:
    if os.fork() == 0:
        code = 1
        try:
            listener.close()
            os.close(lock_fd)  # a new fork server must be able to start while this session runs
            code = _serve_session(conn)
        except BaseException as exc:  # never back into the fork server's loop
            try:
                from ctxlean.errorlog import log_error

                log_error("ctxlean mcp: forked session failed", exc)
            except BaseException:
                pass
        finally:
            sys.stdout.flush()
            os._exit(code)


def serve(path: str) -> None:
    import fcntl

    lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another fork server serves this path
    os.ftruncate(lock_fd, 0)
    os.write(lock_fd, f"{os.getpid()}\n".encode())  # who to end: `kill $(cat <socket>.lock)`
    _warm_up()
    stamps = _module_stamps()
    listener = _listen(path)
    inode = os.stat(path).st_ino
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener.settimeout(IDLE_EXIT_S)
    conn = None
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            if _changed(stamps):
                return  # the relay sees `conn` close unanswered and starts a fresh fork server
            if _peer_uid(conn) in (None, os.geteuid()):
                _fork_session(conn, listener, lock_fd)
            conn.close()
            conn = None
    finally:
        # Socket and lock go first, so the relay's fresh fork server can bind the moment `conn` closes.
        try:
            if os.stat(path).st_ino == inode:
                os.unlink(path)
        except OSError:
            pass
        listener.close()
        os.close(lock_fd)
        if conn is not None:
            conn.close()


def main() -> None:
    serve(sys.argv[1])
