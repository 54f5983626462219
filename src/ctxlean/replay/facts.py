"""Used facts: the identifiers a tool output brought that the model went on to use.

A fact is an identifier in a tool output that was not in the context before it (new in that output):
- a path: a token with a `/` between name characters (`src/app/models.py`, `/usr/lib/x`);
- a name with a digit, dot or underscore (`test_parse_date`, `v2.14.1`, `ERR_42`, `numpy.ndarray`), and a
  version (`2.14.1`);
- a number of 3 or more digits (a line number, a count, an id, a port);
- a hash (7 to 64 hex digits with both a digit and a letter).
It is *used* when it appears in the model's next three responses (their text or tool inputs). A path
also matches a longer or shorter form of itself (`ledger/dates.py` in `src/ledger/dates.py`). A used
fact is *kept* when the text ctxlean would have shown (the summary) holds it too.

Limits: a fact the model used later than three responses on, or reworded (a number as a word, a path
rebuilt from parts), is not counted; a fact the model would have used anyway from its own knowledge is
counted as used; plain words (an error message's prose) are never facts, so a summary that drops the
prose of an error but keeps its identifiers counts as keeping it.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z0-9_./\-]+")
_HASH = re.compile(r"[0-9a-f]{7,64}")
_VERSION = re.compile(r"\d+(?:\.\d+)+")
_MAX_FACT = 200
_EDGE = "./-"


def identifiers(text: str) -> set[str]:
    """The facts-to-be in text: paths, names with a digit, dot or underscore, 3+ digit numbers, hashes."""
    found = set()
    for raw in _TOKEN.findall(text):
        token = raw.strip(_EDGE)
        if len(token) < 3 or len(token) > _MAX_FACT:
            continue
        if token.isdigit():
            found.add(token)
        elif "/" in token:
            if any(c.isalnum() for c in token):
                found.add(token)
        elif _HASH.fullmatch(token) and not token.isalpha():
            found.add(token)
        elif any(c.isalpha() for c in token) and any(c.isdigit() or c in "._" for c in token):
            found.add(token)
        elif _VERSION.fullmatch(token):
            found.add(token)
    return found


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


class Mentions:
    """The identifiers of some text, paths indexed by their last part for the longer-or-shorter match."""

    __slots__ = ("tokens", "paths")

    def __init__(self, text: str = ""):
        self.tokens: set[str] = set()
        self.paths: dict[str, list[str]] = {}
        if text:
            self.add(identifiers(text))

    def add(self, found: set[str]) -> None:
        for token in found - self.tokens:
            if "/" in token:
                self.paths.setdefault(_name(token), []).append(token)
        self.tokens |= found

    def has(self, fact: str) -> bool:
        """fact is among the identifiers, or (a path) one of them is a longer or shorter form of it."""
        if fact in self.tokens:
            return True
        if "/" not in fact:
            return False
        return any(p.endswith("/" + fact) or fact.endswith("/" + p) for p in self.paths.get(_name(fact), ()))
