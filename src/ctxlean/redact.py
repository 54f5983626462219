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

# Each named group is one kind of secret, matched only where _TRIGGER found its start: Python's re has no
# literal prefilter for an alternation like this one, so scanning a 2 MB text with it takes a second, while
# one pass of _TRIGGER over the lower-cased text takes tens of milliseconds. Key shapes are case-sensitive,
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
# outside the match: they are kept anyway).
_TRIGGER = re.compile(r"sk-|akia|asia|gh[pousr]_|github_pat_|xox|eyj|://|authorization|api[_-]?key|aws_secret")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}  # str.lower() may change a text's length
_MARK = {"anthropic": "[REDACTED:sk-ant]", "openai": "[REDACTED:sk]", "aws": "[REDACTED:AKIA]",
         "github": "[REDACTED:github]", "slack": "[REDACTED:xox]", "jwt": "[REDACTED:jwt]"}

_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_BLOCK = re.compile(_KEY_BEGIN.pattern + r".*?(?:" + _KEY_END.pattern + r"|\Z)", re.DOTALL)
KEY_MARK = "[REDACTED:private-key]"


def _marker(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "url_pw":
        return m["url"] + "***"
    if kind == "auth_value":
        return m["auth"] + "[REDACTED]"
    if kind == "key_value":
        return m["key_name"] + "[REDACTED]"
    return _MARK[kind]


def mask(text: str) -> str:
    """text with every obvious secret replaced by a marker no longer than the secret."""
    if "PRIVATE KEY" in text:
        text = _KEY_BLOCK.sub(KEY_MARK, text)
    parts: list[str] = []
    done = 0
    for trigger in _TRIGGER.finditer(text.translate(_ASCII_LOWER)):
        start = trigger.start()
        if start < done:
            continue  # inside a secret already masked
        m = _SECRET.match(text, start)
        # a key starts a word ("task-..." holds "sk-" but is no key); a name may have a prefix (MY_API_KEY=)
        if m is None or (m.lastgroup in _MARK and start and (text[start - 1].isalnum() or text[start - 1] == "_")):
            continue
        parts += [text[done:start], _marker(m)]
        done = m.end()
    return "".join(parts) + text[done:] if parts else text


class LineMasker:
    """mask() for text that arrives line by line (fetch_detail): remembers when a private key block spans
    lines, so its base64 body is masked too, not only the BEGIN line."""

    def __init__(self) -> None:
        self.in_key = False

    def __call__(self, line: str) -> str:
        if self.in_key:
            end = _KEY_END.search(line)
            if end is None:
                return KEY_MARK
            self.in_key = False
            line = KEY_MARK + line[end.end():]
        if "PRIVATE KEY" in line:
            begins = [m.start() for m in _KEY_BEGIN.finditer(line)]
            ends = [m.start() for m in _KEY_END.finditer(line)]
            self.in_key = bool(begins) and (not ends or begins[-1] > ends[-1])
        return mask(line)
