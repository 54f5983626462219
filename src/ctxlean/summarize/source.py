"""Source files and structured documents (a Read of code, Markdown, TOML/INI, YAML): an outline of the
definitions or headings with their line numbers, nested by indentation."""

from __future__ import annotations

import bisect
import os
import re
from functools import lru_cache

from ctxlean.lazy_re import lazy
from ctxlean.summarize import Payload, Summary
from ctxlean.summarize.common import (
    BY_NAME,
    Body,
    LineIndex,
    clip,
    count_lines,
    grep_hint,
    lines_hint,
    nbytes,
    plural,
)
from ctxlean.tokens import estimate_tokens

M = re.M
LANGUAGES = {
    "Python": ((".py", ".pyi", ".pyw"), [
        lazy(r"^([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+\w+[^\n]*", M)], r"^\s*(async\s+)?(def|class) "),
    "JavaScript": ((".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"), [
        lazy(r"^([ \t]*)(?:export[ \t]+(?:default[ \t]+)?)?(?:declare[ \t]+)?(?:abstract[ \t]+)?(?:async[ \t]+)?"
                   r"(?:function\*?|class|interface|enum|namespace|module)[ \t]+[\w$]+[^\n]*", M),
        lazy(r"^()(?:export[ \t]+)?(?:const|let|var|type)[ \t]+[\w$]+[^\n]*?(?:=>|function|=[ \t]*\{?$|"
                   r"=[ \t]*\(|\btype\b[^\n]*=)[^\n]*", M),
        lazy(r"^([ \t]+)(?:(?:public|private|protected|static|async|readonly|get|set|override)[ \t]+)*"
                   r"(?!(?:if|for|while|switch|catch|return|function|with)\b)[\w$]+[ \t]*\([^\n;]*\)[ \t]*"
                   r"(?::[^\n{;]*)?\{[ \t]*$", M)],
        r"^\s*(export\s+)?(async\s+)?(function|class|interface|const|type)\b"),
    "Go": ((".go",), [lazy(r"^()(?:func|type)[ \t][^\n]*", M)], r"^(func|type) "),
    "Rust": ((".rs",), [
        lazy(r"^([ \t]*)(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:(?:async|const|unsafe|extern[ \t]+\"[^\"\n]*\")[ \t]+)*"
                   r"(?:fn|struct|enum|trait|impl|mod|type|union|macro_rules!)\b[^\n]*", M)],
        r"^\s*(pub\S*\s+)?(fn|struct|enum|trait|impl|mod) "),
    "JVM": ((".java", ".kt", ".kts", ".scala", ".groovy", ".cs", ".swift"), [
        lazy(r"^([ \t]*)(?:@\w+[ \t]+)*(?:(?:public|private|protected|internal|static|final|abstract|sealed|open|"
                   r"data|partial|override|inline|suspend|fileprivate)[ \t]+)*(?:class|interface|enum|record|struct|"
                   r"object|trait|fun|func|def|protocol|extension)[ \t]+\w+[^\n]*", M),
        lazy(r"^([ \t]+)(?:(?:public|private|protected|static|final|abstract|synchronized|native|default|"
                   r"override|virtual|async|internal)[ \t]+)+[\w<>\[\], .?]+[ \t]+\w+[ \t]*\([^\n;]*$", M)],
        r"\b(class|interface|enum|fun|func|def|void|public|private|protected)\b"),
    "C/C++": ((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".m", ".mm", ".cu"), [
        lazy(r"^()(?:typedef[ \t]+)?(?:struct|class|enum|union|namespace)[ \t]+\w+[^;\n]*$", M),
        lazy(r"^()(?!(?:if|for|while|switch|return|else|do|case|typedef)\b)[A-Za-z_][\w \t*&:<>,~]*?"
                   r"[ \t*&]~?[A-Za-z_][\w:~]*[ \t]*\([^;\n]*(?:;[ \t]*)?$", M),
        lazy(r"^()#[ \t]*define[ \t]+\w+[^\n]*", M)],
        r"^\w[^;]*\(|^(struct|class|enum|#define)"),
    "Ruby": ((".rb", ".rake"), [lazy(r"^([ \t]*)(?:def|class|module)[ \t]+[^\n]*", M)],
             r"^\s*(def|class|module) "),
    "Elixir": ((".ex", ".exs"), [lazy(r"^([ \t]*)(?:defmodule|defp?|defmacrop?|defstruct|defprotocol|"
                                            r"defimpl|describe|test)[ \t(][^\n]*", M)],
               r"^\s*(defmodule|defp?|describe|test) "),
    "PHP": ((".php",), [lazy(r"^([ \t]*)(?:(?:public|private|protected|static|abstract|final)[ \t]+)*"
                                   r"(?:function|class|interface|trait|enum)[ \t]+\w+[^\n]*", M)],
            r"\b(function|class|interface|trait)\s"),
    "Shell": ((".sh", ".bash", ".zsh", ".ksh"), [
        lazy(r"^([ \t]*)(?:function[ \t]+[\w:.-]+|[\w:.-]+[ \t]*\(\))[^\n]*", M)],
        r"^\s*(function\s+)?[\w:.-]+\s*\(\)"),
    "Lua": ((".lua",), [lazy(r"^([ \t]*)(?:local[ \t]+)?function[ \t]+[\w.:]+[^\n]*", M)], r"function "),
    "Markdown": ((".md", ".markdown", ".mdx"), [lazy(r"^(#{1,6})[ \t]+[^\n]+", M)], r"^#{1,6} "),
    "TOML/INI": ((".toml", ".ini", ".cfg", ".conf", ".properties"), [lazy(r"^()\[[^\]\n]+\][^\n]*", M)],
                 r"^\["),
    "YAML": ((".yaml", ".yml"), [lazy(r"^()[A-Za-z_\"'][^:\n#]*:(?:[ \t][^\n]*)?$", M)], r"^[A-Za-z_]"),
}
EXTENSIONS = {ext: name for name, (exts, _, _) in LANGUAGES.items() for ext in exts}
FENCE = lazy(r"^[ \t]*(?:```|~~~)", M)
# A qualified name: two or more identifiers joined by dots (a file name like `setup.py` is one too).
QUALIFIED = lazy(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
OUTLINE_SHARE = 0.65  # of the budget for the outline when the file uses qualified names
NAMES_SAMPLE = 128 << 10  # names are counted in the file's first 128 KB


def path_of(payload: Payload) -> str:
    """The file the payload is the content of: the Read call's file_path, or what `cat FILE` printed."""
    from ctxlean.read_policy import shown_file

    if payload.file_path:
        return payload.file_path
    shown = shown_file(payload.command) if payload.command else None
    return shown[0] if shown else ""


def language_of(payload: Payload) -> str | None:
    return EXTENSIONS.get(os.path.splitext(path_of(payload))[1].lower())


def is_source(payload: Payload) -> int:
    return BY_NAME if language_of(payload) is not None else 0


def summarize_source(payload: Payload, budget_tokens: int) -> Summary:
    from ctxlean.summarize.text import summarize_text

    language = language_of(payload) or "text"
    _, patterns, grep_defs = LANGUAGES.get(language, ((), [], ""))
    text = payload.text
    items = _outline(text, patterns, language)
    n_lines = count_lines(text)
    name = os.path.basename(path_of(payload))
    what = "headings" if language == "Markdown" else "sections" if language in ("TOML/INI", "YAML") \
        else "definitions"
    top = f"{language} file {name}: {plural(n_lines, 'line')}, {len(items):,} {what}"
    if not items:
        fallback = summarize_text(payload, budget_tokens)
        return Summary("source", fallback.body, top, fallback.hint)
    names = names_used(text)
    outline_tokens = budget_tokens if not names else int(budget_tokens * OUTLINE_SHARE)
    body, hint = _outline_body(items, top, what, language, grep_defs, outline_tokens)
    if names:
        shown = body.text()
        rest = _names_lines([n for n in names if n not in shown], budget_tokens - estimate_tokens(shown) - 1)
        if rest:
            return Summary("source", shown + "\n" + rest, top, hint)
    return Summary("source", body.text(), top, hint)


def _names_lines(names: list[str], budget_tokens: int, width: int = 150) -> str:
    """"names used:" and the names in lines of about width characters, as many as fit, most used first."""
    body = Body(budget_tokens)
    more = "  ... {n} more"
    if not names or not body.add(f"names used ({len(names):,}), most used first:", nbytes(more) + 8):
        return ""
    line, shown = "  ", 0
    for name in names:
        piece = name if line == "  " else ", " + name
        if len(line) + len(piece) > width:
            if not body.add(line, nbytes(more) + 8):
                line = "  "
                break
            line, piece = "  ", name
        line += piece
        shown += 1
    if line.strip() and not body.add(line, nbytes(more) + 8):
        shown -= line.count(", ") + 1
    if shown < len(names):
        body.add(more.replace("{n}", f"{len(names) - shown:,}"))
    return body.text() if len(body.lines) > 1 else ""


def names_used(text: str) -> list[str]:
    """The qualified names the file uses (`np.hstack`, `self.value.__name__`, `agent.GetByAgentType`),
    most used first (then in order of first use): what code that edits or calls into it will name."""
    counts: dict[str, int] = {}
    for name in QUALIFIED.findall(text[:NAMES_SAMPLE]):
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])


