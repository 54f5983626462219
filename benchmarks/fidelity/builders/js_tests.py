# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""JavaScript test runners: node --test, jest, mocha and vitest, on a small project written here and on
scratch copies of jshttp/http-errors (mocha), tj/commander.js (node --test; jest before it moved off
jest) and pillarjs/path-to-regexp (vitest),
each with a real bug put in. The runners come from setup.sh (benchmarks/fidelity/.tools)."""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    ASSERTION,
    COUNT,
    ERROR,
    FAILING_TEST,
    HERE,
    LOCATION,
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

TOOLS = HERE / ".tools" / "node_modules"
BIN = TOOLS / ".bin"


def tools_ready() -> bool:
    if not (BIN / "jest").exists():
        print(f"  skip: no jest in {BIN} (run benchmarks/fidelity/setup.sh)")
        return False
    return need("node")


def inline_tsconfig(work: Path) -> None:
    """path-to-regexp's tsconfig extends @borderless/ts-scripts' shared config, which is not installed here:
    drop the extends and keep its strictness inline."""
    edit(work / "tsconfig.json", '"extends": "@borderless/ts-scripts/configs/tsconfig.json",\n', "")
    edit(work / "tsconfig.json", '"compilerOptions": {', '"compilerOptions": {\n    "strict": true,\n    "skipLibCheck": true,')


def small_project(tmp: Path) -> list[Case]:
    if not tools_ready():
        return []
    cases = []
    project = tmp / "js"
    write_files(project, {
        "sum.js": "exports.sum = (a, b) => a + b;\nexports.parse = (s) => JSON.parse(s);\n",
        "sum.test.js": """
            const test = require('node:test');
            const assert = require('node:assert');
            const { sum, parse } = require('./sum');
            test('adds numbers', () => { assert.strictEqual(sum(2, 2), 4); });
            test('adds wrong', () => { assert.strictEqual(sum(2, 2), 5); });
            test('parses config', () => { assert.deepStrictEqual(parse('{"a":1'), { a: 1 }); });
            for (let i = 0; i < 200; i++) test(`range ${i}`, () => { assert.ok(i >= 0); });
            """,
        "math.test.js": """
            const { sum } = require('./sum');
            describe('math', () => {
              test('adds numbers', () => { expect(sum(2, 2)).toBe(4); });
              test('adds wrong', () => { expect(sum(2, 2)).toBe(5); });
              test('objects', () => { expect({ id: 'ord_77', status: 'paid' }).toEqual({ id: 'ord_77', status: 'open' }); });
            });
            """,
        "ok.test.js": "\n".join(f"test('ok {i}', () => {{ expect({i}).toBe({i}); }});" for i in range(150)),
        "package.json": '{"name": "js", "version": "1.0.0"}',
    })
    common = dict(program="node --test", family="test-runner", failing=True, kind="node")
    for name, reporter in (("node_test_tap", "tap"), ("node_test_spec", "spec")):
        out = sh(f"node --test --test-reporter={reporter} sum.test.js", project)
        cases.append(Case(name, out.text, f"node --test --test-reporter={reporter} sum.test.js", exit_code=out.rc,
                          asked="Run the node tests of sum.js; which fail?", **common,
                          needles=[N("adds wrong", FAILING_TEST), N("parses config", FAILING_TEST),
                                   N(first_match(r"^. fail 2", out.text), COUNT),
                                   N("Expected values to be strictly equal", ASSERTION)]))
    common = dict(program="jest", family="test-runner", failing=True, kind="js-tests")
    for name, flags in (("jest_verbose", "--ci --verbose"), ("jest_default", "--ci")):
        out = sh(f"{BIN}/jest {flags} --testPathIgnorePatterns sum.test.js", project)
        cases.append(Case(name, out.text, f"npx jest {flags}", exit_code=out.rc,
                          asked="Run jest and tell me which math tests fail and with what values.", **common,
                          needles=[N("math › adds wrong", FAILING_TEST), N("math › objects", FAILING_TEST),
                                   N("math.test.js:4:", LOCATION), N("2 failed, 151 passed, 153 total", COUNT),
                                   N('+   "status": "paid",', ASSERTION)]))
    return cases


def http_errors(tmp: Path) -> list[Case]:
    """jshttp/http-errors' mocha suite with `expose` wrong for status 500."""
    if not tools_ready():
        return []
    work = tmp / "http-errors"
    provenance = checkout("jshttp/http-errors", work)
    if provenance is None:
        return []
    install = sh("npm install --no-audit --no-fund --ignore-scripts", work)
    if install.rc:
        raise SystemExit(f"npm install in http-errors failed:\n{install.text[-2000:]}")
    cases = []
    out = sh("npx mocha --reporter spec", work)
    cases.append(Case("mocha_http_errors_pass", out.text, "npx mocha --reporter spec", kind="js-tests",
                      program="mocha", family="test-runner", exit_code=out.rc, source=provenance,
                      asked="Run http-errors' tests before the change.",
                      needles=[N(first_match(r"\d+ passing", out.text), COUNT)]))
    edit(work / "index.js", "err.expose = status < 500", "err.expose = status <= 500")
    bug = provenance + " with expose = status <= 500"
    asked = "I changed when errors are exposed in index.js; run the tests and show me which break."
    for name, reporter in (("mocha_http_errors_spec", "spec"), ("mocha_http_errors_dot", "dot"),
                           ("mocha_http_errors_tap", "tap")):
        out = sh(f"npx mocha --reporter {reporter}", work)
        needles = [N(first_match(r"\d+ failing", out.text) if reporter != "tap" else first_match(r"^# fail \d+", out.text), COUNT)]
        if reporter != "tap":
            needles += [N(first_match(r"^\s+1\) (.+)$", out.text, 1).strip(), FAILING_TEST),
                        N(first_match(r"AssertionError.*$", out.text), ASSERTION),
                        N(first_match(r"test/test\.js:\d+:\d+", out.text), LOCATION)]
        else:
            needles += [N(t, FAILING_TEST) for t in all_matches(r"^not ok \d+ (.+)$", out.text, 1)[:3]]
        cases.append(Case(name, out.text, f"npx mocha --reporter {reporter}", kind="js-tests", program="mocha",
                          family="test-runner", failing=True, exit_code=out.rc, source=bug, asked=asked,
                          needles=needles))
    return cases


