"""Which store a process uses (CTXLEAN_STORE or the user config's `store`), and which project a payload
belongs to on a shared store (project_id, the git remote, the path)."""

import os
import subprocess
import sys

import pytest

from ctxlean import config
from ctxlean.identity import git_remote, normalise_remote, shared_scope_key
from ctxlean.paths import data_dir, plugin_data_dir, store_location
from ctxlean.store import StoreError, open_store


def user_config(text: str) -> None:
    path = config.user_config_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def test_a_url_in_the_environment_or_the_user_config_selects_postgresql(pg_url, monkeypatch):
    monkeypatch.setenv("CTXLEAN_STORE", pg_url)
    assert store_location().url == pg_url
    with open_store() as store:
        assert store.backend == "postgresql"
    monkeypatch.delenv("CTXLEAN_STORE")
    user_config(f'store = "{pg_url}"\n')
    with open_store() as store:
        assert store.backend == "postgresql" and store.location == pg_url


def test_a_directory_in_ctxlean_store_keeps_the_local_sqlite_store(tmp_path):
    assert store_location().url is None
    with open_store() as store:
        assert store.backend == "sqlite" and store.path == tmp_path / "store" / "store.sqlite3"


def test_local_files_stay_in_the_data_dir_when_the_store_is_a_url(monkeypatch, tmp_path):
    monkeypatch.setenv("CTXLEAN_STORE", "postgresql://u@127.0.0.1/team")
    monkeypatch.setenv("CLAUDE_PLUGIN_DATA", str(tmp_path / "plugin-data"))  # Claude Code's, ignored: one place
    assert data_dir() == plugin_data_dir() == tmp_path / "home" / ".claude" / "plugins" / "data" / "ctxlean-ctxlean"


def test_a_project_cannot_point_the_store_elsewhere_and_a_bad_value_is_named(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text('store = "postgresql://attacker@evil.example/x"\n')
    warnings: list[str] = []
    assert "evil" not in config.load(str(project), warn=warnings.append).store
    assert "store ignored: it can only be set in your user config" in warnings[0]
    monkeypatch.delenv("CTXLEAN_STORE")
    user_config('store = "some/dir"\n')  # a relative dir is no place
    with pytest.raises(StoreError, match="store in .*config.toml = 'some/dir' is a relative path"):
        open_store()
    with pytest.raises(StoreError, match="unsupported store URL scheme mysql://"):
        open_store("mysql://u@h/db")


def test_the_sqlite_path_never_imports_psycopg():
    code = ("import sys; from ctxlean.store import open_store; s = open_store(); s.put(b'x' * 10, project='/p',"
            " tool='Bash', kind='text', description='d'); assert 'psycopg' not in sys.modules, 'psycopg imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ)


def test_without_psycopg_a_postgresql_store_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['psycopg'] = None\nfrom ctxlean.store import open_store, StoreError\n"
            "try:\n    open_store('postgresql://u@127.0.0.1/db')\nexcept StoreError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert "pip install 'ctxlean[postgres]'" in out.stdout


@pytest.mark.parametrize("url, key", [
    ("git@github.com:Acme/api.git", "github.com/Acme/api"),
    ("https://github.com/Acme/api", "github.com/Acme/api"),
    ("https://user:tok3n@GitHub.com/Acme/api.git/", "github.com/Acme/api"),
    ("ssh://git@github.com:22/Acme/api.git", "github.com/Acme/api"),
    ("git://git.example.org/team/sub/repo.git", "git.example.org/team/sub/repo"),
    ("/srv/git/api.git", None),
    ("file:///srv/git/api.git", None),
    ("../api", None),
])
def test_remotes_normalise_to_host_and_path_without_credentials(url, key):
    assert normalise_remote(url) == key


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_shared_scope_is_project_id_else_git_remote_else_the_path(tmp_path, monkeypatch):
    a, b, plain = tmp_path / "machine-a" / "api", tmp_path / "elsewhere" / "b" / "api-checkout", tmp_path / "plain"
    for path in (a, b, plain):
        path.mkdir(parents=True)
    git("init", "-q", cwd=a)
    git("remote", "add", "origin", "git@github.com:acme/api.git", cwd=a)
    git("init", "-q", cwd=b)
    git("remote", "add", "origin", "https://github.com/acme/api", cwd=b)
    (b / "sub").mkdir()
    keys = {shared_scope_key(str(a)), shared_scope_key(str(b)), shared_scope_key(str(b / "sub"))}
    assert keys == {"github.com/acme/api"}
    assert shared_scope_key(str(plain)) == str(plain)
    (a / ".claude").mkdir()
    (a / ".claude" / "ctxlean.toml").write_text('project_id = "acme/api"\n')
    assert shared_scope_key(str(a)) == "acme/api"
    monkeypatch.setenv("CTXLEAN_PROJECT_ID", "worker-pool")  # an SDK worker without the repository's files
    assert shared_scope_key(str(plain)) == "worker-pool"


def test_a_git_worktree_shares_its_repositorys_remote(tmp_path):
    main, linked = tmp_path / "main", tmp_path / "linked"
    main.mkdir()
    git("init", "-q", cwd=main)
    git("remote", "add", "origin", "https://git.example.org/team/tool.git", cwd=main)
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x", cwd=main)
    git("worktree", "add", "-q", str(linked), cwd=main)
    assert git_remote(str(linked)) == "git.example.org/team/tool"


def test_the_local_store_keeps_scoping_by_path_whatever_project_id_says(tmp_path, pg_url):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text('project_id = "acme/api"\n')
    with open_store() as local:
        assert local.scope(str(project)) == str(project)
    with open_store(pg_url) as shared:
        assert shared.scope(str(project)) == "acme/api"
