"""Compiler and type-checker output (gcc/clang, rustc/cargo, tsc, mypy, ruff).

Keeps the tool's own totals lines, counts by severity and by file, and every distinct
`file:line[:col]: severity: message` that fits, errors before warnings before notes, grouped by file.
"""

from __future__ import annotations

import re
from collections import Counter

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    grep_hint,
    head,
    lines_containing,
    lines_hint,
    matches_on_lines,
    matches_with_lines,
    nbytes,
    plural,
    runs,
)
from ctxlean.summarize.text import head_tail, serious_lines, split_lines
from ctxlean.values import Value

GNU = lazy(  # gcc, clang, mypy, many linters: file:line[:col]: severity[code]: message
    r"^(?P<file>[^\s:][^:\n]*?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>fatal error|error|warning|note|remark)"
    r"(?:\[(?P<code>[^\]\n]+)\])?: (?P<msg>[^\n]*)$", re.M)
GNU_SEVERITIES = (": error", ": warning", ": note", ": fatal error", ": remark")  # a GNU line holds one
RUFF = lazy(
    r"^(?P<file>[^\s:][^:\n]*?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]{1,4}\d{1,4}) (?P<msg>[^\n]*)$", re.M)
TSC = lazy(
    r"^(?P<file>[^\s(][^(\n]*?)\((?P<line>\d+),(?P<col>\d+)\): (?P<sev>error|warning) (?P<code>TS\d+): "
    r"(?P<msg>[^\n]*)$|^(?P<file2>\S+?):(?P<line2>\d+):(?P<col2>\d+) - (?P<sev2>error|warning) "
    r"(?P<code2>TS\d+): (?P<msg2>[^\n]*)$", re.M)
RUFF_HINT = lazy(r":\d+:\d+: [A-Z]{1,4}\d")  # starts with a literal: a fast pre-check for RUFF
TRAILING_CODE = lazy(r"\[([-\w=]+)\]\s*$")
ARROW = lazy(r"^ *--> (?P<file>[^\n:]+):(?P<line>\d+):(?P<col>\d+)\s*$", re.M)
ARROW_HEADER = lazy(  # rustc's `error[E0308]: msg` or ruff's full format `F401 [*] msg`
    r"^(?:(?P<sev>error|warning)(?:\[(?P<code>\w+)\])?|(?P<rcode>[A-Z]{1,4}\d{1,4})(?: \[\*\])?):? "
    r"(?P<msg>[^\n]*)$", re.M)
TOTALS_WORDS = (  # every line TOTALS matches holds one of these: TOTALS is tried on those lines only
    "Found ", "Success:", "All checks", "generated", "could not compile", "aborting", "collect2", "make", "fix",
    "ninja", "Finished")
TOTALS = lazy(
    r"^(?:Found \d+ errors? in [^\n]*|Found \d+ errors?\.?[^\n]*|Success: no issues found[^\n]*|All checks passed!|"
    r"\d+ (?:errors?|warnings?)(?: and \d+ warnings?)? generated\.|error: could not compile [^\n]*|"
    r"error: aborting due to [^\n]*|warning: [^\n]* generated \d+ warnings?[^\n]*|collect2: error: [^\n]*|"
    r"make(?:\[\d+\])?: \*\*\* [^\n]*|\[\*\] \d+ fix[^\n]*|ninja: build stopped[^\n]*|"
    r"Finished [^\n]*(?:target|profile)[^\n]*)$", re.M)

PROGRAMS = (
    ("mypy", lazy(r"(?:mypy|dmypy)\b")),
    ("ruff", lazy(r"ruff\b")),
    ("tsc", lazy(r"(?:tsc|vue-tsc)\b")),
    ("rustc", lazy(r"(?:cargo\s+(?:build|check|clippy|b|c|rustc|run)|rustc)\b")),
    ("compiler", lazy(r"(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|clang-\d+|cl|tcc)\b")),
)
SEVERITY_RANK = {"fatal error": 0, "error": 0, "warning": 1, "note": 2, "remark": 2, "help": 2}


