"""The probes of issue 15, each as the user or attacker would meet it: bounded search, whole-line grep, hooks
that never block on a path, persisted outputs read only where Claude Code writes them, masking whatever
slice is shown, gc --now, and slow calls that cannot starve fast ones in the real stdio server."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time

import pytest
from reliability_support import SRC, bash_persisted_event, hook_env, log_text, sample

from ctxlean import redact
from ctxlean.hooks import run
from ctxlean.mcp_server.fetch import fetch_detail, search_details
from ctxlean.store import MAX_SEARCH_TERMS, open_store, search_terms

KEY = "sk-ant-api03-" + "Q7x9Lm2P" * 11 + "AA"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(f"MIIEow{i:02d}AKCAQEA" + "Zq8rT3vX" * 6 for i in range(20))
       + "\n-----END RSA PRIVATE KEY-----\n")


def body(out: str) -> list[str]:
    return [line for line in out.splitlines() if not line.startswith("[ctxlean]")]


def put(store, data: bytes) -> str:
    return store.put(data, project="/p", tool="Bash", kind="text", description="probe").handle


# -- 1. search is bounded ------------------------------------------------------------------------------

def test_search_stops_at_its_deadline_and_says_so():
    with open_store() as store:
        for i in range(6):
            put(store, (log_text(i, 400_000) + "").encode())
        started = time.monotonic()
        out = search_details(store, "/p", "compiled " * 40 + "worker step", timeout_s=0)
        assert time.monotonic() - started < 5
        assert "stopped after 0 s" in out and "rarer words" in out
        full = search_details(store, "/p", "compiled worker", timeout_s=10)
        assert "6 payload(s) matching 'compiled worker', best first" in full
        # a snippet is a bounded window with the words marked, not every hit of a 400 KB payload
        snippets = [line for line in full.splitlines() if line.startswith("    ")]
        assert len(snippets) == 6 and all(len(s) < 400 and "[compiled]" in s for s in snippets)


def test_query_terms_are_deduplicated_and_capped():
    terms, dropped = search_terms("Build build BUILD " * 50 + " ".join(f"w{i}" for i in range(30)))
    assert terms[0] == "Build" and len(terms) == MAX_SEARCH_TERMS and dropped == 31 - MAX_SEARCH_TERMS
    with open_store() as store:
        put(store, log_text(1, 100_000).encode())
        out = search_details(store, "/p", " ".join(f"word{i}" for i in range(40)))
        assert "first 12 distinct words only (28 more left out)" in out


# -- 2. grep sees whole lines ---------------------------------------------------------------------------

def test_grep_anchors_and_matches_hold_across_pieces_and_chunks():
    chunk = 1 << 20
    long_line = "x" * (chunk - 3) + "NEEDLE" + "y" * 5000 + "END"  # crosses a store chunk and many pieces
    data = ("head\n" + long_line + "\n" + "a" * 9000 + "b\n" + "tail\n").encode()
    with open_store() as store:
        h = put(store, data)
        grep = lambda pattern: body(fetch_detail(store, "/p", h, grep=pattern, timeout_s=30))  # noqa: E731
        assert [row.split("[")[0] for row in grep("^x+NEEDLE")] == ["2"]
        assert [row.split("[")[0] for row in grep("END$")] == ["2"]
        assert grep("^y") == [] and grep("^a+$") == []  # no piece cut acts as a line start or end
        [row] = grep("xNEEDLEy")  # a match straddling the chunk cut, shown around the match
        assert row.startswith("2[chars ") and f"match at {chunk - 3:,}]" in row and "xNEEDLEy" in row
        assert len(row) < 5000
        assert [row.split("[")[0] for row in grep("(?<=x)NEEDLE(?=y)")] == ["2"]  # checked line by line
        assert [row.split("[")[0] for row in grep("^a+b$")] == ["3"]


# -- 3. hooks never block on a path -----------------------------------------------------------------------

def test_fifo_transcript_config_or_read_target_never_holds_a_hook(tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    fifo = tmp_path / "t.jsonl"
    os.mkfifo(fifo)
    os.mkfifo(project / ".claude" / "ctxlean.toml")
    os.mkfifo(project / "big.txt")
    env = hook_env(tmp_path / "store", CLAUDE_PROJECT_DIR=str(project))
    read = {**sample("post_read_big.json"), "cwd": str(project), "transcript_path": str(fifo)}
    pre = {"hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": str(project), "transcript_path": str(fifo),
           "tool_input": {"file_path": str(project / "big.txt")}}
    for event_name, event in (("post-tool-use", read), ("pre-tool-use", pre)):
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", event_name], input=json.dumps(event).encode(),
                              env=env, capture_output=True, timeout=60)
        assert proc.returncode == 0 and time.monotonic() - started < 20
    # with a FIFO as the project config the hook fails open (and says why), with a good one it offloads
    assert "is not a file" in (tmp_path / "store" / "errors.log").read_text()  # the config named, and the fix
    os.unlink(project / ".claude" / "ctxlean.toml")
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], input=json.dumps(read).encode(),
                          env=env, capture_output=True, timeout=60)
    assert "ctx_" in proc.stdout.decode()  # the FIFO transcript only costs the budget reading


# -- 4. persistedOutputPath only where Claude Code writes it -----------------------------------------------

def test_persisted_output_is_read_only_from_the_sessions_tool_results(tmp_path):
    project = str(tmp_path / "proj")
    os.makedirs(project)
    outside = tmp_path / "secret-notes.txt"
    outside.write_text("zebra notes of another program\n" * 20_000)
    cases = {}
    event, _ = bash_persisted_event(tmp_path / "ok.txt", log_text(8, 200_000), project)
    cases["genuine"] = event
    for name, change in {
        "outside": lambda e: e["tool_response"].update(persistedOutputPath=str(outside)),
        "wrong size": lambda e: e["tool_response"].update(persistedOutputSize=e["tool_response"]
                                                          ["persistedOutputSize"] - 1),
        "no size": lambda e: e["tool_response"].pop("persistedOutputSize"),
        "other session": lambda e: e.update(transcript_path=str(tmp_path / "other.jsonl")),
        "dot-dot": lambda e: e["tool_response"].update(
            persistedOutputPath=e["tool_response"]["persistedOutputPath"] + "/../../../secret-notes.txt"),
    }.items():
        event, _ = bash_persisted_event(tmp_path / f"{name}.txt", log_text(9, 200_000), project)
        change(event)
        cases[name] = event
    event, _ = bash_persisted_event(tmp_path / "link.txt", log_text(10, 200_000), project)
    link = event["tool_response"]["persistedOutputPath"]
    os.unlink(link)
    os.symlink(outside, link)
    event["tool_response"]["persistedOutputSize"] = outside.stat().st_size
    cases["symlink"] = event
    answers = {name: run("post-tool-use", json.dumps(e).encode()) for name, e in cases.items()}
    assert "ctx_" in answers.pop("genuine")
    assert answers == {name: "" for name in answers}  # passed through: nothing read, nothing stored
    with open_store() as store:
        assert len(store.recent(project)) == 1
        assert store.search(project, "zebra") == []  # the file outside was never indexed


# -- 5 and 6. masking whatever slice is shown --------------------------------------------------------------

def test_a_key_block_is_masked_whatever_line_the_slice_starts_on():
    data = (log_text(1, 30_000) + PEM + log_text(2, 3_000)).encode()
    start = log_text(1, 30_000).count("\n") + 1
    with open_store() as store:
        h = put(store, data)
        for first in range(start, start + 23):
            for args in ({"lines": f"{first}-{first + 3}"}, {"lines": f"{first}-", "grep": "MII|Zq8r"}):
                out = fetch_detail(store, "/p", h, **args)
                assert "Zq8rT3vX" not in out and "AKCAQEA" not in out, (first, args, out)


@pytest.mark.parametrize("budget", [300, 2000])
def test_a_secret_straddling_any_piece_cut_is_masked_in_every_piece(budget):
    with open_store() as store:
        for offset in range(0, 1200, 37):
            line = "{" + ",".join(f'"k{i}":"v{i}"' for i in range(offset)) + f',"token":" {KEY} ","z":1' + "}" * 900
            h = put(store, (line + "\n").encode())
            pages = []
            page = 1
            while True:
                out = fetch_detail(store, "/p", h, page=page, budget_tokens=budget)
                pages.append(out)
                if "page=" not in out.splitlines()[-1]:
                    break
                page += 1
            shown = "".join(row.split(": ", 1)[1] for out in pages for row in body(out))
            assert "[REDACTED:sk-ant]" in shown
            secret = KEY[len("sk-ant-"):]
            assert not any(secret[i:i + 12] in out for out in pages for i in range(len(secret) - 11)), offset
            grepped = fetch_detail(store, "/p", h, grep="token", budget_tokens=budget)
            assert "[REDACTED:sk-ant]" in grepped and secret[:12] not in grepped


def test_mask_of_a_whole_text_is_unchanged_by_the_segment_masker():
    text = f"a {KEY} b\n" + PEM + "c\n"
    assert redact.mask(text) == f"a [REDACTED:sk-ant] b\n{redact.KEY_MARK}\nc\n"


# -- gc --now ---------------------------------------------------------------------------------------------

def test_gc_now_removes_leftovers_younger_than_the_grace_period(tmp_path):
    env = hook_env(tmp_path / "store")
    with open_store(tmp_path / "store" / "store.sqlite3") as store:
        store._transaction(lambda: store.db.execute(
            "INSERT INTO blobs (complete, created, touched, token) VALUES (0, ?, ?, 'killed')", (time.time(),) * 2))
    gc = [sys.executable, "-m", "ctxlean", "gc"]
    assert "0 incomplete blobs" in subprocess.run(gc, env=env, capture_output=True, text=True, check=True).stdout
    out = subprocess.run([*gc, "--now"], env=env, capture_output=True, text=True, check=True).stdout
    assert "1 incomplete blobs" in out
    help_text = subprocess.run([*gc, "--help"], env=env, capture_output=True, text=True, check=True).stdout
    assert "--now" in help_text and "minutes" in help_text


# -- slow calls cannot starve fast ones (the real stdio server) --------------------------------------------

def test_slow_calls_do_not_starve_fast_ones_in_the_real_server(tmp_path):
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    project = str(tmp_path / "proj")
    os.makedirs(project)
    env = {**hook_env(tmp_path / "store"), "PYTHONPATH": str(SRC), "CTXLEAN_FETCH_TIMEOUT_S": "3",
           "CLAUDE_PROJECT_DIR": project}
    with open_store(tmp_path / "store" / "store.sqlite3") as store:
        bait = store.put(b"ok\n" * 50 + (b"a" * 40 + b"!\n") * 3, project=project, tool="Bash", kind="text",
                         description="bait").handle

    async def calls():
        server = StdioServerParameters(command=sys.executable, args=["-m", "ctxlean", "mcp"], cwd=project, env=env)
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()

            async def finished(tool, args):
                result = await session.call_tool(tool, args)
                return time.monotonic(), result

            slow = [asyncio.create_task(finished("fetch_detail", {"handle": bait, "grep": "(a+)+$"}))
                    for _ in range(12)]
            await asyncio.sleep(0.5)
            fast = await finished("list_details", {})
            return fast, await asyncio.gather(*slow)

    (fast_at, listing), slow = asyncio.run(calls())
    # the listing is answered while every slot of fetch_detail is still taken: before any of them ends
    assert not listing.is_error and bait in listing.content[0].text
    assert fast_at < min(at for at, _ in slow)
    for _at, result in slow:
        text = result.content[0].text
        # what was found by the deadline and how to go on, or (no slot in time) what to do instead
        assert ("stopped after" in text and 'lines="' in text) if not result.is_error else "still busy" in text


def test_search_terms_match_the_store_semantics():
    with open_store() as store:
        put(store, b"alpha beta gamma\n" * 3000)
        assert "1 payload(s)" in search_details(store, "/p", "ALPHA alpha Alpha gamma")
        assert re.search(r"\[alpha\] \[beta\]", search_details(store, "/p", "alpha beta"))
