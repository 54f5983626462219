import os

import pytest


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
