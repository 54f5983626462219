"""Plain text (head, tail, and the failure and error lines between them) and binary payloads (size and type)."""

from __future__ import annotations

import re

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary, forms
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    count_lines,
    grep_hint,
    lines_hint,
    nbytes,
    plural,
)
from ctxlean.tokens import BYTES_PER_TOKEN

MAGIC = (  # (prefix, type) for the binary formats worth naming
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive (or docx/xlsx/jar/wheel)"),
    (b"\x1f\x8b", "gzip data"), (b"\x7fELF", "ELF executable"), (b"SQLite format 3\x00", "SQLite database"),
    (b"BZh", "bzip2 data"), (b"\xfd7zXZ\x00", "xz data"), (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"RIFF", "RIFF data (WAV/AVI/WebP)"), (b"OggS", "Ogg media"), (b"\x00asm", "WebAssembly module"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O fat binary"), (b"MZ", "Windows executable"),
)


def is_binary(payload: Payload) -> int:
    if payload.binary:
        return BY_NAME
    return BY_CONTENT if "\x00" in payload.text[:4096] else 0


def _magic_pattern(magic: bytes) -> re.Pattern:
    """magic as it reads after decoding: a non-ASCII byte is U+FFFD (utf-8 "replace", as the hook
    decodes) or itself (latin-1)."""
    return lazy("".join(re.escape(chr(b)) if b < 0x80 else f"[\ufffd{re.escape(chr(b))}]" for b in magic))


MAGIC_PATTERNS = [(_magic_pattern(magic), name) for magic, name in MAGIC]


def binary_type(payload: Payload) -> str:
    start = payload.text[:16]
    return next((name for pattern, name in MAGIC_PATTERNS if pattern.match(start)), "unknown binary format")


def summarize_binary(payload: Payload, budget_tokens: int) -> Summary:
    size = payload.size or nbytes(payload.text)
    kind = binary_type(payload)
    body = Body(budget_tokens)
    body.add(f"Binary data ({kind}), {size:,} bytes; not shown.")
    return Summary("binary", body.text(), f"binary: {kind}, {size:,} bytes", "page=1")


def split_lines(text: str) -> list[str]:
    """The payload's lines as fetch_detail numbers them (split on \\n; a final newline ends the last line)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def serious_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines showing a failure, an error or an exit status (summarize.forms)."""
    return [(n, line) for n, line, _ in forms.salient_lines(text, forms.SERIOUS)]


def notable_lines(text: str, first: int, last: int, limit: int = 12) -> tuple[list[tuple[int, str]], int]:
    """(line number, line) of the failure and error lines numbered first..last (at most `limit`: the first
    half and the last half of them), and how many there are in all."""
    found = [(n, line) for n, line in serious_lines(text) if first <= n <= last]
    if len(found) > limit:
        return found[: limit // 2] + found[-(limit - limit // 2):], len(found)
    return found, len(found)


def head_tail(lines: list[str], budget_tokens: int, head_share: float = 0.6, first_line: int = 1,
              text: str | None = None) -> str:
    """As many whole lines from the head and tail as fit the budget; between them the omitted range
    (with its payload line numbers) and, when `text` (the whole payload) is given, the error-looking
    lines inside that range."""
    body = Body(budget_tokens)
    if len(lines) <= body.limit and sum(nbytes(line) + 1 for line in lines) - 1 <= body.limit:
        body.add_all(lines)
        return body.text()
    limit = body.limit
    head_room = int(limit * head_share * (0.7 if text is not None else 1.0))
    tail_room = int(limit * (1 - head_share) * (0.7 if text is not None else 1.0))
    # no more lines can fit than bytes of room: clip only those candidates
    head_part = _fit([clip(line, 300) for line in lines[:head_room]], head_room)
    rest = lines[len(head_part):]
    tail_part = _fit([clip(line, 300) for line in rest[::-1][:tail_room]], tail_room)[::-1]
    n_head, n_tail = len(head_part), len(tail_part)
    omitted_first, omitted_last = first_line + n_head, first_line + len(lines) - n_tail - 1
    marker = f"... {plural(omitted_last - omitted_first + 1, 'line')} omitted (L{omitted_first}-L{omitted_last}) ..."
    reserve = sum(nbytes(line) + 1 for line in tail_part) + nbytes(marker) + 1
    if not head_part and not tail_part:  # one enormous line
        body.add(clip(lines[0], max(0, limit // 2 - 8)))
        body.add(marker)
        return body.text()
    for line in head_part:
        body.add(line, reserve)
    body.add(marker)
    if text is not None:
        notable, total = notable_lines(text, omitted_first, omitted_last)
        if notable:
            note = f"failures and errors in the omitted range: {total:,}"
            reserve_tail = sum(nbytes(line) + 1 for line in tail_part)
            if body.add(note, reserve_tail):
                body.add_all([f"  L{n}: {clip(line, 160)}" for n, line in notable], total,
                             more="  ... {n} more")
                body.add("...")
    for line in tail_part:
        body.add(line)
    return body.text()


def _fit(lines: list[str], room: int) -> list[str]:
    """The longest prefix of lines whose bytes (one newline each) fit in room."""
    used = 0
    for i, line in enumerate(lines):
        used += nbytes(line) + 1
        if used > room:
            return lines[:i]
    return lines


def summarize_text(payload: Payload, budget_tokens: int) -> Summary:
    lines = split_lines(payload.text)
    first = next((line.strip() for line in lines[:50] if line.strip()), "")
    description = f"text, {plural(count_lines(payload.text), 'line')}: {first[:60]}"
    body = head_tail(lines, budget_tokens, text=payload.text)
    shown_all = nbytes(payload.text.rstrip("\n")) <= budget_tokens * BYTES_PER_TOKEN
    if not shown_all and serious_lines(payload.text):
        hint = grep_hint(forms.GREP[forms.ERROR])
    else:
        hint = lines_hint(1, 200)
    return Summary("text", body, description, hint)
