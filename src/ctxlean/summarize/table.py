"""CSV/TSV tables: delimiter, row and column counts, column names with types, the head rows and the last."""

from __future__ import annotations

import csv
import io

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import BY_CONTENT, BY_NAME, Body, clip, count_lines, head, lines_hint, plural
from ctxlean.summarize.text import split_lines

DELIMITERS = (("\t", "TSV"), (",", "CSV"), (";", "CSV (;)"), ("|", "table (|)"))
TYPE_SAMPLE_ROWS = 1000
NUMBER = lazy(r"-?\d+")
FLOAT = lazy(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
DATE = lazy(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def delimiter_of(payload: Payload) -> tuple[str, str] | None:
    """(delimiter, label) when the head reads as a table: at least 4 lines with the same number (>= 1) of
    one delimiter, outside quotes."""
    sample = head(payload.text, 8192)
    lines = sample.split("\n")
    if len(lines) > 1 and not sample.endswith("\n") and len(payload.text) > len(sample):
        lines = lines[:-1]  # the last line of the sample may be cut
    lines = [line for line in lines[:30] if line.strip()]
    by_path = payload.file_path.lower().endswith((".csv", ".tsv", ".psv", ".tab"))
    if len(lines) < (2 if by_path else 4):
        return None
    for delimiter, label in DELIMITERS:
        if sum(1 for line in lines if delimiter in line) * 2 < len(lines):  # cheap: most lines must have it
            continue
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and min(widths) >= 2:
            return delimiter, label
    return None


def is_table(payload: Payload) -> int:
    if delimiter_of(payload) is None:
        return 0
    return BY_NAME if payload.file_path.lower().endswith((".csv", ".tsv", ".psv", ".tab")) else BY_CONTENT


def summarize_table(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    delimiter, label = delimiter_of(payload) or (",", "CSV")
    sample_text = "\n".join(split_lines(head(text, 262144))[:TYPE_SAMPLE_ROWS + 1])
    try:
        rows = list(csv.reader(io.StringIO(sample_text), delimiter=delimiter))
        n_rows = _count_rows(text, delimiter)
    except csv.Error as exc:
        from ctxlean.summarize.text import summarize_text

        fallback = summarize_text(payload, budget_tokens)
        return Summary("table", fallback.body, f"{label} that does not parse: {exc}", fallback.hint)
    header = rows[0] if rows else []
    data = rows[1:]
    body = Body(budget_tokens)
    top = f"{label}: {plural(max(0, n_rows - 1), 'row')} x {plural(len(header), 'column')} (header on L1)"
    body.add(top)
    types = _column_types(header, data)
    sampled = "" if len(data) >= n_rows - 1 else f" (types from the first {len(data):,} rows)"
    body.add(f"columns{sampled}:")
    body.add_all([clip(f"  {name} ({kind})", 120) for name, kind in zip(header, types, strict=True)],
                 more="  ... {n} more columns")
    lines = split_lines(head(text, 16384))
    body.add("head:")
    body.add_all([clip(f"  L{i + 1}: {line}", 200) for i, line in enumerate(lines[:6])], 6)
    total_lines = count_lines(text)
    if total_lines > 7:
        last = split_lines(text[-4096:])[-1]
        body.add(clip(f"last: L{total_lines}: {last}", 200))
    return Summary("table", body.text(), top, lines_hint(1, 100))


def _count_rows(text: str, delimiter: str) -> int:
    if '"' not in text:  # no quoted newlines possible: rows are lines
        return count_lines(text)
    return sum(1 for _ in csv.reader(io.StringIO(text), delimiter=delimiter))


def _column_types(header: list[str], rows: list[list[str]]) -> list[str]:
    kinds = []
    for i in range(len(header)):
        values = [row[i] for row in rows if i < len(row)]
        filled = [v for v in values if v.strip()]
        empty = len(values) - len(filled)
        if not filled:
            kind = "empty"
        elif all(NUMBER.fullmatch(v) for v in filled):
            kind = "int"
        elif all(FLOAT.fullmatch(v) for v in filled):
            kind = "float"
        elif all(DATE.fullmatch(v) for v in filled):
            kind = "date"
        elif all(v.lower() in ("true", "false", "yes", "no", "0", "1") for v in filled):
            kind = "bool"
        else:
            distinct = len(set(filled))
            kind = f"str, {distinct:,} distinct" if distinct <= 20 else "str"
        kinds.append(kind + (f", {empty:,} empty" if empty else ""))
    return kinds
