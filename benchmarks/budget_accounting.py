"""Context budget figures: accounting time per hook call on a 200 MB transcript, and the context per
request of the scripted budget session (tests/e2e/budget_session.py) in the real Claude Code, with and
without ctxlean.

    .venv/bin/python benchmarks/budget_accounting.py [--mb 200] [--rounds 30] [--skip-session]

Accounting: ctxlean.budget.context_use in process (the cost a hook call pays for it), on a generated
transcript of --mb megabytes and on the captured 160 KB one it was grown from, interleaved round by
round; then the whole PostToolUse hook as Claude Code runs it (shim, fresh interpreter) with the 200 MB
transcript against the same hook without one. The target is under 20 ms per hook call.

Session: the same scripted model twice against the fake API, once in plain Claude Code and once with
ctxlean installed (`ctxlean install --project`, budget 100,000 tokens). "Reported" is the input the fake
reports (request size plus the session's simulated conversation, what Claude Code counts); "sent" is the
request body's own size. Both runs do the same twelve steps; ctxlean's run also pays its compaction.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"),  # this checkout's ctxlean, whatever the environment has installed
                str(ROOT / "tests" / "e2e")]  # the scripted session the end-to-end tests assert on

from ctxlean import budget  # noqa: E402

CAPTURED = ROOT / "tests" / "fixtures" / "transcripts" / "dup_ids_session.jsonl"
SHIM = ROOT / "plugin" / "bin" / "ctxlean-shim"


def grow_transcript(path: Path, megabytes: int, tail_tool_result_bytes: int = 0) -> None:
    """A transcript of about `megabytes` MB: the captured session's lines repeated, then the captured
    session once more (its last response ends the file), optionally followed by a big tool result."""
    lines = CAPTURED.read_bytes().splitlines(keepends=True)
    body = b"".join(lines)
    with path.open("wb") as fh:
        for _ in range(megabytes * (1 << 20) // len(body)):
            fh.write(body)
        fh.write(body)
        if tail_tool_result_bytes:
            result = json.loads(lines[34])
            result["message"]["content"][0]["content"] = "r" * tail_tool_result_bytes
            fh.write(json.dumps(result).encode() + b"\n")


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def accounting(megabytes: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        big, heavy = Path(tmp) / "big.jsonl", Path(tmp) / "heavy.jsonl"
        print(f"generating a {megabytes} MB transcript ...", file=sys.stderr)
        grow_transcript(big, megabytes)
        grow_transcript(heavy, megabytes, tail_tool_result_bytes=100_000)  # a 25k-token Read since the response
        cases = {f"captured {CAPTURED.stat().st_size // 1024} KB": CAPTURED, f"{megabytes} MB": big,
                 f"{megabytes} MB + 100 KB tool result in the tail": heavy}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, path in cases.items():
                start = time.perf_counter()
                budget.context_use(path)
                times[name].append(time.perf_counter() - start)
        assert budget.context_use(big) == budget.context_use(CAPTURED)  # same tail, same answer
        base = statistics.median(times[next(iter(cases))])
        print(f"\naccounting (ctxlean.budget.context_use, in process, {rounds} interleaved rounds)")
        print(f"{'transcript':<48} {'median ms':>10} {'max ms':>8} {'x captured':>11}")
        for name, samples in times.items():
            print(f"{name:<48} {median_ms(samples):>10.2f} {max(samples) * 1000:>8.2f} "
                  f"{statistics.median(samples) / base:>11.2f}")
        hook_calls(big, rounds)


def hook_calls(transcript: Path, rounds: int) -> None:
    """The whole PostToolUse hook as Claude Code runs it, with the big transcript and without one."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CLAUDE_PLUGIN_DATA": str(Path(tmp, ".claude", "plugins", "data", "ctxlean-ctxlean")),
               "HOME": tmp,
               "PYTHONPATH": str(ROOT / "src")}
        env.pop("CTXLEAN_STORE", None)
        subprocess.run([sys.executable, "-c", "from ctxlean.install import write_launcher; write_launcher()"],
                       env=env, check=True)

        def event(path: str) -> bytes:
            return json.dumps({"session_id": "bench", "transcript_path": path, "cwd": tmp,
                               "hook_event_name": "PostToolUse", "tool_name": "Bash",
                               "tool_input": {"command": "ls", "description": "bench"},
                               "tool_response": {"stdout": "a\nb\n", "stderr": "", "interrupted": False,
                                                 "isImage": False, "noOutputExpected": False}}).encode()

        cases = {"python -c pass": ([sys.executable, "-c", "pass"], b""),
                 "hook, no transcript": (["sh", str(SHIM), "hook", "post-tool-use"], event("")),
                 f"hook, {transcript.stat().st_size >> 20} MB transcript": (
                     ["sh", str(SHIM), "hook", "post-tool-use"], event(str(transcript)))}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, (cmd, stdin) in cases.items():
                start = time.perf_counter()
                subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=True)
                times[name].append(time.perf_counter() - start)
        base = statistics.median(times["python -c pass"])
        print(f"\nPostToolUse hook wall time per call (pass-through output, {rounds} interleaved rounds)")
        print(f"{'case':<32} {'median ms':>10} {'x python -c pass':>17}")
        for name, samples in times.items():
            print(f"{name:<32} {median_ms(samples):>10.1f} {statistics.median(samples) / base:>17.2f}")
        names = list(cases)
        extra = statistics.median(times[names[2]]) - statistics.median(times[names[1]])
        print(f"accounting cost inside the hook: {extra * 1000:+.1f} ms per call (target: under 20 ms)")


