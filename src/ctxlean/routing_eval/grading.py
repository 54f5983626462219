"""Graders: turn a model's answer into a canonical value, compare it with the expected one.

Two models *agree* on a task when their answers have the same canonical value; an answer is *correct*
when its canonical value equals the grader's expected value. `render()` writes an answer whose canonical
value is the expected one (the offline fake model answers with it once it has read the evidence).
"""

from __future__ import annotations

import csv
import io
import json
import re


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _strip_fences(text: str) -> str:
    return re.sub(r"^```[\w-]*\n|\n?```\s*$", "", text.strip(), flags=re.M).strip()


def parse_json(answer: str):
    """The JSON value in an answer (whole, fenced, or the first {...} / [...] span); None if there is none."""
    text = _strip_fences(answer)
    try:
        return json.loads(text)
    except ValueError:
        pass
    for opener, closer in ("{}", "[]"):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            try:
                return json.loads(text[start:end + 1])
            except ValueError:
                continue
    return None


class Needles:
    """Free-text answers: which of the required facts (case- and whitespace-insensitive) the answer states."""

    def __init__(self, *needles: str):
        self.needles = needles

    def canonical(self, answer: str) -> tuple[bool, ...]:
        text = _squash(answer)
        return tuple(_squash(n) in text for n in self.needles)

    def expected(self) -> tuple[bool, ...]:
        return (True,) * len(self.needles)

    def render(self) -> str:
        return "; ".join(self.needles)


class JsonEqual:
    """JSON answers: the parsed value must equal the expected one exactly (nulls, numbers, strings)."""

    def __init__(self, value):
        self.value = value

    def canonical(self, answer: str):
        return parse_json(answer)

    def expected(self):
        return self.value

    def render(self) -> str:
        return json.dumps(self.value)


class Labels:
    """Classification answers: a JSON object item -> label, compared on the expected items only.

    Item ids are matched loosely (case, a leading '#', a 'path::' prefix); labels case-insensitively.
    """

    def __init__(self, labels: dict[str, str]):
        self.labels = labels

    @staticmethod
    def _key(item: str) -> str:
        return str(item).strip().lower().lstrip("#").rsplit("::", 1)[-1]

    def canonical(self, answer: str) -> dict | None:
        found = parse_json(answer)
        if not isinstance(found, dict):
            return None
        given = {}
        for item, label in found.items():
            if isinstance(label, dict):  # {"label": ..., "reason": ...} when reasons were asked for
                label = label.get("label")
            given[self._key(item)] = str(label).strip().lower()
        return {self._key(item): given.get(self._key(item)) for item in self.labels}

    def expected(self) -> dict:
        return {self._key(item): label.lower() for item, label in self.labels.items()}

    def render(self) -> str:
        return json.dumps(self.labels)


class Table:
    """Tabular answers (a Markdown table or CSV): the rows, header first, cells stripped."""

    def __init__(self, rows: list[list[str]], fmt: str):
        self.rows, self.fmt = [[str(c) for c in row] for row in rows], fmt

    def canonical(self, answer: str) -> list[list[str]] | None:
        text = _strip_fences(answer)
        if self.fmt == "markdown":
            rows = [[c.strip() for c in line.strip().strip("|").split("|")]
                    for line in text.splitlines() if line.strip().startswith("|")]
            rows = [r for r in rows if not all(re.fullmatch(r":?-{3,}:?", c) for c in r)]
        else:
            rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text)) if r]
        return rows or None

    def expected(self) -> list[list[str]]:
        return self.rows

    def render(self) -> str:
        if self.fmt == "markdown":
            head, *body = self.rows
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.rows)
        return out.getvalue()


class Sections:
    """Markdown with '### Heading' sections of '- ' bullets (a changelog): {heading: [bullets in order]}."""

    def __init__(self, sections: dict[str, list[str]]):
        self.sections = sections

    def canonical(self, answer: str) -> dict | None:
        found: dict[str, list[str]] = {}
        current = None
        for line in _strip_fences(answer).splitlines():
            heading = re.match(r"#{2,4}\s+(.+)", line.strip())
            if heading:
                current = found.setdefault(heading.group(1).strip(), [])
            elif current is not None and re.match(r"[-*]\s+", line.strip()):
                current.append(re.sub(r"^[-*]\s+", "", line.strip()).rstrip("."))
        return found or None

    def expected(self) -> dict:
        return {h: [b.rstrip(".") for b in bullets] for h, bullets in self.sections.items()}

    def render(self) -> str:
        return "\n\n".join(f"### {h}\n" + "\n".join(f"- {b}" for b in bullets) for h, bullets in self.sections.items())
