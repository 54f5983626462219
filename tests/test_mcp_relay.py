"""`ctxlean mcp` through the relay and the user's fork server: every session answered by the `mcp` package
in a process of its own, with its own cwd and environment; the session survives the fork server's
death; without a usable fork server the relay serves the session itself; SIGINT ends it at once."""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctxlean.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 60  # guards against a hang on a loaded machine; never a performance check


class Session:
    """One MCP client session over `ctxlean mcp`'s stdio, spoken line by line as Claude Code does."""

    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", "import sys; from ctxlean.cli import main; "
                                      "sys.exit(main())", "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.next_id = 0
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "test", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, **({"params": params} if params else {})})
        line = self.proc.stdout.readline()
        assert line, f"server closed stdout; stderr: {self.proc.stderr.read()[-2000:]!r}"
        answer = json.loads(line)
        assert answer["id"] == self.next_id
        return answer

    def call(self, tool: str, **arguments) -> str:
        result = self.request("tools/call", {"name": tool, "arguments": arguments})["result"]
        return result["content"][0]["text"]

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=DEADLINE_S)


def forkserver_pid(run_dir: Path) -> int | None:
    locks = list((run_dir / "ctxlean").glob("mcp-*.sock.lock"))
    text = locks[0].read_text().strip() if locks else ""
    return int(text) if text else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.fixture
def run_dir(tmp_path):
    """A socket directory of this test's own, and its fork servers ended afterwards."""
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    yield path
    for lock in (path / "ctxlean").glob("*.lock"):
        text = lock.read_text().strip()
        if text and alive(int(text)):
            os.kill(int(text), signal.SIGTERM)


def session_env(tmp_path: Path, run_dir: Path, store: str = "store") -> dict:
    return {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT / "src"), "XDG_RUNTIME_DIR": str(run_dir),
            "CTXLEAN_STORE": str(tmp_path / store)}


def put(tmp_path: Path, store: str, project: Path, text: str) -> str:
    with open_store(tmp_path / store / "store.sqlite3") as s:
        return s.put(text.encode(), project=os.path.realpath(project), tool="Bash", kind="log",
                     description="test output").handle


def test_sessions_are_served_by_forks_of_one_private_fork_server(tmp_path, run_dir):
    project = tmp_path / "proj"
    project.mkdir()
    handle = put(tmp_path, "store", project, "".join(f"line {i}\n" for i in range(1, 101)))
    env = session_env(tmp_path, run_dir)

    first = Session(env, project)
    tools = [t["name"] for t in first.request("tools/list")["result"]["tools"]]
    assert tools == ["fetch_detail", "search_details", "list_details"]
    assert "42: line 42" in first.call("fetch_detail", handle=handle, lines="42")
    server = forkserver_pid(run_dir)
    assert server and alive(server)

    second = Session(env, project)  # a second session at the same time: the same fork server, a new child
    assert "7: line 7" in second.call("fetch_detail", handle=handle, lines="7")
    assert forkserver_pid(run_dir) == server
    assert first.close() == 0 and second.close() == 0

    folder = run_dir / "ctxlean"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (sock,) = folder.glob("*.sock")
    assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o600


def test_each_session_keeps_its_own_environment_and_project(tmp_path, run_dir):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir()
    theirs.mkdir()
    handle = put(tmp_path, "store-a", mine, "alpha\n" * 3)
    a = Session(session_env(tmp_path, run_dir, "store-a"), mine)
    b = Session(session_env(tmp_path, run_dir, "store-b"), theirs)
    assert "1: alpha" in a.call("fetch_detail", handle=handle, lines="1")
    assert "unknown handle" in b.call("fetch_detail", handle=handle, lines="1")  # another store, another project
    assert "no payloads stored" in b.call("list_details")
    a.close()
    b.close()


def test_a_session_outlives_its_fork_server_and_the_next_session_starts_a_new_one(tmp_path, run_dir):
    project = tmp_path / "proj"
    project.mkdir()
    handle = put(tmp_path, "store", project, "x\ny\nz\n")
    env = session_env(tmp_path, run_dir)
    session = Session(env, project)
    session.request("tools/list")
    old = forkserver_pid(run_dir)
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + DEADLINE_S
    while alive(old) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "2: y" in session.call("fetch_detail", handle=handle, lines="2")  # the session's own child serves on

    after = Session(env, project)
    assert "3: z" in after.call("fetch_detail", handle=handle, lines="3")
    assert forkserver_pid(run_dir) not in (None, old)
    session.close()
    after.close()


def test_without_a_private_socket_directory_the_session_is_served_directly(tmp_path, run_dir):
    (run_dir / "ctxlean").mkdir(mode=0o755)  # others could enter: not trusted with a socket
    os.chmod(run_dir / "ctxlean", 0o755)
    project = tmp_path / "proj"
    project.mkdir()
    session = Session(session_env(tmp_path, run_dir), project)
    assert len(session.request("tools/list")["result"]["tools"]) == 3
    assert "no payloads stored" in session.call("list_details")
    assert not list((run_dir / "ctxlean").iterdir())  # no socket, no fork server
    session.close()


def test_sigint_ends_the_session_at_once(tmp_path, run_dir):
    project = tmp_path / "proj"
    project.mkdir()
    for env in (session_env(tmp_path, run_dir), {**session_env(tmp_path, run_dir), "CTXLEAN_MCP_DIRECT": "1"}):
        session = Session(env, project)
        session.request("tools/list")
        session.proc.send_signal(signal.SIGINT)  # as Claude Code ends a session; stdin stays open
        assert session.proc.wait(timeout=DEADLINE_S) == 0
        ready, _, _ = select.select([session.proc.stdout], [], [], DEADLINE_S)
        assert ready and session.proc.stdout.read() == b""  # the child serving it is gone too: stdout closed


def test_an_edited_module_makes_the_fork_server_make_way_for_a_fresh_one(tmp_path, run_dir):
    project = tmp_path / "proj"
    project.mkdir()
    env = session_env(tmp_path, run_dir)
    Session(env, project).close()
    old = forkserver_pid(run_dir)
    import ctxlean.mcp_server.fetch as fetch_module

    stamp = os.stat(fetch_module.__file__)
    try:
        os.utime(fetch_module.__file__, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
        session = Session(env, project)
        assert len(session.request("tools/list")["result"]["tools"]) == 3
        session.close()
    finally:
        os.utime(fetch_module.__file__, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert forkserver_pid(run_dir) not in (None, old)