def _outline_body(items: list, top: str, what: str, language: str, grep_defs: str, budget_tokens: int
                  ) -> tuple[Body, str]:
    """The definitions (or headings) with their line numbers, as many as budget_tokens hold; and the hint."""
    body = Body(budget_tokens)
    body.add(clip(top, 200))
    more = "  ... {n} more (" + grep_hint(grep_defs) + ")"
    full = [clip(f"  L{n}{'  ' * (depth + 1)}{line.strip()}", 140) for n, depth, line in items]
    if sum(nbytes(row) + 1 for row in full) <= body.room():
        body.add_all(full)
        return body, lines_hint(1, 200)
    shallowest = min(item[1] for item in items)  # a Markdown file may start at ## (depth 1)
    tops = [i for i, item in enumerate(items) if item[1] == shallowest]
    signatures = [clip(f"  L{items[i][0]} {items[i][2].strip()}", 100) for i in tops]
    if sum(nbytes(row) + 1 for row in signatures) <= body.room() * 0.8:
        _signatures_and_members(body, items, tops, signatures)
    else:
        rest = "macros" if language == "C/C++" else "nested ones"
        body.add(f"top-level {what} ({len(tops):,}), then {rest} ({len(items) - len(tops):,}):")
        fit = body.room() // 8  # no more names than that can fit: name only those, and the last
        shown_tops = tops[:fit] + tops[-1:] if len(tops) > fit + 1 else tops
        _wrapped(body, [f"{_prefix(items[i][2])} L{items[i][0]}" for i in shown_tops], "  ",
                 reserve=nbytes(more) + 1, total=len(tops))
        if len(tops) < len(items) and body.room() > 120:
            nested = [i for i, item in enumerate(items) if item[1] > shallowest]
            fit = body.room() // 8
            shown_nested = nested[:fit] + nested[-1:] if len(nested) > fit + 1 else nested
            _wrapped(body, [f"{_name(items[i][2])} L{items[i][0]}" for i in shown_nested], "  ",
                     total=len(nested))
    return body, grep_hint(grep_defs)


