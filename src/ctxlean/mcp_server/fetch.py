"""fetch_detail, search_details and list_details as plain functions over the store (no MCP imports).

Every answer is bounded by a token budget and ends with how to get the rest, so the model can walk a
payload of any size page by page without ever pulling it whole into its context.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

from ctxlean.mcp_server import jsonpath as jsonpath_lib
from ctxlean.store import HandleError, check_handle
from ctxlean.tokens import BYTES_PER_TOKEN, estimate_tokens

MAX_JSON_BYTES = 256 << 20  # jsonpath parses the payload whole; beyond this it refuses
MAX_MATCH_LINE = 64 << 10  # grep matches within the first 64 KB of a line (bounds regex time per line)


class FetchError(ValueError):
    """A request fetch_detail cannot serve; the message tells the model what to do instead."""


def _parse_lines(spec: object) -> tuple[int, int | None]:
    """'A-B', 'A-', 'A', or an int -> (first, last or None); 1-based inclusive."""
    text = str(spec).strip()
    m = re.fullmatch(r"(\d+)\s*(?:(-|:|\.\.)\s*(\d*))?", text)
    if not m:
        raise FetchError(f'lines={spec!r} is not a range: use lines="120-180", lines="120-" or lines="42"')
    first = int(m[1])
    last = first if m[2] is None else (int(m[3]) if m[3] else None)
    if first < 1 or (last is not None and last < first):
        raise FetchError(f"lines={spec!r}: lines are numbered from 1 and the range must not be reversed")
    return first, last


def _iter_lines(store, handle: str, project: str, first: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, text) from `first` on, decoding each line separately (invalid UTF-8 replaced)."""
    lineno = None
    carry = b""
    for first_line, raw in store.iter_chunks(handle, project, from_line=first):
        if lineno is None:
            lineno = first_line
        parts = (carry + raw).split(b"\n")
        carry = parts.pop()
        for part in parts:
            if lineno >= first:
                yield lineno, part.decode("utf-8", "replace")
            lineno += 1
    if carry and lineno is not None and lineno >= first:
        yield lineno, carry.decode("utf-8", "replace")


