"""A fetched web page as lines of text, and the lines that answer a question about it.

The text keeps what a reader of the page sees, in order: headings as Markdown `#` lines, list items as
`- ` lines, links as `[text](url)`, preformatted blocks as they are; scripts, styles and other invisible
parts are dropped. The answer to a question is the lines sharing the most words with it, shown in page
order with their line numbers so the model can fetch what is around them.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object"})
BLOCKS = frozenset({"p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "table",
                    "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "figure", "figcaption", "form",
                    "br", "hr", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "title", "details", "summary"})
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"})
WORD = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]", re.I)
# Question words that say nothing about where the answer is.
STOPWORDS = frozenset("""a an and are as at be by can do does for from has have how i if in is it its of on or
that the their there these this to was what when where which who why will with you your about into than then
them they should would could please tell me page""".split())
STEM_CHARS = 5  # words match on their first five letters: retries ~ retry, timeouts ~ timeout


class _Text(HTMLParser):
    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.lines: list[str] = []
        self.line: list[str] = []
        self.hidden = 0  # depth inside invisible elements
        self.pre = 0
        self.title = ""
        self.in_title = False
        self.href: str | None = None
        self.link_text: list[str] = []

    def _break(self) -> None:
        text = "".join(self.line)
        text = text if self.pre else " ".join(text.split())
        if text.strip():
            self.lines.extend(text.split("\n") if self.pre else [text])
        self.line = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self.in_title = True
        if tag in INVISIBLE:
            self.hidden += tag not in VOID
            return
        if self.hidden:
            return
        if tag in BLOCKS:
            self._break()
        if tag == "pre":
            self.pre += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.line.append("#" * int(tag[1]) + " ")
        elif tag == "li":
            self.line.append("- ")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "javascript:")):
                self.href, self.link_text = urljoin(self.base_url, href), []

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag not in INVISIBLE:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        if tag == "a" and self.href is not None:
            text = " ".join("".join(self.link_text).split())
            if text:
                self.line.append(f"[{text}]({self.href})")
            self.href = None
        if tag in BLOCKS:
            self._break()
        if tag == "pre":  # after the break: the block's own lines keep their layout
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.hidden:
            return
        (self.link_text if self.href is not None else self.line).append(data)


def page_text(body: str, content_type: str, url: str) -> tuple[str, str]:
    """(title, text) of a page: HTML converted to lines of text; any other text kept as it is."""
    if "html" not in content_type.lower():
        return "", body
    parser = _Text(url)
    parser.feed(body)
    parser.close()
    parser._break()
    return " ".join(parser.title.split()), "\n".join(parser.lines)


def _stems(text: str) -> set[str]:
    return {w[:STEM_CHARS] for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def matching_lines(text: str, question: str, budget_chars: int) -> tuple[list[tuple[int, str]], bool]:
    """((line number, line) for the lines that best match the question, in page order, within budget_chars;
    whether any matched): the page's first lines when no line shares a word with the question.

    A line scores the rarity of the question's words it holds (a word on every line of the page says
    little), and only lines scoring at least half the best are shown, best first until the budget is used.
    """
    wanted = _stems(question)
    lines = text.split("\n")
    held = [wanted & _stems(line) for line in lines] if wanted else []
    frequency: dict[str, int] = {}
    for stems in held:
        for stem in stems:
            frequency[stem] = frequency.get(stem, 0) + 1
    rarity = {stem: math.log(1 + len(lines) / n) for stem, n in frequency.items()}
    scored = [(-sum(rarity[s] for s in stems), number, line)
              for number, (stems, line) in enumerate(zip(held, lines, strict=False), 1) if stems]
    best = min(scored)[0] if scored else 0
    order = (sorted(s for s in scored if s[0] <= best / 2) if scored
             else [(0, n, line) for n, line in enumerate(lines, 1) if line.strip()])
    chosen, room = [], budget_chars
    for _, number, line in order:
        shown = line if len(line) <= 300 else line[:297] + "..."
        if len(shown) + 10 > room:
            break
        chosen.append((number, shown))
        room -= len(shown) + 10
    return sorted(chosen), bool(scored)
