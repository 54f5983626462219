"""Failures, errors and exit statuses recognised by their form, never by a substring inside a name.

`pretty-error`, `http-errors`, `es-errors`, `ErrorBoundary`, `on_error_retry` are names, not errors: a
word counts only where it stands alone (no letter, digit, `_`, `-` or `.` touching it) and in one of the
forms tools print:
- a level: `ERROR`, `FATAL`, `CRITICAL`, `PANIC`, `SEVERE` as a word (`[ERROR]`, `ERROR:`, `level=error`,
  `"level":"error"`);
- a diagnostic: `error:` / `fatal:` / `Error:` (with an optional code: `error[E0308]:`, `error TS2322:`),
  `npm ERR!` / `npm error`, a Python exception line (`ValueError: ...`), a traceback header, `panic:`,
  `Segmentation fault`;
- a test failure: `FAILED` / `FAIL` as a word, `[  FAILED  ]`, `--- FAIL:`, `expected X, got Y`, and
  totals that decide success (`3 failed`, `62/64 tests passed`, `FAILED (failures=2)`);
- an exit status that is not 0 (`exit code 2`, `make: *** [all] Error 2`, `returned non-zero`);
- a warning: `warning:` / `WARN` / `WARNING` as a word (ranked last).

Each line gets one kind and a rank (0 first): what a coding agent acts on comes first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ctxlean.lazy_re import lazy
from ctxlean.summarize.common import LineIndex, lines_containing

FAILURE, ERROR, EXIT, WARNING = "failure", "error", "exit", "warning"
RANK = {FAILURE: 0, ERROR: 1, EXIT: 2, WARNING: 3}
LABEL = {FAILURE: "test failures", ERROR: "errors", EXIT: "exit status", WARNING: "warnings"}
# What a fetch_detail grep for each kind looks for (short: the hook's hint has room for 48 characters).
GREP = {FAILURE: "FAIL|Error|assert|expected", ERROR: "(?i)error|fatal|panic|exception|traceback",
        EXIT: "(?i)exit (code|status)|Error \\d", WARNING: "(?i)warn"}

_ALONE_L, _ALONE_R = r"(?<![\w.\-/])", r"(?![\w\-])"
# (kind, literals, pattern): the pattern is tried on a line only when its lower-cased text holds one of the
# literals (str `in` is far cheaper than a regex), and only lines holding some literal are looked at at all,
# found with one str.find pass per literal over the lower-cased payload: few literals, each covering many
# spellings ("rror": error, Error, ERROR, AssertionError, level=error). First match wins: RANK order.
_FORMS = [(kind, literals, lazy(pattern, flags)) for kind, literals, pattern, flags in (
    (FAILURE, ("fail",), r"\[\s*FAILED\s*\]|^--- FAIL\b|^FAIL(?:ED)?[\s:]|" + _ALONE_L + r"FAIL(?:ED|URE|URES)?"
     + _ALONE_R + r"|\b[1-9]\d* (?:failed|failures?)\b(?![\w-])|\btests? failed\b", 0),
    (FAILURE, ("expected",), r"\bexpected\b[^\n]{0,80}?\b(?:got|but (?:was|got)|actual|received)\b", 0),
    (FAILURE, ("rror",), r"\b[1-9]\d* errors?\b(?![\w-])|\bAssertionError\b", 0),
    (FAILURE, ("tests passed", "test passed"), r"\b\d+/\d+ tests? passed", 0),
    (ERROR, ("rror", "fatal", "crit", "panic", "severe", "emerg"),
     _ALONE_L + r"(?:ERROR|FATAL|CRITICAL|CRIT|PANIC|SEVERE|EMERG)" + _ALONE_R + r"|"
     + _ALONE_L + r"(?:[Ee]rror|[Ff]atal)(?:\[[\w-]+\]| TS\d+)?:|^npm error |"
     r"\blevel=\"?(?:error|fatal|crit)|\"(?:level|severity)\": ?\"(?:error|fatal|critical)\"|"
     r"^\s*(?:[\w.]+\.)?[A-Z]\w*Error(?::|$)|^panic: |\bpanicked at\b", 0),
    (ERROR, ("err!",), r"^npm ERR! ", 0),
    (ERROR, ("exception", "traceback"), r"^\s*(?:[\w.]+\.)?[A-Z]\w*Exception(?::|$)|^Exception in thread |"
     r"Traceback \(most recent call last\)", 0),
    (ERROR, ("segmentation", "killed", "oom-kill", "out of memory", "denied", "not found", "no such file",
             "undefined ref", "refused", "timed out"),
     r"Segmentation fault|\bKilled\b|\boom-kill|\bOut of memory\b|Permission denied|\bcommand not found\b|"
     r"No such file or directory|\bundefined reference to\b|\bConnection refused\b|\btimed out\b", 0),
    (ERROR, ("fail",), _ALONE_L + r"(?<!\b0 )[Ff]ailed" + _ALONE_R, 0),
    (EXIT, ("xit", "***", "non-zero"),
     r"\bexit(?:ed)? (?:with )?(?:code|status) [1-9]|\bExit code [1-9]|returned non-zero exit status|"
     r"^make(?:\[\d+\])?: \*\*\* |\bProcess finished with exit code [1-9]|\bexit_code[=:] ?[1-9]", re.I),
    (WARNING, ("warn",), _ALONE_L + r"(?:[Ww]arning|WARNING|WARN)(?:\[[\w-]+\])?(?::|" + _ALONE_R + r")", 0),
)]
ALL = frozenset(RANK)
SERIOUS = frozenset({FAILURE, ERROR, EXIT})  # what summaries list; warnings only count towards nothing


def _literals(kinds: frozenset) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word for kind, literals, _ in _FORMS if kind in kinds for word in literals))


LITERALS = _literals(ALL)


def form_of(line: str, kinds: frozenset = ALL) -> str | None:
    """The kind of a line (FAILURE, ERROR, EXIT, WARNING; of `kinds` only), or None when it shows none."""
    lowered = line.lower()
    for kind, literals, pattern in _FORMS:
        if kind not in kinds:
            continue
        for word in literals:
            if word in lowered:
                if pattern.search(line):
                    return kind
                break
    return None


@lru_cache(maxsize=4)
def salient_lines(text: str, kinds: frozenset = ALL, limit: int = 4000) -> tuple[tuple[int, str, str], ...]:
    """(line number, line, kind) of every line of text that shows a failure, error, exit status or warning
    (of `kinds` only: the others' literals are not even searched for), in order; at most `limit` (the first
    half and the last half of them). Cached: the kind's summarizer and the composition ask about the same
    payload."""
    index = LineIndex(text)
    found = []
    lowered = text.lower()
    if len(lowered) != len(text):  # lower-casing a few rare letters changes offsets: search line by line
        lowered = "\n".join(line.lower() if len(line.lower()) == len(line) else line for line in text.split("\n"))
    for start in lines_containing(lowered, _literals(kinds)):
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)]
        kind = form_of(line, kinds)
        if kind is not None:
            found.append((index.at(start), line, kind))
    if len(found) > limit:
        found = found[: limit // 2] + found[-(limit - limit // 2):]
    return tuple(found)
