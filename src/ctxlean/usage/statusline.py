"""`ctxlean statusline`: Claude Code's status line command, one line per refresh:

    ctx 45.2k/1.0M 5% · cache 92% · $1.23 · saved 12.3k tok

Claude Code runs it after every message with the session as JSON on stdin (session_id, transcript_path,
model{id}, cost{total_cost_usd}, context_window{...}). It must stay well under 50 ms, so it imports the
standard library only and never re-reads a transcript. The context size is ctxlean.budget's, read from the
transcript's tail (the same figure `ctxlean budget` and the hooks use), against the configured budget. For
the session's cost and cache hit ratio, a small state file per session in the data dir keeps the byte
offset reached in each transcript (main and subagents) and the running totals, and each refresh parses
only the lines appended since. A first refresh on a long transcript reads at most its last TAIL_BYTES and
then shows Claude Code's own cost figure for the part it skipped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ctxlean.paths import data_dir

TAIL_BYTES = 2 << 20
SHARED_REFRESH_S = 30  # how stale the "saved" figure may be with a PostgreSQL store
_KEEP_KEYS = 64  # recent message ids: duplicates of one response are adjacent lines


def state_path(session_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in session_id)[:100] or "unknown"
    return data_dir() / "statusline" / f"{safe}.json"


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_bytes())
        return state if isinstance(state, dict) and state.get("v") == 1 else {}
    except (OSError, ValueError):
        return {}


def _save_state(path: Path, state: dict) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        pass  # a status line without its cache is slower, not wrong


def _transcripts(transcript_path: str) -> list[str]:
    """The main transcript and its subagents' transcripts."""
    paths = [transcript_path]
    sub = transcript_path[:-6] + "/subagents" if transcript_path.endswith(".jsonl") else ""
    try:
        with os.scandir(sub) as entries:
            paths += sorted(e.path for e in entries if e.name.endswith(".jsonl"))
    except OSError:
        pass
    return paths


def _read_new(path: str, entry: dict, state: dict, prices) -> None:
    """Add the complete lines appended to `path` since the last refresh to the state's totals."""
    from ctxlean.usage.records import parse_ts, usage_split

    try:
        fh = open(path, "rb")
    except OSError:
        return
    with fh:
        st = os.fstat(fh.fileno())
        offset = (
            entry.get("offset", 0)
            if entry.get("ino") == st.st_ino and entry.get("offset", 0) <= st.st_size
            else 0
        )
        if offset == 0 and st.st_size > TAIL_BYTES:
            offset = st.st_size - TAIL_BYTES
            state["partial"] = True
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1  # a line still being written is read next time
    if offset and not entry.get("offset"):
        data = data[data.find(b"\n") + 1 : end]  # started mid-file: drop the cut first line
        offset_base = offset + end
    else:
        data, offset_base = data[:end], offset + end
    entry.update(ino=st.st_ino, offset=offset_base)
    keys = state.setdefault("keys", [])
    for line in data.splitlines():
        if b'"usage":{' not in line:
            continue
        try:
            rec = json.loads(line)
            msg = rec["message"]
            usage = msg["usage"]
        except (ValueError, KeyError, TypeError):
            continue
        key = msg.get("id") or rec.get("requestId")
        if key and key in keys:
            continue
        if key:
            keys.append(key)
            del keys[:-_KEEP_KEYS]
        inp, out, read, w5, w1 = usage_split(usage)
        cost = prices.usage_cost(str(msg.get("model") or ""), usage, parse_ts(rec.get("timestamp")))
        if cost is None and inp + out + read + w5 + w1:
            state["unpriced"] = True
        t = state["totals"]
        t[0] += inp
        t[1] += read
        t[2] += w5 + w1
        state["cost"] += cost or 0.0


