"""A small JSONPath subset for fetch_detail: $.a.b, $.a[0], $.a[-1], $.a[*].b, $.a[1:3], $['key'], $..key."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"""
    \.\.(?P<deep>[A-Za-z_$][\w$-]*)        # ..key   (recursive descent)
  | \.(?P<name>[A-Za-z_$][\w$-]*|\*)       # .key or .*
  | \[\s*(?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]   # ['key']
  | \[\s*(?P<star>\*)\s*\]                 # [*]
  | \[\s*(?P<slice>-?\d{0,18}\s*:\s*-?\d{0,18})\s*\] # [a:b]
  | \[\s*(?P<index>-?\d{1,18})\s*\]        # [n]
""", re.VERBOSE)


MAX_PATH_CHARS = 1000


class JsonPathError(ValueError):
    pass


def parse(path: str) -> list[tuple[str, object]]:
    """Steps of a path: ('key', k), ('index', n), ('slice', (a, b)), ('all', None), ('deep', k)."""
    if not isinstance(path, str) or len(path) > MAX_PATH_CHARS:
        raise JsonPathError(f"jsonpath takes a path of at most {MAX_PATH_CHARS} characters, e.g. $.items[0].id")
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    elif text and not text.startswith((".", "[")):
        text = "." + text
    steps: list[tuple[str, object]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise JsonPathError(f"cannot parse jsonpath {path[:80]!r} at {text[pos:pos + 20]!r}: supported are "
                                "$.a.b, $.a[0], $.a[*].b, $.a[1:3], $['key'], $..key")
        if m["deep"]:
            steps.append(("deep", m["deep"]))
        elif m["name"]:
            steps.append(("all", None) if m["name"] == "*" else ("key", m["name"]))
        elif m["quoted"]:
            steps.append(("key", re.sub(r"\\(.)", r"\1", m["quoted"][1:-1])))  # \' \" \\ stand for themselves
        elif m["star"]:
            steps.append(("all", None))
        elif m["slice"] is not None and m["slice"] != "":
            a, b = (part.strip() for part in m["slice"].split(":"))
            steps.append(("slice", (int(a) if a else None, int(b) if b else None)))
        else:
            steps.append(("index", int(m["index"])))
        pos = m.end()
    return steps


MAX_VISITS = 2_000_000  # $..a..a..a on a deeply nested document would otherwise grow without bound


class _Budget:
    def __init__(self, limit: int):
        self.left = limit

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise JsonPathError(f"jsonpath selects or visits more than {MAX_VISITS:,} values; "
                                "use a more specific path (fewer .. or [*] steps)")


def _descend(value, key, budget: _Budget):
    """Every value under `key` at any depth, in document order; iterative, so depth costs no recursion."""
    stack = [iter([value])]
    while stack:
        for node in stack[-1]:
            budget.spend()
            if isinstance(node, dict):
                if key in node:
                    yield node[key]
                stack.append(iter(node.values()))
                break
            if isinstance(node, list):
                stack.append(iter(node))
                break
        else:
            stack.pop()


def evaluate(document, path: str) -> list:
    """Every value the path selects (an empty list when nothing matches); JsonPathError when the path is
    malformed or its work exceeds MAX_VISITS."""
    budget = _Budget(MAX_VISITS)
    current = [document]
    for kind, arg in parse(path):
        found = []
        for value in current:
            if kind == "key" and isinstance(value, dict) and arg in value:
                found.append(value[arg])
            elif kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value):
                found.append(value[arg])
            elif kind == "slice" and isinstance(value, list):
                found.extend(value[arg[0]:arg[1]])
            elif kind == "all":
                found.extend(value.values() if isinstance(value, dict) else value if isinstance(value, list) else [])
            elif kind == "deep":
                found.extend(_descend(value, arg, budget))
            budget.spend(1 + (len(found) if kind in ("slice", "all") else 0))
        current = found
    return current
