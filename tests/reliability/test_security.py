"""Handles stay in their project, store files stay the user's, secrets stay out of what the model sees
(while the stored payload stays exact), and nothing leaves the machine."""

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import HANDLE, SRC, bash_event, hook_env, log_text

from ctxlean import config, redact
from ctxlean.hooks import run
from ctxlean.mcp_server.fetch import fetch_detail, list_details, search_details
from ctxlean.store import HandleError, StoreError, open_store

SECRETS = {
    "anthropic": "sk-ant-api03-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg",
    "openai": "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "github": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "slack": "xoxb-17653672481-19874698323-pdFZKVeTuE15",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "url_password": "hunter2-s3cr3t",
    "bearer": "mF_9.B5f-4.1JqM0a8fQ2vX7Ty",
    "api_key": "a1b2c3d4e5f6a7b8c9d0e1f2",
    "key_body": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0",
}
LEAKY = [
    f"deploy: using ANTHROPIC_API_KEY={SECRETS['anthropic']}",
    f"OPENAI_API_KEY={SECRETS['openai']}",
    f"aws configure: aws_access_key_id={SECRETS['aws']}",
    f"aws_secret_access_key = {SECRETS['aws_secret']}",
    f"git remote: https://x-access-token:{SECRETS['github']}@github.com/acme/app.git",
    f"slack token {SECRETS['slack']} posted",
    f"session cookie {SECRETS['jwt']}",
    f"db url postgres://admin:{SECRETS['url_password']}@db.internal:5432/app",
    f"curl -H 'Authorization: Bearer {SECRETS['bearer']}' https://api.internal/v1",
    f'config: {{"api_key": "{SECRETS["api_key"]}"}}',
    "-----BEGIN RSA PRIVATE KEY-----",
    SECRETS["key_body"],
    "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u",
    "-----END RSA PRIVATE KEY-----",
]


def test_mask_hides_every_kind_and_leaves_ordinary_text_alone():
    masked = redact.mask("\n".join(LEAKY))
    for secret in SECRETS.values():
        assert secret not in masked
    assert "ANTHROPIC_API_KEY=[REDACTED" in masked and "slack token [REDACTED:xox]" in masked
    assert "admin:***@db.internal" in masked and "session cookie [REDACTED:jwt]" in masked
    assert "Authorization: Bearer [REDACTED]" in masked and masked.count(redact.KEY_MARK) == 1
    ordinary = ("task-0123456789abcdefghijklmn passed; see https://example.com/a:b/c?x=1 and "
                "ask-me-anything-1234567890123; sha 4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c; Authorization: none")
    assert redact.mask(ordinary) == ordinary
    assert redact.mask(log_text(1, 200_000)) == log_text(1, 200_000)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LEAKY + ["plain words", "sk-", "://", "eyJ", "-----BEGIN", "\n", " "])
                | st.text(max_size=40), max_size=12).map("".join))
def test_mask_never_lengthens_and_is_stable(text):
    once = redact.mask(text)
    assert len(once) <= len(text) and redact.mask(once) == once


def offload_leaky(project):
    lines = LEAKY + [f"step {i}: ok" for i in range(3000)] + ["build finished"]
    event, data = bash_event("\n".join(lines) + "\n", project)
    answer = json.loads(run("post-tool-use", json.dumps(event).encode()))
    return answer["hookSpecificOutput"]["updatedToolOutput"]["stdout"], data


