# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Linters and type checkers: ruff and mypy (a project written here, more-itertools, this project with a
type error put in), eslint (http-errors' own eslint 7 setup; eslint 9 on commander.js), tsc and shellcheck
(on shell scripts Debian installs here)."""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    CHANGED,
    COUNT,
    ERROR,
    LOCATION,
    PATH,
    PY,
    REPO,
    VERSION,
    Case,
    N,
    all_matches,
    checkout,
    edit,
    first_match,
    need,
    sh,
    write_files,
)
from .js_tests import BIN, TOOLS, inline_tsconfig, tools_ready

VENV_BIN = Path(PY).parent
MYPY = f"{VENV_BIN}/mypy --no-incremental --cache-dir=/dev/null"
RUFF = f"{VENV_BIN}/ruff"


def typed_project(tmp: Path) -> list[Case]:
    cases = []
    project = tmp / "typed"
    lines = ["from typing import Optional", "", "class Account:", "    balance: int = 0", ""]
    for i in range(150):
        lines += [f"def handler_{i}(acct: Account, note: Optional[str]) -> int:",
                  f"    total: int = note{'.upper()' if i % 5 == 0 else ''}",
                  f"    acct.balance = \"{i}\"" if i % 7 == 0 else "    acct.balance += 1",
                  "    return acct.missing" if i % 11 == 0 else "    return acct.balance", ""]
    write_files(project, {"app/handlers.py": "\n".join(lines),
                          "app/models.py": "import os\nimport sys\n\ndef f(x: int) -> str:\n    return x\n",
                          "app/clean.py": "def ok(x: int) -> int:\n    return x + 1\n"})
    mypy = dict(kind="mypy", program="mypy", family="linter")
    out = sh(f"{MYPY} app/models.py", project)
    cases.append(Case("mypy_small", out.text, "mypy app/models.py", failing=True, exit_code=out.rc, **mypy,
                      asked="Type-check models.py.",
                      needles=[N("app/models.py:5: error: Incompatible return value type", ERROR), N("Found 1 error", COUNT)]))
    out = sh(f"{MYPY} app/", project)
    cases.append(Case("mypy_big", out.text, "mypy app/", failing=True, exit_code=out.rc, **mypy,
                      asked="Type-check the app package; I'm fixing the handlers' attribute errors first.",
                      needles=[N(first_match(r"^Found \d+ errors in \d+ files \(checked \d+ source files\)$", out.text), COUNT),
                               N("app/handlers.py:7: error:", LOCATION), N("app/models.py:5: error:", LOCATION),
                               N(first_match(r'^app/handlers\.py:\d+: error: "Account" has no attribute "missing".*$', out.text), ERROR)]))
    out = sh(f"{MYPY} app/clean.py", project)
    cases.append(Case("mypy_clean", out.text, "mypy app/clean.py", exit_code=out.rc, **mypy, asked="Type-check clean.py.",
                      needles=[N("Success: no issues found", COUNT)]))
    ruff = dict(kind="ruff", program="ruff", family="linter")
    out = sh(f"{RUFF} check --no-cache --output-format concise --select E,F,W,B,UP,SIM app/", project)
    cases.append(Case("ruff_concise", out.text, "ruff check --output-format concise --select E,F,W,B,UP,SIM app/",
                      failing=True, exit_code=out.rc, **ruff, asked="Lint the app package; which imports are unused?",
                      needles=[N(first_match(r"^Found \d+ errors?\.$", out.text), COUNT),
                               N("app/models.py:1:8: F401", ERROR), N("app/models.py:2:8: F401", ERROR)]))
    out = sh(f"{RUFF} check --no-cache --output-format full --select F,E app/models.py", project)
    cases.append(Case("ruff_full", out.text, "ruff check app/models.py", failing=True, exit_code=out.rc, **ruff,
                      asked="Lint models.py.",
                      needles=[N("F401", ERROR), N("app/models.py:1:8", LOCATION), N("app/models.py:2:8", LOCATION),
                               N("Found 2 errors.", COUNT)]))
    out = sh(f"{RUFF} check --no-cache app/clean.py", project)
    cases.append(Case("ruff_clean", out.text, "ruff check app/clean.py", exit_code=out.rc, **ruff,
                      asked="Lint clean.py.", needles=[N("All checks passed!", COUNT)]))
    return cases


def python_repos(tmp: Path) -> list[Case]:
    """ruff --select ALL and mypy --strict on more-itertools; mypy on this project with a type error."""
    cases = []
    work = tmp / "more-itertools"
    provenance = checkout("more-itertools/more-itertools", work)
    if provenance is not None:
        ruff = dict(kind="ruff", program="ruff", family="linter", failing=True, source=provenance)
        for name, fmt in (("ruff_more_itertools_all", "concise"), ("ruff_more_itertools_json", "json")):
            command = f"ruff check --no-cache --isolated --select ALL --output-format {fmt} more_itertools/"
            out = sh(command.replace("ruff", RUFF, 1) + " | head -c 290000", work)
            needles = ([N(first_match(r"^Found \d+ errors?\.$", out.text), COUNT),
                        N(first_match(r"^more_itertools/recipes\.py:\d+:\d+: \w+ .+$", out.text), ERROR)]
                       if fmt == "concise" else
                       [N(first_match(r'"code": "\w+"', out.text), ERROR),
                        N(first_match(r'"filename": "[^"]+more_itertools/more\.py"', out.text), LOCATION)])
            cases.append(Case(name, out.text, command + " | head -c 290000", exit_code=out.rc,
                              asked="Run every ruff rule on more_itertools; what does it flag in recipes.py?",
                              needles=needles, **{**ruff, "kind": "json" if fmt == "json" else "ruff"}))
        out = sh(f"{RUFF} format --no-cache --isolated --diff --line-length 79 more_itertools/recipes.py", work)
        cases.append(Case("ruff_format_diff_recipes", out.text, "ruff format --diff --line-length 79 more_itertools/recipes.py",
                          kind="diff", program="ruff format", family="linter", failing=True, exit_code=out.rc,
                          source=provenance, asked="What would ruff format change in recipes.py?",
                          needles=[N(first_match(r"^@@ .+ @@", out.text), LOCATION),
                                   N(first_match(r"^\+\S.+$", out.text), CHANGED)]))
        out = sh(f"{MYPY} --strict more_itertools/ tests/", work)
        cases.append(Case("mypy_strict_more_itertools", out.text, "mypy --strict more_itertools/ tests/", kind="mypy",
                          program="mypy", family="linter", failing=True, exit_code=out.rc, source=provenance,
                          asked="How far is more-itertools from mypy --strict? I start with tests/test_more.py.",
                          needles=[N(first_match(r"^Found \d+ errors in \d+ files.*$", out.text), COUNT),
                                   N(first_match(r"^tests/test_more\.py:\d+: error: .+$", out.text), ERROR)]))
    own = tmp / "ctxlean"
    os.makedirs(own)
    sh(f"cp -r {REPO}/src {REPO}/pyproject.toml {own}/")
    edit(own / "src/ctxlean/tokens.py", "def tokens_for_bytes(n_bytes: int) -> int:", "def tokens_for_bytes(n_bytes: str) -> int:")
    out = sh(f"{MYPY} --ignore-missing-imports src/ctxlean", own)
    cases.append(Case("mypy_ctxlean_tokens", out.text, "mypy --ignore-missing-imports src/ctxlean", kind="mypy",
                      program="mypy", family="linter", failing=True, exit_code=out.rc,
                      source="this project's src/ with tokens_for_bytes annotated as taking str",
                      asked="I changed the signature of tokens_for_bytes; which callers does mypy flag?",
                      needles=[N(first_match(r"^src/ctxlean/tokens\.py:\d+: error: .+$", out.text), ERROR),
                               N(first_match(r"^Found \d+ errors? in \d+ files?.*$", out.text), COUNT),
                               N(all_matches(r'^(src/ctxlean/[\w/]+\.py:\d+): error: Argument 1 to "tokens_for_bytes"', out.text, 1)[-1], LOCATION)]))
    out = sh(f"{MYPY} --strict --ignore-missing-imports src/ctxlean/summarize src/ctxlean/store", REPO)
    cases.append(Case("mypy_strict_ctxlean", out.text, "mypy --strict --ignore-missing-imports src/ctxlean/summarize src/ctxlean/store",
                      kind="mypy", program="mypy", family="linter", failing=out.rc != 0, exit_code=out.rc,
                      source="this project's summarize/ and store/",
                      asked="How far are summarize/ and store/ from mypy --strict? Which errors are in store/sqlite.py?",
                      needles=[N(first_match(r"^Found \d+ errors? in \d+ files?.*$|^Success: .*$", out.text), COUNT)]
                      + ([N(first_match(r"^src/ctxlean/store/sqlite\.py:\d+: error: .+$", out.text)[:100], ERROR)]
                         if "store/sqlite.py" in out.text else [])))
    out = sh(f"{RUFF} check --no-cache --isolated --select ALL --output-format concise src/ctxlean/summarize | head -c 290000", REPO)
    cases.append(Case("ruff_ctxlean_summarize_all", out.text, "ruff check --isolated --select ALL src/ctxlean/summarize",
                      kind="ruff", program="ruff", family="linter", failing=True, exit_code=out.rc,
                      source="this project's src/ctxlean/summarize",
                      asked="Which of ruff's rules beyond ours would fire on summarize/? Show me the complexity ones (C901).",
                      needles=[N(first_match(r"^Found \d+ errors?\.$", out.text), COUNT),
                               N(first_match(r"^src/ctxlean/summarize/\w+\.py:\d+:\d+: C901 .+$", out.text), ERROR)]))
    return cases


def eslint(tmp: Path) -> list[Case]:
    if not tools_ready():
        return []
    cases = []
    work = tmp / "http-errors"
    provenance = checkout("jshttp/http-errors", work)
    if provenance is not None:
        install = sh("npm install --no-audit --no-fund --ignore-scripts", work)
        if install.rc:
            raise SystemExit(install.text[-2000:])
        edit(work / "index.js", "function codeClass (status) {\n  return Number(String(status).charAt(0) + '00')",
             "function codeClass (status) {\n  var unused = status\n  return Number(String(status).charAt(0) + '00');")
        out = sh("npx eslint .", work)  # eslint 7 loads a dependency that is ESM now: it crashes
        cases.append(Case("eslint7_http_errors_crash", out.text, "npx eslint .", kind="traceback", program="eslint",
                          family="linter", failing=True, exit_code=out.rc, source=provenance,
                          asked="Lint http-errors with its own eslint setup.",
                          needles=[N("SyntaxError: Cannot use import statement outside a module", ERROR),
                                   N(first_match(r"node_modules/[\w-]+/require\.mjs:1", out.text), LOCATION),
                                   N("ESLint: 7.32.0", VERSION)]))
        sh("rm -rf node_modules", work)
        os.symlink(TOOLS, work / "node_modules")
        (work / "eslint.config.js").write_text(
            "const js = require('@eslint/js');\nconst globals = require('globals');\n"
            "module.exports = [js.configs.recommended, { languageOptions: { sourceType: 'commonjs', globals: globals.node } }];\n")
        out = sh(f"{BIN}/eslint index.js test/", work)
        cases.append(Case("eslint9_http_errors", out.text, "npx eslint index.js test/", kind="diagnostics",
                          program="eslint", family="linter", failing=True, exit_code=out.rc,
                          source=provenance + " with an unused variable put in; eslint.config.js written here: recommended rules",
                          asked="Lint index.js after my edits; anything unused?",
                          needles=[N(first_match(r"^\s+(\d+:\d+)\s+error\s+'unused' is assigned a value but never used", out.text, 1), LOCATION),
                                   N("'unused' is assigned a value but never used", ERROR),
                                   N(first_match(r"^✖ \d+ problems? .*$", out.text), COUNT)]))
    work = tmp / "commander"
    provenance = checkout("tj/commander.js", work)
    if provenance is not None:
        os.symlink(TOOLS, work / "node_modules")
        (work / "eslint.config.js").write_text(
            "import js from '@eslint/js';\nimport globals from 'globals';\n\n"
            "export default [js.configs.all, { languageOptions: { globals: globals.node } }];\n")
        for name, fmt, files in (("eslint9_commander_all", "", "lib/help.js lib/option.js lib/argument.js"),
                                 ("eslint9_commander_json", " -f json", "lib/option.js")):
            out = sh(f"{BIN}/eslint{fmt} {files}", work)
            needles = ([N(first_match(r"^\s+\d+:\d+\s+error\s+.+\s+no-undefined$", out.text).strip(), ERROR),
                        N(first_match(r"^✖ \d+ problems? .*$", out.text), COUNT),
                        N(first_match(r"^/\S+/lib/help\.js$", out.text), PATH)]
                       if not fmt else [N('"ruleId":"no-undefined"', ERROR),
                                        N(first_match(r'"filePath":"[^"]+/lib/option\.js"', out.text), PATH)])
            cases.append(Case(name, out.text, f"npx eslint{fmt} {files}",
                              kind="json" if fmt else "diagnostics", program="eslint", family="linter", failing=True,
                              exit_code=out.rc, asked="Run every core eslint rule on commander's lib/; where does it flag uses of undefined?",
                              source=provenance + "; eslint.config.js written here: @eslint/js all rules",
                              needles=needles))
    return cases


def tsc(tmp: Path) -> list[Case]:
    if not tools_ready():
        return []
    cases = []
    project = tmp / "ts"
    lines = ["interface Order { id: string; total: number }"]
    for i in range(120):
        lines.append(f"export function f{i}(o: Order): number {{ const x: string = o.total; return o.{'id' if i % 3 else 'missing'}; }}")
    write_files(project, {"src/orders.ts": "\n".join(lines) + "\n", "src/ok.ts": "export const a: number = 1;\n"})
    out = sh(f"{BIN}/tsc --noEmit --strict --pretty false src/orders.ts src/ok.ts", project)
    cases.append(Case("tsc_errors", out.text, "npx tsc --noEmit --strict src/orders.ts src/ok.ts", kind="tsc",
                      program="tsc", family="linter", failing=True, exit_code=out.rc,
                      asked="Type-check orders.ts; I'll fix the missing property first.",
                      needles=[N("src/orders.ts(2,", LOCATION), N("error TS2322", ERROR),
                               N(first_match(r"^src/orders\.ts\(\d+,\d+\): error TS2339: .+$", out.text), ERROR)]))
    work = tmp / "path-to-regexp"
    provenance = checkout("pillarjs/path-to-regexp", work)
    if provenance is not None:
        os.symlink(TOOLS, work / "node_modules")
        inline_tsconfig(work)
        edit(work / "src/index.ts", "function escape(str: string) {", "function escape(str: string | number) {")
        out = sh(f"{BIN}/tsc --noEmit -p tsconfig.json --listFiles --pretty false", work)
        cases.append(Case("tsc_list_files", out.text, "npx tsc --noEmit -p tsconfig.json --listFiles", kind="tsc",
                          program="tsc", family="linter", failing=True, exit_code=out.rc,
                          source=provenance + " with escape() taking string | number",
                          asked="Which files does tsc load, and does src/index.ts type-check?",
                          needles=[N(first_match(r"src/index\.ts\(\d+,\d+\): error TS\d+: .+$", out.text), ERROR),
                                   N(first_match(r"^\S+/typescript/lib/lib\.es2015\.d\.ts$", out.text), PATH)]))
        for name, pretty in (("tsc_path_to_regexp", "false"), ("tsc_path_to_regexp_pretty", "true")):
            out = sh(f"{BIN}/tsc --noEmit -p tsconfig.json --pretty {pretty}", work)
            cases.append(Case(name, out.text, f"npx tsc --noEmit -p tsconfig.json --pretty {pretty}", kind="tsc",
                              program="tsc", family="linter", failing=True, exit_code=out.rc,
                              source=provenance + " with escape() taking string | number",
                              asked="I widened escape()'s parameter; does the project still type-check?",
                              needles=[N(first_match(r"src/index\.ts[:(]\d+[,:]\d+", out.text), LOCATION),
                                       N(first_match(r"error TS\d+: .+$", out.text), ERROR)] if pretty == "false" else
                              [N(first_match(r"Property 'replace' does not exist on type 'string | number'\.", out.text), ERROR),
                               N(first_match(r"^Found \d+ errors in \d+ files\.$", out.text), COUNT)]))
    return cases


def shellcheck(tmp: Path) -> list[Case]:
    if not need("shellcheck"):
        return []
    cases = []
    for script, fmt in (("/usr/bin/pg_buildext", "tty"), ("/usr/bin/ucfr", "gcc"), ("/usr/bin/gettextize", "json1")):
        if not Path(script).exists():
            continue
        out = sh(f"shellcheck -f {fmt} {script}")
        needles = [N(first_match(r"SC\d{4}" if fmt != "json1" else r'"code":\d{4}', out.text), ERROR)]
        if fmt == "gcc":
            needles.append(N(first_match(rf"^{script}:\d+:\d+: \w+: .+$", out.text), ERROR))
        elif fmt == "tty":
            needles.append(N(first_match(rf"^In {script} line \d+:$", out.text), LOCATION))
        else:
            needles.append(N(first_match(r'"line":\d+', out.text), LOCATION))
        cases.append(Case(f"shellcheck_{Path(script).name}_{fmt}", out.text, f"shellcheck -f {fmt} {script}",
                          kind="json" if fmt == "json1" else "diagnostics", program="shellcheck", family="linter",
                          failing=True, exit_code=out.rc, source=f"shellcheck on Debian's {script}",
                          asked=f"Check {script} with shellcheck; what is the first problem?", needles=needles))
    return cases


BUILDERS = {"lint-typed": typed_project, "lint-python-repos": python_repos, "eslint": eslint, "tsc": tsc,
            "shellcheck": shellcheck}
