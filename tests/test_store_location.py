"""One store location for every entry point (ctxlean.paths.store_location), and clear errors for settings
that cannot be used: never a folder created where nobody looks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ctxlean import paths
from ctxlean.paths import StoreLocationError, resolve_store, store_location
from ctxlean.store import StoreError, open_store


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_without_any_setting_the_store_is_in_claude_codes_plugin_data_dir(monkeypatch):
    monkeypatch.delenv("CTXLEAN_STORE")
    home = Path(os.environ["HOME"])
    expected = home / ".claude" / "plugins" / "data" / "ctxlean-ctxlean"
    assert store_location().path == expected / "store.sqlite3" and paths.data_dir() == expected
    # the same whether or not Claude Code's environment is there (a hook gets CLAUDE_PLUGIN_DATA, a terminal not)
    monkeypatch.setenv("CLAUDE_PLUGIN_DATA", str(expected))
    assert store_location().path == expected / "store.sqlite3"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / "cc"))
    assert store_location().path == home / "cc" / "plugins" / "data" / "ctxlean-ctxlean" / "store.sqlite3"


def test_the_user_config_can_move_it_and_the_environment_overrides_that(monkeypatch, tmp_path):
    monkeypatch.delenv("CTXLEAN_STORE")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "ctxlean" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text(f'store = "{tmp_path / "shared"}"\n')
    location = store_location()
    assert location.path == tmp_path / "shared" / "store.sqlite3" and location.source == f"store in {user}"
    monkeypatch.setenv("CTXLEAN_STORE", "~/mine")
    assert store_location().path == Path(os.environ["HOME"]) / "mine" / "store.sqlite3"
    user.write_text("store = 5\n")
    monkeypatch.delenv("CTXLEAN_STORE")
    with pytest.raises(StoreLocationError, match="store in .*config.toml = 5: expected a string"):
        store_location()


@pytest.mark.parametrize(("value", "message"), [
    ("store", "'store' is a relative path"),
    ("./data/store", "is a relative path"),
    ("mysql://u:hunter2@db/x", r"'mysql://u:\*\*\*@db/x': unsupported store URL scheme mysql://"),
    ("s3://bucket/x", "unsupported store URL scheme s3://"),
])
def test_unusable_values_are_errors_not_folders(monkeypatch, project, value, message):
    monkeypatch.chdir(project)
    monkeypatch.setenv("CTXLEAN_STORE", value)
    with pytest.raises(StoreLocationError, match=message) as caught:
        store_location()
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StoreError, match=message):
        open_store()
    assert list(project.iterdir()) == []  # nothing was created in the project


def test_a_file_is_not_a_store_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreLocationError, match="is a file, not a directory"):
        resolve_store(str(tmp_path / "file"))


def test_a_postgresql_url_needs_the_postgresql_backend(monkeypatch, project):
    monkeypatch.chdir(project)
    url = "postgresql://ctx:s3cret@db.internal:5432/ctxlean"
    monkeypatch.setenv("CTXLEAN_STORE", url)
    location = store_location()
    assert (location.kind, location.url, location.path) == ("postgresql", url, None)
    assert location.shown() == "postgresql://ctx:***@db.internal:5432/ctxlean"
    assert resolve_store("postgres://h/db").kind == "postgresql"
    assert paths.data_dir() == paths.plugin_data_dir()  # errors.log and captures stay local
    with pytest.raises(StoreLocationError, match="is a database, not a local file"):
        paths.store_path()
    try:
        import ctxlean.store.postgres  # noqa: F401  (the fleet backend, when installed)
    except ImportError:
        with pytest.raises(StoreError, match=r"needs the PostgreSQL backend: pip install 'ctxlean\[postgres\]'"):
            open_store()
    assert list(project.iterdir()) == []


def test_an_unusable_setting_leaves_errors_loggable_in_the_default_dir(monkeypatch):
    monkeypatch.setenv("CTXLEAN_STORE", "relative")
    assert paths.data_dir() == paths.plugin_data_dir()


def test_a_hook_with_an_unusable_store_fails_open_and_logs_why(monkeypatch, project):
    monkeypatch.setenv("CTXLEAN_STORE", "relative/dir")
    monkeypatch.chdir(project)
    event = {"tool_name": "Bash", "tool_input": {"command": "seq 1 100000"}, "cwd": str(project),
             "tool_response": {"stdout": "x\n" * 40_000, "stderr": "", "interrupted": False, "isImage": False,
                               "noOutputExpected": False}}
    import json

    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], input=json.dumps(event),
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "")
    log = (paths.plugin_data_dir() / "errors.log").read_text()
    assert "CTXLEAN_STORE = 'relative/dir' is a relative path" in log
    assert list(project.iterdir()) == []
