"""A throwaway PostgreSQL cluster for the fleet-store tests and benchmarks (standard library only).

    python3 tests/pg_cluster.py start DIR   # initdb + start in DIR; prints TEST_POSTGRES_URL=... for the run
    python3 tests/pg_cluster.py stop DIR

The cluster listens on 127.0.0.1 and on a Unix socket in DIR. The URL it hands out uses the socket: the
end-to-end suite moves the test process into a network namespace of its own (ctxlean.fakeapi.claude
.isolate_network), where the host's 127.0.0.1 is out of reach but a socket file is not. PostgreSQL refuses
to run as root, so as root the cluster runs as the `postgres` user (Debian's package creates it), else
`nobody`. Tuned for tests, not for data: fsync off, trust authentication for the one local user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "ctxlean"  # the database superuser initdb creates


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ClusterUnavailable("running as root and there is neither a postgres nor a nobody user to run it as")


class Cluster:
    def __init__(self, root: Path | None = None, durable: bool = False):
        """durable: fsync and synchronous commits on, as a real server runs (for benchmarks)."""
        self.durable = durable
        self.root = Path(root or tempfile.mkdtemp(prefix="ctxlean-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "server.log"
        self.port_file = self.root / "port"
        self.port = int(self.port_file.read_text()) if self.port_file.exists() else None
        self.user = _run_as()
        found = bindir()
        if found is None:
            raise ClusterUnavailable("PostgreSQL is not installed (no initdb; Debian: apt-get install postgresql)")
        self.bin = found

    def url(self, dbname: str = "postgres", tcp: bool = False) -> str:
        """A URL for `dbname`: over the Unix socket (works from any network namespace), or TCP on 127.0.0.1."""
        if tcp:
            return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"
        return f"postgresql://{USER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user, capture_output=True, text=True,
                              timeout=120, cwd=self.root)
        if check and proc.returncode != 0:
            said = (proc.stderr or proc.stdout).strip()[-800:]
            raise ClusterUnavailable(f"{args[0]} failed ({proc.returncode}): {said}{self._log_tail()}")
        return proc

    def _log_tail(self) -> str:
        try:
            return "\nserver log: " + self.log.read_text(errors="replace")[-800:]
        except OSError:
            return ""

    def start(self) -> Cluster:
        """initdb (first time) and start; returns self."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(self.root, 0o755)  # the test process reads the log; the socket dir must be reachable
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-locale",
                      "--no-sync")
        if self.port is None:
            self.port = free_port()
            self.port_file.write_text(str(self.port))
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, mode: str = "fast") -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        extra = ["-m", mode] if action in ("stop", "restart") else []
        self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
                  *extra)

    @property
    def version(self) -> str:
        return self._run("postgres", "--version").stdout.split()[2]

    def create_database(self, name: str) -> str:
        """A new database; its URL."""
        self._run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", USER, name)
        return self.url(name)

    def restart(self, mode: str = "fast") -> None:
        """Restart the server: mode 'fast' ends every session (their transactions roll back), 'immediate' as
        a crash would."""
        self._pg_ctl("restart", mode)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", mode)

    def destroy(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print("usage: python3 tests/pg_cluster.py start|stop DIR", file=sys.stderr)
        return 2
    try:
        cluster = Cluster(Path(argv[2]))
        if argv[1] == "start":
            cluster.start()
            print(f"TEST_POSTGRES_URL={cluster.url()}")
        else:
            cluster.destroy()
    except ClusterUnavailable as exc:
        print(f"pg_cluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
