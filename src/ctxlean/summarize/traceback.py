"""Stack traces (Python, Java/JVM, JavaScript, Go panics, Rust panics): the exception and its message,
the innermost project frames, and the chain of causes."""

from __future__ import annotations

import re

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_CONTENT,
    Body,
    clip,
    head,
    lines_hint,
    matches_at_line_starts,
    matches_with_lines,
    plural,
    seen,
    tail,
)
from ctxlean.summarize.text import head_tail, split_lines

PY_START = lazy(r"^Traceback \(most recent call last\):$", re.M)
PY_FRAME = lazy(r'^[ \t]+File "([^"\n]+)", line (\d+), in ([^\n]+)$', re.M)
PY_EXCEPTION = lazy(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|Failure|Stop\w*|"
                          r"[A-Z]\w*))(?::[ ]?([^\n]*))?$", re.M)
JVM_EXCEPTION = lazy(r"^(?:Exception in thread \"[^\"\n]*\" |Caused by: )?([a-z][\w$]*(?:\.[\w$]+)+"
                           r"(?:Exception|Error|Throwable))(?:: ([^\n]*))?$", re.M)
JVM_FRAME = lazy(r"^[ \t]+at ([\w$.<>]+)\(([^)\n]*)\)$", re.M)
JS_FRAME = lazy(r"^[ \t]+at (?:([^\n(]+?) \()?([^\s()]+):(\d+):(\d+)\)?$", re.M)
JS_EXCEPTION = lazy(r"^(?:Uncaught )?([A-Z]\w*(?:Error|Exception))(?: \[\w+\])?: ([^\n]*)$", re.M)
GO_PANIC = lazy(r"^panic: ([^\n]*)$", re.M)
GO_FRAME = lazy(r"^\t(/[^\n:]+\.go):(\d+)(?: \+0x[0-9a-f]+)?$", re.M)
RUST_PANIC = lazy(r"^thread '([^'\n]*)'(?: \(\d+\))? panicked at ([^\n]*?):?\n([^\n]*)$", re.M)
RUST_FRAME = lazy(r"^ +\d+: ([^\n]+)\n +at ([^\n]+)$", re.M)
START_WORDS = ("Traceback", "Exception in thread", "at ", "panic: ", "goroutine ", "panicked at")
START = lazy(r"^Traceback \(most recent call last\):$|^Exception in thread |"
                   r"^[ \t]+at [\w$.<>]+\([\w$]+\.\w+:\d+\)$|^panic: |^goroutine \d+ \[|"
                   r"^thread '[^'\n]*'(?: \(\d+\))? panicked at |^[ \t]+at [^\n]*:\d+:\d+\)?$", re.M)
LIBRARY = lazy(r"site-packages|dist-packages|/lib/python\d|<frozen |^<|node_modules|\bnode:|\binternal/|"
                     r"/usr/(?:local/)?(?:go|lib)/|/rustc/|\.cargo/registry|^(?:java|javax|jdk|sun|kotlin|scala|"
                     r"org\.junit|org\.apache|org\.springframework|com\.sun)\.")


def is_traceback(payload: Payload) -> int:
    for sample in (head(payload.text), tail(payload.text)):
        if seen(sample, START_WORDS, START):
            return BY_CONTENT
    return 0


