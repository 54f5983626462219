"""`ctxlean mcp`: hand this session's stdio to a warm MCP server, so Claude Code's start does not wait for
the `mcp` package's import (~0.5 s of a ~0.6 s cold start).

Standard library only. The relay connects to the user's fork server (ctxlean.mcp_server.forkserver, started
here on demand) over a Unix socket in a directory only the user can enter, and passes it this process's
stdin, stdout and stderr with the session's cwd and environment. The fork server forks a child that
runs exactly the server `ctxlean mcp --direct` runs, on these descriptors, so the MCP protocol is spoken
by the `mcp` package end to end and the relay never touches a message. The relay then only waits: it
exits when the child does, or at once on SIGINT/SIGTERM (the child sees the control socket close and
exits too).

Whenever the fork server cannot be reached, started or trusted in time, the relay serves the session
itself (`--direct`): slower to start, never without fetch_detail. A fork server that dies later leaves
running sessions untouched (their children are separate processes); the next session starts a new one.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
import time

START_TIMEOUT_S = 20.0  # a cold fork server imports mcp (~0.5 s; seconds on a loaded machine)
HANDOVER_TIMEOUT_S = 5.0  # a fork server that accepts but does not fork in this time is not trusted
_POLL_S = 0.02


def socket_dir() -> str:
    """$XDG_RUNTIME_DIR/ctxlean, else /tmp/ctxlean-<uid>: short (AF_UNIX paths stop at 107 bytes) and private."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isabs(base):
        return os.path.join(base, "ctxlean")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"ctxlean-{os.geteuid()}")


def private_dir(path: str) -> str:
    """Create `path` 0700, or accept it only if it is a real directory of ours that no one else can enter."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077:
        raise PermissionError(f"{path} is not a private directory of uid {os.geteuid()}")
    return path


def socket_path() -> str:
    """One fork server per interpreter and ctxlean source tree: a session never runs another checkout's
    code (and within one, the fork server restarts itself when a file it imported changes)."""
    import hashlib

    import ctxlean

    key = f"{os.path.realpath(sys.executable)}\0{_source_dir()}\0{ctxlean.__version__}"
    return os.path.join(private_dir(socket_dir()), f"mcp-{hashlib.sha256(key.encode()).hexdigest()[:16]}.sock")


def _source_dir() -> str:
    import ctxlean

    return os.path.dirname(os.path.dirname(os.path.abspath(ctxlean.__file__)))


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return sock
    except OSError:
        sock.close()
        return None


def _start_forkserver(path: str):
    """Start the fork server detached from this session (its own session, no inherited descriptors), so
    Claude Code ending this session does not end it for the others; the Popen."""
    import subprocess

    src = _source_dir()
    env = {**os.environ, "PYTHONPATH": src + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH")
                                               else "")}
    return subprocess.Popen([sys.executable, "-c", "from ctxlean.mcp_server.forkserver import main; main()", path],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     env=env, cwd="/", start_new_session=True)


def _reach(path: str) -> socket.socket | None:
    """A connection to the fork server at `path`, starting it if none answers; None if the one started
    failed or did not listen within START_TIMEOUT_S."""
    sock = _connect(path)
    if sock is not None:
        return sock
    started = _start_forkserver(path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        time.sleep(_POLL_S)
        sock = _connect(path)
        if sock is not None:
            return sock
        if started.poll() not in (None, 0):  # 0: a racing session's fork server holds the lock; wait for it
            return None
    return None


def encode_session(cwd: bytes, env) -> bytes:
    """cwd and environment as length-prefixed NUL-separated fields (neither can hold a NUL); json would
    cost the relay its import."""
    body = b"\0".join([cwd, *(k + b"=" + v for k, v in env.items())])
    return struct.pack("!I", len(body)) + body


def decode_session(body: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    cwd, *pairs = body.split(b"\0")
    return cwd, dict(pair.split(b"=", 1) for pair in pairs if b"=" in pair)


def _hand_over(sock: socket.socket) -> bool:
    """Pass stdio, cwd and environment; True once the forked child confirmed it serves the session, False
    if the fork server closed the connection instead (it found itself out of date and exited).

    Two steps, so the child never touches the descriptors unless this relay has committed to it: the
    child says "ready", the relay answers "go". A relay that times out closes the socket instead and
    serves the session itself; the child then exits without reading or writing a byte."""
    sock.settimeout(HANDOVER_TIMEOUT_S)
    try:
        socket.send_fds(sock, [encode_session(os.getcwdb(), os.environb)], [0, 1, 2])
        answer = sock.recv(16)
    except (BrokenPipeError, ConnectionResetError):
        return False
    if answer != b"ready\n":
        if answer:
            raise OSError(f"fork server answered {answer[:16]!r}")
        return False
    sock.sendall(b"go\n")
    return True


def _wait_for_child(sock: socket.socket) -> None:
    """Block until the child ends: the control socket closes with it."""
    sock.settimeout(None)
    while sock.recv(64):
        pass


def _quit(signum: int, frame: object) -> None:
    os._exit(0)  # at once: the child sees the socket close and ends itself


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print("usage: ctxlean mcp [--direct]   (stdio MCP server: fetch_detail, search_details, list_details)\n"
              "  --direct   serve in this process, not through the user's warm fork server (also\n"
              "             CTXLEAN_MCP_DIRECT=1)\n\n"
              "reads:   MCP requests on stdin; the payload store; the ctxlean config of the project it runs in\n"
              "writes:  MCP answers on stdout; the store's read times; once a day, the store's gc (ctxlean gc)\n\n"
              "example:\n  ctxlean mcp   # what the plugin's .mcp.json (or a no-plugin install's) runs\n\n"
              "exit status: 0 when its client closes stdin, 2 for a config it cannot use")
        return 0
    direct = "--direct" in argv or os.environ.get("CTXLEAN_MCP_DIRECT") == "1"
    if not direct and hasattr(socket, "send_fds") and hasattr(os, "fork"):
        signal.signal(signal.SIGINT, _quit)
        signal.signal(signal.SIGTERM, _quit)
        try:
            if _relay(socket_path()):
                return 0
        except OSError as exc:
            from ctxlean.errorlog import log_error

            log_error("ctxlean mcp: fork server unavailable, serving this session directly", exc)
    return _serve_directly(argv)


def _relay(path: str) -> bool:
    """Serve this session through the fork server at `path`; False if none could take it over."""
    for _ in range(2):  # a second time after an out-of-date fork server has made way for a fresh one
        sock = _reach(path)
        if sock is None:
            return False
        with sock:
            if _hand_over(sock):
                for fd in (0, 1):  # the child has them now; Claude Code must see EOF when it ends
                    os.dup2(os.open(os.devnull, os.O_RDWR), fd)
                _wait_for_child(sock)
                return True
    return False


def _serve_directly(argv: list[str]) -> int:
    if "site" not in sys.modules:  # the shim may have started us with -S: the server needs site-packages
        import site

        site.main()
    from ctxlean.mcp_server import server

    return server.main([a for a in argv if a != "--direct"])
