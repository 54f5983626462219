"""A small JSONPath subset for fetch_detail: $.a.b, $.a[0], $.a[-1], $.a[*].b, $.a[1:3], $['key'], $..key."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"""
    \.\.(?P<deep>[A-Za-z_$][\w$-]*)        # ..key   (recursive descent)
  | \.(?P<name>[A-Za-z_$][\w$-]*|\*)       # .key or .*
  | \[\s*(?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]   # ['key']
  | \[\s*(?P<star>\*)\s*\]                 # [*]
  | \[\s*(?P<slice>-?\d*\s*:\s*-?\d*)\s*\] # [a:b]
  | \[\s*(?P<index>-?\d+)\s*\]             # [n]
""", re.VERBOSE)


class JsonPathError(ValueError):
    pass


def parse(path: str) -> list[tuple[str, object]]:
    """Steps of a path: ('key', k), ('index', n), ('slice', (a, b)), ('all', None), ('deep', k)."""
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
            raise JsonPathError(f"cannot parse jsonpath {path!r} at {text[pos:pos + 20]!r}: supported are "
                                "$.a.b, $.a[0], $.a[*].b, $.a[1:3], $['key'], $..key")
        if m["deep"]:
            steps.append(("deep", m["deep"]))
        elif m["name"]:
            steps.append(("all", None) if m["name"] == "*" else ("key", m["name"]))
        elif m["quoted"]:
            steps.append(("key", m["quoted"][1:-1].encode().decode("unicode_escape")))
        elif m["star"]:
            steps.append(("all", None))
        elif m["slice"] is not None and m["slice"] != "":
            a, b = (part.strip() for part in m["slice"].split(":"))
            steps.append(("slice", (int(a) if a else None, int(b) if b else None)))
        else:
            steps.append(("index", int(m["index"])))
        pos = m.end()
    return steps


def _descend(value, key):
    if isinstance(value, dict):
        if key in value:
            yield value[key]
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in children:
        yield from _descend(child, key)


def evaluate(document, path: str) -> list:
    """Every value the path selects (an empty list when nothing matches)."""
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
                found.extend(_descend(value, arg))
        current = found
    return current
