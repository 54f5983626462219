"""Source files and structured documents (a Read of code, Markdown, TOML/INI, YAML): an outline of the
definitions or headings with their line numbers, nested by indentation."""

from __future__ import annotations

import bisect
import os
import re

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

M = re.M
LANGUAGES = {
    "Python": ((".py", ".pyi", ".pyw"), [
        re.compile(r"^([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+\w+[^\n]*", M)], r"^\s*(async\s+)?(def|class) "),
    "JavaScript": ((".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"), [
        re.compile(r"^([ \t]*)(?:export[ \t]+(?:default[ \t]+)?)?(?:declare[ \t]+)?(?:abstract[ \t]+)?(?:async[ \t]+)?"
                   r"(?:function\*?|class|interface|enum|namespace|module)[ \t]+[\w$]+[^\n]*", M),
        re.compile(r"^()(?:export[ \t]+)?(?:const|let|var|type)[ \t]+[\w$]+[^\n]*?(?:=>|function|=[ \t]*\{?$|"
                   r"=[ \t]*\(|\btype\b[^\n]*=)[^\n]*", M),
        re.compile(r"^([ \t]+)(?:(?:public|private|protected|static|async|readonly|get|set|override)[ \t]+)*"
                   r"(?!(?:if|for|while|switch|catch|return|function|with)\b)[\w$]+[ \t]*\([^\n;]*\)[ \t]*"
                   r"(?::[^\n{;]*)?\{[ \t]*$", M)],
        r"^\s*(export\s+)?(async\s+)?(function|class|interface|const|type)\b"),
    "Go": ((".go",), [re.compile(r"^()(?:func|type)[ \t][^\n]*", M)], r"^(func|type) "),
    "Rust": ((".rs",), [
        re.compile(r"^([ \t]*)(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:(?:async|const|unsafe|extern[ \t]+\"[^\"\n]*\")[ \t]+)*"
                   r"(?:fn|struct|enum|trait|impl|mod|type|union|macro_rules!)\b[^\n]*", M)],
        r"^\s*(pub\S*\s+)?(fn|struct|enum|trait|impl|mod) "),
    "JVM": ((".java", ".kt", ".kts", ".scala", ".groovy", ".cs", ".swift"), [
        re.compile(r"^([ \t]*)(?:@\w+[ \t]+)*(?:(?:public|private|protected|internal|static|final|abstract|sealed|open|"
                   r"data|partial|override|inline|suspend|fileprivate)[ \t]+)*(?:class|interface|enum|record|struct|"
                   r"object|trait|fun|func|def|protocol|extension)[ \t]+\w+[^\n]*", M),
        re.compile(r"^([ \t]+)(?:(?:public|private|protected|static|final|abstract|synchronized|native|default|"
                   r"override|virtual|async|internal)[ \t]+)+[\w<>\[\], .?]+[ \t]+\w+[ \t]*\([^\n;]*$", M)],
        r"\b(class|interface|enum|fun|func|def|void|public|private|protected)\b"),
    "C/C++": ((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".m", ".mm", ".cu"), [
        re.compile(r"^()(?:typedef[ \t]+)?(?:struct|class|enum|union|namespace)[ \t]+\w+[^;\n]*$", M),
        re.compile(r"^()(?!(?:if|for|while|switch|return|else|do|case|typedef)\b)[A-Za-z_][\w \t*&:<>,~]*?"
                   r"[ \t*&]~?[A-Za-z_][\w:~]*[ \t]*\([^;\n]*$", M),
        re.compile(r"^()#[ \t]*define[ \t]+\w+[^\n]*", M)],
        r"^[A-Za-z_][^;]*\(|^(struct|class|enum|#define)"),
    "Ruby": ((".rb", ".rake"), [re.compile(r"^([ \t]*)(?:def|class|module)[ \t]+[^\n]*", M)],
             r"^\s*(def|class|module) "),
    "PHP": ((".php",), [re.compile(r"^([ \t]*)(?:(?:public|private|protected|static|abstract|final)[ \t]+)*"
                                   r"(?:function|class|interface|trait|enum)[ \t]+\w+[^\n]*", M)],
            r"\b(function|class|interface|trait)\s"),
    "Shell": ((".sh", ".bash", ".zsh", ".ksh"), [
        re.compile(r"^([ \t]*)(?:function[ \t]+[\w:.-]+|[\w:.-]+[ \t]*\(\))[^\n]*", M)], r"^\s*(function\s+)?[\w:.-]+\s*\(\)"),
    "Lua": ((".lua",), [re.compile(r"^([ \t]*)(?:local[ \t]+)?function[ \t]+[\w.:]+[^\n]*", M)], r"function "),
    "Markdown": ((".md", ".markdown", ".mdx"), [re.compile(r"^(#{1,6})[ \t]+[^\n]+", M)], r"^#{1,6} "),
    "TOML/INI": ((".toml", ".ini", ".cfg", ".conf", ".properties"), [re.compile(r"^()\[[^\]\n]+\][^\n]*", M)],
                 r"^\["),
    "YAML": ((".yaml", ".yml"), [re.compile(r"^()[A-Za-z_\"'][^:\n#]*:(?:[ \t][^\n]*)?$", M)], r"^[A-Za-z_]"),
}
EXTENSIONS = {ext: name for name, (exts, _, _) in LANGUAGES.items() for ext in exts}
VIEWER = re.compile(r"^\s*(?:cat|head|tail|less|more|bat|nl|sed[ \t]+-n[ \t]+\S+)(?:[ \t]+-\S+)*[ \t]+([^\s|;&>]+)")
FENCE = re.compile(r"^[ \t]*(?:```|~~~)", M)