class Diagnostic(Value):
    __slots__ = ("file", "line", "col", "severity", "code", "message", "at", "text")

    def __init__(self, file: str, line: int, col: str, severity: str, code: str, message: str, at: int,
                 text: str):
        self.file, self.line, self.col, self.severity, self.code = file, line, col, severity, code
        self.message = message
        self.at = at  # payload line number
        self.text = text  # how the summary shows it

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 0)


def tool_of(payload: Payload) -> str | None:
    for tool, program in PROGRAMS:
        if runs(payload.command, program):
            return tool
    return None


def is_diagnostics(payload: Payload) -> int:
    if tool_of(payload):
        return BY_NAME
    return BY_CONTENT if _has_diagnostics(head(payload.text)) else 0


def _has_diagnostics(sample: str) -> bool:
    """True when sample holds a line in one of the diagnostic formats (literal pre-checks first)."""
    if any(f": {sev}" in sample for sev in ("error", "warning", "note", "fatal error")) and GNU.search(sample):
        return True
    if ("error TS" in sample or "warning TS" in sample) and TSC.search(sample):
        return True
    if "--> " in sample and ARROW.search(sample):
        return True
    return bool(RUFF_HINT.search(sample) and RUFF.search(sample))


def parse(text: str) -> list[Diagnostic]:
    """Every diagnostic in text, in payload order, without repeats. Each format's pattern runs only when
    a literal it needs occurs in text (a full regex pass costs far more than a substring search)."""
    found: list[Diagnostic] = []
    gnu_lines = lines_containing(text, GNU_SEVERITIES)
    if gnu_lines:
        for at, m in matches_on_lines(GNU, text, gnu_lines):
            found.append(Diagnostic(m["file"], int(m["line"]), m["col"] or "", m["sev"], _code(m["code"], m["msg"]),
                                    m["msg"], at, clip(m.group(0), 240)))
    if RUFF_HINT.search(text):
        for at, m in matches_with_lines(RUFF, text):
            found.append(Diagnostic(m["file"], int(m["line"]), m["col"], "error", m["code"], m["msg"], at,
                                    clip(m.group(0), 240)))
    if "error TS" in text or "warning TS" in text:
        for at, m in matches_with_lines(TSC, text):
            file, line, col = m["file"] or m["file2"], m["line"] or m["line2"], m["col"] or m["col2"]
            found.append(Diagnostic(file, int(line), col, m["sev"] or m["sev2"], m["code"] or m["code2"],
                                    m["msg"] or m["msg2"], at, clip(m.group(0), 240)))
    if "--> " in text:
        for at, m in matches_with_lines(ARROW, text):
            header = _header_before(text, m.start())
            if header is None:
                continue
            sev = header["sev"] or "error"
            code = header["code"] or header["rcode"] or ""
            label = f"{sev}[{code}]" if header["sev"] and code else (sev if header["sev"] else code)
            text_line = f"{m['file']}:{m['line']}:{m['col']}: {label}: {header['msg']}"
            found.append(Diagnostic(m["file"], int(m["line"]), m["col"], sev, code, header["msg"],
                                    at - 1, clip(text_line, 240)))
    found.sort(key=lambda d: d.at)
    unique = {}
    for d in found:
        unique.setdefault((d.file, d.line, d.col, d.severity, d.message), d)
    return list(unique.values())


def _code(code: str | None, message: str) -> str:
    """The diagnostic's code: given, or the trailing [code] of gcc/clang (-Wformat=) and mypy (arg-type)."""
    if code:
        return code
    trailing = TRAILING_CODE.search(message)
    return trailing.group(1) if trailing else ""


def _header_before(text: str, start: int) -> re.Match | None:
    """The rustc/ruff header line at most three lines above an ` --> file:line:col` line."""
    window_start = start
    for _ in range(3):
        window_start = text.rfind("\n", 0, max(0, window_start - 1)) + 1
        if window_start <= 0:
            window_start = 0
        line_end = text.find("\n", window_start)
        match = ARROW_HEADER.match(text, window_start, line_end if line_end >= 0 else len(text))
        if match and not match.group(0).startswith(("note", "help")):
            return match
        if window_start == 0:
            break
    return None


