# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""File reads (Claude Code's Read tool): source files of this project, of the fetched repositories and of
Python's standard library; partial reads with offset/limit; Markdown; minified JavaScript from
node_modules; HTML pages shipped or generated here (pydoc, /usr/share/doc, rustdoc); and binary files."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

from .base import ASKED, HERE, NAME, PY, REPO, Case, N, all_matches, checkout, first_match, need, sh

STDLIB = Path(sysconfig.get_paths()["stdlib"])
RUST_DOCS = Path.home() / ".rustup/toolchains/nightly-x86_64-unknown-linux-gnu/share/doc/rust/html"


def read(name: str, path: Path, asked: str, needles: list[N], source: str, kind: str = "source",
         offset: int | None = None, limit: int | None = None, shown: str | None = None) -> Case:
    """A Read of path (lines offset..offset+limit when given), as the model would receive the file's text."""
    text = path.read_text(errors="replace")
    tool_input = {"file_path": shown or str(path)}
    if offset is not None:
        lines = text.split("\n")
        text = "\n".join(lines[offset - 1:offset - 1 + limit]) + "\n"
        tool_input.update(offset=offset, limit=limit)
    return Case(name, text, tool="Read", tool_input=tool_input, kind=kind, program="Read", family="file-read",
                asked=asked, needles=needles, source=source)


def defs(text: str, pattern: str) -> list[str]:
    return all_matches(pattern, text)