def _signatures_and_members(body: Body, items: list, tops: list[int], signatures: list[str]) -> None:
    """Each top-level definition's first line, and under it its members' names where room allows
    (members of the first definitions first)."""
    bounds = tops[1:] + [len(items)]
    members = [[f"{_name(items[j][2])} L{items[j][0]}" for j in range(i + 1, end)]
               for i, end in zip(tops, bounds, strict=True)]
    room = body.room() - sum(nbytes(row) + 1 for row in signatures)
    chosen = []
    for names in members:
        line = _names_line(names, min(600, room - 1)) if names else ""
        chosen.append(line)
        room -= nbytes(line) + 1 if line else 0
    for signature, member_line in zip(signatures, chosen, strict=True):
        body.add(signature)
        if member_line:
            body.add(member_line)


def _names_line(names: list[str], room: int, indent: str = "      ") -> str:
    """names joined with ', ' in at most room bytes, keeping the last one ("a, b, ... 7 more ..., z");
    "" when not even that fits."""
    whole = indent + ", ".join(names)
    if nbytes(whole) <= room:
        return whole
    last = f", ... {len(names):,} more ..., {names[-1]}"
    line, shown = indent, 0
    for name in names[:-1]:
        piece = name if shown == 0 else ", " + name
        if nbytes(line + piece) + nbytes(last) > room:
            break
        line += piece
        shown += 1
    if shown == 0:
        return ""
    return line + last.replace(f"{len(names):,} more", f"{len(names) - 1 - shown:,} more")


def _wrapped(body: Body, names: list[str], indent: str, width: int = 150, reserve: int = 0,
             total: int | None = None) -> None:
    """names joined with ', ' in lines of about width characters, as many as fit; the last name is
    always kept (the end of a file matters as much as its start). `names` may be the first few of
    `total` names followed by the very last one."""
    total = len(names) if total is None else total
    last = names[-1] if len(names) > 1 else ""
    keep = reserve + (nbytes(f"{indent}... {total:,} more ..., {last}") + 1 if last else 0)
    line, shown = indent, 0
    for name in names[:-1] if last else names:
        piece = name if line == indent else ", " + name
        if len(line) + len(piece) > width:
            if not body.add(line, keep):
                line = indent
                break
            line = indent + name
        else:
            line += piece
        shown += 1
    if line.strip() and not body.add(line, keep):
        shown -= line.count(", ") + 1
    if last:
        left = total - 1 - max(0, shown)
        body.add(f"{indent}... {left:,} more ..., {last}" if left else f"{indent}{last}")


