# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Searches and listings: grep and rg over this project, cJSON and site-packages; find, ls, du and Glob over
what is installed here. Each asks for one thing in the middle of a long result, as agents do."""

from __future__ import annotations

import re
from pathlib import Path

from .base import ASKED, COUNT, LOCATION, PATH, REPO, SITE, Case, N, checkout, first_match, need, sh


def middle(text: str, pattern: str = r".{20,}") -> str:
    """The first line at or after the middle of text that matches pattern: the asked-about line."""
    lines = text.split("\n")
    for line in lines[len(lines) // 2:] + lines:
        if re.fullmatch(pattern, line):
            return line
    raise SystemExit(f"no line matching {pattern!r}")


def grep_own(tmp: Path) -> list[Case]:
    cases = []
    common = dict(program="grep", family="search", kind="grep", source="grep over this project")
    out = sh("grep -rn --include='*.py' 'def ' src tests benchmarks", REPO)
    row = middle(out.text, r"src/ctxlean/\S+\.py:\d+:\s*def \w+.*")
    func = re.search(r"def (\w+)", row).group(1)
    cases.append(Case("grep_defs", out.text, "grep -rn --include='*.py' 'def ' src tests benchmarks",
                      asked=f"Where is {func} defined?", exit_code=out.rc, **common,
                      needles=[N(row.split(":", 2)[0] + ":" + row.split(":", 2)[1], LOCATION), N(row[:100], ASKED)]))
    out = sh("grep -rn 'self' src", REPO)
    row = middle(out.text, r"src/ctxlean/store/\S+:\d+:.*self\._\w+.*")
    cases.append(Case("grep_self", out.text, "grep -rn self src", exit_code=out.rc, **common,
                      asked=f"Where does the store use {re.search(r'self[.]_[a-z_]+', row).group(0)}?",
                      needles=[N(row[:100], ASKED)]))
    out = sh("grep -rln 'import re$' src tests", REPO)
    cases.append(Case("grep_files_with_matches", out.text, tool="Grep",
                      tool_input={"pattern": "import re$", "path": ".", "output_mode": "files_with_matches"},
                      asked="Which modules import re? I need the summarize ones.", exit_code=out.rc,
                      **{**common, "source": "grep -rln 'import re$' src tests"},
                      needles=[N(first_match(r"^src/ctxlean/summarize/\w+\.py$", out.text), PATH)]))
    out = sh("grep -rc 'assert' tests --include=*.py", REPO)
    top = max((ln for ln in out.text.split("\n") if ln), key=lambda row: int(row.rsplit(":", 1)[1]))
    cases.append(Case("grep_count", out.text, tool="Grep", tool_input={"pattern": "assert", "output_mode": "count"},
                      asked="Which test file has the most asserts?", exit_code=out.rc,
                      **{**common, "source": "grep -rc assert tests"}, needles=[N(top, COUNT)]))
    out = sh("grep -rn -C 3 'estimate_tokens' src", REPO)
    row = middle(out.text, r"src/ctxlean/\S+\.py:\d+:.*estimate_tokens\(.*")
    cases.append(Case("grep_context", out.text, "grep -rn -C 3 estimate_tokens src", exit_code=out.rc, **common,
                      asked="Show every call of estimate_tokens with some context; I'm checking the one in "
                            f"{row.split(':', 1)[0]}.", needles=[N(row[:100], ASKED)]))
    return cases


def rg_searches(tmp: Path) -> list[Case]:
    if not need("rg"):
        return []
    cases = []
    common = dict(program="rg", family="search", kind="grep")
    out = sh(f"rg -n 'def [a-z_]+\\(' {SITE}/_pytest {SITE}/pluggy")
    row = middle(out.text, r".+/_pytest/fixtures\.py:\d+:\s*def \w+\(.*")
    cases.append(Case("rg_site_packages_defs", out.text, f"rg -n 'def [a-z_]+\\(' {SITE}/_pytest {SITE}/pluggy",
                      exit_code=out.rc, source="rg over pytest and pluggy as installed here", **common,
                      asked=f"Where is {row.split('def ', 1)[1].split('(')[0]} defined in pytest's fixtures.py?",
                      needles=[N(row[:110], ASKED), N(row.split(":", 2)[0] + ":" + row.split(":", 2)[1], LOCATION)]))
    out = sh(f"rg --json -e 'TypeError' {SITE}/_pytest")
    cases.append(Case("rg_json", out.text, f"rg --json TypeError {SITE}/_pytest", exit_code=out.rc,
                      source="rg over pytest as installed here", **{**common, "kind": "json"},
                      asked="Where does pytest raise TypeError? (JSON for my script)",
                      needles=[N(first_match(r'"path":\{"text":"[^"]+/_pytest/[^"]+\.py"\}', out.text), PATH),
                               N(first_match(r'"matched_lines":\d+', out.text), COUNT)]))
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work)
    if provenance is not None:
        out = sh("rg -n 'cJSON_malloc|global_hooks\\.allocate' .", work)
        row = middle(out.text, r"\./cJSON\.c:\d+:.*")
        cases.append(Case("rg_cjson_alloc", out.text, "rg -n 'cJSON_malloc|global_hooks\\.allocate' .", exit_code=out.rc,
                          source=provenance, **common, asked="Where does cJSON.c allocate through the hooks? I'm auditing "
                          f"line {row.split(':')[1]}.", needles=[N(row[:100], ASKED)]))
        out = sh("rg -n -w 'item' cJSON.c", work)
        row = middle(out.text, r"\d+:.*item->valuestring.*")
        cases.append(Case("rg_cjson_item", out.text, "rg -n -w item cJSON.c", exit_code=out.rc, source=provenance,
                          **common, asked="Find where cJSON.c touches item->valuestring after the middle of the file.",
                          needles=[N(row[:100], ASKED)]))
        out = sh("rg -c 'TEST_ASSERT' tests", work)
        top = max(out.text.split(), key=lambda r: int(r.rsplit(":", 1)[1]))
        cases.append(Case("rg_count_cjson", out.text, "rg -c TEST_ASSERT tests", exit_code=out.rc, source=provenance,
                          **common, asked="Which cJSON test file asserts the most?", needles=[N(top, COUNT)]))
    out = sh(f"grep -rn 'Optional\\[' {SITE}/pydantic | head -c 290000")
    row = middle(out.text, r".+/pydantic/\S+\.py:\d+:.*Optional\[.*")
    cases.append(Case("grep_pydantic_optional", out.text, f"grep -rn 'Optional\\[' {SITE}/pydantic | head -c 290000",
                      exit_code=out.rc, source="grep over pydantic as installed here", program="grep", family="search",
                      kind="grep", asked=f"Where does pydantic still use Optional[...]? Start at {Path(row.split(':')[0]).name}.",
                      needles=[N(row[:100], ASKED)]))
    return cases


def listings(tmp: Path) -> list[Case]:
    cases = []
    common = dict(family="listing", kind="listing")
    for name, command, pattern, asked_for in (
            ("ls_la_usr_bin", "ls -la /usr/bin", r".* (pg_\w+|perl\S*|ptx|python3\S*)$", "Is {} in /usr/bin, and how big is it?"),
            ("find_usr_include", "find /usr/include -maxdepth 2 -name '*.h'", r"/usr/include/[\w./-]+\.h", "Where is the header {}?"),
            ("find_site_packages", f"find {SITE} -name '*.py' -not -path '*/__pycache__/*'", r".+/site-packages/\w+/[\w/]+\.py", "Which file is {}?"),
            ("ls_lR_pytest", f"ls -lR {SITE}/_pytest", r"-.+ [a-z]\w+\.py$", "How big is {} in _pytest?"),
            ("du_mypy", f"du -ah {SITE}/mypy | sort -k2", r"\S+\s+.+/mypy/typeshed/stdlib/\S+", "How much space does {} take?"),
            ("ls_1_usr_share_doc", "ls -1 /usr/share/doc", r"lib[a-z0-9-]{6,}", "Is the documentation of {} installed?"),
            ("find_tools_package_json", "find .tools/node_modules -maxdepth 3 -name package.json", r".+/node_modules/@?[\w.-]+/package\.json", "Which package.json is {}?")):
        out = sh(command + (" | head -c 290000" if "site-packages" in command and "find" in command else ""),
                 REPO / "benchmarks/fidelity")
        row = middle(out.text, pattern)
        subject = "/".join(Path(row.split()[-1]).parts[-3 if command.startswith("find") else -2:])
        cases.append(Case(name, out.text, command, program=command.split()[0], exit_code=out.rc,
                          asked=asked_for.format(subject), needles=[N(row, ASKED)], **common))
    glob = "\n".join(str(p) for p in sorted(SITE.glob("**/*.pyi"))[:3000]) + "\n"
    row = middle(glob, r".+/typeshed/stdlib/\w+\.pyi")
    cases.append(Case("glob_pyi", glob, tool="Glob", tool_input={"pattern": "**/*.pyi", "path": str(SITE)},
                      program="Glob", asked=f"Find the typeshed stub of {Path(row).stem}.",
                      needles=[N(row, ASKED)], source="Claude Code's Glob **/*.pyi, here by pathlib", **common))
    out = sh(f"ls -la {SITE}")
    cases.append(Case("ls_la_site_packages", out.text, f"ls -la {SITE}", program="ls", exit_code=out.rc,
                      asked="Is hypothesis installed in the venv?", needles=[N(first_match(r"^d.* hypothesis$", out.text), ASKED)],
                      **common))
    return cases


def repo_searches(tmp: Path) -> list[Case]:
    """rg and grep over commander.js and more-itertools, as an agent searches a codebase it does not know."""
    if not need("rg"):
        return []
    cases = []
    work = tmp / "commander"
    provenance = checkout("tj/commander.js", work)
    if provenance is not None:
        for name, command, pattern, asked in (
                ("rg_commander_private", "rg -n 'this\\._\\w+' lib", r"lib/command\.js:\d+:.*this\._exitCallback.*",
                 "Where does Command touch this._exitCallback?"),
                ("rg_commander_context", "rg -n -C 2 'emit\\(' lib", r"lib/command\.js[-:]\d+[-:].*emit\(.*",
                 "Which events does commander emit? I'm after the one in the middle of command.js."),
                ("rg_files_commander", "rg --files", r"tests/options\.\w+\.test\.js", "Is there a test file for option conflicts?")):
            out = sh(command, work)
            row = middle(out.text, pattern)
            cases.append(Case(name, out.text, command, kind="listing" if "--files" in command else "grep", program="rg",
                              family="search", exit_code=out.rc, source=provenance, asked=asked,
                              needles=[N(row[:100], ASKED)]))
    work = tmp / "more-itertools"
    provenance = checkout("more-itertools/more-itertools", work)
    if provenance is not None:
        out = sh("grep -rn 'def ' more_itertools tests", work)
        row = middle(out.text, r"more_itertools/more\.py:\d+:def \w+\(.*")
        func = row.split("def ", 1)[1].split("(")[0]
        cases.append(Case("grep_more_itertools_defs", out.text, "grep -rn 'def ' more_itertools tests", kind="grep",
                          program="grep", family="search", exit_code=out.rc, source=provenance,
                          asked=f"Where is {func} defined, and where is it tested?",
                          needles=[N(row[:100], ASKED), N(row.split(":")[0] + ":" + row.split(":")[1], LOCATION)]))
    return cases


def stdlib_searches(tmp: Path) -> list[Case]:
    """Searches over Python's standard library as installed here: what an agent does to learn an API."""
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    cases = []
    for name, command, pattern, asked in (
            ("grep_stdlib_raise", f"grep -rn --include='*.py' 'raise ValueError' {stdlib}/email {stdlib}/http {stdlib}/json",
             r".+/email/\S+\.py:\d+:.*raise ValueError.*", "Where does the email package raise ValueError? I'm after the header parser."),
            ("rg_stdlib_defs_asyncio", f"rg -n '^\\s*(async )?def ' {stdlib}/asyncio", r".+/asyncio/base_events\.py:\d+:\s+async def \w+\(.*",
             "Which coroutines does asyncio's base_events define? I want the one for connections."),
            ("rg_stdlib_todo", f"rg -n 'XXX|TODO|FIXME' {stdlib} --glob '!test*' --glob '!idlelib' --glob '!site-packages'", r".+/(?:email|http|logging)/\S+\.py:\d+:.*",
             "Which TODO or XXX notes are left in the email, http and logging packages?"),
            ("find_stdlib_py", f"find {stdlib} -name '*.py' -not -path '*/test/*' -not -path '*/idlelib/*' -not -path '*/site-packages/*'", r".+/lib/python3\.11/email/\w+\.py",
             "Which files make up the email package?"),
            ("ls_laR_stdlib_email", f"ls -laR {stdlib}/email", r"^-.+ _header_value_parser\.py$", "How big is email/_header_value_parser.py?")):
        if command.startswith("rg") and not need("rg"):
            continue
        out = sh(command)
        if len(out.text.encode()) > 290_000:
            out = sh(command + " | head -c 290000")
            command += " | head -c 290000"
        row = middle(out.text, pattern)
        cases.append(Case(name, out.text, command, kind="listing" if command.startswith(("find", "ls")) else "grep",
                          program=command.split()[0], family="listing" if command.startswith(("find", "ls")) else "search",
                          exit_code=out.rc, source="the standard library of this machine's Python", asked=asked,
                          needles=[N(row[:110], ASKED)]))
    return cases


BUILDERS = {"grep-own": grep_own, "stdlib-search": stdlib_searches, "rg": rg_searches, "listings": listings, "repo-search": repo_searches}