def test_secrets_are_masked_everywhere_the_model_looks_and_stored_exactly(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    summary, data = offload_leaky(project)
    handle = HANDLE.search(summary)[0]
    with open_store() as store:
        seen = {
            "summary": summary,
            "list": list_details(store, project),
            "search": search_details(store, project, "deploy configure remote session cookie curl"),
            "fetch": fetch_detail(store, project, handle, lines="1-20"),
            "grep": fetch_detail(store, project, handle, grep="deploy|OPENAI|aws|remote|slack|cookie|url|curl|api"),
        }
        assert "[REDACTED" in seen["summary"] and "deploy: using" in seen["list"]
        for where, text in seen.items():
            for name, secret in SECRETS.items():
                assert secret not in text, (where, name)
        assert search_details(store, project, SECRETS["github"]).startswith("[ctxlean] no stored payload")
        fetched = [line.split(": ", 1)[1] for line in seen["fetch"].splitlines()[1:15]]
        assert fetched[10:14] == [redact.KEY_MARK] * 4  # every line of the key block, not only BEGIN
        # the store keeps the payload byte-exact; the user can have fetch_detail return it unmasked
        assert store.read_bytes(handle, project) == data
        exact = fetch_detail(store, project, handle, lines="1-14", redact=False)
        assert [line.split(": ", 1)[1] for line in exact.splitlines()[1:15]] == LEAKY


def test_masking_is_the_users_choice_not_a_projects(tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "ctxlean.toml").write_text("redact_fetch = false\n")
    warnings: list[str] = []
    assert config.load(str(project), warn=warnings.append).redact_fetch is True  # ignored, not obeyed
    assert len(warnings) == 1 and "redact_fetch ignored: it can only be set in your user config" in warnings[0]
    user = Path(config.user_config_path())
    user.parent.mkdir(parents=True)
    user.write_text("redact_secrets = false\nredact_fetch = false\n")
    (project / ".claude" / "ctxlean.toml").write_text("summary_budget_tokens = 300\n")
    cfg = config.load(str(project))
    assert (cfg.redact_secrets, cfg.redact_fetch, cfg.summary_budget_tokens) == (False, False, 300)
    summary, _ = offload_leaky(str(project))
    assert SECRETS["anthropic"] in summary  # the user turned masking off


def test_another_projects_handle_is_refused_unless_the_user_allows_it(tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    (mine / ".claude").mkdir(parents=True)
    theirs.mkdir()
    with open_store() as store:
        secret = store.put(b"their payload\n" * 100, project=str(theirs), tool="Bash", kind="text",
                           description="d").handle
        with pytest.raises(HandleError) as refused:
            fetch_detail(store, str(mine), secret)
        with pytest.raises(HandleError) as never:
            fetch_detail(store, str(mine), "ctx_" + "0" * 16)
        assert str(refused.value).replace(secret, "H") == str(never.value).replace("ctx_" + "0" * 16, "H")
        assert secret not in list_details(store, str(mine)) + search_details(store, str(mine), "their payload")
        # a repository cannot grant itself access to other projects' payloads
        (mine / ".claude" / "ctxlean.toml").write_text('allow_cross_project = ["*"]\n')
        warnings: list[str] = []
        assert config.load(str(mine), warn=warnings.append).allow_cross_project == ()
        assert "allow_cross_project ignored: it can only be set in your user config" in warnings[0]
        (mine / ".claude" / "ctxlean.toml").unlink()
        user = Path(config.user_config_path())
        user.parent.mkdir(parents=True)
        user.write_text(f'allow_cross_project = ["{tmp_path}/the*"]\n')
        allowed = config.load(str(mine)).allow_cross_project
        out = fetch_detail(store, str(mine), secret, lines="1-2", allowed_projects=allowed)
        assert out.splitlines()[1:3] == ["1: their payload", "2: their payload"]
        with pytest.raises(HandleError):
            fetch_detail(store, str(mine), secret, allowed_projects=[f"{tmp_path}/other*"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another user needs root")
def test_store_files_are_the_users_alone(tmp_path):
    store_dir = tmp_path / "store"
    with open_store() as store:
        store.put(b"x\n" * 10, project="/p", tool="Bash", kind="text", description="d")
        wal = store_dir / "store.sqlite3-wal"
        os.chmod(store_dir, 0o755)
        os.chmod(store.path, 0o644)
        os.chmod(wal, 0o666)
    with open_store():  # loose modes are tightened at startup
        pass
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((store_dir / "store.sqlite3").stat().st_mode) == 0o600
    assert not wal.exists() or stat.S_IMODE(wal.stat().st_mode) == 0o600
    for target in (store_dir / "store.sqlite3", store_dir):  # another user's file, then directory
        os.chown(target, 4242, 4242)
        with pytest.raises(StoreError, match="belongs to uid 4242, not to you"):
            open_store()
        event, _ = bash_event(log_text(1, 50_000), str(tmp_path))
        proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"],
                              input=json.dumps(event).encode(), capture_output=True)
        assert (proc.returncode, proc.stdout) == (0, b"")  # the output passes through, the store is refused
        assert b"belongs to uid 4242" in proc.stderr + (store_dir / "errors.log").read_bytes()
        os.chown(target, 0, 0)


# Records what a process does with sockets and URLs; loaded into every Python process the test starts.
AUDIT = """
import os, sys
_log = os.environ["CTXLEAN_AUDIT_LOG"]
_watch = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "socket.sendmsg",
          "socket.bind", "http.client.connect", "urllib.Request", "ftplib.connect", "smtplib.connect")
def _hook(event, args):
    # A Unix socket stays on the machine: the relay hands a session to the user's fork server through one.
    if event in _watch and getattr(args[0] if args else None, "family", None) != 1:  # 1: AF_UNIX
        with open(_log, "a") as fh:
            fh.write(f"{os.getpid()} {event} {args!r}\\n")
sys.addaudithook(_hook)
"""


def test_through_the_real_server_scoped_bounded_and_never_off_the_machine(tmp_path):
    """The stdio MCP server the plugin runs, driven by the mcp client: another project's handle refused,
    path-like handles refused, a catastrophic grep bounded; no process opens a network connection."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    audit_dir = tmp_path / "audit"
    audit_dir.mkdir()
    (audit_dir / "sitecustomize.py").write_text(AUDIT)
    audit_log = tmp_path / "audit.log"
    mine, theirs = str(tmp_path / "mine"), str(tmp_path / "theirs")
    os.makedirs(mine)
    os.makedirs(theirs)
    env = {**hook_env(tmp_path / "store"), "PYTHONPATH": os.pathsep.join([str(audit_dir), str(SRC)]),
           "CTXLEAN_AUDIT_LOG": str(audit_log), "CTXLEAN_FETCH_TIMEOUT_S": "1"}
    # control: the audit hook does see a process that reaches for the network
    subprocess.run([sys.executable, "-c", "import socket; socket.getaddrinfo('localhost', 80)"], env=env, check=True)
    assert "socket.getaddrinfo" in audit_log.read_text()
    audit_log.unlink()

    def offload(text, project):
        event, _ = bash_event(text, project)
        proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], env=env,
                              input=json.dumps(event).encode(), capture_output=True)
        return HANDLE.search(proc.stdout.decode())[0]

    mine_handle = offload(log_text(1, 50_000) + "a" * 32 + "!\n", mine)
    their_handle = offload(log_text(2, 50_000), theirs)

    async def session_calls():
        server = StdioServerParameters(command=sys.executable, args=["-m", "ctxlean", "mcp"], cwd=mine,
                                       env={**env, "CLAUDE_PROJECT_DIR": mine})
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            calls = {"own": {"handle": mine_handle, "lines": "2-3"},
                     "theirs": {"handle": their_handle},
                     "path": {"handle": "../../../etc/passwd"},
                     "slow_grep": {"handle": mine_handle, "grep": "(a+)+$"}}
            return {name: await session.call_tool("fetch_detail", args) for name, args in calls.items()}

    results = asyncio.run(session_calls())
    text = {name: result.content[0].text for name, result in results.items()}
    assert not results["own"].is_error and text["own"].splitlines()[1].startswith("2: ")
    assert results["theirs"].is_error and "unknown handle" in text["theirs"] and "their" not in text["theirs"]
    assert results["path"].is_error and "malformed handle" in text["path"]
    assert not results["slow_grep"].is_error and "stopped after 1 s at line" in text["slow_grep"]
    assert audit_log.exists() is False or audit_log.read_text() == ""  # no network socket, no URL, in any process