def path_to_regexp(tmp: Path) -> list[Case]:
    """pillarjs/path-to-regexp's vitest suite, with `.` dropped from the characters escape() escapes."""
    if not tools_ready():
        return []
    work = tmp / "path-to-regexp"
    provenance = checkout("pillarjs/path-to-regexp", work)
    if provenance is None:
        return []
    os.symlink(TOOLS, work / "node_modules")  # the runner from .tools, as in a workspace
    inline_tsconfig(work)
    cases = []
    out = sh(f"{BIN}/vitest run --coverage.enabled=false src/index.spec.ts", work)
    cases.append(Case("vitest_path_to_regexp_pass", out.text, "npx vitest run src/index.spec.ts", kind="js-tests",
                      program="vitest", family="test-runner", exit_code=out.rc, source=provenance,
                      asked="Run path-to-regexp's tests before I touch escape().",
                      needles=[N(first_match(r"Tests\s+(\d+ passed \(\d+\))", out.text, 1), COUNT)]))
    edit(work / "src/index.ts", r'return str.replace(/[.+*?^${}()[\]|/\\]/g, "\\$&");',
         r'return str.replace(/[+*?^${}()[\]|/\\]/g, "\\$&");')
    bug = provenance + " with escape() not escaping '.'"
    asked = "I simplified escape() in src/index.ts; run the vitest suite and show which match cases fail."
    for name, flags in (("vitest_path_to_regexp", ""), ("vitest_path_to_regexp_verbose", " --reporter=verbose"),
                        ("vitest_path_to_regexp_dot", " --reporter=dot")):
        out = sh(f"{BIN}/vitest run --coverage.enabled=false{flags} src/index.spec.ts", work)
        failed = all_matches(r"^ FAIL  (.+ > .+)$", out.text, 1) or all_matches(r"^\s+× (.+?)(?: \d+ms)?$", out.text, 1)
        cases.append(Case(name, out.text, f"npx vitest run{flags} src/index.spec.ts", kind="js-tests", program="vitest",
                          family="test-runner", failing=True, exit_code=out.rc, source=bug, asked=asked,
                          needles=[N(f.strip(), FAILING_TEST) for f in failed[:2]]
                          + [N(first_match(r"Tests\s+(\d+ failed \| \d+ passed \(\d+\))", out.text, 1), COUNT),
                             N(first_match(r"AssertionError: .+$", out.text), ASSERTION),
                             N(first_match(r"src/index\.spec\.ts:\d+:\d+", out.text), LOCATION)]))
    edit(work / "src/index.ts", "function escapeText(str: string) {", "function escapeText(str: string | number) {")
    command = "npx tsc --noEmit -p tsconfig.json; npx vitest run src/index.spec.ts"
    out = sh(f"{BIN}/tsc --noEmit -p tsconfig.json --pretty false; {BIN}/vitest run --coverage.enabled=false src/index.spec.ts", work)
    failed = all_matches(r"^ FAIL  (.+ > .+)$", out.text, 1)
    cases.append(Case("tsc_then_vitest_path_to_regexp", out.text, command, kind="js-tests", program="vitest",
                      family="build", failing=True, exit_code=out.rc, source=bug + " and escapeText() taking string | number",
                      asked="Type-check and test path-to-regexp after my edits: what breaks in the types and which tests fail?",
                      needles=[N(first_match(r"src/index\.ts\(\d+,\d+\): error TS\d+: .+$", out.text), ERROR),
                               N(failed[0].strip(), FAILING_TEST),
                               N(first_match(r"Tests\s+(\d+ failed \| \d+ passed \(\d+\))", out.text, 1), COUNT)]))
    edit(work / "src/index.ts", "function escapeText(str: string | number) {", "function escapeText(str: string) {")
    out = sh(f"{BIN}/vitest run --coverage.enabled=false --reporter=json src/index.spec.ts 2>/dev/null", work)
    cases.append(Case("vitest_path_to_regexp_json", out.text, "npx vitest run --reporter=json src/index.spec.ts 2>/dev/null", kind="json",
                      program="vitest", family="test-runner", failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N('"numFailedTests":' + first_match(r'"numFailedTests":(\d+)', out.text, 1), COUNT)]))
    return cases