def _pages(rows: Iterator[tuple[int, str]], page_tokens: int, page: int) -> tuple[list[str], bool]:
    """Rows rendered as 'N: text', grouped greedily into pages of page_tokens; the page-th group and
    whether more follows. A line longer than a page is shown in page-sized pieces ('N[2/5]: ...')."""
    budget_bytes = page_tokens * BYTES_PER_TOKEN
    current: list[str] = []
    used = 0
    index = 1
    for lineno, text in rows:
        pieces = [text[i:i + budget_bytes // 2] for i in range(0, len(text), budget_bytes // 2)] or [""]
        for n, piece in enumerate(pieces, 1):
            label = f"{lineno}" if len(pieces) == 1 else f"{lineno}[{n}/{len(pieces)}]"
            row = f"{label}: {piece}"
            cost = estimate_tokens(row) + 1
            if current and used + cost > page_tokens:
                if index == page:
                    return current, True
                index += 1
                current, used = [], 0
            current.append(row)
            used += cost
    return (current, False) if index == page else ([], False)


def _grep_rows(store, handle: str, project: str, pattern: str) -> Iterator[tuple[int, str]]:
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise FetchError(f"grep={pattern!r} is not a valid regular expression: {exc}") from exc
    for lineno, text in _iter_lines(store, handle, project):
        if regex.search(text[:MAX_MATCH_LINE]):
            yield lineno, text


def _jsonpath_rows(store, handle: str, project: str, path: str, size: int) -> Iterator[tuple[int, str]]:
    if size > MAX_JSON_BYTES:
        raise FetchError(f"payload is {size:,} bytes, too big to parse for jsonpath; use grep= or lines=")
    try:
        document = json.loads(store.read_bytes(handle, project))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"payload is not JSON ({exc}); use grep= or lines= instead") from exc
    try:
        found = jsonpath_lib.evaluate(document, path)
    except jsonpath_lib.JsonPathError as exc:
        raise FetchError(str(exc)) from exc
    text = json.dumps(found[0] if len(found) == 1 else found, indent=1, ensure_ascii=False, sort_keys=False)
    return enumerate(text.splitlines(), 1)


def fetch_detail(store, project: str, handle: str, lines: str | int | None = None, grep: str | None = None,
                 jsonpath: str | None = None, page: int = 1, budget_tokens: int = 2000) -> str:
    """A bounded slice of a stored payload, with a header saying what it is and how to continue."""
    handle = check_handle(handle)
    info = store.info(handle, project)
    if not isinstance(page, int) or page < 1:
        raise FetchError(f"page={page!r}: pages are numbered from 1")
    selectors = [name for name, value in (("lines", lines), ("grep", grep), ("jsonpath", jsonpath))
                 if value not in (None, "")]
    if len(selectors) > 1:
        raise FetchError(f"use one of lines=, grep=, jsonpath= per call (got {', '.join(selectors)})")
    if lines not in (None, ""):
        first, last = _parse_lines(lines)
        rows = _iter_lines(store, handle, project, first)
        if last is not None:
            rows = _stop_after(rows, last)
        what, again = f"lines {first}-{last or info.lines}", f'lines="{lines}", '
    elif grep not in (None, ""):
        rows, what, again = _grep_rows(store, handle, project, grep), f"lines matching {grep!r}", f"grep={grep!r}, "
    elif jsonpath not in (None, ""):
        rows = _jsonpath_rows(store, handle, project, jsonpath, info.size)
        what, again = f"jsonpath {jsonpath!r} (lines of the result)", f"jsonpath={jsonpath!r}, "
    else:
        rows, what, again = _iter_lines(store, handle, project), "all lines", ""
    head = f"[ctxlean] {handle} ({info.tool}, {info.size:,} bytes, {info.lines:,} lines): {what}, page {page}"
    tail_more = f'[ctxlean] more: fetch_detail("{handle}", {again}page={page + 1})'
    overhead = estimate_tokens(head + tail_more) + 4
    shown, more = _pages(rows, max(budget_tokens - overhead, 50), page)
    store.touch(handle, project)
    if not shown:
        end = "no lines" if page == 1 else f"nothing on page {page} (past the end)"
        return f"{head}\n[ctxlean] {end}."
    return "\n".join([head, *shown, tail_more if more else "[ctxlean] end of selection."])


def _stop_after(rows: Iterator[tuple[int, str]], last: int) -> Iterator[tuple[int, str]]:
    for lineno, text in rows:
        if lineno > last:
            return
        yield lineno, text


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def search_details(store, project: str, query: str, limit: int = 10) -> str:
    if not isinstance(query, str) or not query.strip():
        raise FetchError("search_details needs words to look for, e.g. search_details(\"AssertionError\")")
    hits = store.search(project, query, limit)
    if not hits:
        return f"[ctxlean] no stored payload of this project matches {query!r}."
    rows = [f"{info.handle}  {info.tool}  {_when(info.created)}  {info.description}\n    ...{snippet.strip()}..."
            for info, snippet in hits]
    return f"[ctxlean] {len(hits)} payload(s) matching {query!r}, best first:\n" + "\n".join(rows)


def list_details(store, project: str, limit: int = 20) -> str:
    recent = store.recent(project, limit)
    if not recent:
        return "[ctxlean] no payloads stored for this project yet."
    rows = [f"{i.handle}  {i.tool:<10} {i.size:>12,} bytes {i.lines:>9,} lines  {_when(i.created)}  {i.description}"
            for i in recent]
    return f"[ctxlean] {len(recent)} most recent payloads of this project:\n" + "\n".join(rows)


__all__ = ["FetchError", "HandleError", "fetch_detail", "list_details", "search_details"]
