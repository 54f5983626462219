"""fetch_detail, search_details and list_details as plain functions over the store (no MCP imports).

Every answer is bounded by a token budget and ends with how to get the rest, so the model can walk a
payload of any size page by page without ever pulling it whole into its context. Every answer is bounded
in time and memory too, whatever the arguments: lines are read in pieces of at most half a page; grep runs
in a child process killed at the deadline (grep_worker); so does jsonpath (jsonpath_worker: RFC 9535
queries on payloads up to its MAX_JSON_BYTES, the result printed lazily); past `timeout_s` the answer is
what was found so far plus the call that goes on from there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator

from ctxlean.mcp_server import grep_worker, jsonpath_worker
from ctxlean.mcp_server.lines import Row, TimeUp, iter_lines, stop_after
from ctxlean.store import HandleError, SearchTimeout, check_handle, search_terms
from ctxlean.tokens import BYTES_PER_TOKEN, estimate_tokens

MAX_PATTERN_CHARS = 1000
MAX_QUERY_CHARS = 1000
MAX_LINE = 10**15 - 1
DEFAULT_TIMEOUT_S = 10.0


class FetchError(ValueError):
    """A request fetch_detail cannot serve; the message tells the model what to do instead."""


def _parse_lines(spec: object) -> tuple[int, int | None]:
    """'A-B', 'A-', 'A', or an int -> (first, last or None); 1-based inclusive."""
    usage = 'use lines="120-180", lines="120-" or lines="42" (numbered from 1)'
    if isinstance(spec, int) and not isinstance(spec, bool):
        if not 1 <= spec <= MAX_LINE:  # str() of a 5,000-digit int raises: never echo one
            raise FetchError(f"lines= is out of range: {usage}")
        return spec, spec
    m = re.fullmatch(r"(\d{1,15})\s*(?:(-|:|\.\.)\s*(\d{0,15}))?", spec.strip()) if isinstance(spec, str) else None
    if not m:
        shown = repr(spec[:40]) if isinstance(spec, str) else type(spec).__name__
        raise FetchError(f"lines={shown} is not a range: {usage}")
    first = int(m[1])
    last = first if m[2] is None else (int(m[3]) if m[3] else None)
    if first < 1 or (last is not None and last < first):
        raise FetchError(f"lines={spec!r}: lines are numbered from 1 and the range must not be reversed")
    return first, last


def _pages(rows: Iterator[Row], page_tokens: int, page: int, deadline: float) -> tuple[list[str], bool, int | None]:
    """Rows rendered as 'N: text' (pieces of a long line as 'N[k]: text'), grouped greedily into pages of
    page_tokens: the page-th group, whether more follows, and the line where time ran out (else None)."""
    current: list[str] = []
    used = 0
    index = 1
    try:
        for n, (lineno, label, text) in enumerate(rows):
            if n % 64 == 0 and time.monotonic() > deadline:
                raise TimeUp(lineno)
            row = f"{lineno}{label}: {text}"
            cost = estimate_tokens(row) + 1
            if current and used + cost > page_tokens:
                if index == page:
                    return current, True, None
                index += 1
                current, used = [], 0
            current.append(row)
            used += cost
    except TimeUp as stop:
        return (current if index == page else []), True, stop.lineno
    return (current, False, None) if index == page else ([], False, None)


def _check_pattern(pattern: object) -> str:
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_CHARS:
        raise FetchError(f"grep= takes a regular expression of at most {MAX_PATTERN_CHARS} characters")
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise FetchError(f"grep={pattern[:80]!r} is not a valid regular expression: {exc}") from exc
    return pattern


def fetch_detail(store, project: str, handle: str, lines: str | int | None = None, grep: str | None = None,
                 jsonpath: str | None = None, page: int = 1, budget_tokens: int = 2000,
                 timeout_s: float = DEFAULT_TIMEOUT_S, allowed_projects: Iterable[str] = (),
                 redact: bool = True) -> str:
    """A bounded slice of a stored payload, with a header saying what it is and how to continue.

    `allowed_projects` are the user's allow_cross_project globs; `redact` masks obvious secrets (the
    user's redact_fetch). Raises HandleError or FetchError with a message for the model.
    """
    deadline = time.monotonic() + timeout_s
    handle = check_handle(handle)
    project = store.owner(handle, project, allowed_projects)
    info = store.info(handle, project)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise FetchError("page= takes a whole number from 1")
    given = {name: value for name, value in (("lines", lines), ("grep", grep), ("jsonpath", jsonpath))
             if value not in (None, "")}
    if "jsonpath" in given and len(given) > 1:
        raise FetchError(f"jsonpath= goes alone (got {', '.join(given)}); lines= and grep= may be combined")
    first, last = _parse_lines(lines) if "lines" in given else (1, None)
    lines = f"{first}" if last == first else f"{first}-{last or ''}"  # echoed as parsed, never as sent
    if "jsonpath" in given:
        try:
            jsonpath_worker.check(jsonpath)  # before it is echoed in the answer
            if info.size > jsonpath_worker.MAX_JSON_BYTES:
                raise jsonpath_worker.too_big(info.size)
        except jsonpath_worker.JsonPathFailed as exc:
            raise FetchError(str(exc)) from exc
    span = f"lines {first}-{last or info.lines}"
    if "grep" in given:
        pattern = _check_pattern(grep)
        what = f"lines matching {grep!r}" + (f" in {span}" if "lines" in given else "")
        again = f"grep={grep!r}, " + (f'lines="{lines}", ' if "lines" in given else "")
    elif "jsonpath" in given:
        what, again = f"jsonpath {jsonpath!r} (lines of the result)", f"jsonpath={jsonpath!r}, "
    elif "lines" in given:
        what, again = span, f'lines="{lines}", '
    else:
        what, again = "all lines", ""
    def frame(n: int) -> tuple[str, str]:
        return (f"[ctxlean] {handle} ({info.tool}, {info.size:,} bytes, {info.lines:,} lines): {what}, page {n}",
                f'[ctxlean] more: fetch_detail("{handle}", {again}page={n + 1})')

    head, tail_more = frame(page)
    # The same page size for every page number (its digits must not shift the page boundaries), with room
    # for the longer "stopped after ..." tail.
    overhead = estimate_tokens("".join(frame(10**15))) + 40
    page_tokens = max(budget_tokens - overhead, 50)
    piece_bytes = page_tokens * BYTES_PER_TOKEN // 2
    if "jsonpath" not in given and page > info.lines + info.size // piece_bytes + 1:
        return f"{head}\n[ctxlean] nothing on page {page} (past the end)."  # no page this far can exist

    if "grep" in given:
        rows = grep_worker.search(store.location, handle, project, pattern, first, last, piece_bytes, redact, deadline)
    else:
        if "jsonpath" in given:
            rows = jsonpath_worker.search(store.location, handle, project, jsonpath, piece_bytes, deadline, redact)
        else:
            rows = iter_lines(store, handle, project, first, piece_bytes, redact)
            if last is not None:
                rows = stop_after(rows, last)
    try:
        shown, more, stopped = _pages(rows, page_tokens, page, deadline)
    except grep_worker.GrepFailed as exc:
        raise FetchError(f"grep={grep!r} failed: {exc}; simplify the pattern or narrow it with lines=") from exc
    except jsonpath_worker.JsonPathFailed as exc:
        raise FetchError(str(exc)) from exc
    store.touch(handle, project)
    if stopped is not None:
        tail = f"[ctxlean] stopped after {round(timeout_s, 1):g} s at line {stopped:,}, before the selection ended; "
        if "jsonpath" in given:
            tail += "select a smaller part with a narrower jsonpath"
        elif "grep" in given:
            tail += (f'continue with fetch_detail("{handle}", grep={grep!r}, lines="{stopped}-{last or ""}"); if '
                     f"the pattern itself is slow on line {stopped} (nested quantifiers like (a+)+ backtrack), "
                     f'simplify it or skip the line with lines="{stopped + 1}-{last or ""}"')
        else:
            tail += f'continue with fetch_detail("{handle}", lines="{stopped}-{last or ""}")'
        return "\n".join([head, *shown, tail])
    if not shown:
        end = "no lines" if page == 1 else f"nothing on page {page} (past the end)"
        return f"{head}\n[ctxlean] {end}."
    return "\n".join([head, *shown, tail_more if more else "[ctxlean] end of selection."])


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def search_details(store, project: str, query: str, limit: int = 10, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """Handles of this project's payloads matching every word of `query`, best first, with a snippet each;
    within `timeout_s`, past which the answer is what was found and how to narrow the search."""
    if not isinstance(query, str) or not query.strip():
        raise FetchError("search_details needs words to look for, e.g. search_details(\"AssertionError\")")
    if len(query) > MAX_QUERY_CHARS:
        raise FetchError(f"search_details takes at most {MAX_QUERY_CHARS} characters of words to look for")
    terms, dropped = search_terms(query)
    shown = " ".join(terms)
    if len(shown) > 200:
        shown = shown[:200] + "..."
    notes = [f"[ctxlean] searched for the first {len(terms)} distinct words only ({dropped} more left out): "
             "every word must match, so a few distinctive ones find the same"] if dropped else []
    try:
        hits = store.search(project, " ".join(terms), limit, deadline=time.monotonic() + timeout_s)
    except SearchTimeout as stop:
        hits = stop.hits
        found = "these are the newest matches found by then, not ranked" if hits else "nothing found by then"
        notes.append(f"[ctxlean] stopped after {round(timeout_s, 1):g} s, {found}: search for rarer words to "
                     "narrow it, or grep one payload with fetch_detail(handle, grep=...)")
    if not hits:
        return "\n".join([f"[ctxlean] no stored payload of this project matches {shown!r}.", *notes])
    rows = [f"{info.handle}  {info.tool}  {_when(info.created)}  {info.description}\n    {snippet.strip()}"
            for info, snippet in hits]
    order = "newest first" if any("stopped after" in note for note in notes) else "best first"
    return "\n".join([f"[ctxlean] {len(hits)} payload(s) matching {shown!r}, {order}:", *rows, *notes])


def list_details(store, project: str, limit: int = 20, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """The project's newest payloads (one indexed query: its time is bounded by `limit`, not the store)."""
    recent = store.recent(project, limit)
    if not recent:
        return "[ctxlean] no payloads stored for this project yet."
    rows = [f"{i.handle}  {i.tool:<10} {i.size:>12,} bytes {i.lines:>9,} lines  {_when(i.created)}  {i.description}"
            for i in recent]
    return f"[ctxlean] {len(recent)} most recent payloads of this project:\n" + "\n".join(rows)


__all__ = ["FetchError", "HandleError", "fetch_detail", "list_details", "search_details"]
