"""File listings (find, ls, tree, du, fd, git ls-files, Glob): entry count, counts per directory and per
extension, the largest entries when sizes are shown, and the first entries."""

from __future__ import annotations

import os
import re
from collections import Counter

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_CONTENT,
    BY_NAME,
    Body,
    clip,
    grep_hint,
    head,
    lines_hint,
    mostly,
    plural,
    runs,
)
from ctxlean.summarize.text import split_lines

PROGRAM = lazy(r"(?:find|fd|fdfind|ls|tree|du|locate|exa|eza)\b|git\s+ls-files\b|rg\s+(?:-\S+\s+)*--files\b")
PATH_LINE = lazy(r"(?:\.{0,2}/)?[\w.@+~-]+(?:/[\w.@+~ ,()-]*)+")
LS_LONG = lazy(r"^[-dlcbps][rwxsStT-]{9}[@+.]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+(.+)$", re.M)
SIZED = lazy(r"^(\d+(?:\.\d+)?[KMGT]?)\s+(\S.*)$")
SIZED_LINE = lazy(r"^\d+(?:\.\d+)?[KMGT]?[ \t]+\S*/", re.M)
MAX_GROUPS = 40


def is_listing(payload: Payload) -> int:
    if payload.tool == "Glob" or runs(payload.command, PROGRAM):
        return BY_NAME
    lines = [line for line in head(payload.text).split("\n")[:40] if line.strip()]
    if len(lines) < 5:
        return 0
    pathy = mostly(lines, lambda line: PATH_LINE.fullmatch(line.strip()) or LS_LONG.match(line), 0.8)
    return BY_CONTENT if pathy else 0


def _entries(text: str) -> tuple[list[tuple[str, float | None, int]], bool]:
    """(path, size or None, line number) per entry, and whether sizes were shown."""
    entries = []
    sample = head(text)
    sized = False
    long_format = LS_LONG.search(sample) is not None  # which line formats to try, judged from the head
    size_first = SIZED_LINE.search(sample) is not None
    lines = split_lines(text)
    if not long_format and not size_first and ":\n" not in text and "├" not in sample and "└" not in sample:
        return [(line.strip(), None, n) for n, line in enumerate(lines, 1) if line.strip()], False  # plain paths
    directory = ""
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("total ") and stripped[6:].isdigit():
            continue
        if stripped.endswith(":") and " " not in stripped:  # ls -R section header
            directory = stripped[:-1].rstrip("/") + "/"
            continue
        long = LS_LONG.match(stripped) if long_format else None
        if long:
            entries.append((directory + long.group(2), float(long.group(1)), n))
            sized = True
            continue
        size = SIZED.match(stripped) if size_first else None
        if size and "/" in size.group(2):
            entries.append((size.group(2), _bytes(size.group(1)), n))
            sized = True
            continue
        entries.append((directory + stripped.lstrip("├└│─ "), None, n))
    return entries, sized


SCALE = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _bytes(size: str) -> float:
    if size[-1] in SCALE:
        return float(size[:-1]) * SCALE[size[-1]]
    return float(size)


def summarize_listing(payload: Payload, budget_tokens: int, label: str = "listing") -> Summary:
    entries, sized = _entries(payload.text)
    paths = [path for path, _, _ in entries]
    body = Body(budget_tokens)
    prefix = common_dir(paths)
    cut = len(prefix)
    rel = [p[cut:] if p.startswith(prefix) else p for p in paths]
    top = f"{label}: {plural(len(entries), 'entry', 'entries')}" + (f" under {prefix}" if prefix else "")
    body.add(clip(top, 200))
    groups = _groups(rel)
    body.add(f"per directory ({len(groups):,}):")
    body.add_all([clip(f"  {count:>6,}  {name}", 160) for name, count in groups[:12]], len(groups),
                 more="  ... {n} more directories")
    extensions = Counter(map(_extension, [p for p in rel if not p.endswith("/")]))
    ranked = sorted(extensions.items(), key=lambda kv: (-kv[1], kv[0]))
    body.add(clip("per extension: " + ", ".join(f"{e} {n:,}" for e, n in ranked[:10])
                  + (f", ... {len(ranked) - 10} more" if len(ranked) > 10 else ""), 300))
    if sized:
        largest = sorted((e for e in entries if e[1] is not None), key=lambda e: (-e[1], e[2]))[:5]
        body.add("largest:")
        body.add_all([clip(f"  {_human(size)}  {path[cut:] if path.startswith(prefix) else path} (L{n})", 180)
                      for path, size, n in largest])
    body.add("first entries:")
    body.add_all([clip(f"  L{n}: {rel_path}", 180) for (_, _, n), rel_path in zip(entries[:12], rel, strict=False)],
                 len(entries))
    hint = grep_hint(re.escape(groups[0][0].rstrip("/"))[-40:]) if len(groups) > 1 else lines_hint(1, 300)
    return Summary("listing", body.text(), top, hint)


def common_dir(paths: list[str]) -> str:
    """The directory (with its trailing /) that at least 90% of the entries are under, or ""."""
    dirs = [p.rsplit("/", 1)[0] + "/" for p in paths[:200] if "/" in p]
    if len(dirs) < 2:
        return ""
    common = os.path.commonprefix(sorted(dirs)[len(dirs) // 20: len(dirs) - len(dirs) // 20] or dirs)
    common = common[: common.rfind("/") + 1]
    if not common.strip("/.") or sum(1 for p in paths if p.startswith(common)) < 0.9 * len(paths):
        return ""
    return common


def _groups(paths: list[str]) -> list[tuple[str, int]]:
    """(directory, entries), most entries first, at the shallowest depth that tells directories apart:
    at least 5 of them with none holding most entries (or the deepest level there is)."""
    dirs = Counter(p.rstrip("/").rsplit("/", 1)[0] + "/" if "/" in p.rstrip("/") else "./" for p in paths)
    total = max(1, sum(dirs.values()))
    best: dict[str, int] = dict(dirs)
    for depth in range(1, 12):
        grouped: dict[str, int] = {}
        for directory, n in dirs.items():
            key = "/".join(directory.split("/")[:depth]).rstrip("/") + "/" if directory != "./" else "./"
            grouped[key] = grouped.get(key, 0) + n
        if len(grouped) > 60 and depth > 1:
            break
        best = grouped
        if (len(grouped) >= 5 and max(grouped.values()) <= 0.6 * total) or len(grouped) == len(dirs):
            break
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))


def _extension(path: str) -> str:
    """".py" for "a/b.py", "(none)" for "a/Makefile" or "a/.bashrc" (as os.path.splitext, but cheaper)."""
    stem, _, extension = path.rpartition("/")[2].rpartition(".")
    return "." + extension.lower() if stem else "(none)"


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"
