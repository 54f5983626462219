"""Soak: ctxlean's store and hooks under load, kills, hostile input and a 1 GB payload, longer than CI runs.

    python benchmarks/soak.py                  # the full run (about 5-10 minutes on 2 cores)
    python benchmarks/soak.py --quick          # a few minutes: fewer rounds, kills and fuzz cases, 256 MB

Prints what it tried and what survived: writers held and payloads lost (must be 0), kills survived, fuzz
cases tried, the hook's peak memory for the big payload (as a ratio of the payload), and the worst
fetch_detail time on hostile input (as a ratio of the configured timeout). Exits 1 if anything was lost.
Everything runs in a temporary store; nothing touches the user's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "reliability")]

from reliability_support import (  # noqa: E402
    BASH_CUT,
    HANDLE,
    bash_persisted_event,
    check_answer,
    handle_of,
    hook_env,
    hook_peak_memory,
    log_text,
    mcp_event,
    printed_handle,
    read_event,
    sample,
    start_hook,
)

from ctxlean.hooks import run  # noqa: E402
from ctxlean.mcp_server.fetch import DEFAULT_TIMEOUT_S, FetchError, fetch_detail, list_details  # noqa: E402
from ctxlean.store import HandleError, open_store  # noqa: E402
from ctxlean.store.gc import collect  # noqa: E402


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def concurrency(work: Path, project: str, writers: int, rounds: int) -> dict:
    """Rounds of `writers` hook processes at once (half one shared payload) with two readers throughout."""
    env = hook_env(work / "store")
    stop, reader_errors, reads = threading.Event(), [], [0]

    def reader() -> None:
        with open_store() as store:
            while not stop.is_set():
                try:
                    for handle in HANDLE.findall(list_details(store, project, limit=50)):
                        fetch_detail(store, project, handle, lines="1-3")
                        reads[0] += 1
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    reader_errors.append(repr(exc))

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    held = lost = 0
    for r in range(rounds):
        say(f"concurrency: round {r + 1}/{rounds}, {writers} writers")
        shared = log_text(10_000 + r, 3 << 20)
        events = []
        for i in range(writers):
            if i < writers // 2:
                events.append(bash_persisted_event(work / f"w{r}_{i}.txt", shared, project, f"s{r}{i}"))
            elif i % 3 == 0:
                events.append(read_event(log_text(r * 1000 + i, 80_000), project, f"s{r}{i}"))
            elif i % 3 == 1:
                events.append(mcp_event(log_text(r * 1000 + i, 150_000), project, f"s{r}{i}"))
            else:
                events.append(bash_persisted_event(work / f"w{r}_{i}.txt", log_text(r * 1000 + i, 2 << 20),
                                                   project, f"s{r}{i}"))
        procs = [start_hook(event, work, f"w{r}_{i}", env) for i, (event, _) in enumerate(events)]
        outs = [p.communicate() for p in procs]
        with open_store() as store:
            for (_, data), p, (out, _) in zip(events, procs, outs, strict=True):
                handle = printed_handle(out) if p.returncode == 0 else None
                held += handle == handle_of(data)
                try:
                    lost += store.read_bytes(handle_of(data), project) != data
                except HandleError:
                    lost += 1
    stop.set()
    for thread in threads:
        thread.join()
    log = work / "store" / "errors.log"
    locked = log.read_text().count("locked") if log.exists() else 0
    with open_store() as store:
        dupes = store.db.execute("SELECT COUNT(*) - COUNT(DISTINCT sha256) FROM blobs WHERE complete = 1").fetchone()[0]
    return {"writers": writers * rounds, "writers_held": held, "payloads_lost": lost, "reads": reads[0],
            "reader_errors": len(reader_errors), "lock_errors_logged": locked, "duplicate_blobs": dupes}


def incomplete(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def kills(work: Path, project: str, count: int, size: int) -> dict:
    """Hooks SIGKILLed at random moments, half of them once their blob is being written."""
    store_dir = work / "kills"
    env = hook_env(store_dir)
    rnd = random.Random(17)
    printed: dict[str, bytes] = {}
    landed_mid_write = 0
    started = time.monotonic()
    event, data = bash_persisted_event(work / "k0.txt", log_text(0, size), project)
    printed[printed_handle(start_hook(event, work, "k0", env).communicate()[0])] = data
    full = time.monotonic() - started
    for i in range(1, count + 1):
        if i % 20 == 0:
            say(f"kills: {i}/{count}")
        event, data = bash_persisted_event(work / "k.txt", log_text(i, size), project)
        proc = start_hook(event, work, "k", env)
        if i % 2:
            time.sleep(rnd.uniform(0, full))
        else:
            before = incomplete(store_dir / "store.sqlite3")
            while incomplete(store_dir / "store.sqlite3") <= before and proc.poll() is None:
                time.sleep(0.005)
            time.sleep(rnd.uniform(0, full / 3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        if proc.returncode == 0:
            printed[printed_handle(out)] = data
        elif i % 2 == 0:
            landed_mid_write += 1
    with open_store(store_dir / "store.sqlite3") as store:
        integrity = store.db.execute("PRAGMA integrity_check").fetchone()[0]
        lost = sum(store.read_bytes(h, project) != data for h, data in printed.items())
        left = store.db.execute("SELECT COUNT(*) FROM blobs WHERE complete = 0").fetchone()[0]
        cleaned = collect(store, ttl_days=0, max_bytes=0, incomplete_grace_s=0).incomplete
        lost += sum(store.read_bytes(h, project) != data for h, data in printed.items())
    return {"kills": count, "kills_mid_write": landed_mid_write, "handles_printed": len(printed),
            "handles_lost": lost, "integrity": integrity, "incomplete_left": left, "incomplete_cleaned_by_gc": cleaned}


def mutate(raw: bytes, rnd: random.Random) -> bytes:
    """One random corruption of a valid event: truncate, flip bytes, swap a value's type, or deepen."""
    choice = rnd.randrange(4)
    if choice == 0:
        return raw[:rnd.randrange(len(raw) + 1)]
    if choice == 1:
        data = bytearray(raw)
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        return bytes(data)
    event = json.loads(raw)
    junk = [None, 7, -1.5, True, "", "\x00", "\ud800", [], {}, "z" * rnd.randint(0, 200_000), [{"type": "text"}]]
    target = event if choice == 2 or not isinstance(event.get("tool_response"), dict) else event["tool_response"]
    target[rnd.choice(list(target) or ["x"])] = rnd.choice(junk)
    if choice == 3:
        event["tool_input"] = json.loads("[" * 500 + "]" * 500)
    return json.dumps(event).encode("utf-8", "surrogatepass")