def run_session(with_ctxlean: bool) -> list[dict]:
    import budget_session as bs

    from ctxlean.fakeapi import FakeAnthropic
    from ctxlean.fakeapi.claude import install_ctxlean, run_claude

    with tempfile.TemporaryDirectory() as tmp:
        home, project = Path(tmp) / "home", Path(tmp) / "proj"
        home.mkdir()
        (project / ".claude").mkdir(parents=True)
        bs.write_data(project)
        if with_ctxlean:
            (project / ".claude" / "ctxlean.toml").write_text(f"context_budget_tokens = {bs.BUDGET}\n")
            install_ctxlean(home, project, "--project").check_returncode()
        session = bs.BudgetSession(fetch=False)
        with FakeAnthropic(session.script(), usage=bs.usage) as api:
            run = run_claude("Read the step logs.", home=home, cwd=project, base_url=api.url, timeout=600)
            requests = api.model_requests()
        if run.rc != 0 or session.step != bs.STEPS:
            raise SystemExit(f"session failed (rc {run.rc}, {session.step} steps): {run.stderr[-500:]}")
        return requests


def sessions() -> None:
    import budget_session as bs

    rows = {}
    for label, with_ctxlean in (("plain Claude Code", False), ("with ctxlean", True)):
        print(f"running the scripted session ({label}) ...", file=sys.stderr)
        requests = run_session(with_ctxlean)
        reported = [bs.reported_input(r["body"]) for r in requests]
        sent = [bs.input_tokens_for(r["body"]) for r in requests]
        rows[label] = (len(requests), reported, sent, sum(r["rule"] == "compaction" for r in requests))
    print(f"\nscripted session: {bs.STEPS} growing log reads, budget {bs.BUDGET:,} tokens (context tokens per request)")
    print(f"{'run':<18} {'requests':>8} {'compactions':>11} {'peak reported':>13} {'mean reported':>13} "
          f"{'peak sent':>10} {'mean sent':>10} {'total sent':>11}")
    for label, (count, reported, sent, compactions) in rows.items():
        print(f"{label:<18} {count:>8} {compactions:>11} {max(reported):>13,} {statistics.mean(reported):>13,.0f} "
              f"{max(sent):>10,} {statistics.mean(sent):>10,.0f} {sum(sent):>11,}")
    (_, plain_rep, plain_sent, _), (_, lean_rep, lean_sent, _) = rows.values()
    print(f"with / without ctxlean: peak reported {max(lean_rep) / max(plain_rep):.2f}, "
          f"mean reported {statistics.mean(lean_rep) / statistics.mean(plain_rep):.2f}, "
          f"peak sent {max(lean_sent) / max(plain_sent):.2f}, total sent {sum(lean_sent) / sum(plain_sent):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--skip-session", action="store_true", help="only the accounting figures")
    args = parser.parse_args()
    accounting(args.mb, args.rounds)
    if not args.skip_session:
        sessions()


if __name__ == "__main__":
    main()
