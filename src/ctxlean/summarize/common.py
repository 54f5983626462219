"""What every summarizer shares: the budgeted body, the final clamp, payload line numbers, fetch hints.

Line numbers are 1-based over the payload split on "\\n" (the numbering fetch_detail(lines=...) uses), so
a summary's `L<n>` lands exactly where fetch_detail(lines="n-n") does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache

from ctxlean.lazy_re import lazy
from ctxlean.tokens import BYTES_PER_TOKEN, estimate_tokens, truncate_to_tokens

# What a detector returns: 0 (not this kind), BY_CONTENT (the head or tail looks like it), or BY_NAME (the
# command, tool or file name says so). The registry takes the first detector with the strongest answer.
BY_CONTENT = 1
BY_NAME = 2
SAMPLE_BYTES = 4096  # what detectors may look at: the head (and the tail) of a payload
LINE_CHARS = 220
# The hook's footer reserves room for a hint of this many characters (ctxlean.offload); a longer one
# would push the rendered summary over its budget, so summarize() replaces it.
HINT_CHARS = 48  # no single summary line may eat the budget


def nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def clip(line: str, max_chars: int = LINE_CHARS) -> str:
    """line without trailing blanks, cut to max_chars with a visible '...' when longer."""
    line = line.rstrip()
    return line if len(line) <= max_chars else line[: max_chars - 3] + "..."


def one_line(text: str, max_chars: int = 100) -> str:
    """A description: one line of at most max_chars (the store's index and list_details show it)."""
    return clip(" ".join(text.split()), max_chars)


def head(text: str, n: int = SAMPLE_BYTES) -> str:
    return text[:n]


def tail(text: str, n: int = SAMPLE_BYTES) -> str:
    return text[-n:]


def seen(sample: str, words: tuple[str, ...], pattern: re.Pattern) -> bool:
    """pattern found in sample, tried only when one of words (a literal every match holds) is there:
    detectors run on every payload, and `in` is far cheaper than a regex search."""
    return any(word in sample for word in words) and pattern.search(sample) is not None


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def mostly(lines: list[str], test: Callable[[str], object], share: float) -> bool:
    """True when test(line) holds for at least `share` of lines. Stops at the first miss that makes that
    impossible: detectors run on every payload, and most payloads are not of their kind."""
    needed = share * len(lines)
    misses = 0
    for line in lines:
        if not test(line):
            misses += 1
            if len(lines) - misses < needed:
                return False
    return True


def count_lines(text: str) -> int:
    """Lines as fetch_detail numbers them (a trailing newline does not start another line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def lines_hint(first: int, last: int) -> str:
    return f'lines="{max(1, first)}-{max(1, first, last)}"'


def grep_hint(regex: str) -> str:
    return f"grep={json.dumps(regex, ensure_ascii=False)}"


def jsonpath_hint(path: str) -> str:
    return f"jsonpath={json.dumps(path, ensure_ascii=False)}"


class LineIndex:
    """Payload line number of a character offset; offsets asked in increasing order cost O(distance)."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def matches_with_lines(pattern: re.Pattern, text: str, limit: int | None = None) -> list[tuple[int, re.Match]]:
    """(line number, match) for matches of pattern in text, in order, at most limit of them."""
    index = LineIndex(text)
    found = []
    for match in pattern.finditer(text):
        found.append((index.at(match.start()), match))
        if limit is not None and len(found) >= limit:
            break
    return found


def line_starts(text: str, prefixes: tuple[str, ...]) -> list[int]:
    """Offsets of the lines of text that begin with one of prefixes, in order (str.find: no regex pass)."""
    starts = set()
    for prefix in prefixes:
        if text.startswith(prefix):
            starts.add(0)
        needle = "\n" + prefix
        at = text.find(needle)
        while at >= 0:
            starts.add(at + 1)
            at = text.find(needle, at + 1)
    return sorted(starts)


def lines_containing(text: str, words: tuple[str, ...]) -> list[int]:
    """Offsets of the lines of text that contain one of words, in order (str.find: no regex pass)."""
    starts = set()
    for word in words:
        at = text.find(word)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            end = text.find("\n", at)
            if end < 0:
                break
            at = text.find(word, end)
    return sorted(starts)


def matches_on_lines(pattern: re.Pattern, text: str, starts: list[int],
                     limit: int | None = None) -> list[tuple[int, re.Match]]:
    """matches_with_lines(pattern, text, limit) for a `^`-anchored re.M pattern that matches only on
    lines beginning at one of starts (increasing offsets) and never runs past its line: pattern is
    tried at those lines only, which costs a fraction of a regex scan over every position."""
    index = LineIndex(text)
    found = []
    for start in starts:
        match = pattern.match(text, start)
        if match:
            found.append((index.at(start), match))
            if limit is not None and len(found) >= limit:
                break
    return found


def matches_at_line_starts(pattern: re.Pattern, text: str, prefixes: str | tuple[str, ...],
                           limit: int | None = None) -> list[tuple[int, re.Match]]:
    """matches_on_lines for a pattern whose every match starts with one of prefixes."""
    return matches_on_lines(pattern, text, line_starts(text, (prefixes,) if isinstance(prefixes, str) else prefixes),
                            limit)


def line_at(text: str, start: int) -> str:
    """The whole line that begins at offset start (without its newline)."""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


EXIT_STATUS = lazy(
    r"^.*\b(?:exit(?:ed)? (?:code|status)|exit_code|returned non-zero exit status|Process finished with exit code)"
    r"\b[^\n]*\d[^\n]*$|^make(?:\[\d+\])?: \*\*\* [^\n]*$",
    re.M | re.I)


def exit_status_lines(text: str, limit: int = 3) -> list[tuple[int, str]]:
    """Lines that report an exit status, from the last 4 KB (where runners and shells print them)."""
    start = max(0, len(text) - SAMPLE_BYTES)
    start = text.rfind("\n", 0, start) + 1 if start else 0
    offset_line = text.count("\n", 0, start) + 1
    found = matches_with_lines(EXIT_STATUS, text[start:])
    return [(offset_line + n - 1, clip(m.group(0), 160)) for n, m in found[-limit:]]


class Body:
    """A summary body built line by line in priority order; a line is added only if it still fits.

    The budget is in estimated tokens (ctxlean.tokens: ceil(bytes / 4)), so the body never exceeds
    budget_tokens once joined with newlines.
    """

    def __init__(self, budget_tokens: int):
        self.limit = max(0, budget_tokens) * BYTES_PER_TOKEN
        self.lines: list[str] = []
        self.used = 0

    def cost(self, line: str) -> int:
        return nbytes(line) + (1 if self.lines else 0)

    def room(self) -> int:
        return self.limit - self.used

    def add(self, line: str, reserve: int = 0) -> bool:
        """Append line if it fits leaving `reserve` bytes free; True when it went in."""
        cost = self.cost(line)
        if self.used + cost + reserve > self.limit:
            return False
        self.lines.append(line)
        self.used += cost
        return True

    def add_clipped(self, line: str, min_bytes: int = 40) -> bool:
        """Append line cut (with '...') to the room left, if at least min_bytes of it fit."""
        room = self.room() - (1 if self.lines else 0)
        if room < min_bytes:
            return False
        if nbytes(line) > room:
            line = line.encode("utf-8", "surrogatepass")[: room - 3].decode("utf-8", "ignore") + "..."
        return self.add(line)

    def add_all(self, lines: list[str], total: int | None = None, more: str = "  ... {n} more",
                reserve: int = 0) -> int:
        """Append lines in order while they fit, keeping room for a closing `more` note ("{n}" becomes
        how many of `total`, default len(lines), were left out) and `reserve` bytes for what follows.
        Returns how many lines went in."""
        total = len(lines) if total is None else total
        shown = 0
        for line in lines:
            left = total - shown - 1
            note = nbytes(more.replace("{n}", f"{left:,}")) + 1 if left > 0 else 0
            if not self.add(line, note + reserve):
                break
            shown += 1
        if total > shown:
            self.add(more.replace("{n}", f"{total - shown:,}"))
        return shown

    def text(self) -> str:
        return "\n".join(self.lines)


CUT_MARK = "... (summary cut to its budget)"


def clamp(body: str, budget_tokens: int) -> str:
    """body if it fits budget_tokens, else its longest whole-line prefix that fits with a cut mark.

    The final guarantee every summary passes through: whatever a summarizer returned, the result is
    within budget.
    """
    if estimate_tokens(body) <= budget_tokens:
        return body
    limit = max(0, budget_tokens) * BYTES_PER_TOKEN
    room = limit - nbytes(CUT_MARK) - 1
    if room < 16:
        return truncate_to_tokens(body, max(0, budget_tokens))
    cut = truncate_to_tokens(body, room // BYTES_PER_TOKEN)
    newline = cut.rfind("\n")
    if newline > 0:
        cut = cut[:newline]
    return cut + "\n" + CUT_MARK


SEGMENT_SPLIT = lazy(r"&&|\|\||[;|&()\n`]|\$\(")
WRAPPERS = lazy(
    r"^(?:\w+=\S*\s+|sudo\s+|time\s+|nice\s+|env\s+|command\s+|exec\s+|timeout\s+(?:-\S+\s+)*\S+\s+|"
    r"(?:uv|poetry|pipenv|pdm|hatch|rye)\s+run\s+|npx\s+|pnpm\s+(?:exec\s+)?|yarn\s+|bunx\s+|"
    r"(?:\S*/)?python[\d.]*\s+-m\s+)+")


LEADING_DIR = lazy(r"^[^\s/]*/\S*?(?=[^/\s]+(?:\s|$))")


@lru_cache(maxsize=16)
def programs(command: str) -> tuple[str, ...]:
    """Each simple command of a shell line, starting at its program (env assignments and wrappers such
    as `timeout 60`, `uv run`, `npx`, `python -m` dropped, then a leading directory), e.g.
    "cd x && ./bin/pytest -q | tail" -> ("cd x", "pytest -q", "tail").

    Cached: every detector in the registry asks about the same command in turn."""
    found = []
    for segment in SEGMENT_SPLIT.split(command):
        segment = WRAPPERS.sub("", segment.strip())
        if segment:
            found.append(LEADING_DIR.sub("", segment))
    return tuple(found)


def runs(command: str, program: re.Pattern) -> bool:
    """True when one of the command's simple commands starts with `program` (a regex, matched at the
    start of the segment, a leading directory allowed)."""
    return any(program.match(segment) for segment in programs(command))