def summarize_traceback(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    for reader in (python_trace, _jvm, _go, _rust, _javascript):  # JavaScript last: its `at` frames are loose
        found = reader(text)
        if found:
            language, headline, headline_at, frames, causes = found
            break
    else:
        return Summary("traceback", head_tail(split_lines(text), budget_tokens, text=text),
                       "stack trace (unrecognised format)", lines_hint(1, 200))
    body.add(clip(f"{language} stack trace: {headline} (L{headline_at})", 300))
    causes = [c for c in causes if c[1] != headline]
    if causes:
        body.add(f"chained exceptions ({len(causes)}):")
        body.add_all([clip(f"  L{n}: {c}", 240) for n, c in causes[:6]], len(causes))
    project = [f for f in frames if not LIBRARY.search(f[1])]
    shown = (project or frames)[-8:]
    label = "innermost project frames" if project else "innermost frames (no project frames found)"
    body.add(f"{label} ({len(project) if project else len(frames)} of {plural(len(frames), 'frame')}), "
             "innermost last:")
    body.add_all([clip(f"  {where} (L{n})", 220) for n, where in shown])
    last_frame = frames[-1][0] if frames else headline_at
    first = min(headline_at, last_frame)
    hint = lines_hint(max(1, first - 30), max(headline_at, last_frame) + 5)
    return Summary("traceback", body.text(), f"{language} stack trace: {headline}", hint)


Found = tuple[str, str, int, list[tuple[int, str]], list[tuple[int, str]]]


def python_trace(text: str) -> Found | None:
    """The last Python traceback in text: its exception line and frames, earlier chained ones as causes."""
    starts = matches_at_line_starts(PY_START, text, "Traceback (most recent call last):")
    if not starts:
        return None
    blocks = []
    for i, (line_no, start) in enumerate(starts):
        stop = starts[i + 1][1].start() if i + 1 < len(starts) else len(text)
        block = text[start.end():stop]
        frames = [(line_no + block.count("\n", 0, m.start()), f"{m.group(1)}:{m.group(2)} in {m.group(3)}")
                  for m in PY_FRAME.finditer(block)]
        last_frame_end = 0
        for m in PY_FRAME.finditer(block):
            last_frame_end = m.end()
        exception = PY_EXCEPTION.search(block, last_frame_end)
        if exception:
            at = line_no + block.count("\n", 0, exception.start())
            blocks.append((at, clip(exception.group(0), 240), frames))
        else:
            blocks.append((line_no, "Traceback without an exception line (cut short?)", frames))
    at, headline, frames = blocks[-1]
    return "Python", headline, at, frames, [(n, h) for n, h, _ in blocks[:-1]]


def _jvm(text: str) -> Found | None:
    exceptions = matches_with_lines(JVM_EXCEPTION, text, limit=50)
    frames = matches_with_lines(JVM_FRAME, text, limit=2000)
    if not exceptions or not frames:
        return None
    at, first = exceptions[0]
    headline = clip(first.group(1) + (f": {first.group(2)}" if first.group(2) else ""), 240)
    causes = [(n, clip(m.group(0), 240)) for n, m in exceptions[1:]]
    # JVM lists the innermost frame first, under each exception; keep the top frames of the first
    # exception and of the root cause (the last `Caused by`), reversed so "innermost last" holds
    root_from = exceptions[-1][1].start()
    project = [(n, m) for n, m in frames if not LIBRARY.search(m.group(1))] or frames
    first = [(n, f"{m.group(1)}({m.group(2)})") for n, m in project if m.start() < root_from][:4]
    root = [(n, f"{m.group(1)}({m.group(2)})") for n, m in project if m.start() > root_from][:4]
    return "JVM", headline, at, first[::-1] + root[::-1], causes


def _go(text: str) -> Found | None:
    panic = matches_at_line_starts(GO_PANIC, text, "panic: ", limit=1)
    if not panic:
        return None
    at, m = panic[0]
    frames = [(n, f"{f.group(1)}:{f.group(2)}") for n, f in matches_with_lines(GO_FRAME, text, limit=2000)
              if f.start() > m.start()]
    goroutine_frames = frames[:40]
    return "Go", clip(m.group(0), 240), at, goroutine_frames[::-1], []


def _rust(text: str) -> Found | None:
    panics = matches_with_lines(RUST_PANIC, text, limit=20)
    if not panics:
        return None
    at, m = panics[0]
    headline = clip(f"thread '{m.group(1)}' panicked at {m.group(2)}: {m.group(3).strip()}", 240)
    others = [(n, clip(f"thread '{p.group(1)}' panicked at {p.group(2)}", 200)) for n, p in panics[1:]]
    frames = [(n + 1, f"{f.group(2).strip()} in {f.group(1).strip()}")
              for n, f in matches_with_lines(RUST_FRAME, text, limit=200) if f.start() > m.start()]
    return "Rust", headline, at, frames[::-1] or [(at, m.group(2))], others


def _javascript(text: str) -> Found | None:
    exceptions = matches_with_lines(JS_EXCEPTION, text, limit=20)
    frames = matches_with_lines(JS_FRAME, text, limit=2000)
    if not frames:
        return None
    if exceptions:
        at, first = exceptions[0]
        headline = clip(first.group(0), 240)
        frames = [(n, f) for n, f in frames if f.start() > first.start()] or frames
    else:
        at, headline = frames[0][0], "stack frames without an error line"
    innermost = [(n, f"{(f.group(1) or '<anonymous>').strip()} {f.group(2)}:{f.group(3)}") for n, f in frames[:40]]
    return "JavaScript", headline, at, innermost[::-1], [(n, clip(m.group(0), 200)) for n, m in exceptions[1:]]