KEYWORDS = frozenset("def class fn func function function* struct enum trait impl mod type interface module "
                     "record object protocol extension union namespace define macro_rules! const let var val".split())
NAME_END = lazy(r"[^\w$.~!]")
CALLED = lazy(r"([A-Za-z_$~][\w$:~]*)[ \t]*\(")


def _name_span(stripped: str) -> tuple[int, int, int] | None:
    """(keyword start, name start, name end) for a definition line: the word after its keyword (a Go
    receiver `(o *T)` skipped), else the word before the first `(` (then keyword start = name start)."""
    words = stripped[:200].split(" ")
    paren = stripped.find("(")
    offset = 0
    for word in words[:-1]:
        if 0 <= paren < offset:  # past the parameters: `struct` in `(const struct entry *e)` names nothing
            break
        if word in KEYWORDS or word.lstrip("#") == "define":
            rest_at = offset + len(word) + 1
            rest = stripped[rest_at:]
            if rest.startswith("("):  # Go method receiver
                close = rest.find(")")
                rest_at += close + 1 if close >= 0 else 0
                rest = stripped[rest_at:]
            skipped = len(rest) - len(rest.lstrip())
            end = NAME_END.search(rest, skipped)
            name_end = rest_at + (end.start() if end else len(rest))
            if name_end > rest_at + skipped and stripped[rest_at + skipped:name_end] not in KEYWORDS:
                return offset, rest_at + skipped, name_end
        offset += len(word) + 1
    called = CALLED.search(stripped, 0, 200)
    return (called.start(1), called.start(1), called.end(1)) if called else None


def _name(line: str) -> str:
    """The name a definition line defines (a heading or section: the line itself)."""
    stripped = line.strip()
    if stripped.startswith(("#", "[")) and not stripped.startswith(("#define", "# define")):
        return clip(stripped, 60)
    span = _name_span(stripped)
    return stripped[span[1]:span[2]].rstrip(":") if span else clip(stripped.rstrip(":{ "), 40)


def _prefix(line: str) -> str:
    """A definition's keyword and name, e.g. "export async function load(x) {" -> "function load",
    "class Foo(Base):" -> "class Foo", "extern int open (const char *p);" -> "open()"."""
    stripped = line.strip()
    if stripped.startswith(("#", "[")) and not stripped.startswith(("#define", "# define")):
        return clip(stripped, 60)
    span = _name_span(stripped)
    if span is None:
        return clip(stripped.rstrip(":{ "), 60)
    keyword_start, start, end = span
    text = stripped[keyword_start:end].rstrip(":")
    return clip(text + "()" if keyword_start == start else text, 60)


def _outline(text: str, patterns: list[re.Pattern], language: str) -> list[tuple[int, int, str]]:
    """(line number, depth, line) of every definition or heading, in payload order.

    Depth is nesting among definitions: a definition is inside the nearest earlier one that is less
    indented and whose body has not ended (no line as little indented in between), so a `def` under an
    `if` at module level is top-level. Markdown depth is the heading level; C macros count as depth 1.
    """
    found: dict[int, tuple[str, str]] = {}
    for pattern in patterns:
        for match in pattern.finditer(text):
            found.setdefault(match.start(), (match.group(1), match.group(0)))
    fences = [m.start() for m in FENCE.finditer(text)] if language == "Markdown" else []
    index = LineIndex(text)
    items = []
    open_defs: list[tuple[int, int]] = []  # (indent, body end offset) of the enclosing definitions
    for start in sorted(found):
        lead, line = found[start]
        if fences and bisect.bisect_right(fences, start) % 2:  # a `#` comment inside a code block
            continue
        if language == "Markdown":
            depth = len(lead) - 1
        elif language == "C/C++" and line.lstrip().startswith("#"):
            depth = 1
        else:
            indent = len(lead.expandtabs(4))
            while open_defs and (open_defs[-1][0] >= indent or open_defs[-1][1] < start):
                open_defs.pop()
            depth = len(open_defs)
            open_defs.append((indent, _body_end(text, start, indent)))
        items.append((index.at(start), depth, line))
    return items


def _body_end(text: str, start: int, indent: int) -> int:
    """Where the body of the definition at start ends: the first later non-blank line indented no deeper
    than the definition itself (or the end of text)."""
    first_end = text.find("\n", start)
    if first_end < 0:
        return len(text)
    found = _closing_line(indent).search(text, first_end)
    return found.start() if found else len(text)


@lru_cache(maxsize=64)
def _closing_line(indent: int) -> re.Pattern:
    """A newline followed by a non-blank line indented at most indent (built once per indent)."""
    return lazy(r"\n[ \t]{0,%s}(?=[^\s#)\]}])" % indent)  # noqa: UP031 (braces in the regex)
