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
    """Every test gets its own store, config dirs, HOME and working dir; nothing leaks from the developer's
    machine (nor from this repository's own .claude/ctxlean.toml)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
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


@pytest.fixture(autouse=True)
def stops_its_threads():
    """A test stops every thread it started, whatever happens: a non-daemon thread left running keeps the
    whole run from exiting after the last test (CI would then sit until its own limit)."""
    import threading

    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    for thread in left:
        thread.join(5)  # one finishing its last step is not a leak
    left = [t.name for t in left if t.is_alive()]
    assert not left, f"threads still running after the test: {left}"


_stacks = None  # kept open for faulthandler


def pytest_configure(config):
    """With CTXLEAN_TEST_PROGRESS set (by .ci/run), SIGUSR1 writes every thread's stack to that file +
    ".stacks" (stderr is captured while a test runs): what a run past its deadline was doing."""
    global _stacks
    if os.environ.get("CTXLEAN_TEST_PROGRESS"):
        import faulthandler
        import signal

        _stacks = open(os.environ["CTXLEAN_TEST_PROGRESS"] + ".stacks", "w")
        faulthandler.register(signal.SIGUSR1, file=_stacks, all_threads=True)


def pytest_runtest_logstart(nodeid, location):
    """Keep the running test's id where .ci/run can name it if the run passes its deadline."""
    _progress(f"running {nodeid}")


def pytest_sessionfinish(session, exitstatus):
    import threading

    running = [t.name for t in threading.enumerate() if t.is_alive() and not t.daemon
               and t is not threading.main_thread()]
    _progress(f"all tests finished; threads that keep the process alive: {running or 'none'}")


def _progress(text: str) -> None:
    path = os.environ.get("CTXLEAN_TEST_PROGRESS")
    if path:
        with open(path, "w") as fh:
            fh.write(text + "\n")


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
