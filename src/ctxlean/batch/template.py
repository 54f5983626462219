"""Prompt templates for batch items: `{{field}}` placeholders filled from each item's fields.

Why this syntax: values are data, never code. A placeholder is exactly `{{name}}` with `name` an identifier
(the item's `id`, `text`, or any extra field); anything else, `{{ a.b }}` or single braces, is plain text.
Values are inserted once and never scanned again, so an item's content cannot inject placeholders; there
is no attribute access, indexing or format spec (str.format has all three and chokes on the single braces
of a JSON example), and `$` stays free text (string.Template would claim `$5`). A field an item lacks is an
error, reported per line before anything is submitted.

Cache layout: the template's lines before the line with the first placeholder are the same for every
item, so they become the cached system prefix; the rest, rendered per item, is the user message, and the
item's text is appended at its end unless the template places `{{text}}` itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ctxlean.batch.items import Item

PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


def _as_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PromptTemplate:
    source: str

    @property
    def fields(self) -> list[str]:
        """Placeholder names in order of first use."""
        return list(dict.fromkeys(PLACEHOLDER.findall(self.source)))

    @property
    def _split(self) -> int:
        """Where the per-item part starts: the line holding the first placeholder."""
        first = PLACEHOLDER.search(self.source)
        return self.source.rfind("\n", 0, first.start()) + 1 if first else len(self.source)

    @property
    def prefix(self) -> str:
        """The stable shared instructions (empty when the template opens with a placeholder)."""
        head = self.source[: self._split]
        return head if head.strip() else ""

    def problem(self, item: Item) -> str | None:
        """Why this template cannot be filled from the item (fields it lacks), or None."""
        have = item.fields()
        absent = [name for name in self.fields if name not in have]
        return f"item {item.id!r} lacks field(s) used by the prompt: {', '.join(absent)}" if absent else None

    def user_content(self, item: Item) -> str:
        """The per-item part: the rest of the template, rendered, then the item's text if not placed."""
        rest = self.source[len(self.prefix):]
        values = item.fields()
        rendered = PLACEHOLDER.sub(lambda m: _as_text(values[m.group(1)]), rest)
        if "text" in self.fields:
            return rendered
        if not rendered.strip():
            return item.text
        return rendered + ("" if rendered.endswith("\n") else "\n\n") + item.text
