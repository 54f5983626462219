"""Reading a batch's input: JSONL, one object a line, `{"id": "<unique string>", "text": "...", ...}`.

Every problem in the file is collected with its line number before anything is built or submitted, so a
user fixes the whole file in one go instead of paying for half a job and then hitting line 7,312.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    line: int
    extra: dict = field(default_factory=dict)  # every other field, passed to the prompt template

    def fields(self) -> dict:
        """The values a prompt template may use: the extra fields plus id and text."""
        return {**self.extra, "id": self.id, "text": self.text}


class ItemsError(ValueError):
    """The items file cannot be used; `problems` lists (line, message), the message summarises them."""

    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.problems = problems
        shown = [f"{path}:{line}: {msg}" for line, msg in problems[:MAX_REPORTED_PROBLEMS]]
        more = len(problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(shown))


def _check(obj, seen: dict[str, int]) -> str | None:
    """Why this parsed line is not a usable item, or None."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    item_id, text = obj.get("id"), obj.get("text")
    if not isinstance(item_id, str) or not item_id:
        return 'missing "id" (a non-empty string)'
    if not isinstance(text, str):
        return 'missing "text" (a string)'
    if item_id in seen:
        return f"duplicate id {item_id!r} (first on line {seen[item_id]})"
    return None


def read_items(path: str | Path, check: Callable[[Item], str | None] | None = None) -> list[Item]:
    """All items of a JSONL file, in file order; blank lines are skipped.

    Raises ItemsError naming every malformed line (bad JSON, not an object, missing or duplicate id,
    missing text, or what `check` says is wrong with the item) with its line number, or OSError when the
    file cannot be read.
    """
    items: list[Item] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8").rstrip("\r\n")  # the newline would move the error to a "line 2"
                obj = json.loads(text)
            except UnicodeDecodeError as exc:
                problems.append((number, f"not UTF-8 (byte {exc.start + 1})"))
                continue
            except json.JSONDecodeError as exc:
                where = "at the end of the line" if exc.pos >= len(text) else f"column {exc.pos + 1}"
                problems.append((number, f"invalid JSON: {exc.msg} ({where})"))
                continue
            problem = _check(obj, seen)
            if problem:
                problems.append((number, problem))
                continue
            seen[obj["id"]] = number
            item = Item(obj["id"], obj["text"], number, {k: v for k, v in obj.items() if k not in ("id", "text")})
            problem = check(item) if check else None
            if problem:
                problems.append((number, problem))
            items.append(item)
    if problems:
        raise ItemsError(str(path), problems)
    if not items:
        raise ItemsError(str(path), [(0, "no items (the file is empty)")])
    return items
