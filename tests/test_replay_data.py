"""The replay benchmark's data (benchmarks/replay/data): every file readable, every trajectory with its
provenance, steps well formed, ids unique, nothing from the two sources kept back for independent
checks, and the whole under its size cap."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "replay" / "data"
RESERVED = {"link-assistant/hive-mind", "laude-institute/terminal-bench-leaderboard"}
FRAMEWORKS = {"claude-code", "swe-agent", "mini-swe-agent", "openhands"}
TOOLS = {"Bash", "Read", "Edit", "Other"}
PROVENANCE_KEYS = {"repository", "path", "commit", "url", "license", "agent", "model"}
COMMIT = re.compile(r"^[0-9a-f]{40}$")
MAX_BYTES = 40 * 1024 * 1024

NORMALIZED = sorted(p for p in DATA.glob("*/*.json.gz") if p.parent.name != "claude-code")
CLAUDE_RECORDS = sorted((DATA / "claude-code").glob("*.json"))


def load_gz_json(path: Path) -> dict:
    with gzip.open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def check_provenance(prov: dict) -> None:
    assert PROVENANCE_KEYS <= prov.keys(), prov
    assert COMMIT.match(prov["commit"]), prov["commit"]
    assert prov["repository"] not in RESERVED
    assert prov["url"] == f"https://github.com/{prov['repository']}/blob/{prov['commit']}/{prov['path']}"
    assert all(isinstance(prov[k], str) and prov[k] for k in PROVENANCE_KEYS), prov


def test_there_is_enough_data_from_enough_frameworks():
    frameworks = {p.parent.name for p in NORMALIZED} | ({"claude-code"} if CLAUDE_RECORDS else set())
    assert frameworks <= FRAMEWORKS
    assert len(frameworks) >= 3
    assert len(NORMALIZED) + len(CLAUDE_RECORDS) >= 40
    assert CLAUDE_RECORDS, "raw Claude Code transcripts are part of the benchmark"


@pytest.mark.parametrize("path", NORMALIZED, ids=lambda p: p.name)
def test_normalized_trajectory_is_well_formed(path: Path):
    traj = load_gz_json(path)
    assert traj["id"] == path.name.removesuffix(".json.gz")
    assert traj["framework"] == path.parent.name
    check_provenance(traj["provenance"])
    assert isinstance(traj["outputs_cut"], bool)
    assert isinstance(traj["cut_note"], str) and (traj["cut_note"] or not traj["outputs_cut"])
    assert traj["system"] is None or isinstance(traj["system"], str)
    assert isinstance(traj["task"], str) and traj["task"]
    assert isinstance(traj["final"], str)
    assert traj["steps"]
    last_ts = 0.0
    for step in traj["steps"]:
        assert isinstance(step["thought"], str)
        action = step["action"]
        assert action["tool"] in TOOLS
        assert isinstance(action["raw_tool"], str)
        assert isinstance(action["input"], dict)
        if action["tool"] == "Bash":
            assert isinstance(action["input"]["command"], str)
        if action["tool"] == "Read":
            assert isinstance(action["input"]["file_path"], str)
        assert isinstance(step["observation"], str)
        assert isinstance(step["error"], bool)
        if "ts" in step:
            assert step["ts"] >= last_ts - 1.0, "steps out of time order"
            last_ts = step["ts"]


@pytest.mark.parametrize("path", CLAUDE_RECORDS, ids=lambda p: p.name)
def test_claude_code_session_is_as_committed(path: Path):
    record = json.loads(path.read_text())
    assert record["framework"] == "claude-code"
    assert record["id"] == path.stem
    check_provenance(record["provenance"])
    files = record["files"]
    assert files[0]["path"] == f"{record['id']}.jsonl.gz"
    for entry in files:
        raw = gzip.open(DATA / "claude-code" / entry["path"], "rb").read()
        assert len(raw) == entry["bytes"]
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], "bytes differ from the committed file"
        lines = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
        assert lines
    main = [json.loads(line) for line in gzip.open(DATA / "claude-code" / files[0]["path"], "rt") if line.strip()]
    assert {line.get("sessionId") for line in main} - {None} == {record["id"]}
    assert any(line.get("type") == "assistant" for line in main)


def test_every_claude_code_file_has_a_provenance_record():
    listed = {e["path"] for r in CLAUDE_RECORDS for e in json.loads(r.read_text())["files"]}
    on_disk = {str(p.relative_to(DATA / "claude-code")) for p in (DATA / "claude-code").rglob("*.gz")}
    assert on_disk == listed


def test_ids_are_unique_across_frameworks():
    ids = [p.name.removesuffix(".json.gz") for p in NORMALIZED] + [p.stem for p in CLAUDE_RECORDS]
    assert len(ids) == len(set(ids))


def test_no_file_outside_the_layout():
    allowed = set(NORMALIZED) | set(CLAUDE_RECORDS) | set((DATA / "claude-code").rglob("*.gz"))
    stray = [p for p in DATA.rglob("*") if p.is_file() and p not in allowed]
    assert stray == []


def test_data_stays_under_its_size_cap():
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < MAX_BYTES