def commander(tmp: Path) -> list[Case]:
    """tj/commander.js with camelcase() dropping a letter: its node --test suite now, its jest suite from the
    commit before it moved to node's runner."""
    if not tools_ready():
        return []
    cases = []
    bug = " with camelcase() dropping the letter after each dash"
    asked = "I touched camelcase() in lib/option.js; run the test suite and show me the failing tests."
    for rev, runner in (("HEAD", "node"), ("3dd60861^", "jest")):
        work = tmp / f"commander-{runner}"
        provenance = checkout("tj/commander.js", work, rev=rev)
        if provenance is None:
            return []
        edit(work / "lib/option.js", "return str + word[0].toUpperCase() + word.slice(1);",
             "return str + word[0].toUpperCase() + word.slice(2);")
        if runner == "node":
            for name, flags in (("node_test_commander", ""), ("node_test_commander_tap", " --test-reporter=tap")):
                flags += " tests/options.*.test.js tests/command.*.test.js"
                out = sh(f"env -u NO_COLOR node --test{flags}", work)  # its colour tests read NO_COLOR
                failed = all_matches(r"^not ok \d+ - (.+)$", out.text, 1) or all_matches(r"^\s+✖ (.+?) \(", out.text, 1)
                cases.append(Case(name, out.text, f"node --test{flags}", kind="node", program="node --test",
                                  family="test-runner", failing=True, exit_code=out.rc, source=provenance + bug,
                                  asked=asked, needles=[N(f, FAILING_TEST) for f in failed[:3]]
                                  + [N(first_match(r"^. fail \d+", out.text), COUNT),
                                     N(first_match(r"^. pass \d+", out.text), COUNT)]))
            continue
        # its jest.config.js wants ts-jest for the typings tests; this keeps the JavaScript suite only. No
        # flags on the command line: one test parses process.argv.
        for name, verbose in (("jest_commander", "false"), ("jest_commander_verbose", "true")):
            (work / "jest.config.js").write_text(f"module.exports = {{ testEnvironment: 'node', verbose: {verbose} }};\n")
            out = sh(f"env -u NO_COLOR {BIN}/jest", work)
            failed = all_matches(r"^  ● (.+)$", out.text, 1)
            cases.append(Case(name, out.text, "npx jest", kind="js-tests", program="jest", family="test-runner",
                              failing=True, exit_code=out.rc, asked=asked,
                              source=provenance + bug + f"; jest.config.js: testEnvironment node, verbose {verbose}",
                              needles=[N(f, FAILING_TEST) for f in failed[:3]]
                              + [N(first_match(r"^Tests:\s+(.+ total)$", out.text, 1), COUNT),
                                 N(first_match(r"tests/[\w.-]+\.test\.js:\d+:\d+", out.text), LOCATION),
                                 N(first_match(r"^\s+(Expected: .+)$", out.text, 1), ASSERTION)]))
    return cases


BUILDERS = {"commander-tests": commander, "js-small": small_project, "http-errors-tests": http_errors, "path-to-regexp-tests": path_to_regexp}
