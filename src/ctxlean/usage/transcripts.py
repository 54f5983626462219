"""Claude Code transcripts -> one Turn per API response, plus compactions and request shapes.

Where they live: `<claude config dir>/projects/<cwd, non-alphanumerics as ->/<session>.jsonl` for the main
agent, `<session>/subagents/agent-<id>.jsonl` (+ `.meta.json` with agentType and model) for
subagents. One API response is written as several assistant lines sharing `message.id` (one per content
block), each carrying the full usage: they are merged into one Turn, keyed by message id (and request id
when the message id is missing), so totals count every response exactly once, across files too (a resumed
or forked session repeats earlier responses).

Reading is streaming and tolerant: only lines that can matter are parsed (cheap byte tests first), unknown
line types are skipped, a malformed line becomes a warning, and a truncated last line (a session still being
written) is reported as such, never a crash.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ctxlean.paths import claude_config_dir
from ctxlean.usage.records import parse_ts, usage_split

_MANGLE = re.compile(r"[^a-zA-Z0-9]")
_MANGLED_MAX = 200  # Claude Code cuts longer names and appends a hash of the path


@dataclass(frozen=True)
class TranscriptFile:
    path: Path
    session_id: str
    project_dir: str  # the directory name under projects/
    agent_id: str | None = None  # None for the main agent
    agent_type: str | None = None
    agent_model: str | None = None


@dataclass(slots=True)
class Turn:
    """One API response: who asked (session, agent), which model, when, and the usage it reported."""

    session_id: str
    agent_id: str | None
    agent_type: str | None
    model: str
    ts: float
    message_id: str | None
    request_id: str | None
    input: int
    output: int
    cache_read: int
    cache_write_5m: int
    cache_write_1h: int
    speed: str | None = None
    geo: str | None = None
    segment: int = 0  # compactions seen before this turn in its transcript
    shape: str | None = None  # api-request shapeHash (system + tools), when the transcript has it
    tools_used: tuple[str, ...] | None = None  # deferred tools loaded so far (tools-used line)
    cache_ttl: str | None = None  # promptCacheRequested: "5m" or "1h"
    project: str = ""

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def prompt(self) -> int:
        """Tokens the model read for this request: the context size at this turn."""
        return self.input + self.cache_read + self.cache_write


@dataclass(frozen=True)
class Compaction:
    ts: float
    trigger: str | None
    pre_tokens: int | None


@dataclass
class Transcript:
    file: TranscriptFile
    turns: list[Turn] = field(default_factory=list)
    compactions: list[Compaction] = field(default_factory=list)
    shapes: dict[str, dict] = field(default_factory=dict)  # shapeHash -> {"system": ..., "tools": [...]}
    cwd: str | None = None
    # Claude Code's own running per-model totals for the session (its last cost-state line), which also
    # count requests it never writes as assistant lines (compaction summaries).
    billed: dict[str, dict] | None = None


def projects_root() -> Path:
    return claude_config_dir() / "projects"


def project_dir_name(path: str | os.PathLike) -> str:
    """The directory name Claude Code gives a project (without the hash it appends to very long ones)."""
    return _MANGLE.sub("-", os.path.realpath(path))[:_MANGLED_MAX]


def find_transcripts(
    root: Path | None = None, *, session: str | None = None, project: str | os.PathLike | None = None
) -> list[TranscriptFile]:
    """Main and subagent transcripts under root (default: Claude Code's projects dir), optionally narrowed
    to one session (id or id prefix) or one project directory."""
    root = projects_root() if root is None else root
    if not root.is_dir():
        return []
    wanted = project_dir_name(project) if project is not None else None
    found: list[TranscriptFile] = []
    for pdir in sorted(root.iterdir()):
        if not pdir.is_dir() or (wanted and not _same_project(pdir.name, wanted)):
            continue
        for main in sorted(pdir.glob("*.jsonl")):
            sid = main.stem
            if session and not sid.startswith(session):
                continue
            found.append(TranscriptFile(main, sid, pdir.name))
        for sub in sorted(pdir.glob("*/subagents/agent-*.jsonl")):
            sid = sub.parent.parent.name
            if session and not sid.startswith(session):
                continue
            meta = _read_meta(sub.with_suffix(".meta.json"))
            found.append(
                TranscriptFile(
                    sub,
                    sid,
                    pdir.name,
                    sub.stem.removeprefix("agent-"),
                    meta.get("agentType"),
                    meta.get("model"),
                )
            )
    return found


def _same_project(dir_name: str, wanted: str) -> bool:
    return dir_name == wanted or (len(wanted) == _MANGLED_MAX and dir_name.startswith(wanted + "-"))


def _read_meta(path: Path) -> dict:
    import json

    try:
        meta = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


Warn = Callable[[str], None]


def _stderr_warn(message: str) -> None:
    import sys

    print(f"ctxlean: warning: {message}", file=sys.stderr)


CHUNK_BYTES = 8 << 20
# What makes a line worth parsing, anywhere in it: a key or a value as JSON writes it whatever the spacing
# and key order (Claude Code writes compact JSON; jq, exporters and editors add spaces). Inside a string
# (a tool result quoting JSON) the quotes are escaped, so these never match text the model saw.
_WANTED = (b'"usage"', b'"compact_boundary"', b'"cost-state"')  # responses, compactions, billed totals
_DETAILS = (b'"api-request"', b'"api-request-shape"', b'"tools-used"')


def _wanted_lines(
    buf: bytes, anywhere: tuple[bytes, ...], line_starts: tuple[bytes, ...]
) -> list[tuple[int, int]]:
    """(start, end) of the lines in buf worth parsing, in order, found with bytes.find: most of a
    transcript's bytes (tool results, attachments) are never looked at line by line. A line is wanted
    when it holds one of `anywhere` or starts with one of `line_starts`."""
    spans = set()
    for marker in anywhere:
        i = buf.find(marker)
        while i != -1:
            start, end = buf.rfind(b"\n", 0, i) + 1, buf.find(b"\n", i)
            end = len(buf) if end == -1 else end
            spans.add((start, end))
            i = buf.find(marker, end)
    for marker in line_starts:  # metadata lines start with their type
        if buf.startswith(marker):
            spans.add((0, buf.find(b"\n") if b"\n" in buf else len(buf)))
        i = buf.find(b"\n" + marker)
        while i != -1:
            end = buf.find(b"\n", i + 1)
            end = len(buf) if end == -1 else end
            spans.add((i + 1, end))
            i = buf.find(b"\n" + marker, end)
    return sorted(spans)


def scan_records(
    path: Path, anywhere: tuple[bytes, ...], line_starts: tuple[bytes, ...] = (), warn: Warn = _stderr_warn
) -> Iterator[dict]:
    """The JSON objects of path's wanted lines (see _wanted_lines), in order, read in CHUNK_BYTES pieces.
    Malformed lines are counted into one warning; an incomplete last line (a session still being
    written) gets its own; an unreadable file yields nothing."""
    import orjson

    bad = 0
    try:
        fh = open(path, "rb")
    except OSError as exc:
        warn(f"cannot read {path}: {exc.strerror}")
        return
    with fh:
        rest = b""
        while True:
            chunk = fh.read(CHUNK_BYTES)
            buf = rest + chunk
            cut = (
                len(buf) if not chunk else buf.rfind(b"\n") + 1
            )  # at the end, the unterminated last line too
            rest, buf = buf[cut:], buf[:cut]
            for start, end in _wanted_lines(buf, anywhere, line_starts):
                try:
                    rec = orjson.loads(buf[start:end])
                except orjson.JSONDecodeError:
                    if chunk or buf.endswith(b"\n") or end < len(buf):
                        bad += 1
                    else:
                        warn(
                            f"{path}: the last line is incomplete ({end - start} bytes, no newline): "
                            "skipped; the session is probably still being written"
                        )
                    continue
                if isinstance(rec, dict):
                    yield rec
            if not chunk:
                break
    if bad:
        warn(f"{path}: {bad} malformed line(s) skipped")


def read_transcript(
    tf: TranscriptFile, seen: dict | None = None, warn: Warn = _stderr_warn, details: bool = False
) -> Transcript:
    """Parse one transcript file. `seen` (message key -> Turn) is shared across files so a response
    copied into another transcript is counted once; `details` also reads the request shapes and
    tools-used lines (for the cache-miss doctor)."""
    seen = {} if seen is None else seen
    out = Transcript(tf)
    ctx = {"shapes": {}, "tools_used": None}
    for rec in scan_records(tf.path, _WANTED + (_DETAILS if details else ()), (), warn):
        _record(out, rec, seen, ctx)
    return out


def _record(out: Transcript, rec: dict, seen: dict, ctx: dict) -> None:
    kind = rec.get("type")
    if kind == "assistant":
        _add_turn(out, rec, seen, ctx["shapes"], ctx["tools_used"])
    elif kind == "system" and rec.get("subtype") == "compact_boundary":
        meta = rec.get("compactMetadata") or {}
        out.compactions.append(
            Compaction(parse_ts(rec.get("timestamp")), meta.get("trigger"), meta.get("preTokens"))
        )
    elif kind == "api-request":
        if isinstance(rec.get("id"), str) and isinstance(rec.get("shapeHash"), str):
            ctx["shapes"][rec["id"]] = rec["shapeHash"]
    elif kind == "api-request-shape":
        shape = rec.get("shape")
        if isinstance(rec.get("shapeHash"), str) and isinstance(shape, dict):
            out.shapes[rec["shapeHash"]] = _shape_summary(shape)
    elif kind == "cost-state" and isinstance(rec.get("modelUsage"), dict):
        out.billed = rec["modelUsage"]
    elif kind == "tools-used" and isinstance(rec.get("tools"), list):
        ctx["tools_used"] = tuple(t for t in rec["tools"] if isinstance(t, str))


def _add_turn(out: Transcript, rec: dict, seen: dict, request_shapes: dict, tools_used) -> None:
    msg = rec.get("message")
    if not isinstance(msg, dict) or not isinstance(msg.get("usage"), dict):
        return
    if out.cwd is None and isinstance(rec.get("cwd"), str):
        out.cwd = rec["cwd"]
    msg_id, req_id = msg.get("id"), rec.get("requestId")
    key = msg_id or req_id
    inp, outp, read, w5, w1 = usage_split(msg["usage"])
    if key is not None:
        prior = seen.get(key)
        if prior is not None:
            # The same response again: a later content block of it (same usage, or usage that only grew
            # while streaming), or a copy in a resumed/forked transcript. Count it once, keep the maxima.
            prior.input, prior.output = max(prior.input, inp), max(prior.output, outp)
            prior.cache_read = max(prior.cache_read, read)
            prior.cache_write_5m, prior.cache_write_1h = (
                max(prior.cache_write_5m, w5),
                max(prior.cache_write_1h, w1),
            )
            return
    tf = out.file
    agent_id = tf.agent_id or (rec.get("agentId") if rec.get("isSidechain") else None)
    usage = msg["usage"]
    ref = rec.get("requestRef")
    turn = Turn(
        tf.session_id,
        agent_id,
        tf.agent_type,
        str(msg.get("model") or tf.agent_model or "unknown"),
        parse_ts(rec.get("timestamp")),
        msg_id,
        req_id,
        inp,
        outp,
        read,
        w5,
        w1,
        usage.get("speed"),
        usage.get("inference_geo") or None,
        len(out.compactions),
        request_shapes.get(ref) if isinstance(ref, str) else None,
        tools_used,
        rec.get("promptCacheRequested"),
        tf.project_dir,
    )
    if key is not None:
        seen[key] = turn
    out.turns.append(turn)


def _shape_summary(shape: dict) -> dict:
    """What a cache-miss diagnosis needs from a request shape: the system text and the tool names."""
    import hashlib

    import orjson

    tools = shape.get("tools")
    names = [t.get("name") for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []
    system = orjson.dumps(shape.get("system"), option=orjson.OPT_SORT_KEYS)
    return {
        "system_sha": hashlib.sha256(system).hexdigest()[:16],
        "system_chars": len(system),
        "tools": names,
        "tools_sha": hashlib.sha256(orjson.dumps(tools)).hexdigest()[:16],
    }


def stderr_progress(count: int) -> Callable[[int, int], None] | None:
    """A `reading transcripts i/n` counter on a terminal's stderr, for reads long enough to need one."""
    import sys

    if count <= 20 or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\rreading transcripts {done}/{total}", end="" if done < total else "\n", file=sys.stderr)

    return show


def read_all(
    files: Iterable[TranscriptFile],
    warn: Warn = _stderr_warn,
    progress: Callable[[int, int], None] | None = None,
    details: bool = False,
) -> list[Transcript]:
    """Every file's transcript (main agents first, in a stable order), sharing one de-duplication map."""
    files = sorted(files, key=lambda f: (f.agent_id is not None, str(f.path)))
    seen: dict = {}
    result = []
    for i, tf in enumerate(files):
        result.append(read_transcript(tf, seen, warn, details))
        if progress:
            progress(i + 1, len(files))
    if files and not any(t.turns for t in result):
        where = files[0].path.parent if len(files) == 1 else files[0].path.parent.parent
        warn(f"{len(files)} transcript file(s) under {where}, but none holds an API response (an assistant line "
             "with usage): nothing to count. Claude Code writes one JSON object per line; a file reformatted "
             "across several lines (e.g. by jq without -c) cannot be read")
    return result