def fuzz(work: Path, project: str, cases: int) -> dict:
    rnd = random.Random(23)
    seeds = [json.dumps({**sample(name), "cwd": project}).encode() for name in
             ("post_bash_medium.json", "post_bash_persisted.json", "post_read_big.json", "post_mcp_str.json")]
    failures = answered = 0
    for i in range(cases):
        if i % 1000 == 0:
            say(f"fuzz: {i}/{cases}")
        raw = mutate(rnd.choice(seeds), rnd)
        try:
            out = run("post-tool-use", raw)
            check_answer(raw, out)
            answered += out != ""
        except Exception:  # noqa: BLE001 - a crash or a bad answer is what we count
            failures += 1
    return {"fuzz_cases": cases, "fuzz_offloaded": answered, "fuzz_failures": failures}


def write_log_file(path: Path, size: int) -> str:
    """A log of `size` bytes written in blocks (never whole in memory); its sha256."""
    block = log_text(1, 4 << 20).encode()
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        left = size
        while left > 0:
            part = block[:left]
            fh.write(part)
            digest.update(part)
            left -= len(part)
    return digest.hexdigest()


def big_payload(work: Path, project: str, size: int) -> dict:
    say(f"big payload: writing {size >> 20} MB")
    path = work / "big.txt"
    digest = write_log_file(path, size)
    with path.open() as fh:
        head = fh.read(BASH_CUT)
    event = sample("post_bash_persisted.json")
    event.update(cwd=project)
    event["tool_response"].update(stdout=head, stderr="", persistedOutputPath=str(path), persistedOutputSize=size)
    started = time.monotonic()
    result = hook_peak_memory(event, work, "big", hook_env(work / "store"))
    seconds = time.monotonic() - started
    handle = printed_handle(result["stdout"].encode())
    check = hashlib.sha256()
    with open_store() as store:
        for _, raw in store.iter_chunks(handle, project):
            check.update(raw)
    path.unlink()
    return {"big_payload_bytes": size, "big_hook_seconds": round(seconds, 1),
            "big_peak_rss_mb": round(result["maxrss_kb"] / 1024, 1),
            "big_peak_rss_per_payload": round(result["maxrss_kb"] * 1024 / size, 3),
            "big_retrievable_exact": check.hexdigest() == digest, "big_handle": handle}


