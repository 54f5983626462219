"""`ctxlean estimate` wall time on 200 sessions / about 100 MB of transcripts (target: under 10 s).

    .venv/bin/python benchmarks/estimate_speed.py [--sessions 200] [--megabytes 100]

The transcripts are the real Claude Code sessions of the replay benchmark (benchmarks/replay/data/
claude-code, 32 sessions, 53 MB), copied into a throwaway HOME until there are --sessions of them and
about --megabytes: each session once, then further copies of the smaller ones. A copy gets new session,
message and request ids (nothing else changes), so the estimate replays it as a session of its own
instead of recognising the responses it already counted. Prints the wall time of `ctxlean estimate
--json` and, for scale, of `ctxlean report --json` on the same HOME, in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "replay" / "data" / "claude-code"
_ID_KEYS = ("uuid", "parentUuid", "sessionId", "requestId", "promptId", "leafUuid")


def _renamed(line: bytes, new: dict[str, str]) -> bytes:
    """The line with its ids replaced consistently (session, message, request, uuids)."""
    try:
        rec = json.loads(line)
    except ValueError:
        return line
    if not isinstance(rec, dict):
        return line
    for key in _ID_KEYS:
        if isinstance(rec.get(key), str):
            rec[key] = new.setdefault(rec[key], str(uuid.uuid4()))
    message = rec.get("message")
    if isinstance(message, dict) and isinstance(message.get("id"), str):
        message["id"] = new.setdefault(message["id"], "msg_" + uuid.uuid4().hex)
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode()


def build_home(home: Path, sessions: int, megabytes: float) -> tuple[int, int]:
    """Copies of the real sessions under home/.claude/projects; (sessions written, bytes written)."""
    sources = sorted((gzip.decompress(p.read_bytes()) for p in DATA.glob("*.jsonl.gz")), key=len)
    chosen = list(sources)  # each once
    total = sum(map(len, chosen))
    spare = megabytes * 1e6 - total
    while len(chosen) < sessions:  # then the smaller ones again, as many as the size allows
        allowance = spare / (sessions - len(chosen))
        fitting = [data for data in sources if len(data) <= allowance] or sources[:1]
        chosen.append(fitting[len(chosen) % len(fitting)])
        spare -= len(chosen[-1])
    project = home / ".claude" / "projects" / "-bench-estimate"
    project.mkdir(parents=True)
    written = 0
    for number, data in enumerate(chosen):
        new: dict[str, str] = {}
        lines = b"\n".join(_renamed(line, new) for line in data.splitlines() if line.strip()) + b"\n"
        (project / f"{uuid.UUID(int=number + 1)}.jsonl").write_bytes(lines)
        written += len(lines)
    return len(chosen), written


def timed(home: Path, *args: str) -> float:
    import ctxlean

    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "PYTHONPATH": str(Path(ctxlean.__file__).resolve().parents[1])}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "ctxlean", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"ctxlean {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--megabytes", type=float, default=100)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory(prefix="ctxlean-estimate-speed-") as tmp:
        home = Path(tmp)
        count, size = build_home(home, args.sessions, args.megabytes)
        estimate = timed(home, "estimate", "--json")
        report = timed(home, "report", "--json")
    print(f"{count} sessions, {size / 1e6:.1f} MB of transcripts")
    print(f"ctxlean estimate --json: {estimate:.1f} s (target < 10 s)")
    print(f"ctxlean report --json:   {report:.1f} s ({estimate / report:.1f}x of it)")
    return 0 if estimate < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