def path_of(payload: Payload) -> str:
    """The file the payload is the content of: the Read call's file_path, or what `cat FILE` printed."""
    if payload.file_path:
        return payload.file_path
    viewer = VIEWER.match(payload.command)
    return viewer.group(1) if viewer and "|" not in payload.command else ""


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
    body = Body(budget_tokens)
    body.add(clip(top, 200))
    rows = [(depth, clip(f"  L{n}{'  ' * (depth + 1)}{line.strip()}", 160)) for n, depth, line in items]
    deepest = _deepest_that_fits(rows, body.room() - 60)
    chosen = [row for depth, row in rows if depth <= deepest]
    shown = body.add_all(chosen, more="  ... {n} more (" + grep_hint(grep_defs) + ")")
    complete = shown == len(chosen) == len(rows)
    if not complete and shown == len(chosen):
        body.add(f"  (nested definitions omitted: {len(rows) - len(chosen):,}; {grep_hint(grep_defs)})")
    hint = lines_hint(1, 200) if complete else grep_hint(grep_defs)
    return Summary("source", body.text(), top, hint)


def _outline(text: str, patterns: list[re.Pattern], language: str) -> list[tuple[int, int, str]]:
    """(line number, depth, line) of every definition or heading, in payload order."""
    found: dict[int, tuple[str, str]] = {}
    for pattern in patterns:
        for match in pattern.finditer(text):
            found.setdefault(match.start(), (match.group(1), match.group(0)))
    fences = [m.start() for m in FENCE.finditer(text)] if language == "Markdown" else []
    index = LineIndex(text)
    items = []
    indents = sorted({len(lead.expandtabs(4)) for lead, _ in found.values()}) if language != "Markdown" else []
    for start in sorted(found):
        lead, line = found[start]
        if fences and bisect.bisect_right(fences, start) % 2:  # a `#` comment inside a code block
            continue
        depth = len(lead) - 1 if language == "Markdown" else indents.index(len(lead.expandtabs(4)))
        items.append((index.at(start), depth, line))
    return items


def _deepest_that_fits(rows: list[tuple[int, str]], room: int) -> int:
    """The deepest nesting level whose rows (with every shallower one) fit in room bytes; 0 if none."""
    deepest = max(depth for depth, _ in rows)
    for level in range(deepest, 0, -1):
        if sum(nbytes(row) + 1 for depth, row in rows if depth <= level) <= room:
            return level
    return 0
