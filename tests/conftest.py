import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def mcp_fork_servers():
    """The warm MCP fork servers the plugin's `ctxlean mcp` relay starts (ctxlean.mcp_server.relay) live in
    this run's own runtime dir, and the run ends every one of them (by the pid in its lock file): none
    outlives the suite."""
    runtime = tempfile.mkdtemp(prefix="ctxlean-run-", dir="/tmp")  # short: AF_UNIX paths stop at 107 bytes
    os.environ["XDG_RUNTIME_DIR"] = runtime
    yield runtime
    for lock in Path(runtime).rglob("*.lock"):
        try:
            pid = int(lock.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            pass  # already gone, or the lock was never written
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own store, config dirs and HOME; nothing leaks from the developer's machine."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CTXLEAN_STORE", str(tmp_path / "store"))
    # subprocesses (python -m ctxlean ...) import the tree under test, not another installed copy
    monkeypatch.setenv("PYTHONPATH", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
    for name in list(os.environ):
        if name.startswith(("CLAUDE", "CTXLEAN_")) and name != "CTXLEAN_STORE":
            monkeypatch.delenv(name)
    return tmp_path


# -- PostgreSQL (the fleet store): a real server, or a visible skip -----------------------------------------

_pg_skipped: list[str] = []


class PgServer:
    """A reachable PostgreSQL server; `database()` makes a fresh database and returns its URL."""

    def __init__(self, url: str, cluster=None):
        import psycopg

        self.base = url
        self.cluster = cluster
        self.admin = psycopg.connect(url, autocommit=True, connect_timeout=10)
        self.count = 0

    def url_for(self, dbname: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.base)
        return urlunsplit(parts._replace(path="/" + dbname))

    def database(self) -> str:
        self.count += 1
        name = f"ctxlean_test_{os.getpid()}_{self.count}"
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.execute(f"CREATE DATABASE {name}")
        return self.url_for(name)

    def drop(self, url: str) -> None:
        from urllib.parse import urlsplit

        self.admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(url).path.strip('/')} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server():
    """TEST_POSTGRES_URL (.ci/run starts a cluster and sets it), else a throwaway cluster started here;
    skipped, with the reason in the run's summary, only when neither works."""
    from pg_cluster import Cluster

    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed (pip install -e '.[postgres]')"
        _pg_skipped.append(reason)
        pytest.skip(reason)
    url, cluster = os.environ.get("TEST_POSTGRES_URL"), None
    try:
        if not url:
            cluster = Cluster().start()
            url = cluster.url()
        server = PgServer(url, cluster)
    except Exception as exc:  # noqa: BLE001 - whatever stops a server from starting is the reason shown
        if cluster is not None:
            cluster.destroy()
        reason = f"no PostgreSQL server could be started ({str(exc).strip().splitlines()[0]})"
        _pg_skipped.append(reason)
        pytest.skip(reason)
    yield server
    server.admin.close()
    if cluster is not None:
        cluster.destroy()


@pytest.fixture
def pg_url(pg_server):
    """A URL to a fresh, empty database on the test server (dropped afterwards)."""
    url = pg_server.database()
    yield url
    pg_server.drop(url)


def pytest_terminal_summary(terminalreporter):
    if _pg_skipped:
        terminalreporter.write_line(f"PostgreSQL store tests SKIPPED: {_pg_skipped[0]}", yellow=True, bold=True)
