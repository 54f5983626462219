"""JSON and JSON Lines: the shape with types, array lengths and key presence, the values of obvious
id/status/error fields, and a small sample."""

from __future__ import annotations

import json
from collections import Counter

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import BY_CONTENT, BY_NAME, Body, clip, head, jsonpath_hint, lines_hint, nbytes, plural
from ctxlean.summarize.text import summarize_text

START = lazy(r'\s*(?:\{\s*(?:"|\})|\[\s*(?:[\[{"\]]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*[,\]]|true\b|'
                   r'false\b|null\b))')
JSONL_LINE = lazy(r"\{[^\n]*\}\s*$")
IDENTIFIER = lazy(r"[A-Za-z_]\w*")  # a key a JSONPath can name as .key
# json.dumps with options builds a new encoder on every call: these two are built once
KEY = json.JSONEncoder(ensure_ascii=False)
COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
ERROR_KEYS = frozenset({"error", "errors", "err", "exception", "failure", "failures", "fault", "problems"})
STATUS_KEYS = frozenset({"status", "state", "level", "severity", "type", "kind", "result", "outcome", "conclusion",
                         "ok", "success", "code", "status_code", "statusCode", "category"})
ID_KEYS = frozenset({"id", "_id", "uuid", "key", "name", "title", "sha", "number", "slug", "ref", "url"})
SAMPLE_ITEMS = 200  # array items looked at for the schema (counts of obvious fields use every item)
MAX_DEPTH = 4


def is_json(payload: Payload) -> int:
    if payload.file_path.endswith((".json", ".jsonl", ".ndjson", ".geojson")):
        return BY_NAME
    sample = head(payload.text, 2048)
    if START.match(sample):
        return BY_CONTENT
    first_lines = sample.lstrip().split("\n", 2)[:2]
    return BY_CONTENT if len(first_lines) == 2 and all(JSONL_LINE.match(line) for line in first_lines) else 0


