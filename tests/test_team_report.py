"""`ctxlean report --store`: a shared store's ledger by project and by user@machine, as a team reads it."""

import json
import os
import subprocess
import sys

import pytest

from ctxlean import identity
from ctxlean.store import open_store


def offloads(url: str, rows: list[tuple[str, str, str, int, int]], monkeypatch) -> None:
    """Ledger rows (project, user, machine, original, summary) as each machine's hooks write them."""
    with open_store(url) as store:
        for i, (project, user, machine, original, summary) in enumerate(rows):
            monkeypatch.setattr(identity, "local_user_and_machine", lambda u=user, m=machine: (u, m))
            store.record_offload(project=project, session_id=f"{machine}-s{i % 2}", agent_id=None, tool="Bash",
                                 handle="ctx_" + f"{i:016x}", original_tokens=original, summary_tokens=summary)


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctxlean", "report", *args], capture_output=True, text=True,
                          env=os.environ, timeout=120)


def test_the_team_report_sums_the_ledger_by_project_and_by_user_and_machine(pg_url, monkeypatch):
    offloads(pg_url, [
        ("github.com/acme/api", "alice", "laptop", 10_000, 400),
        ("github.com/acme/api", "ci", "runner-7", 50_000, 350),
        ("github.com/acme/api", "ci", "runner-7", 0, 300),  # a failing command's note: no saving
        ("acme/web", "alice", "laptop", 8_000, 300),
    ], monkeypatch)
    proc = report("--store", pg_url, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    projects = {r["name"]: (r["offloads"], r["original_tokens"], r["kept_out_tokens"], r["members"])
                for r in data["by_project"]}
    assert projects == {"github.com/acme/api": (2, 60_000, 59_250, ["laptop", "runner-7"]),
                        "acme/web": (1, 8_000, 7_700, ["laptop"])}
    users = {r["name"]: (r["offloads"], r["kept_out_tokens"], r["members"]) for r in data["by_user_machine"]}
    assert users == {"ci@runner-7": (1, 49_650, ["github.com/acme/api"]),
                     "alice@laptop": (2, 17_300, ["acme/web", "github.com/acme/api"])}
    assert data["total"]["kept_out_tokens"] == 66_950
    assert "@" in data["store"] and "password" not in data["store"]

    text = report("--store", pg_url, "--project", "acme/web")
    assert text.returncode == 0
    assert "acme/web" in text.stdout and "github.com/acme/api" not in text.stdout and "7,700" in text.stdout


def test_the_team_report_refuses_what_it_cannot_answer(pg_url, tmp_path):
    assert report("--store", pg_url, "--session", "abc").returncode == 2
    assert report("--store", str(tmp_path / "nothing.sqlite3")).returncode == 2
    assert report("--store", "postgresql://nobody@127.0.0.1:1/x").returncode == 1


def test_gc_runs_on_the_shared_store(pg_url, monkeypatch):
    monkeypatch.setenv("CTXLEAN_STORE", pg_url)
    with open_store() as store:
        store.put(b"stale output\n" * 1000, project="/p", tool="Bash", kind="text", description="d")
        store.db.execute("UPDATE ctxlean.payloads SET last_access = 0")
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "gc"], capture_output=True, text=True, env=os.environ,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "removed 1 payloads (1 past the 30-day TTL" in proc.stdout and "; tables " in proc.stdout
    with open_store() as store:
        assert store.recent("/p") == []


@pytest.fixture(autouse=True)
def _no_transcripts(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
