"""Masking of obvious secrets in the text ctxlean puts in front of the model.

Applied to summaries, descriptions (list_details), the search index (search_details snippets) and, unless
the user's config sets `redact_fetch = false`, to fetch_detail answers. The stored payload itself is never
changed: it stays byte-exact in the project-scoped store. mask() never makes a text longer (each marker is
no longer than the shortest secret of its kind), so it cannot push a bounded summary over its budget.

Obvious means recognisable by shape: API keys (Anthropic, OpenAI, AWS, GitHub, Slack), JWTs, PEM/PGP
private key blocks, passwords in URLs, Authorization headers and `api_key = ...` assignments.
"""

from __future__ import annotations

import re

# Each named group is one kind of secret, matched only where a trigger (TRIGGERS) starts: Python's re has no
# literal prefilter for an alternation like this one, so scanning a 2 MB text with it takes a second, while
# looking for the triggers with str.find takes a few milliseconds. Key shapes are case-sensitive,
# header and assignment names are not ((?i:...)); their prefix groups are kept so masked text reads naturally.
_SECRET = re.compile(r"""
    (?P<anthropic>sk-ant-[A-Za-z0-9_-]{16,})
  | (?P<openai>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})
  | (?P<aws>(?:AKIA|ASIA)[0-9A-Z]{16}\b)
  | (?P<github>(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}))
  | (?P<slack>xox[abposr]-[A-Za-z0-9-]{10,})
  | (?P<jwt>eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})
  | (?P<url>://[^\s:/@"'<>]{1,100}:)(?P<url_pw>[^\s/@"'<>]{3,200})(?=@)
  | (?P<auth>(?i:(?:proxy-)?authorization)["']?\s{0,8}[:=]\s{0,8}["']?(?i:(?:bearer|basic|token|digest)\s{1,8})?)
      (?P<auth_value>[^\s"',;]{10,})
  | (?P<key_name>(?i:aws_secret_access_key|aws_secret_key|api[_-]?key)["']?\s{0,8}[:=]\s{0,8}["']?)
      (?P<key_value>[A-Za-z0-9_./+=-]{16,})
""", re.VERBOSE)
# Where a secret of each kind can start, in the ASCII-lower-cased text ("proxy-" and "x-" prefixes stay
# outside the match: they are kept anyway). Plain substrings, found with str.find (grep looks for them with
# bytes.find over whole chunks).
TRIGGERS = ("sk-", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "eyj", "://",
            "authorization", "api_key", "api-key", "apikey", "aws_secret")
KEY_TRIGGER = "PRIVATE KEY"  # in every BEGIN and END line of a key block (case-sensitive, as they are)
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}  # str.lower() may change a text's length
_MARK = {"anthropic": "[REDACTED:sk-ant]", "openai": "[REDACTED:sk]", "aws": "[REDACTED:AKIA]",
         "github": "[REDACTED:github]", "slack": "[REDACTED:xox]", "jwt": "[REDACTED:jwt]"}

_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
KEY_MARK = "[REDACTED:private-key]"
# What a caller cutting a long line into pieces gives the masker on each side of a piece (bytes of the line, or
# characters): a secret up to
# this long is recognised whole, wherever the cuts fall (real keys and tokens are well under 1 KB).
CONTEXT = 16 << 10

Span = tuple[int, int, str]  # start, end, the marker that replaces text[start:end]


def _marker(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "url_pw":
        return m["url"] + "***"
    if kind == "auth_value":
        return m["auth"] + "[REDACTED]"
    if kind == "key_value":
        return m["key_name"] + "[REDACTED]"
    return _MARK[kind]


def _starts(text: str) -> list[int]:
    """Where a trigger occurs in text, in order: one str.find pass per trigger (C speed) over the
    lower-cased text, far faster than a regex alternation over every character. (A non-ASCII letter that
    lower-cases to ASCII, such as the Kelvin sign, may add a trigger where no secret is: the pattern, which
    is case-sensitive, then finds nothing there.)"""
    lowered = text.lower()  # C speed; a letter whose lower case is longer shifts offsets: then ASCII only
    if len(lowered) != len(text):
        lowered = text.translate(_ASCII_LOWER)
    found: set[int] = set()
    for trigger in TRIGGERS:
        at = lowered.find(trigger)
        while at >= 0:
            found.add(at)
            at = lowered.find(trigger, at + 1)
    return sorted(found)


def _spans(text: str) -> list[Span]:
    """Every secret in text (key blocks aside), in order and not overlapping."""
    spans: list[Span] = []
    done = 0
    for start in _starts(text):
        if start < done:
            continue  # inside a secret already found
        m = _SECRET.match(text, start)
        # a key starts a word ("task-..." holds "sk-" but is no key); a name may have a prefix (MY_API_KEY=)
        if m is None or (m.lastgroup in _MARK and start and (text[start - 1].isalnum() or text[start - 1] == "_")):
            continue
        spans.append((start, m.end(), _marker(m)))
        done = m.end()
    return spans


def _apply(text: str, spans: list[Span], lo: int, hi: int) -> str:
    """text[lo:hi] with each secret replaced: by its marker where the secret starts inside [lo, hi), by
    nothing where it started before lo (the piece before showed the marker)."""
    parts: list[str] = []
    cursor = lo
    for start, end, marker in spans:
        if end <= cursor:
            continue
        if start >= hi:
            break
        if start >= cursor:
            parts += [text[cursor:start], marker]
        cursor = end
    if cursor < hi:
        parts.append(text[cursor:hi])
    return "".join(parts)


class Masker:
    """Masks text that arrives in order, as whole lines or as pieces of a long line, deciding on whole
    lines and whole blocks whatever the cut: a private key block is masked from its BEGIN line to its END
    line (to the end, without one), so the lines inside it are masked though none of them looks secret;
    a secret straddling a piece cut is found in the context around the piece and masked in both pieces.
    """

    def __init__(self) -> None:
        self.in_key = False

    def segment(self, window: str, start: int = 0, end: int | None = None) -> str:
        """window[start:end] masked, the part of the payload that comes next; `window` may hold up to
        CONTEXT of the text around it on each side (the same line only)."""
        end = len(window) if end is None else end
        if not self.in_key and KEY_TRIGGER not in window:  # the common case
            return _apply(window, _spans(window), start, end)
        spans = _spans(window)
        parts: list[str] = []
        pos = start
        while pos < end:
            if self.in_key:
                close = _KEY_END.search(window, pos)
                parts.append(KEY_MARK)
                if close is None or close.start() >= end:
                    break
                self.in_key = False
                pos = close.end()
            else:
                begin = _KEY_BEGIN.search(window, pos)
                stop = begin.start() if begin and begin.start() < end else end
                parts.append(_apply(window, spans, pos, stop))
                pos = stop
                self.in_key = stop < end
        return "".join(parts)

    def track(self, line: str) -> None:
        """Follow a line that is not shown (before the first line asked for): only the key state matters."""
        if self.in_key or KEY_TRIGGER in line:
            self.segment(line)


def mask(text: str) -> str:
    """text with every obvious secret replaced by a marker no longer than the secret."""
    return Masker().segment(text)