def summarize_json(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    try:
        data = json.loads(text)
        label, path_prefix = "JSON", "$"
    except (ValueError, RecursionError) as exc:
        records = _json_lines(text)
        if records is None:
            return _invalid(payload, budget_tokens, exc)
        data, label, path_prefix = records, "JSON Lines", "$"
    body = Body(budget_tokens)
    top = f"{label}: {_type_phrase(data)}"
    body.add(top)

    errors: list[tuple[str, object]] = []
    _error_fields(data, path_prefix, 0, errors)
    if errors:
        body.add(f"error fields ({len(errors)}):")
        body.add_all([clip(f"  {path} = {_compact(value, 200)}", 240) for path, value in errors[:8]], len(errors))

    outline = [clip(line, 240) for line in _outline(data, path_prefix, 0, "  ")]
    reserve_sample = 260 if isinstance(data, (list, dict)) else 0
    body.add("shape:", reserve_sample)
    shallow = _shallow_enough(outline, body.room() - reserve_sample - 40)
    body.add_all(shallow, len(outline), more="  ... {n} more shape lines (deeper or later)",
                 reserve=reserve_sample)
    sample_path, sample = _sample(data, path_prefix)
    if sample_path:
        body.add(clip(f"sample {sample_path}: {_compact(sample, 400)}", 240))
    hint = jsonpath_hint(errors[0][0] if errors else sample_path or "$")
    if label == "JSON Lines":
        hint = lines_hint(1, 20) if not errors else hint
    return Summary("json", body.text(), top, hint)


def _shallow_enough(outline: list[str], room: int) -> list[str]:
    """The outline lines down to the deepest nesting level at which all of them fit in room bytes
    (nesting is the indentation); at least the top level."""
    depths = [(len(line) - len(line.lstrip(" "))) // 2 for line in outline]
    sizes = [nbytes(line) + 1 for line in outline]
    level = min(depths, default=0)
    for candidate in sorted(set(depths), reverse=True):
        if sum(size for size, depth in zip(sizes, depths, strict=True) if depth <= candidate) <= room:
            level = candidate
            break
    keep = [depth <= level for depth in depths]
    room -= sum(size for size, k in zip(sizes, keep, strict=True) if k)
    for i, (size, depth) in enumerate(zip(sizes, depths, strict=True)):  # then the next level, in order
        if depth == level + 1 and size <= room:
            keep[i] = True
            room -= size
    return [line for line, k in zip(outline, keep, strict=True) if k]


def _json_lines(text: str) -> list | None:
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    try:  # one parse of the records joined into an array is far faster than one per line
        return json.loads("[" + ",".join(lines) + "]")
    except (ValueError, RecursionError):
        return None


def _invalid(payload: Payload, budget_tokens: int, exc: ValueError) -> Summary:
    where = ""
    line = getattr(exc, "lineno", None)
    body = Body(budget_tokens)
    if line:
        where = f" (L{line})"
    body.add(clip(f"not valid JSON: {exc}{where}", 200))
    rest = summarize_text(payload, max(0, body.room() // 4 - 2))
    body.add(rest.body)
    hint = lines_hint(max(1, line - 5), line + 5) if line else rest.hint
    return Summary("json", body.text(), f"invalid JSON: {exc}", hint)


JSON_TYPES = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str", list: "array",
              dict: "object"}


def _type_name(value) -> str:
    """The JSON type of a value json.loads returned (it returns exactly these types, never subclasses)."""
    return JSON_TYPES.get(type(value), "object")


def _type_phrase(value) -> str:
    if isinstance(value, list):
        kinds = sorted({_type_name(v) for v in value[:SAMPLE_ITEMS]})
        return f"array of {len(value):,} items" + (f" ({'|'.join(kinds)})" if kinds else "")
    if isinstance(value, dict):
        return f"object with {plural(len(value), 'key')}"
    return f"{_type_name(value)} {_compact(value, 80)}"


def _compact(value, max_chars: int) -> str:
    try:
        text = COMPACT.encode(value)
    except (ValueError, RecursionError):  # nesting too deep to serialise
        text = f"<{_type_name(value)}>"
    return clip(text, max_chars)


def _error_fields(value, path: str, depth: int, found: list[tuple[str, object]]) -> None:
    """Append to found the (path, value) of non-empty error-like keys, each object's own keys before
    its children's, down to MAX_DEPTH (appending to one list, not nested generators: far cheaper)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        containers = []
        for key, child in value.items():
            if key.lower() in ERROR_KEYS:
                if child not in (None, "", [], {}, False, 0):
                    found.append((_child_path(path, key), child))
            elif isinstance(child, (dict, list)):
                containers.append((key, child))
        for key, child in containers:
            _error_fields(child, _child_path(path, key), depth + 1, found)
    elif isinstance(value, list):
        for i, child in enumerate(value[:SAMPLE_ITEMS]):
            if isinstance(child, (dict, list)):
                _error_fields(child, f"{path}[{i}]", depth + 1, found)


def _child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if IDENTIFIER.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _outline(value, path: str, depth: int, indent: str):
    """Lines describing value's shape: keys with types, array lengths, presence counts, obvious values."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _describe_field(KEY.encode(key), child, _child_path(path, key),
                                       depth, indent)
    elif isinstance(value, list):
        objects = [v for v in value if isinstance(v, dict)]
        if objects:
            yield from _object_array(objects, len(value), path, depth, indent)
        elif value and all(isinstance(v, list) for v in value[:SAMPLE_ITEMS]):
            yield f"{indent}[*]: array of arrays, first has {len(value[0]):,} items"


def _describe_field(name: str, child, path: str, depth: int, indent: str):
    if isinstance(child, dict):
        scalars = {k: v for k, v in child.items() if not isinstance(v, (dict, list))}
        if len(child) <= 6 and len(scalars) == len(child):
            yield f"{indent}{name}: {_compact(child, 160)}"
        else:
            yield f"{indent}{name}: object, {plural(len(child), 'key')}"
            yield from _outline(child, path, depth + 1, indent + "  ")
    elif isinstance(child, list):
        yield f"{indent}{name}: {_type_phrase(child)}"
        yield from _outline(child, path, depth + 1, indent + "  ")
    else:
        yield f"{indent}{name}: {_type_name(child)} {_compact(child, 100)}"


def _object_array(objects: list[dict], length: int, path: str, depth: int, indent: str):
    sample = objects[:SAMPLE_ITEMS] if len(objects) <= SAMPLE_ITEMS else \
        objects[: SAMPLE_ITEMS // 2] + objects[-SAMPLE_ITEMS // 2:]
    keys: dict[str, list] = {}
    for item in sample:
        for key, v in item.items():
            entry = keys.get(key)
            if entry is None:
                entry = keys[key] = [0, set()]
            entry[0] += 1
            entry[1].add(_type_name(v))
    sampled = "" if len(sample) == len(objects) else f" of {len(sample)} sampled"
    yield f"{indent}[*] ({plural(len(objects), 'object')}{'' if len(objects) == length else f' of {length:,}'}):"
    for key, (present, types) in keys.items():
        presence = "" if present == len(sample) else f" ({present}{sampled or f' of {len(sample)}'})"
        line = f"{indent}  {KEY.encode(key)}: {'|'.join(sorted(types))}{presence}"
        values = _obvious_values(key, objects)
        yield line + (f"; {values}" if values else "")
        if types & {"object", "array"} and depth + 1 <= MAX_DEPTH:
            first = next((item[key] for item in sample if isinstance(item.get(key), (dict, list))), None)
            if isinstance(first, dict):
                yield from _outline(first, f"{path}[0].{key}", depth + 2, indent + "    ")


def _obvious_values(key: str, objects: list[dict]) -> str:
    """Counts of status-like values or first/last of id-like values, over every item."""
    lowered = key.lower()
    if lowered in STATUS_KEYS or lowered.endswith(("_status", "status")):
        raw = Counter((type(item[key]).__name__, item[key]) for item in objects
                      if key in item and not isinstance(item[key], (dict, list)))
        if not raw or len(raw) > max(12, len(objects) // 2):
            return ""
        counts = {_compact(value, 40): n for (_, value), n in raw.items()}
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{v} x{n:,}" for v, n in ranked[:6])
        return shown + (f", ... {len(ranked) - 6} more values" if len(ranked) > 6 else "")
    if lowered in ID_KEYS or lowered.endswith(("_id", "id")):
        values = [item[key] for item in objects if key in item and not isinstance(item[key], (dict, list))]
        if not values:
            return ""
        if len(values) <= 4:
            return "values " + ", ".join(_compact(v, 40) for v in values)
        return f"first {', '.join(_compact(v, 40) for v in values[:3])} ... last {_compact(values[-1], 40)}"
    if lowered in ERROR_KEYS or lowered in ("message", "msg", "reason"):
        non_empty = [item[key] for item in objects if item.get(key) not in (None, "", [], {})]
        if non_empty:
            return f"non-empty in {len(non_empty):,}, first {_compact(non_empty[0], 80)}"
    return ""


def _sample(data, path: str) -> tuple[str, object]:
    """The first item of the first (largest top-level) array, as a sample to show."""
    if isinstance(data, list):
        return (f"{path}[0]", data[0]) if data else ("", None)
    if isinstance(data, dict):
        arrays = [(len(v), k) for k, v in data.items() if isinstance(v, list) and v]
        if arrays:
            _, key = max(arrays, key=lambda a: a[0])
            return f"{_child_path(path, key)}[0]", data[key][0]
    return "", None
