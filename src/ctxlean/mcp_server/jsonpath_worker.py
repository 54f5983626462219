"""jsonpath for fetch_detail: RFC 9535 queries (jsonpath-rfc9535), run in a child process killed at the deadline.

A query's work has no bound of its own (`$..a..a..a` on self-similar JSON grows with the fifth power of
the depth) and the library cannot be interrupted, so parsing and querying run in a child, like grep's
(grep_worker): it streams the result as numbered rows of indented JSON and search() kills it at the
deadline or as soon as the caller has the page it needs. The parsed document (about ten times the
payload's size in memory) lives only in the child, never in the long-lived server.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator

import jsonpath_rfc9535

from ctxlean.mcp_server import worker
from ctxlean.mcp_server.lines import Row, line_rows
from ctxlean.redact import Masker

MAX_JSON_BYTES = 32 << 20  # parsed whole: beyond this the answer says how to narrow the payload first
MAX_PATH_CHARS = 1000
MEMORY_LIMIT_BYTES = 2 << 30
EXAMPLES = "$.items[0].id, $..items[?@.status=='error'], $.items[0,3], $.items[-5:]"


class JsonPathFailed(ValueError):
    """The query is not valid RFC 9535 JSONPath, or the payload cannot be queried; the message says why."""


def check(path: object) -> str:
    """The query if it is valid RFC 9535 JSONPath (checked before it is echoed in an answer)."""
    if not isinstance(path, str) or len(path) > MAX_PATH_CHARS:
        raise JsonPathFailed(f"jsonpath takes an RFC 9535 query of at most {MAX_PATH_CHARS} characters, "
                             f"e.g. {EXAMPLES}")
    try:
        jsonpath_rfc9535.compile(path)
    except (jsonpath_rfc9535.JSONPathError, RecursionError) as exc:
        raise JsonPathFailed(f"cannot parse jsonpath {path[:80]!r}: {str(exc)[:200]} (RFC 9535 queries, e.g. "
                             f"{EXAMPLES})") from exc
    return path


def too_big(size: int) -> JsonPathFailed:
    return JsonPathFailed(
        f"payload is {size:,} bytes, over the {MAX_JSON_BYTES:,} that jsonpath parses; narrow it first: "
        "grep='\"key\"' finds the lines that hold a key, lines=\"A-B\" reads them")


def search(store_location: str, handle: str, project: str, path: str, piece_bytes: int,
           deadline: float, redact: bool = False) -> Iterator[Row]:
    """Rows of the query's result (one value: the value; several: a JSON list of them), in order;
    TimeUp at the deadline with the number of the row the answer had reached. With `redact`, each line is
    masked whole before it is cut into pieces. `store_location` is the store's path or URL."""
    request = {"store": store_location, "handle": handle, "project": project, "path": path,
               "piece_bytes": piece_bytes, "redact": redact}
    reached = 1

    def at() -> int:
        return reached

    try:
        for row in worker.run("ctxlean.mcp_server.jsonpath_worker", request, store_location, deadline, at):
            if isinstance(row, dict):  # the child's account of what went wrong, for the model
                raise JsonPathFailed(row["error"])
            reached = row[0]
            yield tuple(row)
    except worker.WorkerFailed as exc:
        raise JsonPathFailed(f"jsonpath failed: {str(exc)[:200]}") from exc


def json_rows(values: Iterable[object], piece_bytes: int, redact: bool = False) -> Iterator[Row]:
    """One value as indented JSON lines, several as a JSON list of them, encoded lazily: a page needs
    only its own lines, whatever the size of the result."""
    values = iter(values)
    first = next(values, _NOTHING)
    second = next(values, _NOTHING)
    lines = (_lines(first) if second is _NOTHING else _list_lines(first, second, values)) if first is not _NOTHING \
        else iter(["[]"])
    masker = Masker() if redact else None
    for lineno, text in enumerate(lines, 1):
        yield from line_rows(lineno, masker.segment(text) if masker else text, piece_bytes)


_NOTHING = object()


def _lines(value: object) -> Iterator[str]:
    pending = ""
    for chunk in json.JSONEncoder(indent=1, ensure_ascii=False).iterencode(value):
        pending += chunk
        if "\n" in chunk:
            *complete, pending = pending.split("\n")
            yield from complete
    yield pending


def _list_lines(first: object, second: object, rest: Iterator[object]) -> Iterator[str]:
    """`[`, each value one level in with a comma after all but the last, `]`: json.dumps(list, indent=1)."""
    yield "["
    current, upcoming = first, second
    while current is not _NOTHING:
        following = next(rest, _NOTHING) if upcoming is not _NOTHING else _NOTHING
        lines = _lines(current)
        line = next(lines)
        for after in lines:
            yield " " + line
            line = after
        yield " " + line + ("," if upcoming is not _NOTHING else "")
        current, upcoming = upcoming, following
    yield "]"


def _answer(request: dict, send: Callable[[object], None]) -> None:
    import orjson

    from ctxlean.store import open_store

    with open_store(request["store"]) as store:
        size = store.info(request["handle"], request["project"]).size
        if size > MAX_JSON_BYTES:
            raise too_big(size)
        raw = store.read_bytes(request["handle"], request["project"])
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise JsonPathFailed(f"payload is not JSON ({exc}); use grep= or lines= instead") from exc
    del raw
    values = (node.value for node in jsonpath_rfc9535.finditer(request["path"], document))
    for row in json_rows(values, request["piece_bytes"], request.get("redact", False)):
        send(row)


def main() -> int:
    request, send = worker.child(MEMORY_LIMIT_BYTES)
    try:
        _answer(request, send)
    except JsonPathFailed as exc:
        send({"error": str(exc)})
    except RecursionError:
        send({"error": "the JSON is nested too deeply to query or print; select a part with grep= or lines="})
    except MemoryError:
        send({"error": "the JSON is too big to query in memory; narrow it first with grep= or lines="})
    return 0


if __name__ == "__main__":
    sys.exit(main())
