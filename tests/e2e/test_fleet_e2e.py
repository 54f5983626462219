"""Issue 16 end to end: two "machines" (separate HOMEs, plugin data dirs and checkouts of one repository at
different paths) share one PostgreSQL store. A big output offloaded by Claude Code on one is listed,
fetched byte-exact and searched by the model on the other, and neither machine has a local SQLite store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_offload import BIG_LOG, NEEDLE_LINE, assert_offloaded, big_log_lines

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL, install_ctxlean, run_claude
from ctxlean.fakeapi.script import has_tool_result, not_, reply, results_for, text, tool_result_for, tool_use
from ctxlean.store import open_store

pytestmark = pytest.mark.e2e

TOOL = "mcp__plugin_ctxlean_ctxlean__"
LIST, SEARCH = TOOL + "list_details", TOOL + "search_details"
REPOSITORY = "github.com/acme/fleet-demo"


def machine(root: Path, checkout: str, remote: str, store_url: str) -> tuple[Path, Path]:
    """A HOME with ctxlean installed and the store set in the user config, and a git checkout: (home, cwd)."""
    home, cwd = root / "home", root / checkout
    home.mkdir(parents=True)
    cwd.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=cwd, check=True)
    subprocess.run(["git", "remote", "add", "origin", remote], cwd=cwd, check=True)
    config = home / ".config" / "ctxlean" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'store = "{store_url}"\n')
    proc = install_ctxlean(home, cwd)
    assert proc.returncode == 0, f"ctxlean install failed:\n{proc.stdout}\n{proc.stderr}"
    return home, cwd


def steps(calls: list[tuple[str, dict]]) -> Script:
    """Call each (tool, input) in turn, each after the previous one's result, then stop."""
    rules = [Rule("0", times=1, match=not_(has_tool_result), respond=reply(tool_use(*calls[0])))]
    for i, (previous, call) in enumerate(zip(calls, calls[1:], strict=False), 1):
        rules.append(Rule(str(i), times=1, match=tool_result_for(previous[0]), respond=reply(tool_use(*call))))
    rules.append(Rule("done", match=has_tool_result, respond=reply(text("Done."))))
    return Script(rules)


def session(script: Script, home: Path, cwd: Path):
    with FakeAnthropic(script, log_path=home / "requests.jsonl") as api:
        run = run_claude("Please do the task.", home=home, cwd=cwd, base_url=api.url)
    assert run.result is not None, f"no result event (rc={run.rc}):\n{run.stderr[-2000:]}"
    assert not run.rejected_outputs()
    return api.model_requests()[-1]["body"]


def test_a_handle_offloaded_on_one_machine_is_listed_fetched_and_searched_on_another(tmp_path, pg_url):
    home_a, cwd_a = machine(tmp_path / "machine-a", "work/fleet-demo", "https://github.com/acme/fleet-demo.git", pg_url)
    home_b, cwd_b = machine(tmp_path / "machine-b", "src/checkout", "git@github.com:acme/fleet-demo.git", pg_url)

    last_a = session(steps([("Bash", {"command": BIG_LOG, "description": "print the replica log"})]), home_a, cwd_a)
    handle = assert_offloaded(results_for(last_a, "Bash")[0])

    window = f"{NEEDLE_LINE - 1}-{NEEDLE_LINE + 1}"
    last_b = session(steps([(LIST, {}), (FETCH_DETAIL, {"handle": handle, "lines": window}),
                            (SEARCH, {"query": "checksum mismatch"}),
                            (FETCH_DETAIL, {"handle": handle, "grep": "ERROR"})]), home_b, cwd_b)
    [listing], [lines, grepped], [found] = (results_for(last_b, name) for name in (LIST, FETCH_DETAIL, SEARCH))
    assert handle in listing and "Bash" in listing
    original = big_log_lines()
    assert f"{NEEDLE_LINE}: {original[NEEDLE_LINE - 1]}" in grepped
    for number in range(NEEDLE_LINE - 1, NEEDLE_LINE + 2):
        assert f"{number}: {original[number - 1]}" in lines
    assert handle in found and "[checksum] [mismatch]" in found

    with open_store(pg_url) as store:
        assert store.read_bytes(handle, REPOSITORY) == "".join(line + "\n" for line in original).encode()
        assert [row[0] for row in store.ledger_totals()] == [REPOSITORY]  # one project, seen from both
    assert not [p for p in tmp_path.rglob("*.sqlite3*")]  # no local store on either machine