def summarize_diagnostics(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    tool = tool_of(payload) or _tool_from_content(text)
    diagnostics = parse(text)
    body = Body(budget_tokens)
    totals = matches_on_lines(TOTALS, text, lines_containing(text, TOTALS_WORDS))
    totals = list({m.group(0): (n, m) for n, m in totals}.values())[-4:]
    by_severity = Counter(d.severity.replace("fatal error", "error") for d in diagnostics)
    files = Counter(d.file for d in diagnostics)
    parsed = ", ".join(plural(n, sev) for sev, n in by_severity.items()) or "no file:line diagnostics"
    for n, m in totals:
        body.add(clip(f"{tool}: {m.group(0)} (L{n})", 200))
    body.add(clip(f"parsed: {parsed} in {plural(len(files), 'file')}"
                  + (": " + ", ".join(f"{f} {n}" for f, n in files.most_common(8)) if files else ""), 300))
    codes = Counter(d.code for d in diagnostics if d.code)
    if len(codes) > 1 or (codes and len(diagnostics) > 1):
        ranked = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))
        body.add(clip("by code: " + ", ".join(f"{c} {n}" for c, n in ranked[:10])
                      + (f", ... {len(codes) - 10} more" if len(codes) > 10 else ""), 300))
    description = f"{tool}: " + (totals[-1][1].group(0) if totals else parsed)

    taken = {d.at for d in diagnostics} | {n for n, _ in totals}
    others = [(n, line) for n, line in serious_lines(text)
              if n not in taken and n - 1 not in taken and not line.startswith(" ")][:400]
    more_note = f"... {{n}} more diagnostics ({grep_hint(_grep_pattern(tool))})"
    reserve = nbytes(more_note) + 8 + (min(300, body.room() // 6) if others else 0)
    shown = _select(diagnostics, body.room() - reserve)
    order = {f: i for i, f in enumerate(files)}
    for d in sorted(shown, key=lambda d: (order[d.file], d.at)):
        body.add(d.text)
    if len(shown) < len(diagnostics):
        body.add(more_note.replace("{n}", f"{len(diagnostics) - len(shown):,}"))
    if others:
        body.add("other error lines:")
        body.add_all([clip(f"  L{n}: {line.strip()}", 200) for n, line in others[:6]], len(others))
    if not diagnostics and not others:
        body.add(head_tail(split_lines(text), max(0, body.room() // 4 - 4), text=text))

    errors = [d for d in diagnostics if d.rank == 0]
    if len(shown) < len(diagnostics):
        hint = grep_hint(_grep_pattern(tool))
    elif errors:
        hint = lines_hint(errors[0].at, errors[0].at + 20)
    elif others:
        hint = lines_hint(max(1, others[0][0] - 10), others[0][0] + 10)
    else:
        n = len(split_lines(text))
        hint = lines_hint(max(1, n - 60), n)
    return Summary(tool, body.text(), description, hint)


def _tool_from_content(text: str) -> str:
    sample = head(text, 16384)
    if TSC.search(sample):
        return "tsc"
    if ARROW.search(sample):
        return "ruff" if re.search(r"^[A-Z]{1,4}\d{1,4} ", sample, re.M) else "rustc"
    if RUFF.search(sample):
        return "ruff"
    if re.search(r"^\S+\.pyi?:\d+: (?:error|note):", sample, re.M):
        return "mypy"
    return "compiler"


def _select(diagnostics: list[Diagnostic], room: int) -> list[Diagnostic]:
    """The diagnostics that fit in room bytes: errors before warnings before notes, and within a
    severity the first of every file before the second of any (one file's flood does not hide another's)."""
    seen_in_file: Counter = Counter()
    keyed = []
    for d in diagnostics:
        keyed.append(((d.rank, seen_in_file[(d.file, d.rank)], d.at), d))
        seen_in_file[(d.file, d.rank)] += 1
    chosen = []
    for _, d in sorted(keyed, key=lambda kd: kd[0]):
        cost = nbytes(d.text) + 1
        if cost <= room:
            chosen.append(d)
            room -= cost
        elif room < 40:
            break
    return chosen


def _grep_pattern(tool: str) -> str:
    return {
        "ruff": r":\d+:\d+: [A-Z]+\d+ |^ *--> ",
        "rustc": r"^(error|warning)|^ *--> ",
        "tsc": r"error TS\d+",
    }.get(tool, r": (fatal error|error|warning):")

