"""Raw Claude Code transcripts -> data/claude-code/, copied byte for byte (gzip -9), with provenance.

    python benchmarks/replay/import_claude_code.py --spotter GIT_DIR --entire GIT_DIR

GIT_DIR: clones or mirrors of marot/spotter and entireio/cli (with its entire/checkpoints/v1 branch).

Each session keeps Claude Code's own layout, so the transcript extractor reads it as it reads
~/.claude/projects: `<session>.jsonl.gz`, its subagents under `<session>/subagents/`, and
`<session>.json` beside it with the provenance and, per file, where it came from and the sha256 of the
committed bytes. The id is the session id the transcript carries (the file stem for the sessions
committed under it). Nothing is normalized here: the extractor does that at replay time.

entireio/cli commits its developers' sessions as Entire checkpoints: `<id>/<n>/full.jsonl` is the whole
transcript at a commit, `metadata.json` beside it names the session and the agent. A session is
checkpointed many times, each copy a prefix of the next, so one copy stands for each Claude Code
session: its largest (the latest the snapshot holds; files of 4 MiB and more are not in it). Of those
sessions, in session-id order, every ENTIRE_EVERY-th is taken.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import orjson
from trajectory_io import DATA, Source, write_gz

OUT = DATA / "claude-code"
CUT_NOTE = (
    "Claude Code itself cut what the model saw: Bash output over 30,000 characters became a "
    "<persisted-output> preview (the full output went to the session's tool-results/, not committed by "
    "this source); the transcript records the text the model got"
)
SPOTTER = {
    "repository": "marot/spotter",
    "license": "MIT",
    "commit": "8cc42b0bd39d04e71e509d7d58e6782ab435329f",
    "folder": "test/fixtures/transcripts",
    # The source's README: the six longest sessions of one user's projects (plus three smaller ones),
    # with usernames, e-mail addresses, signatures and token-like strings redacted by the source.
    # 6c2214d7-....jsonl is 4 MiB or more and not in the snapshot; its subagent alone is not taken.
    "sessions": [
        "ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl",
        "fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
        "258c7280-ae70-4798-800f-63464d01a85d.jsonl",
        "8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
        "4d5611e5-241a-462a-8d15-5122611a9569.jsonl",
        "short.jsonl",
        "tool_heavy.jsonl",
        "subagent.jsonl",
    ],
    "note": "sessions as committed by the source, which redacted user names, e-mail addresses, "
    "signatures and token-like strings",
}


ENTIRE = {
    "repository": "entireio/cli",
    "license": "MIT",
    # branch entire/checkpoints/v1
    "commit": "394f81fab87f71aa8938d91ff7a067c524ff344b",
    "note": "the largest checkpoint of the session that the snapshot holds (an Entire checkpoint keeps "
    "the session's whole transcript up to a commit of the entireio/cli repository)",
}
ENTIRE_EVERY = 9


def entire_sessions(source: Source) -> list[str]:
    """The full.jsonl path standing for each Claude Code session, in session-id order, every Nth."""
    commit = ENTIRE["commit"]
    sizes = source.sizes(commit)
    best: dict[str, str] = {}
    for path in sizes:
        if path.count("/") != 3 or not path.endswith("/metadata.json"):
            continue
        transcript = path.removesuffix("metadata.json") + "full.jsonl"
        meta = orjson.loads(source.show(commit, path))
        if transcript not in sizes or meta.get("agent") != "Claude Code":
            continue
        sid = meta["session_id"][-36:]  # older ids carry a date prefix before the session uuid
        if sid not in best or sizes[transcript] > sizes[best[sid]]:
            best[sid] = transcript
    return [best[sid] for sid in sorted(best)][::ENTIRE_EVERY]


def session_id(data: bytes) -> str:
    """The sessionId the transcript's lines carry (the first one that has it)."""
    for line in data.splitlines():
        if line.strip():
            sid = orjson.loads(line).get("sessionId")
            if sid:
                return sid
    raise ValueError("no sessionId in transcript")


def model_of(data: bytes) -> str:
    models = []
    for line in data.splitlines():
        if b'"assistant"' in line:
            model = (orjson.loads(line).get("message") or {}).get("model")
            if model and model != "<synthetic>" and model not in models:
                models.append(model)
    return ", ".join(models) or "not named by the source"


def version_of(data: bytes) -> str:
    for line in data.splitlines():
        version = orjson.loads(line).get("version") if line.strip() else None
        if version:
            return version
    return ""


def copy(source: Source, commit: str, src_path: str, dest: Path) -> dict:
    data = source.show(commit, src_path)
    write_gz(dest, data)
    return {
        "path": str(dest.relative_to(OUT)),
        "source_path": src_path,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def import_session(source: Source, spec: dict, src_path: str) -> str:
    """Copies one session (and the subagent transcripts committed beside it) and writes its record."""
    commit = spec["commit"]
    data = source.show(commit, src_path)
    sid = session_id(data)
    files = [copy(source, commit, src_path, OUT / f"{sid}.jsonl.gz")]
    folder = src_path.removesuffix(".jsonl")
    for sub in source.list(commit, folder):
        if "/subagents/" in sub:
            files.append(copy(source, commit, sub, OUT / sid / f"{sub.removeprefix(folder + '/')}.gz"))
    record = {
        "id": sid,
        "framework": "claude-code",
        "provenance": source.provenance(src_path, commit, f"Claude Code {version_of(data)}".strip(), model_of(data)),
        "outputs_cut": True,
        "cut_note": CUT_NOTE,
        "source_note": spec["note"],
        "files": files,
    }
    (OUT / f"{sid}.json").write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")
    return sid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spotter", required=True, help="git dir of marot/spotter")
    parser.add_argument("--entire", required=True, help="git dir of entireio/cli")
    args = parser.parse_args()
    spotter = Source(args.spotter, SPOTTER["repository"], SPOTTER["license"])
    for name in SPOTTER["sessions"]:
        import_session(spotter, SPOTTER, f"{SPOTTER['folder']}/{name}")
    print(f"{SPOTTER['repository']}@{SPOTTER['commit'][:10]}: {len(SPOTTER['sessions'])} sessions")
    entire = Source(args.entire, ENTIRE["repository"], ENTIRE["license"])
    paths = entire_sessions(entire)
    for path in paths:
        import_session(entire, ENTIRE, path)
    print(f"{ENTIRE['repository']}@{ENTIRE['commit'][:10]}: {len(paths)} sessions")


if __name__ == "__main__":
    main()