def _saved_tokens(session_id: str, state: dict, location) -> int:
    """Tokens ctxlean kept out of this session's context (its ledger), re-read only when the store changed
    since the last refresh: the store and sqlite3 imports cost more than the rest of a refresh. A shared
    (PostgreSQL) store cannot be watched that way: it is asked at most every SHARED_REFRESH_S."""
    if location.path is None:
        stamp = [int(time.time() // SHARED_REFRESH_S)]
    else:
        db = str(location.path)
        stamp = []
        for name in (db, db + "-wal"):
            try:
                st = os.stat(name)
                stamp.append([st.st_mtime_ns, st.st_size])
            except OSError:
                stamp.append(None)
        if stamp[0] is None:
            return 0
    if state.get("saved_stamp") == stamp:
        return state.get("saved", 0)
    from ctxlean.store import StoreError, open_store

    try:
        with open_store() as store:
            rows = store.ledger_for_session(session_id)
    except (StoreError, OSError):
        return 0
    state["saved"] = sum(max(0, orig - summ) for _, _, _, orig, summ, _ in rows)
    state["saved_stamp"] = stamp
    return state["saved"]


def _human(n: float) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def status_line(event: dict) -> str:
    """The line for one status-line event (the JSON Claude Code sends)."""
    from ctxlean import budget, config
    from ctxlean.paths import StoreLocationError, store_location
    from ctxlean.usage.pricing import load_prices

    session_id = str(event.get("session_id") or "unknown")
    transcript = event.get("transcript_path")
    project = (event.get("workspace") or {}).get("project_dir") or event.get("cwd")
    try:  # the hooks fail open on a broken config: this line is where the user sees why nothing is offloaded
        cfg = config.load(project if isinstance(project, str) else None, warn=lambda message: None)
        location = store_location()
    except (config.ConfigError, StoreLocationError) as exc:
        return f"ctxlean is off: {exc}"
    prices = load_prices(cfg.pricing)
    path = state_path(session_id)
    state = _load_state(path)
    if not state or state.get("main") != transcript:
        state = {"v": 1, "main": transcript, "files": {}, "totals": [0, 0, 0], "cost": 0.0}
    if isinstance(transcript, str):
        for p in _transcripts(transcript):
            _read_new(p, state["files"].setdefault(p, {}), state, prices)
    saved = _saved_tokens(session_id, state, location)
    if isinstance(transcript, str):
        _save_state(path, state)
    use = budget.context_use(transcript) if isinstance(transcript, str) else None
    window = event.get("context_window") or {}
    context = use.tokens if use else int(window.get("total_input_tokens") or 0)
    limit = cfg.context_budget_tokens
    parts = [f"ctx {_human(context)}/{_human(limit)} {context * 100 // limit}%"]
    inp, read, write = state["totals"]
    if inp + read + write:
        parts.append(f"cache {read * 100 // (inp + read + write)}%")
    cost = state["cost"]
    billed = (event.get("cost") or {}).get("total_cost_usd")
    if state.get("partial") and isinstance(billed, (int, float)):
        cost = float(billed)  # we skipped the transcript's head: Claude Code's own total covers it
    parts.append((f"${cost:.2f}" if cost >= 1 else f"${cost:.4f}") + ("+" if state.get("unpriced") else ""))
    if saved:
        parts.append(f"saved {_human(saved)} tok")
    return " · ".join(parts)


def statusline_settings(command: str | None = None) -> dict:
    """The settings.json fragment that makes Claude Code run this status line; `ctxlean install` merges it
    (only when the user has no statusLine of their own). `command` defaults to this interpreter running
    ctxlean's CLI (with -c, not -m: runpy costs several ms on every refresh)."""
    if command is None:
        import shlex

        code = "import sys; from ctxlean.cli import main; sys.exit(main())"
        command = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} statusline"
    return {"statusLine": {"type": "command", "command": command, "padding": 0}}


def main(argv: list[str]) -> int:
    """Print the status line; on any error print a short fallback line (a status line must never fail)."""
    if any(arg in ("-h", "--help") for arg in argv[1:]):
        from ctxlean.helptext import epilog

        print("usage: ctxlean statusline   (Claude Code runs it, the session's JSON on stdin)\n\n"
              "Prints Claude Code's status line: context use against the budget, cache hit ratio, cost, tokens\n"
              "saved; or, when the config or the store setting cannot be used, \"ctxlean is off: <why>\".\n")
        print(epilog(reads="the status-line JSON on stdin (session_id, transcript_path, ...), that session's\n"
                           "         transcripts, the ctxlean config, the payload store's ledger",
                     writes="one line on stdout; a small per-session cache in the data dir (statusline/)",
                     examples=["echo '{\"session_id\": \"s1\", \"transcript_path\": \"/path/s1.jsonl\"}' | "
                               "ctxlean statusline", "ctxlean install --statusline   # Claude Code then shows it"],
                     exit_status="exit status: always 0 (a status line must never fail)"))
        return 0
    try:
        event = json.loads(sys.stdin.buffer.read() or b"{}")
        print(status_line(event if isinstance(event, dict) else {}))
    except Exception as exc:  # noqa: BLE001 - shown on the user's screen, logged for us
        from ctxlean.paths import error_log_path

        try:
            error_log_path().parent.mkdir(parents=True, exist_ok=True)
            with error_log_path().open("a") as log:
                log.write(f"statusline: {type(exc).__name__}: {exc}\n")
        except OSError:
            pass
        print("ctxlean: status unavailable")
    return 0
