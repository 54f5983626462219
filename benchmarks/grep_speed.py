"""fetch_detail(grep=...) on a 50 MB payload against its floor, decompress + regex (issue 17).

    python benchmarks/grep_speed.py [--mb 50] [--rounds 3]

The payload is real: `find / -xdev -ls` on this machine, its first 50 MB. The floor is what no grep can
beat: decompressing the stored chunks and running the regex once over each decoded chunk, in this process.
fetch_detail's grep runs in its worker process with masking on (the default), line by line semantics,
until it has a page or the payload ends. Prints the median of each and their ratio (target: <= 0.3 s,
with a floor measured at 0.14 s when the issue was filed).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from ctxlean.mcp_server.fetch import fetch_detail  # noqa: E402
from ctxlean.store import open_store  # noqa: E402

PATTERNS = {"no match (whole payload read)": "zq9xj_never_there", "rare word": r"zoneinfo/Europe/Paris$",
            "a page of matches": r"\.py$", "no match, per-line path (lookahead)": r"(?=zq9xj)"}


def floor(store, handle: str, pattern: str) -> float:
    regex = re.compile(pattern, re.MULTILINE)
    chunks = store.db.execute("SELECT c.data FROM chunks c JOIN payloads p ON p.blob_id = c.blob_id"
                              " WHERE p.handle = ? ORDER BY c.seq", (handle,)).fetchall()
    started = time.perf_counter()
    for (data,) in chunks:
        regex.findall(zlib.decompress(data).decode("utf-8", "replace"))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    listing = subprocess.run("find / -xdev -ls 2>/dev/null", shell=True, capture_output=True).stdout
    payload = listing[:args.mb << 20]
    payload = payload[:payload.rfind(b"\n") + 1]
    with tempfile.TemporaryDirectory(prefix="ctxlean-grep-") as tmp:
        os.environ["CTXLEAN_STORE"] = tmp
        with open_store() as store:
            handle = store.put(payload, project="/bench", tool="Bash", kind="text", description="find -ls").handle
            lines = payload.count(b"\n")
            print(f"payload: `find / -xdev -ls`, {len(payload):,} bytes, {lines:,} lines")
            print(f"{'pattern':<36} {'floor':>8} {'grep':>8} {'ratio':>6}  answer")
            for what, pattern in PATTERNS.items():
                floors, greps = [], []
                for _ in range(args.rounds):
                    floors.append(floor(store, handle, pattern))
                    started = time.perf_counter()
                    out = fetch_detail(store, "/bench", handle, grep=pattern, timeout_s=60)
                    greps.append(time.perf_counter() - started)
                low, took = statistics.median(floors), statistics.median(greps)
                rows = sum(1 for line in out.splitlines() if not line.startswith("[ctxlean]"))
                print(f"{what:<36} {low:7.3f}s {took:7.3f}s {took / low:5.1f}x  {rows} lines shown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
