"""HTML pages: title, description, the headings outline with line numbers, element counts, the main text."""

from __future__ import annotations

import html
import re

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import BY_CONTENT, BY_NAME, Body, LineIndex, clip, grep_hint, head, lines_hint

START = lazy(r"\s*(?:<!--.*?-->\s*)*(?:<!doctype html|<html\b|<head\b|<body\b)", re.I | re.S)
TITLE = lazy(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
DESCRIPTION = lazy(r"<meta\s[^>]*name=[\"']description[\"'][^>]*content=[\"']([^\"']*)", re.I)
HEADING = lazy(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.I | re.S)
TAG = lazy(r"<[^>]*>")
HIDDEN = lazy(r"<(script|style|noscript|template|svg|nav|header|footer)\b.*?</\1\s*>", re.I | re.S)
MAIN = (lazy(r"<main\b[^>]*>(.*?)</main\s*>", re.I | re.S),
        lazy(r"<article\b[^>]*>(.*?)</article\s*>", re.I | re.S),
        lazy(r"<body\b[^>]*>", re.I))
MAIN_SCAN_CHARS = 400_000  # the main text is searched in the page's first 400 KB
MAIN_TEXT_CHARS = 32_000  # and read from its first 32 KB: the summary shows about 1 KB of it


def is_html(payload: Payload) -> int:
    if payload.file_path.lower().endswith((".html", ".htm", ".xhtml")):
        return BY_NAME
    return BY_CONTENT if START.match(head(payload.text, 2048)) else 0


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def summarize_html(payload: Payload, budget_tokens: int) -> Summary:
    text = payload.text
    body = Body(budget_tokens)
    title_match = TITLE.search(text, 0, 65536)
    title = _text(title_match.group(1)) if title_match else ""
    lower = text.lower()
    counts = {name: lower.count(tag) for name, tag in
              (("links", "<a "), ("images", "<img"), ("tables", "<table"), ("forms", "<form"), ("scripts", "<script"))}
    top = f"HTML page: {clip(title, 120) or '(no <title>)'}"
    body.add(top)
    description = DESCRIPTION.search(text, 0, 65536)
    if description:
        body.add(clip(f"description: {html.unescape(description.group(1))}", 200))
    body.add(", ".join(f"{n:,} {name}" for name, n in counts.items()))

    index = LineIndex(text)
    headings = [(index.at(m.start()), int(m.group(1)), _text(m.group(2))) for m in HEADING.finditer(text)]
    headings = [h for h in headings if h[2]]
    if headings:
        body.add(f"headings ({len(headings):,}):")
        top_level = min(level for _, level, _ in headings)
        lines = [clip(f"  L{n} {'  ' * (level - top_level)}h{level} {words}", 140) for n, level, words in headings]
        keep = max(120, body.room() // 2)
        shown = 0
        for line in lines:
            if keep - (len(line) + 1) < 0:
                break
            keep -= len(line) + 1
            shown += 1
        body.add_all(lines[:shown], len(lines), more="  ... {n} more headings")
    main_text = ""
    region = text[:MAIN_SCAN_CHARS]
    for pattern in MAIN:
        match = pattern.search(region)
        if match:
            start = match.start(1) if match.re.groups else match.end()
            main_text = _text(HIDDEN.sub(" ", region[start:start + MAIN_TEXT_CHARS]))
            break
    if main_text:
        body.add_clipped(clip(f"text: {main_text}", 1200))
    hint = grep_hint(r"<h[1-3]\b") if headings else lines_hint(1, 200)
    return Summary("html", body.text(), top, hint)
