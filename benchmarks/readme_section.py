"""Rewrite one generated section of benchmarks/README.md, between its markers; the text around it is kept."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def markers(name: str, writer: str) -> tuple[str, str]:
    return f"<!-- {name}:begin (written by {writer}) -->", f"<!-- {name}:end -->"


def write_section(name: str, writer: str, lines: list[str]) -> Path:
    """Put `lines` between the section's markers (appended at the end the first time)."""
    begin, end = markers(name, writer)
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    if begin not in text:
        text = text.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    README.write_text(head + "\n".join([begin, *lines, end]) + rest.partition(end)[2])
    return README
