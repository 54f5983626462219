"""The lines of a payload that hold what the model was looking for when it made the call.

What it asked for is its own words before the call (its last text) and the call's arguments (a grep
pattern, a test name, a path in the command). Their terms are the identifiers and longer words in them,
minus the words of every command line (flags, program names, `the`, `file`); a line scores the rarity of
the terms it holds (a term on most lines of the payload tells nothing), and the best-scoring lines are
the ones the summary shows. Deterministic: the same words and payload give the same lines.
"""

from __future__ import annotations

import math
from functools import lru_cache

from ctxlean.lazy_re import lazy
from ctxlean.summarize.common import LineIndex

_TERM = lazy(r"[A-Za-z_][\w.\-/]*\w|\d{3,}")
STOPWORDS = frozenset("""
about above after again against also another any anything appear around because been before being below
between both but check code could does doing done down during each either else even every file files first
from further have having here into just know last least less let like line lines look looking make many
might more most much must need next none nothing now once only other output over perhaps please print
rather really right same see seems shall should show since some something still such sure take test tests
than that their them then there these they thing think this those though through thus time under until
upon use used using very want was were what when where whether which while will with within without
would your yours the and for not are you can all has how its out why who get got let's i'll we'll
grep sed cat head tail find echo true false null none bash python python3 pytest run runs running
""".split())
MAX_TERMS = 24
COMMON_SHARE = 0.05  # a term on more than this share of the lines (and more than 3) is not specific
MAX_LINE_CHARS = 240


# Programs whose second word is a subcommand (`git diff`, `npm install`): neither says what is looked for.
SUBCOMMANDS = frozenset("git npm pnpm yarn cargo go docker kubectl pip pip3 uv poetry make gh brew apt conda "
                        "dotnet mvn gradle bundle rails".split())


def asked_text(words: str, tool_input: dict | None) -> str:
    """What the model was looking for: its last words before the call, then the call's arguments: a
    command's operands (no program, subcommand or flag), a Grep pattern and path, a WebFetch prompt, an MCP
    tool's string arguments."""
    tool_input = tool_input or {}
    args = []
    for key, value in tool_input.items():
        if not isinstance(value, str) or key == "description":
            continue
        args.append(command_operands(value) if key == "command" else value)
    return "\n".join([words, *args]).strip()


def command_operands(command: str) -> str:
    """The words of a shell command that name what it looks at: every simple command's words after its
    program (and subcommand), without flags."""
    from ctxlean.summarize.common import programs

    kept = []
    for segment in programs(command):
        words = segment.split()
        skip = 2 if words and words[0] in SUBCOMMANDS else 1
        kept += [w.strip("'\"") for w in words[skip:] if not w.startswith("-")]
    return " ".join(kept)


def terms_of(asked: str) -> list[str]:
    """The searchable terms of the model's words and the call's arguments, longest first (at most 24)."""
    found = {}
    for raw in _TERM.findall(asked):
        term = raw.strip("./-")
        if len(term) < 3 or term.lower() in STOPWORDS or term.startswith("-"):
            continue
        found.setdefault(term, None)
    return sorted(found, key=lambda t: (-len(t), t))[:MAX_TERMS]


@lru_cache(maxsize=4)
def asked_lines(text: str, asked: str, limit: int = 40) -> tuple[list[tuple[int, str, float]], list[str]]:
    """(line number, line, score) of the best-matching lines for `asked`, in payload order, at most
    `limit`, and the specific terms they were found by (rarest first); ([], []) when nothing specific
    matches."""
    terms = terms_of(asked)
    if not terms or not text:
        return [], []
    total_lines = text.count("\n") + 1
    cap = max(3, int(total_lines * COMMON_SHARE))
    holders: dict[int, set[str]] = {}  # line start offset -> terms on it
    counts: dict[str, int] = {}
    for term in terms:
        starts = _line_starts_holding(text, term, cap)
        if not starts or len(starts) > cap:
            continue
        counts[term] = len(starts)
        for start in starts:
            holders.setdefault(start, set()).add(term)
    if not counts:
        return [], []
    rarity = {term: math.log(1 + total_lines / n) * (1 + len(term) / 16) for term, n in counts.items()}
    index = LineIndex(text)
    scored = []
    for start in sorted(holders):
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)]
        score = sum(rarity[t] for t in holders[start])
        scored.append((-score, index.at(start), line[:MAX_LINE_CHARS]))
    best = min(scored)[0]
    chosen = sorted(s for s in scored if s[0] <= best / 3)[:limit]
    found = sorted(counts, key=lambda t: (counts[t], -len(t), t))
    return sorted((number, line, -score) for score, number, line in chosen), found


def _line_starts_holding(text: str, term: str, cap: int) -> list[int]:
    """Offsets of the lines holding term as a whole token (not inside a longer name), at most cap + 1."""
    starts: list[int] = []
    at = text.find(term)
    size = len(term)
    while at >= 0 and len(starts) <= cap:
        before = text[at - 1] if at else " "
        after = text[at + size] if at + size < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            start = text.rfind("\n", 0, at) + 1
            if not starts or starts[-1] != start:
                starts.append(start)
        at = text.find(term, at + size)
    return starts