def hostile_fetches(work: Path, project: str, big_handle: str) -> dict:
    """Each hostile call timed with the default timeout; the worst is the figure."""
    with open_store() as store:
        bait = store.put(b"ok\n" * 1000 + (b"a" * 32 + b"!\n") * 3, project=project, tool="Bash", kind="text",
                         description="bait").handle
        nested: dict = {}
        node = nested
        for _ in range(400):
            node["a"] = {"a": [1, 2]}
            node = node["a"]
        deep = store.put(json.dumps(nested).encode(), project=project, tool="Bash", kind="json",
                         description="nested").handle
        last_line = store.info(big_handle, project).lines
        calls = {
            "(a+)+$ on a backtracking line": dict(handle=bait, grep=r"(a+)+$"),
            "(.*a){20} on a backtracking line": dict(handle=bait, grep=r"(.*a){20}!"),
            "grep that never matches, big payload": dict(handle=big_handle, grep=r"no such line \d{9}"),
            "page=10**18, big payload": dict(handle=big_handle, page=10**18),
            "last lines of the big payload": dict(handle=big_handle, lines=f"{last_line - 9}-"),
            "$..a..a..a..a..a on nested JSON": dict(handle=deep, jsonpath="$..a..a..a..a..a"),
            "huge line range, page 5000": dict(handle=big_handle, lines="1-999999999999", page=5000),
        }
        times = {}
        for name, args in calls.items():
            say(f"hostile fetch: {name}")
            started = time.monotonic()
            try:
                fetch_detail(store, project, **args)
            except (HandleError, FetchError):
                pass
            times[name] = round(time.monotonic() - started, 2)
    worst = max(times, key=times.get)
    return {"hostile_fetch_seconds": times, "worst_fetch": worst, "worst_fetch_seconds": times[worst],
            "worst_fetch_per_timeout": round(times[worst] / DEFAULT_TIMEOUT_S, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run (a few minutes)")
    args = parser.parse_args()
    writers, rounds, kill_count, cases, size = (64, 2, 40, 3000, 256 << 20) if args.quick else \
        (128, 4, 200, 20000, 1 << 30)
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="ctxlean-soak-") as tmp:
        work = Path(tmp)
        project = str(work / "proj")
        os.makedirs(project)
        os.environ.update(CTXLEAN_STORE=str(work / "store"), PYTHONPATH=str(ROOT / "src"))
        os.environ.pop("CLAUDE_PROJECT_DIR", None)
        results.update(concurrency(work, project, writers, rounds))
        results.update(kills(work, project, kill_count, 40 << 20))
        results.update(fuzz(work, project, cases))
        results.update(big_payload(work, project, size))
        results.update(hostile_fetches(work, project, results.pop("big_handle")))
    print(json.dumps(results, indent=1))
    lost = results["payloads_lost"] + results["handles_lost"]
    print(f"\nwriters held {results['writers_held']}/{results['writers']}; payloads lost {lost}; kills survived "
          f"{results['kills']} ({results['kills_mid_write']} mid-write); fuzz cases {results['fuzz_cases']} "
          f"({results['fuzz_failures']} failures); peak memory for {size >> 20} MB: {results['big_peak_rss_mb']} MB "
          f"({results['big_peak_rss_per_payload']} of the payload); worst fetch_detail on hostile input "
          f"{results['worst_fetch_seconds']} s ({results['worst_fetch_per_timeout']} of the {DEFAULT_TIMEOUT_S:g} s "
          f"timeout: {results['worst_fetch']})")
    clean = (lost == 0 and results["writers_held"] == results["writers"] and results["reader_errors"] == 0
             and results["fuzz_failures"] == 0 and results["integrity"] == "ok" and results["big_retrievable_exact"])
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
