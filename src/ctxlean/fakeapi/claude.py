"""Run the real Claude Code CLI against the fake API, offline, in a throwaway HOME.

`run_claude(prompt, home=..., cwd=..., base_url=api.url)` runs `claude -p PROMPT --output-format
stream-json --verbose --permission-mode bypassPermissions --debug-file F` and returns a ClaudeRun (exit
code, parsed stream events, the final result event, the debug log, stderr, wall time). The CLI is the
one bundled with claude-agent-sdk (the pinned client under test) unless CTXLEAN_CLAUDE names another.

`isolate_network()` moves this process into a fresh network namespace where only loopback is up, so
neither the fake server nor the CLI (nor anything they start) can reach past 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The MCP tool the ctxlean plugin gives the model (plugin ctxlean, server ctxlean).
FETCH_DETAIL = "mcp__plugin_ctxlean_ctxlean__fetch_detail"

# Claude Code logs this when a hook's updatedToolOutput does not fit the tool's output schema, and then
# silently keeps the original output.
REJECTED_OUTPUT_MARK = "does not match"


def claude_executable() -> str:
    """$CTXLEAN_CLAUDE, else the CLI bundled with claude-agent-sdk: never a `claude` that happens to be on
    PATH, so tests and the demo run the pinned client."""
    from ctxlean.install import bundled_claude

    found = os.environ.get("CTXLEAN_CLAUDE") or bundled_claude()
    if not found:
        raise FileNotFoundError("no Claude Code CLI: install claude-agent-sdk or set CTXLEAN_CLAUDE")
    return str(found)


def claude_env(home: Path, base_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: nothing of ours leaks in (no ANTHROPIC_*/CLAUDE_* from the caller)."""
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "dummy",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",  # no side requests: one POST per model turn
        "IS_SANDBOX": "1",  # bypassPermissions is refused for root without it
    }
    if os.environ.get("XDG_RUNTIME_DIR"):  # where ctxlean's MCP relay finds its fork server (tests: per run)
        env["XDG_RUNTIME_DIR"] = os.environ["XDG_RUNTIME_DIR"]
    env.update(extra or {})
    return env


@dataclass
class ClaudeRun:
    rc: int
    events: list[dict]  # the stream-json events, in order
    result: dict | None  # the final {"type": "result"} event (None if the CLI died before it)
    debug: str  # the --debug-file contents
    stderr: str
    wall: float  # seconds

    def rejected_outputs(self) -> list[str]:
        """Debug lines where Claude Code rejected a hook's updatedToolOutput (and kept the original)."""
        return [line for line in self.debug.splitlines() if REJECTED_OUTPUT_MARK in line]


def _parse_events(stdout: str) -> list[dict]:
    events = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def run_claude(prompt: str, *, home: Path, cwd: Path, base_url: str, args: list[str] | tuple = (),
               env: dict[str, str] | None = None, timeout: float = 120) -> ClaudeRun:
    """Run one non-interactive Claude Code session and wait for it (killing its process group on timeout)."""
    debug_file = Path(home) / f"claude-debug-{time.monotonic_ns()}.log"
    command = [claude_executable(), "-p", prompt, "--output-format", "stream-json", "--verbose",
               "--permission-mode", "bypassPermissions", "--debug-file", str(debug_file), *args]
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, env=claude_env(Path(home), base_url, env), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI's own group: hooks and MCP servers it started
        stdout, stderr = proc.communicate()
        stderr += f"\n[run_claude: killed after {timeout:.0f} s]"
    wall = time.monotonic() - started
    events = _parse_events(stdout)
    result = next((e for e in reversed(events) if e.get("type") == "result"), None)
    debug = debug_file.read_text(errors="replace") if debug_file.exists() else ""
    return ClaudeRun(proc.returncode, events, result, debug, stderr, wall)


def run_ctxlean(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `ctxlean <args>` (install, uninstall, lean, ...) the way a user runs it, in `home`, with this
    ctxlean package and the CLI that run_claude uses. Returns the finished process (check its returncode)."""
    import ctxlean

    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "CTXLEAN_CLAUDE": claude_executable(), "PYTHONPATH": str(Path(ctxlean.__file__).resolve().parents[1]),
           **({"XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"]} if os.environ.get("XDG_RUNTIME_DIR") else {})}
    return subprocess.run([sys.executable, "-m", "ctxlean", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def install_ctxlean(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`ctxlean install [args]` into `home` (user scope unless args say --project): see run_ctxlean."""
    return run_ctxlean(home, cwd, "install", *args)


CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
_isolation: bool | None = None


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def isolate_network() -> bool:
    """Move this process (its calling thread and every thread or child started afterwards) into a new
    network namespace with only loopback up. True if isolated; where not permitted (not root, no
    CAP_SYS_ADMIN, not Linux), says so once on stderr and returns False. Call it before starting
    servers: sockets and threads created earlier stay in the old namespace."""
    global _isolation
    if _isolation is None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            _loopback_up()
            _isolation = True
        except (OSError, AttributeError) as exc:
            print(f"ctxlean: no network isolation ({exc}); continuing with the host network",
                  file=sys.stderr)
            _isolation = False
    return _isolation
