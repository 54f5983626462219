"""Log triage: an application log of ~9,000 lines (generated with realistic request lines, repeated
warnings and a few errors with a traceback); the model counts, tails, greps and reads ranges until it
has the failing request id, the exception and the upstream that timed out."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

import random
from pathlib import Path

from agent import Needle, Step, Trajectory

LINES = 9000
ERROR_AT = 6180  # the first error's line


def _log(rng: random.Random) -> str:
    out = []
    for n in range(1, LINES + 1):
        ts = f"2026-03-14T{9 + n // 1500:02d}:{(n // 25) % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z"
        rid = f"req-{rng.randrange(16**8):08x}"
        if n == ERROR_AT:
            out.append(f"{ts} ERROR payments.charge request_id=req-7f3a9c21 upstream=ledger-db-2.internal:5432 "
                       "msg=\"charge failed after 3 retries\"")
            out += ["Traceback (most recent call last):",
                    '  File "/srv/app/payments/charge.py", line 88, in charge',
                    "    receipt = ledger.commit(txn, timeout=2.0)",
                    '  File "/srv/app/ledger/client.py", line 41, in commit',
                    "    raise LedgerTimeout(f'no answer from {self.host} in {timeout}s')",
                    "ledger.errors.LedgerTimeout: no answer from ledger-db-2.internal:5432 in 2.0s"]
        elif n % 997 == 0:
            out.append(f"{ts} ERROR worker.heartbeat request_id={rid} msg=\"late heartbeat\" lag_ms={rng.randrange(900, 4000)}")
        elif n % 53 == 0:
            out.append(f"{ts} WARN cache.redis request_id={rid} msg=\"slow GET\" ms={rng.randrange(120, 900)}")
        else:
            out.append(f"{ts} INFO http.access request_id={rid} method={rng.choice(['GET', 'POST'])} "
                       f"path=/api/v1/{rng.choice(['orders', 'carts', 'users', 'payments'])}/{rng.randrange(10**5)} "
                       f"status={rng.choice([200, 200, 200, 201, 204, 404])} ms={rng.randrange(3, 240)}")
    return "\n".join(out) + "\n"


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    (root / "logs").mkdir()
    (root / "logs" / "app.log").write_text(_log(random.Random(11)))
    (root / "config.yaml").write_text("ledger:\n  host: ledger-db-2.internal:5432\n  timeout: 2.0\n  retries: 3\n")
    log = "logs/app.log"
    steps = [
        Step("Bash", {"command": f"ls -la logs && wc -l {log}"}, "How big is the log?", seconds=1),
        Step("Bash", {"command": f"head -n 60 {log}"}, seconds=1),
        Step("Bash", {"command": f"grep -c ERROR {log}; grep -c WARN {log}"}, seconds=1),
        Step("Bash", {"command": f"grep -n WARN {log}"}, "Warnings first.", seconds=1),
        Step("Bash", {"command": f"tail -n 250 {log}"}, seconds=1),
        Step("Bash", {"command": f"grep -n -A 8 ERROR {log}"}, "Now the errors with context.",
             Needle("request_id", r"ERROR payments\.charge request_id=(req-[0-9a-f]+)", "req-7f3a9c21",
                    grep="ERROR payments", query="ERROR payments charge request_id"), seconds=1),
        Step("Read", {"file_path": "{cwd}/" + log, "offset": ERROR_AT - 200, "limit": 260},
             "Reading around the failure.",
             Needle("exception", r"(ledger\.errors\.\w+)", "ledger.errors.LedgerTimeout", grep="ledger\\.errors",
                    query="LedgerTimeout exception"), seconds=3),
        Step("Bash", {"command": f"grep -n '{{request_id}}' {log}"}, seconds=1),
        Step("Bash", {"command": f"awk '{{{{print $3}}}}' {log} | sort | uniq -c | sort -rn | head"},
             "Which components log most?", seconds=2),
        Step("Bash", {"command": f"grep -o 'status=[0-9]*' {log} | sort | uniq -c"}, seconds=1),
        Step("Bash", {"command": f"grep 'path=/api/v1/payments' {log} | head -n 300"}, "Payment traffic before it.",
             seconds=1),
        Step("Bash", {"command": f"sed -n '{ERROR_AT - 400},{ERROR_AT + 100}p' {log}"}, seconds=1),
        Step("Bash", {"command": f"cat {log}"}, "The whole log, to be sure nothing else failed.",
             Needle("upstream", r"upstream=([\w.-]+:\d+)", "ledger-db-2.internal:5432", grep="upstream=",
                    query="upstream ledger-db"), seconds=3),
        Step("Read", {"file_path": "{cwd}/config.yaml"}, edit=True, seconds=2),
        Step("Bash", {"command": f"grep -n 'lag_ms' {log}"}, seconds=1),
        Step("Read", {"file_path": "{cwd}/" + log, "offset": 1, "limit": 400}, seconds=3),
        Step("Bash", {"command": f"grep -n 'ms=[5-9][0-9][0-9]' {log} | head -n 200"}, "Slow requests.", seconds=1),
        Step("Edit", {"file_path": "{cwd}/config.yaml", "old_string": "  timeout: 2.0", "new_string": "  timeout: 5.0"},
             "Raising the ledger timeout.", seconds=2),
        Step("Write", {"file_path": "{cwd}/TRIAGE.md", "content":
                       "# Triage\n\n- failing request: {request_id}\n- exception: {exception}\n"
                       "- upstream: {upstream}\n- fix: ledger timeout 2.0 -> 5.0 s\n"}, seconds=3),
        Step("Bash", {"command": "git diff"}, seconds=1),
    ]
    return Trajectory("log_triage", "Log triage",
                      "Payments failed this morning. Triage logs/app.log: which request failed, why, and fix "
                      "the config.", steps, heavy=True)