def source_reads(tmp: Path) -> list[Case]:
    cases = []
    own = "this project's file"
    for rel, pattern in (("src/ctxlean/offload.py", r"^def \w+\(.*"), ("src/ctxlean/store/sqlite.py", r"^    def \w+\(.*"),
                         ("src/ctxlean/summarize/diagnostics.py", r"^def \w+\(.*"), ("src/ctxlean/cli.py", r"^def \w+\(.*"),
                         ("src/ctxlean/replay/engine.py", r"^def \w+\(.*"), ("tests/test_store.py", r"^def test_\w+\(.*"),
                         ("src/ctxlean/budget.py", r"^def \w+\(.*"), ("src/ctxlean/mcp_server/fetch.py", r"^def \w+\(.*"),
                         ("src/ctxlean/hooks/post_tool_use.py", r"^def \w+\(.*"), ("src/ctxlean/summarize/log.py", r"^def \w+\(.*"),
                         ("tests/test_hook_post_tool_use.py", r"^def test_\w+\(.*")):
        path = REPO / rel
        if not path.exists():
            continue
        found = defs(path.read_text(), pattern)
        pick = found[len(found) // 2]
        cases.append(read(f"read_{path.stem}_py", path, f"Open {rel}; I need the signature of {pick.split('(')[0].split()[-1]}.",
                          [N(pick[:100].strip(), ASKED), N(found[-1][:100].strip(), NAME)], own, shown=f"/repo/{rel}"))
    for module, asked_for in (("argparse.py", "add_mutually_exclusive_group"), ("typing.py", "get_type_hints"),
                              ("subprocess.py", "check_output"), ("json/decoder.py", "raw_decode")):
        path = STDLIB / module
        text = path.read_text()
        line = first_match(rf"^\s*def {asked_for}\(.*$", text)
        cases.append(read(f"read_stdlib_{Path(module).stem}", path, f"How is {asked_for} declared in the standard library?",
                          [N(line.strip()[:100], ASKED)], f"Python {sys.version.split()[0]}'s {module}"))
    for repo, rel, asked_for, pattern in (
            ("DaveGamble/cJSON", "cJSON.c", "cJSON_ParseWithLengthOpts", r"^CJSON_PUBLIC\(cJSON \*\) cJSON_ParseWithLengthOpts\(.*$"),
            ("DaveGamble/cJSON", "cJSON.h", "cJSON_Hooks", r"^typedef struct cJSON_Hooks$"),
            ("spf13/pflag", "flag.go", "parseLongArg", r"^func \(f \*FlagSet\) parseLongArg\(.*$"),
            ("tj/commander.js", "lib/command.js", "_parseOptionsImplied", r"^  _parseOptionsImplied\(.*$"),
            ("more-itertools/more-itertools", "more_itertools/more.py", "windowed", r"^def windowed\(.*$"),
            ("pillarjs/path-to-regexp", "src/index.ts", "pathToRegexp", r"^export function pathToRegexp\(.*$")):
        work = tmp / repo.replace("/", "+")
        provenance = checkout(repo, work)
        if provenance is None:
            continue
        path = work / rel
        if path.stat().st_size > 290_000:
            continue
        text = path.read_text()
        cases.append(read(f"read_{Path(rel).name.replace('.', '_')}", path, f"Read {rel}: how is {asked_for} defined?",
                          [N(first_match(pattern, text)[:100], ASKED)], provenance, shown=f"/src/{repo.split('/')[1]}/{rel}"))
    # partial reads, as the model asks for them after a grep
    path = STDLIB / "typing.py"
    text = path.read_text().split("\n")
    start = next(i for i, ln in enumerate(text) if ln.startswith("class Generic")) + 1
    cases.append(read("read_partial_typing", path, "Read typing.py around class Generic.",
                      [N("class Generic:", ASKED)], f"Python {sys.version.split()[0]}'s typing.py", offset=start - 20, limit=400))
    work = tmp / "DaveGamble+cJSON"
    if (work / "cJSON.c").exists():
        lines = (work / "cJSON.c").read_text().split("\n")
        start = next(i for i, ln in enumerate(lines) if ln.startswith("static cJSON_bool parse_string")) + 1
        cases.append(read("read_partial_cjson", work / "cJSON.c", "Show me parse_string in cJSON.c and what follows it.",
                          [N("static cJSON_bool parse_string(cJSON * const item, parse_buffer * const input_buffer)", ASKED)],
                          "cJSON.c, lines from parse_string", offset=start - 5, limit=500, shown="/src/cJSON/cJSON.c"))
    return cases


def big_reads(tmp: Path) -> list[Case]:
    """Big source files read whole, asked about a definition in their middle: the standard library here,
    and the biggest files of the fetched repositories."""
    cases = []
    version = sys.version.split()[0]
    for module in ("asyncio/base_events.py", "email/_header_value_parser.py", "tarfile.py", "logging/__init__.py",
                   "inspect.py", "pathlib.py", "unittest/mock.py", "http/client.py", "zipfile.py"):
        path = STDLIB / module
        found = defs(path.read_text(), r"^(?:    )?def [a-z]\w+\(.*")
        pick = found[len(found) // 2]
        name = pick.split("def ", 1)[1].split("(")[0]
        cases.append(read(f"read_big_{module.replace('/', '_').replace('.py', '').strip('_')}", path,
                          f"Where is {name} in {module}, and what are its parameters?", [N(pick.strip()[:100], ASKED)],
                          f"Python {version}'s {module}"))
    for repo, rel, pattern in (("more-itertools/more-itertools", "tests/test_more.py", r"^class \w+\(TestCase\):$"),
                               ("tj/commander.js", "lib/help.js", r"^  [a-z]\w+\(.*\) \{$"),
                               ("DaveGamble/cJSON", "cJSON_Utils.c", r"^(?:static |CJSON_PUBLIC)\S*.* \*?\w+\(.*$"),
                               ("spf13/pflag", "flag_test.go", r"^func Test\w+\(t \*testing\.T\) \{$")):
        work = tmp / repo.replace("/", "+")
        provenance = checkout(repo, work)
        if provenance is None:
            continue
        text = (work / rel).read_text()
        found = defs(text, pattern)
        pick = found[len(found) // 2]
        cases.append(read(f"read_big_{Path(rel).stem.replace('.', '_')}", work / rel,
                          f"Open {rel}; I'm after {pick.strip()[:60]}", [N(pick.strip()[:100], ASKED)], provenance,
                          shown=f"/src/{repo.split('/')[1]}/{rel}"))
    return cases


def markdown_reads(tmp: Path) -> list[Case]:
    cases = []
    for rel in ("README.md", "docs/summaries.md", "docs/replay.md"):
        path = REPO / rel
        text = path.read_text()
        heads = all_matches(r"^#{2,3} .+$", text)
        pick = heads[len(heads) // 2]
        cases.append(read(f"read_md_{path.stem}", path, f"Open {rel} at the section \"{pick.lstrip('# ')}\".",
                          [N(pick, ASKED)], "this project's file", kind="text", shown=f"/repo/{rel}"))
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work)
    if provenance is not None:
        text = (work / "CHANGELOG.md").read_text()
        heads = all_matches(r"^1\.\d+\.\d+.*$", text)
        pick = heads[len(heads) // 2]
        cases.append(read("read_md_cjson_changelog", work / "CHANGELOG.md", f"What changed in cJSON {pick.split()[0]}?",
                          [N(pick, ASKED)], provenance, kind="text", shown="/src/cJSON/CHANGELOG.md"))
    return cases


def minified_js(tmp: Path) -> list[Case]:
    cases = []
    modules = HERE / ".tools/node_modules"
    for rel, asked_for in (("ajv/dist/ajv.min.js", "compileAsync"), ("js-yaml/dist/js-yaml.min.js", "safeLoad"),
                           ("esquery/dist/esquery.min.js", "matches"), ("source-map/dist/source-map.min.js", "SourceMapConsumer"),
                           ("workerpool/dist/workerpool.min.js", "workerEmit"), ("json5/dist/index.min.js", 'version:"')):
        path = modules / rel
        if not path.exists() or path.stat().st_size > 290_000:
            continue
        text = path.read_text()
        needle = first_match(r'version:"[\d.]+"', text) if asked_for == 'version:"' else asked_for
        what = "which version is bundled" if asked_for == 'version:"' else f"is {asked_for} in it"
        cases.append(read(f"minified_{path.parent.parent.name.replace('-', '_')}", path,
                          f"Look into the minified {rel.split('/')[0]} bundle: {what}?", [N(needle, NAME, {"grep": needle})],
                          f"npm package {rel.split('/')[0]} installed by setup.sh", shown=f"/app/node_modules/{rel}"))
    return cases


def html_pages(tmp: Path) -> list[Case]:
    cases = []
    for module, asked_for in (("json", "JSONDecodeError"), ("argparse", "ArgumentParser"), ("sqlite3", "Connection"),
                              ("ctxlean.store.sqlite", "SqliteStore"), ("ctxlean.config", "Config")):
        sh(f"PYTHONPATH={REPO / 'src'} {PY} -m pydoc -w {module}", tmp)
        path = tmp / f"{module}.html"
        text = path.read_text(errors="replace")
        if len(text) > 290_000:
            continue
        cases.append(Case(f"html_pydoc_{module.replace('.', '_')}", text, f"python -m pydoc -w {module} && cat {module}.html",
                          kind="html", program="pydoc", family="html", asked=f"What does the {module} documentation say about {asked_for}?",
                          needles=[N(first_match(r"<title>([^<]+)</title>", text, 1), NAME), N(asked_for, ASKED)], source=f"python -m pydoc -w {module}"))
    for path, asked_for in ((Path("/usr/share/doc/python3/python-policy.html"), "Python Packaging"),
                            (Path("/usr/share/doc/libxslt1-dev/html/APIchunk7.html"), "xsltApplyStylesheet"),
                            (Path("/usr/share/doc/zlib1g-dev/examples/zlib_how.html"), "inflateEnd")):
        if path.exists() and path.stat().st_size < 290_000:
            text = path.read_text(errors="replace")
            if asked_for not in text:
                asked_for = first_match(r"<title>([^<]+)</title>", text, 1)
            cases.append(Case(f"html_doc_{path.stem.replace('-', '_')}", text, tool="Read", tool_input={"file_path": str(path)},
                              kind="html", program="Read", family="html", asked=f"Find {asked_for} in {path.name}.",
                              needles=[N(first_match(r"<title>([^<]+)</title>", text, 1).strip(), NAME), N(asked_for, ASKED)],
                              source=f"Debian's {path}"))
    for rel, asked_for in (("std/collections/struct.HashMap.html", "with_capacity"), ("std/string/struct.String.html", "from_utf8")):
        path = RUST_DOCS / rel
        if path.exists() and path.stat().st_size < 290_000:
            text = path.read_text()
            cases.append(Case(f"html_rustdoc_{path.stem.split('.')[-1].lower()}", text, tool="Read", tool_input={"file_path": str(path)},
                              kind="html", program="Read", family="html", asked=f"What is the signature of {asked_for}?",
                              needles=[N(first_match(r"<title>([^<]+)</title>", text, 1), NAME), N(asked_for, ASKED)],
                              source="rustup's rust-docs for the nightly toolchain"))
    return cases


def binaries(tmp: Path) -> list[Case]:
    cases = [Case("binary_png", (REPO / "docs/img/report.png").read_bytes(), tool="Read",
                  tool_input={"file_path": "/repo/docs/img/report.png"}, kind="binary", program="Read", family="binary",
                  asked="Open the report screenshot.", needles=[N("PNG", NAME)], source="this project's docs/img/report.png")]
    if need("gcc"):
        (tmp / "hello.c").write_text('#include <stdio.h>\nint main(void) { puts("ledger"); return 0; }\n')
        sh("gcc -O2 -o hello hello.c", tmp)
        cases.append(Case("binary_elf", (tmp / "hello").read_bytes(), "cat build/hello", kind="binary", program="cat",
                          family="binary", asked="What is build/hello?", needles=[N("ELF", NAME)],
                          source="an ELF built here with gcc -O2"))
    pyc = next(iter(sorted((REPO / "src/ctxlean/__pycache__").glob("config.*.pyc"))), None) if (REPO / "src/ctxlean/__pycache__").exists() else None
    if pyc is None:
        sh(f"{PY} -c \"import py_compile; py_compile.compile('{REPO}/src/ctxlean/config.py', cfile='{tmp}/config.pyc')\"")
        pyc = tmp / "config.pyc"
    cases.append(Case("binary_pyc", pyc.read_bytes(), tool="Read", tool_input={"file_path": "/repo/src/ctxlean/__pycache__/config.cpython-311.pyc"},
                      kind="binary", program="Read", family="binary", asked="What is in this .pyc?",
                      needles=[N("Configuration: defaults < user config", NAME)],
                      source="bytecode of this project's config.py"))
    db = tmp / "ledger.sqlite3"
    sh(f"sqlite3 {db} 'CREATE TABLE entry(id INTEGER PRIMARY KEY, account TEXT, amount INTEGER);' "
       "'INSERT INTO entry(account, amount) SELECT \"acct-\" || value, value * 7 FROM generate_series(1, 3000);'")
    if db.exists():
        cases.append(Case("binary_sqlite", db.read_bytes(), tool="Read", tool_input={"file_path": "/repo/data/ledger.sqlite3"},
                          kind="binary", program="Read", family="binary", asked="What is in data/ledger.sqlite3?",
                          needles=[N("SQLite format 3", NAME)], source="a database written here by sqlite3"))
    return cases


BUILDERS = {"reads": source_reads, "big-reads": big_reads, "markdown": markdown_reads, "minified-js": minified_js, "html": html_pages,
            "binary": binaries}

