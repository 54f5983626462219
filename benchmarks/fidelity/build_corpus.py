# Fixture lines reproduce tool output verbatim, so some run long.
# ruff: noqa: E501
"""Build the fidelity corpus: payloads made by really running tools, each with its needle facts.

    python benchmarks/fidelity/build_corpus.py [--node-dir DIR]

Writes corpus/<name>.txt (the payload exactly as the tool printed it) and corpus/<name>.json (where it came
from, the expected kind, whether it shows failures, and its needles: exact strings that must survive,
each with the fetch_detail call that retrieves it). Tools that are missing here (go, jest without
--node-dir, ...) are skipped with a note; realistic fixtures stand in for go test, a JVM stack trace and
vitest. Payloads already in corpus/ that this run cannot produce are left as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PY = sys.executable
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))
REPO = HERE.parents[1]  # this project: its own code is what the code-quoting payloads quote
MAX_PAYLOAD = 300_000
ENV = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "120"}


class Case:
    def __init__(self, name: str, text: str, command: str = "", tool: str = "Bash", tool_input: dict | None = None,
                 kind: str = "", failing: bool = False, needles: list | None = None, source: str = ""):
        self.name, self.text, self.tool, self.kind, self.failing = name, text, tool, kind, failing
        self.tool_input = tool_input if tool_input is not None else {"command": command}
        self.needles = needles or []
        self.source = source or command

    def write(self) -> None:
        text = self.text[:MAX_PAYLOAD]
        needles = []
        for needle in self.needles:
            needle_text, fetch = needle if isinstance(needle, tuple) else (needle, None)
            if needle_text not in text:
                raise SystemExit(f"{self.name}: needle {needle_text!r} is not in the payload")
            needles.append({"text": needle_text, "fetch": fetch or _line_fetch(text, needle_text)})
        (CORPUS / f"{self.name}.txt").write_text(text, encoding="utf-8")
        sidecar = {"tool": self.tool, "tool_input": self.tool_input, "kind": self.kind, "failing": self.failing,
                   "source": self.source, "needles": needles}
        (CORPUS / f"{self.name}.json").write_text(json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n")


def _line_fetch(text: str, needle: str) -> dict:
    """lines="n-n" for the first line holding needle (a needle spanning lines gets its whole range)."""
    start = text.index(needle)
    first = text.count("\n", 0, start) + 1
    last = first + needle.count("\n")
    return {"lines": f"{first}-{last}"}


def run(command: str, cwd: Path | str | None = None, timeout: int = 300) -> str:
    """stdout and stderr of a shell command, interleaved as a terminal (and Claude Code's Bash) shows them."""
    done = subprocess.run(command, shell=True, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", timeout=timeout)
    return done.stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"))


# -- test runners ------------------------------------------------------------------------------------


def pytest_cases(tmp: Path) -> list[Case]:
    cases = []
    project = tmp / "calc"
    write_files(project, {
        "calc.py": """
            def add(a, b):
                return a + b

            def div(a, b):
                return a / b

            def parse(s):
                return int(s)
            """,
        "tests/test_calc.py": """
            import pytest
            from calc import add, div, parse

            def test_add():
                assert add(2, 2) == 4

            def test_add_wrong():
                assert add(2, 2) == 5

            def test_div_zero():
                assert div(1, 0) == 0

            def test_parse():
                assert parse("12") == 12

            def test_parse_bad():
                assert parse("x1") == 1

            @pytest.mark.skip(reason="not ready")
            def test_later():
                pass
            """,
        "tests/test_many.py": """
            import pytest

            @pytest.mark.parametrize("n", range(400))
            def test_square(n):
                assert n * n >= 0

            @pytest.mark.parametrize("n", range(40))
            def test_even(n):
                assert n % 17 != 3, f"unlucky {n}"
            """,
        "conftest.py": "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n",
    })
    fail_needles = ["tests/test_calc.py::test_add_wrong", "tests/test_calc.py::test_div_zero",
                    "tests/test_calc.py::test_parse_bad", "3 failed"]
    for name, args in (("pytest_default", "tests/test_calc.py"), ("pytest_quiet", "-q tests/test_calc.py"),
                       ("pytest_verbose", "-v tests/test_calc.py"), ("pytest_tb_long", "--tb=long tests/test_calc.py")):
        command = f"python -m pytest -p no:cacheprovider {args}"
        out = run(f"{PY} -m pytest -p no:cacheprovider {args}", project)
        cases.append(Case(name, out, command, kind="pytest", failing=True,
                          needles=fail_needles + ["ZeroDivisionError", "assert 4 == 5"]))
    command = "python -m pytest -p no:cacheprovider -v tests/test_many.py"
    out = run(f"{PY} -m pytest -p no:cacheprovider -v tests/test_many.py", project)
    cases.append(Case("pytest_verbose_big", out, command, kind="pytest", failing=True,
                      needles=["tests/test_many.py::test_even[3]", "tests/test_many.py::test_even[20]",
                               "tests/test_many.py::test_even[37]", "3 failed", "437 passed", "unlucky 3"]))
    command = "python -m pytest -p no:cacheprovider -rA tests/"
    out = run(f"{PY} -m pytest -p no:cacheprovider -rA tests/", project)
    cases.append(Case("pytest_ra_all", out, command, kind="pytest", failing=True,
                      needles=["tests/test_calc.py::test_div_zero", "tests/test_many.py::test_even[20]",
                               "6 failed", "1 skipped"]))
    out = run(f"{PY} -m pytest -p no:cacheprovider -q tests/test_many.py -k square", project)
    cases.append(Case("pytest_all_pass", out, "pytest -q tests/test_many.py -k square", kind="pytest",
                      needles=["400 passed", "40 deselected"]))
    out = run(f"{PY} -m pytest -p no:cacheprovider -v tests/test_many.py -k square", project)
    cases.append(Case("pytest_all_pass_verbose", out, "pytest -v tests/test_many.py -k square", kind="pytest",
                      needles=["400 passed", "40 deselected"]))
    write_files(project, {"tests/test_broken.py": "import not_a_module_xyz\n\ndef test_x():\n    pass\n"})
    out = run(f"{PY} -m pytest -p no:cacheprovider tests/", project)
    cases.append(Case("pytest_collection_error", out, "pytest tests/", kind="pytest", failing=True,
                      needles=["tests/test_broken.py", "ModuleNotFoundError", "not_a_module_xyz"]))
    out = run(f"{PY} -m pytest -p no:cacheprovider -x tests/test_calc.py tests/test_many.py", project)
    cases.append(Case("pytest_exitfirst", out, "pytest -x tests/test_calc.py tests/test_many.py", kind="pytest",
                      failing=True, needles=["tests/test_calc.py::test_add_wrong", "1 failed"]))
    (project / "tests/test_broken.py").unlink()
    # a big, realistic mixed run: many modules, a few failures deep inside
    files = {}
    rng = random.Random(7)
    failing_names = []
    for m in range(30):
        body = ["import pytest", ""]
        for t in range(25):
            bad = rng.random() < 0.012
            name = f"test_case_{m:02d}_{t:02d}"
            if bad:
                failing_names.append(f"tests/test_mod{m:02d}.py::{name}")
                body += [f"def {name}():", f"    data = {{'id': {m * 100 + t}, 'ok': False}}",
                         "    assert data['ok'], f\"record {data['id']} not ok\"", ""]
            else:
                body += [f"def {name}():", f"    assert {t} + 1 == {t + 1}", ""]
        files[f"tests/test_mod{m:02d}.py"] = "\n".join(body)
    write_files(tmp / "big", files)
    out = run(f"{PY} -m pytest -p no:cacheprovider -v --tb=short tests/", tmp / "big")
    cases.append(Case("pytest_big_mixed", out, "pytest -v --tb=short tests/", kind="pytest", failing=True,
                      needles=failing_names + [f"{len(failing_names)} failed"]))
    return cases


def unittest_cases(tmp: Path) -> list[Case]:
    project = tmp / "ut"
    write_files(project, {"test_store.py": """
        import unittest

        class StoreTest(unittest.TestCase):
            def test_put(self):
                self.assertEqual({"a": 1}, {"a": 1})

            def test_get_missing(self):
                self.assertEqual(None, {}.get("k", 0))

            def test_delete(self):
                raise KeyError("order-1234")

        class BigTest(unittest.TestCase):
            pass

        for i in range(300):
            setattr(BigTest, f"test_item_{i:03d}", lambda self, i=i: self.assertTrue(i != 150, f"item {i} broken"))

        if __name__ == "__main__":
            unittest.main()
        """})
    out = run(f"{PY} -m unittest -v test_store", project)
    return [Case("unittest_verbose", out, "python -m unittest -v test_store", kind="unittest", failing=True,
                 needles=["test_get_missing", "test_delete", "test_item_150", "FAILED (failures=2, errors=1)",
                          "KeyError: 'order-1234'", "item 150 broken"]),
            Case("unittest_quiet", run(f"{PY} -m unittest test_store", project), "python -m unittest test_store",
                 kind="unittest", failing=True,
                 needles=["test_get_missing", "test_delete", "FAILED (failures=2, errors=1)"])]


def node_cases(tmp: Path, node_dir: Path | None) -> list[Case]:
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
    })
    if shutil.which("node"):
        out = run("node --test --test-reporter=tap sum.test.js", project)
        cases.append(Case("node_test_tap", out, "node --test --test-reporter=tap sum.test.js", kind="node",
                          failing=True, needles=["adds wrong", "parses config", "# fail 2", "# pass 201"]))
        out = run("node --test --test-reporter=spec sum.test.js", project)
        cases.append(Case("node_test_spec", out, "node --test sum.test.js", kind="node", failing=True,
                          needles=["adds wrong", "parses config", "fail 2"]))
    jest = node_dir / "node_modules/.bin/jest" if node_dir else None
    if jest and jest.exists():
        write_files(project, {
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
        out = run(f"{jest} --ci --verbose --testPathIgnorePatterns sum.test.js", project)
        cases.append(Case("jest_verbose", out, "npx jest --ci --verbose", kind="jest", failing=True,
                          needles=["math › adds wrong", "math › objects", "math.test.js",
                                   "2 failed, 151 passed, 153 total"]))
        out = run(f"{jest} --ci --testPathIgnorePatterns sum.test.js", project)
        cases.append(Case("jest_default", out, "npx jest --ci", kind="jest", failing=True,
                          needles=["math › adds wrong", "math › objects", "2 failed, 151 passed, 153 total"]))
    tsc = node_dir / "node_modules/.bin/tsc" if node_dir else None
    if tsc and tsc.exists():
        lines = ["interface Order { id: string; total: number }"]
        for i in range(120):
            lines.append(f"export function f{i}(o: Order): number {{ const x: string = o.total; return o.{'id' if i % 3 else 'missing'}; }}")
        write_files(project / "ts", {"src/orders.ts": "\n".join(lines) + "\n", "src/ok.ts": "export const a: number = 1;\n"})
        out = run(f"{tsc} --noEmit --strict --pretty false src/orders.ts src/ok.ts", project / "ts")
        cases.append(Case("tsc_errors", out, "npx tsc --noEmit --strict", kind="tsc", failing=True,
                          needles=["src/orders.ts(2,", "error TS2322", "error TS2339"]))
    return cases


def go_fixture_cases() -> list[Case]:
    """go is not installed here: realistic `go test` output, shaped exactly as go 1.22 prints it."""
    lines = []
    for pkg, tests in (("github.com/acme/shop/cart", 40), ("github.com/acme/shop/orders", 60)):
        for i in range(tests):
            name = f"Test{pkg.rsplit('/', 1)[1].title()}Case{i:02d}"
            lines.append(f"=== RUN   {name}")
            if pkg.endswith("orders") and i in (7, 33):
                lines += [f"    orders_test.go:{40 + i}: total = 1999; want 2099 (order ord_{i:04d})",
                          f"--- FAIL: {name} (0.00s)"]
            else:
                lines.append(f"--- PASS: {name} (0.00s)")
        if pkg.endswith("orders"):
            lines += ["FAIL", f"FAIL\t{pkg}\t0.014s"]
        else:
            lines += ["PASS", f"ok  \t{pkg}\t0.006s"]
    lines += ["?   \tgithub.com/acme/shop/cmd/shop\t[no test files]", "FAIL"]
    verbose = "\n".join(lines) + "\n"
    panic = "\n".join([
        '--- FAIL: TestInventoryReserve (0.00s)',
        'panic: runtime error: index out of range [5] with length 3 [recovered]',
        '\tpanic: runtime error: index out of range [5] with length 3',
        '',
        'goroutine 7 [running]:',
        'testing.tRunner.func1.2({0x5a1f20, 0xc000018180})',
        '\t/usr/local/go/src/testing/testing.go:1631 +0x24a',
        'testing.tRunner.func1()',
        '\t/usr/local/go/src/testing/testing.go:1634 +0x377',
        'panic({0x5a1f20?, 0xc000018180?})',
        '\t/usr/local/go/src/runtime/panic.go:770 +0x132',
        'github.com/acme/shop/inventory.(*Store).Reserve(...)',
        '\t/home/dev/shop/inventory/store.go:88',
        'github.com/acme/shop/inventory.TestInventoryReserve(0xc0000a2820)',
        '\t/home/dev/shop/inventory/store_test.go:21 +0x45',
        'testing.tRunner(0xc0000a2820, 0x5c6e88)',
        '\t/usr/local/go/src/testing/testing.go:1689 +0xfb',
        'created by testing.(*T).Run in goroutine 1',
        '\t/usr/local/go/src/testing/testing.go:1742 +0x390',
        'FAIL\tgithub.com/acme/shop/inventory\t0.011s',
        'FAIL',
        '',
    ])
    build = textwrap.dedent("""\
        # github.com/acme/shop/cart [github.com/acme/shop/cart.test]
        cart/cart.go:14:2: undefined: discountFor
        cart/cart.go:27:9: cannot use total (variable of type float64) as int value in return statement
        FAIL	github.com/acme/shop/cart [build failed]
        ok  	github.com/acme/shop/orders	0.009s
        FAIL
        """)
    return [
        Case("go_test_verbose", verbose, "go test -v ./...", kind="go-test", failing=True,
             needles=["TestOrdersCase07", "TestOrdersCase33", "FAIL\tgithub.com/acme/shop/orders",
                      "total = 1999; want 2099 (order ord_0007)"], source="fixture: go test -v output"),
        Case("go_test_panic", panic, "go test ./inventory/", kind="go-test", failing=True,
             needles=["index out of range [5] with length 3", "TestInventoryReserve"],
             source="fixture: go test panic"),
        Case("go_test_build_failed", build, "go test ./...", kind="go-test", failing=True,
             needles=["cart/cart.go:14:2: undefined: discountFor", "cart/cart.go:27:9"],
             source="fixture: go test build failure"),
    ]


def cargo_cases(tmp: Path) -> list[Case]:
    if not shutil.which("cargo"):
        print("skip cargo: not installed", file=sys.stderr)
        return []
    cases = []
    crate = tmp / "ledger"
    run(f"cargo new --lib --vcs none {crate}")
    tests = "\n".join(f"    #[test]\n    fn entry_{i:03d}() {{ assert!(balance({i}) >= 0); }}" for i in range(120))
    (crate / "src/lib.rs").write_text(textwrap.dedent("""\
        pub fn balance(n: i64) -> i64 { n * 2 }
        pub fn fee(amount: i64) -> i64 { amount / 10 }

        #[cfg(test)]
        mod tests {
            use super::*;
            #[test]
            fn fee_rounds_down() { assert_eq!(fee(19), 2); }
            #[test]
            fn fee_of_zero() { assert_eq!(fee(0), 0); }
            #[test]
            fn balance_doubles() { assert_eq!(balance(21), 41, "balance for account acct-21"); }
        """) + tests + "\n}\n")
    out = run("cargo test --offline 2>&1", crate, timeout=600)
    cases.append(Case("cargo_test_failing", out, "cargo test", kind="cargo-test", failing=True,
                      needles=["tests::fee_rounds_down", "tests::balance_doubles", "balance for account acct-21",
                               "test result: FAILED. 121 passed; 2 failed"]))
    lib = (crate / "src/lib.rs").read_text().replace("assert_eq!(fee(19), 2)", "assert_eq!(fee(19), 1)")
    (crate / "src/lib.rs").write_text(lib.replace("assert_eq!(balance(21), 41, ", "assert_eq!(balance(21), 42, "))
    out = run("cargo test --offline 2>&1", crate, timeout=600)
    cases.append(Case("cargo_test_passing", out, "cargo test", kind="cargo-test",
                      needles=["test result: ok. 123 passed; 0 failed"]))
    broken = lib.replace("pub fn fee(amount: i64) -> i64 { amount / 10 }",
                         "pub fn fee(amount: i64) -> i64 { let unused = 3; amount / \"10\" }\n"
                         "pub fn total(items: &Vec<i64>) -> i32 { items.iter().sum() }")
    (crate / "src/lib.rs").write_text(broken)
    out = run("cargo build --offline 2>&1", crate, timeout=600)
    cases.append(Case("cargo_build_errors", out, "cargo build", kind="rustc", failing=True,
                      needles=["error[E0277]", "src/lib.rs:2", "could not compile `ledger`"]))
    out = run("cargo test --offline 2>&1", crate, timeout=600)
    cases.append(Case("cargo_test_compile_error", out, "cargo test", kind="cargo-test", failing=True,
                      needles=["error[E0277]", "src/lib.rs:2"]))
    panicky = tmp / "panicky"
    run(f"cargo new --bin --vcs none {panicky}")
    (panicky / "src/main.rs").write_text(textwrap.dedent("""\
        fn load(path: &str) -> Vec<u32> { if path.is_empty() { vec![] } else { vec![1, 2, 3] } }
        fn main() {
            for i in 0..300 { println!("processing record {i}"); }
            let v = load("");
            let first = v.get(0).expect("config file /etc/ledger.toml has no accounts");
            println!("{first}");
        }
        """))
    run("cargo build --offline -q 2>&1", panicky, timeout=600)
    out = run("./target/debug/panicky 2>&1", panicky)
    cases.append(Case("rust_panic", out, "./target/debug/panicky", kind="traceback", failing=True,
                      needles=["config file /etc/ledger.toml has no accounts", "src/main.rs:5"]))
    return cases


def vitest_fixture() -> list[Case]:
    ok = "\n".join(f" ✓ src/utils/format{i}.test.ts (12 tests) {3 + i % 7}ms" for i in range(60))
    text = ok + textwrap.dedent("""
         ❯ src/cart/total.test.ts (6 tests | 2 failed) 14ms
           × cart total > applies discount 5ms
             → expected 90 to be 81 // Object.is equality
           × cart total > rounds currency 2ms
             → expected '10.005' to be '10.01' // Object.is equality

        ⎯⎯⎯⎯⎯⎯⎯ Failed Tests 2 ⎯⎯⎯⎯⎯⎯⎯

         FAIL  src/cart/total.test.ts > cart total > applies discount
        AssertionError: expected 90 to be 81 // Object.is equality

        - Expected
        + Received

        - 81
        + 90

         ❯ src/cart/total.test.ts:18:32
             16|   it('applies discount', () => {
             17|     const cart = makeCart([{ sku: 'A-1', price: 100 }])
             18|     expect(total(cart, { code: 'SAVE19' })).toBe(81)
               |                                ^
             19|   })

        ⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/2]⎯

         FAIL  src/cart/total.test.ts > cart total > rounds currency
        AssertionError: expected '10.005' to be '10.01' // Object.is equality
         ❯ src/cart/total.test.ts:31:26

        ⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[2/2]⎯

         Test Files  1 failed | 60 passed (61)
              Tests  2 failed | 724 passed (726)
           Start at  10:41:07
           Duration  1.92s (transform 310ms, setup 0ms, collect 1.20s, tests 210ms)
        """)
    return [Case("vitest_failing", text, "npx vitest run", kind="vitest", failing=True,
                 needles=["cart total > applies discount", "cart total > rounds currency",
                          "expected 90 to be 81", "2 failed | 724 passed (726)"], source="fixture: vitest run")]


# -- compilers and checkers -----------------------------------------------------------------------------


def mypy_ruff_cases(tmp: Path) -> list[Case]:
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
    mypy = shutil.which("mypy", path=str(Path(PY).parent)) or f"{PY} -m mypy"
    out = run(f"{mypy} --no-incremental --cache-dir=/dev/null app/models.py", project)
    cases.append(Case("mypy_small", out, "mypy app/models.py", kind="mypy", failing=True,
                      needles=["app/models.py:5: error: Incompatible return value type", "Found 1 error"]))
    out = run(f"{mypy} --no-incremental --cache-dir=/dev/null app/", project)
    found = re.search(r"^Found \d+ errors in \d+ files \(checked \d+ source files\)$", out, re.M)
    cases.append(Case("mypy_big", out, "mypy app/", kind="mypy", failing=True,
                      needles=[found.group(0) if found else "Found", "app/handlers.py:7: error:",
                               "app/models.py:5: error:"]))
    out = run(f"{mypy} --no-incremental --cache-dir=/dev/null app/clean.py", project)
    cases.append(Case("mypy_clean", out, "mypy app/clean.py", kind="mypy", needles=["Success: no issues found"]))
    ruff = shutil.which("ruff", path=str(Path(PY).parent)) or "ruff"
    out = run(f"{ruff} check --no-cache --output-format concise --select E,F,W,B,UP,SIM app/", project)
    found = re.search(r"^Found \d+ errors?\.$", out, re.M)
    cases.append(Case("ruff_concise", out, "ruff check --output-format concise app/", kind="ruff", failing=True,
                      needles=[found.group(0) if found else "Found", "app/models.py:1:8: F401",
                               "app/models.py:2:8: F401"]))
    out = run(f"{ruff} check --no-cache --output-format full --select F,E app/models.py", project)
    cases.append(Case("ruff_full", out, "ruff check app/models.py", kind="ruff", failing=True,
                      needles=["F401", "app/models.py:1:8", "app/models.py:2:8", "Found 2 errors."]))
    target = SITE / "pluggy"
    out = run(f"{ruff} check --no-cache --isolated --output-format concise --select ALL {target}", tmp)
    found = re.search(r"^Found \d+ errors?\.$", out, re.M)
    first = re.search(r"^\S+\.py:\d+:\d+: [A-Z]+\d+", out, re.M)
    cases.append(Case("ruff_site_packages", out, f"ruff check --select ALL {target}", kind="ruff", failing=True,
                      needles=[found.group(0) if found else "Found", first.group(0) if first else "py"]))
    out = run(f"{ruff} check --no-cache app/clean.py", project)
    cases.append(Case("ruff_clean", out, "ruff check app/clean.py", kind="ruff", needles=["All checks passed!"]))
    return cases


def gcc_cases(tmp: Path) -> list[Case]:
    if not shutil.which("gcc"):
        return []
    cases = []
    src = tmp / "c"
    write_files(src, {
        "broken.c": """
            #include <stdio.h>
            #include <stdlib.h>

            struct account { int id; long balance; };

            static long total(struct account *a, int n) {
                long sum = 0;
                for (int i = 0; i <= n; i++) sum += a[i].balanse;
                return sum;
            }

            int main(void) {
                struct account accts[3] = {{1, 10}, {2, 20}, {3, 30}};
                printf("%d\\n", total(accts, 3));
                undeclared_counter++;
                char *name = 42;
                return total(accts);
            }
            """,
        "warn.c": "\n".join(["#include <stdio.h>", "int unused_fn(int x) { int y; return x; }"]
                            + [f"int f{i}(int a) {{ int b; unsigned u = a; if (u < 0) return {i}; }}" for i in range(40)]
                            + ["int main(void) { printf(\"%s\\n\", 3); return 0; }"]),
        "link.c": "int missing_symbol(int);\nint helper_not_defined(void);\n"
                  "int main(void) { return missing_symbol(helper_not_defined()); }\n",
    })
    out = run("gcc -Wall -c broken.c -o /dev/null", src)
    cases.append(Case("gcc_errors", out, "gcc -Wall -c broken.c", kind="compiler", failing=True,
                      needles=["broken.c:8:46: error: ‘struct account’ has no member named ‘balanse’",
                               "broken.c:15:5: error: ‘undeclared_counter’ undeclared",
                               "broken.c:17:12: error: too few arguments to function ‘total’"]))
    out = run("gcc -Wall -Wextra -c warn.c -o /dev/null", src)
    cases.append(Case("gcc_warnings", out, "gcc -Wall -Wextra -c warn.c", kind="compiler", failing=True,
                      needles=["warn.c:2:28: warning: unused variable ‘y’", "warn.c:3:", "-Wformat="]))
    out = run("gcc link.c -o /tmp/ctxlean_link_test", src)
    cases.append(Case("gcc_link_error", out, "gcc link.c -o app", kind="compiler", failing=True,
                      needles=["undefined reference to `missing_symbol'", "undefined reference to `helper_not_defined'",
                               "collect2: error: ld returned 1 exit status"]))
    write_files(src, {"Makefile": "all:\n\tgcc -Wall -c broken.c -o broken.o\n"})
    out = run("make", src)
    cases.append(Case("make_gcc_errors", out, "make", kind="compiler", failing=True,
                      needles=["broken.c:8:46: error:", "broken.c:15:5: error:", "Error 1"]))
    return cases


# -- traces and logs -------------------------------------------------------------------------------------


def traceback_cases(tmp: Path) -> list[Case]:
    cases = []
    write_files(tmp / "crash", {
        "app.py": """
            import json

            def load_config(path):
                with open(path) as fh:
                    return json.load(fh)

            def start(path):
                try:
                    return load_config(path)
                except FileNotFoundError as exc:
                    raise RuntimeError(f"cannot start billing-worker: {exc}") from exc

            for i in range(400):
                print(f"warming cache shard {i:03d} ... ok")
            start("/etc/billing/worker.json")
            """,
        "parse.py": """
            import json
            def parse_all(lines):
                return [json.loads(line) for line in lines]
            print("\\n".join(f"row {i}: fine" for i in range(300)))
            parse_all(['{"id": 1}', '{"id": 2,}'])
            """,
    })
    out = run(f"{PY} app.py", tmp / "crash")
    cases.append(Case("python_chained_traceback", out, "python app.py", kind="traceback", failing=True,
                      needles=["RuntimeError: cannot start billing-worker", "FileNotFoundError",
                               "/etc/billing/worker.json", "app.py"]))
    out = run(f"{PY} parse.py", tmp / "crash")
    cases.append(Case("python_json_traceback", out, "python parse.py", kind="traceback", failing=True,
                      needles=["json.decoder.JSONDecodeError", "parse.py"]))
    if shutil.which("node"):
        write_files(tmp / "crash", {"server.js": "function handle(req) { return req.user.id; }\n"
                                    "for (let i = 0; i < 300; i++) console.log(`request ${i} ok`);\n"
                                    "handle({});\n"})
        out = run("node server.js", tmp / "crash")
        cases.append(Case("node_traceback", out, "node server.js", kind="traceback", failing=True,
                          needles=["TypeError: Cannot read properties of undefined (reading 'id')", "server.js:1"]))
    java = ["Exception in thread \"main\" java.lang.IllegalStateException: order ord_5521 has no payment",
            "\tat com.acme.shop.OrderService.checkout(OrderService.java:142)",
            "\tat com.acme.shop.CheckoutController.post(CheckoutController.java:57)"]
    java += [f"\tat org.springframework.web.servlet.FrameworkServlet.frame{i}(FrameworkServlet.java:{900 + i})"
             for i in range(60)]
    java += ["Caused by: java.sql.SQLTimeoutException: query timed out after 30000 ms",
             "\tat org.postgresql.jdbc.PgStatement.execute(PgStatement.java:411)",
             "\tat com.acme.shop.PaymentRepository.findByOrder(PaymentRepository.java:88)",
             "\tat com.acme.shop.OrderService.checkout(OrderService.java:139)", "\t... 62 more"]
    head = "\n".join(f"2026-03-02 10:15:{i % 60:02d}.123  INFO 4242 --- [main] c.a.s.Boot : step {i}" for i in range(5))
    cases.append(Case("java_stacktrace", head + "\n" + "\n".join(java) + "\n", "java -jar shop.jar",
                      kind="traceback", failing=True,
                      needles=["java.lang.IllegalStateException: order ord_5521 has no payment",
                               "OrderService.java:142", "java.sql.SQLTimeoutException: query timed out after 30000 ms",
                               "PaymentRepository.java:88"], source="fixture: JVM stack trace"))
    return cases


def log_cases() -> list[Case]:
    rng = random.Random(42)
    cases = []
    # application log: INFO noise, a burst of repeated DB errors, one FATAL at the end
    lines = []
    for i in range(3500):
        ts = f"2026-03-02T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
        if 1500 <= i < 1900 and i % 8 == 0:
            lines.append(f"{ts} ERROR [pool-3] db.Pool - connection refused to db-primary:5432 (attempt {i - 1499})")
        elif i == 2601:
            lines.append(f"{ts} ERROR [http-7] api.Orders - order ord_9f31 failed: payment gateway timeout")
        elif i % 97 == 0:
            lines.append(f"{ts} WARN  [http-{i % 8}] api.Orders - slow request /orders/{i} took {rng.randint(900, 3000)}ms")
        else:
            lines.append(f"{ts} INFO  [http-{i % 8}] api.Orders - GET /orders/{i} 200 {rng.randint(3, 90)}ms")
    lines.append("2026-03-02T12:30:00.000Z FATAL [main] app.Main - shutting down: too many db failures")
    text = "\n".join(lines) + "\n"
    cases.append(Case("app_log", text, "tail -n 10000 /var/log/shop/app.log", kind="log", failing=True,
                      needles=["connection refused to db-primary:5432", "order ord_9f31 failed: payment gateway timeout",
                               "shutting down: too many db failures", "FATAL"], source="synthesized app log"))
    # nginx access log with some 5xx
    access = []
    for i in range(3000):
        status = 502 if i in (1200, 1201, 2999) else rng.choice([200, 200, 200, 304, 404])
        access.append(f"10.0.{i % 250}.{i % 200} - - [02/Mar/2026:10:{(i // 60) % 60:02d}:{i % 60:02d} +0000] "
                      f"\"GET /api/items/{i} HTTP/1.1\" {status} {rng.randint(100, 9000)} \"-\" \"curl/8.5\"")
    cases.append(Case("nginx_access_log", "\n".join(access) + "\n", "cat /var/log/nginx/access.log", kind="log",
                      needles=["/api/items/1200", "02/Mar/2026:10:00:00"], source="synthesized nginx access log"))
    # JSON lines log
    jl = []
    for i in range(2000):
        level = "error" if i in (100, 1500, 1999) else "info"
        record = {"ts": f"2026-03-02T11:{(i // 60) % 60:02d}:{i % 60:02d}Z", "level": level, "msg": "job step",
                  "job": f"job-{i // 100}", "step": i}
        if level == "error":
            record["msg"] = f"job job-{i // 100} crashed: disk quota exceeded on /data/{i}"
        jl.append(json.dumps(record))
    cases.append(Case("jsonl_log", "\n".join(jl) + "\n", "kubectl logs deploy/worker", kind="log", failing=True,
                      needles=["disk quota exceeded on /data/100", "disk quota exceeded on /data/1999"],
                      source="synthesized JSON-lines log"))
    # python logging default format
    py = []
    for i in range(3000):
        if i == 2500:
            py += ["ERROR:worker.sync:sync of tenant t-481 failed", "Traceback (most recent call last):",
                   '  File "/srv/worker/sync.py", line 77, in run', "    self.push(batch)",
                   "ConnectionResetError: [Errno 104] Connection reset by peer"]
        py.append(f"INFO:worker.sync:synced batch {i} ({rng.randint(10, 500)} rows)")
        if i % 450 == 0:
            py.append(f"WARNING:worker.sync:batch {i} retried")
    cases.append(Case("python_logging", "\n".join(py) + "\n", "journalctl -u worker --no-pager", kind="log",
                      failing=True, needles=["sync of tenant t-481 failed", "ConnectionResetError"],
                      source="synthesized python logging output"))
    # syslog style without levels
    sys_lines = []
    for i in range(2500):
        msg = f"kernel: [ {i}.123] eth0: link up" if i % 500 else f"sshd[{900 + i}]: Failed password for root from 203.0.113.{i % 250}"
        if i == 2222:
            msg = "kernel: Out of memory: Killed process 7781 (postgres) total-vm:8123456kB"
        sys_lines.append(f"Mar  2 10:{(i // 60) % 60:02d}:{i % 60:02d} web-01 {msg}")
    cases.append(Case("syslog", "\n".join(sys_lines) + "\n", "cat /var/log/syslog", kind="log", failing=True,
                      needles=["Killed process 7781 (postgres)"], source="synthesized syslog"))
    return cases


# -- data --------------------------------------------------------------------------------------------------


def json_cases() -> list[Case]:
    cases = []
    boms = sorted(SITE.glob("*.dist-info/sboms/*.json"))
    for path in boms[:3]:
        text = path.read_text()
        data = json.loads(text)
        name = data.get("metadata", {}).get("component", {}).get("name", "")
        comps = data.get("components", [])
        needles = [("components", {"jsonpath": "$.components[0]"}), ("CycloneDX", {"jsonpath": "$.bomFormat"})]
        if comps:
            needles.append((comps[0]["name"], {"jsonpath": "$.components[0].name"}))
        if name:
            needles.append((name, {"jsonpath": "$.metadata.component.name"}))
        cases.append(Case(f"json_sbom_{path.stem.split('.')[0]}", text, tool="Read",
                          tool_input={"file_path": str(path)}, kind="json", needles=needles, source=f"Read {path}"))
    issue = SITE / "jsonschema/benchmarks/issue232/issue.json"
    if issue.exists():
        cases.append(Case("json_jsonschema_issue232", issue.read_text(), f"cat {issue}", kind="json",
                          needles=[("$schema", {"jsonpath": "$"})], source=f"cat {issue}"))
    rng = random.Random(3)
    orders = []
    for i in range(500):
        status = "failed" if i in (17, 402) else rng.choice(["paid", "paid", "shipped", "open"])
        order = {"id": f"ord_{i:05d}", "status": status, "customer": {"id": f"cus_{rng.randint(1, 300):04d}",
                 "email": f"user{i}@example.com"}, "total_cents": rng.randint(100, 90000),
                 "items": [{"sku": f"SKU-{rng.randint(1, 99)}", "qty": rng.randint(1, 4)} for _ in range(rng.randint(1, 3))],
                 "error": None}
        if status == "failed":
            order["error"] = {"code": "card_declined", "message": f"card declined for order ord_{i:05d}"}
        orders.append(order)
    api = {"object": "list", "url": "/v1/orders", "has_more": True, "next_cursor": "cur_8842", "data": orders}
    text = json.dumps(api, indent=2)
    cases.append(Case("json_api_orders", text, "curl -s https://api.example.test/v1/orders", kind="json", failing=True,
                      needles=[("ord_00000", {"jsonpath": "$.data[0].id"}), ("card_declined", {"jsonpath": "$.data[17].error"}),
                               ("failed", {"jsonpath": "$.data[17].status"}), ("cur_8842", {"jsonpath": "$.next_cursor"}),
                               ("total_cents", {"jsonpath": "$.data[0]"}), ("ord_00499", {"jsonpath": "$.data[499].id"})],
                      source="generated API response"))
    gql = {"data": {"repository": None}, "errors": [{"message": "Could not resolve to a Repository with the name 'acme/shop'.",
                                                    "type": "NOT_FOUND", "path": ["repository"]}]}
    big = {"data": {"search": {"nodes": [{"number": i, "title": f"Issue {i}", "state": "OPEN" if i % 3 else "CLOSED",
                                          "labels": ["bug"] if i % 5 == 0 else []} for i in range(600)]}},
           "errors": gql["errors"]}
    cases.append(Case("json_graphql_errors", json.dumps(big), "gh api graphql -f query=@q.graphql", kind="json",
                      failing=True, needles=[("Could not resolve to a Repository", {"jsonpath": "$.errors[0].message"}),
                                             ("NOT_FOUND", {"jsonpath": "$.errors[0].type"}),
                                             ("CLOSED", {"jsonpath": "$.data.search.nodes[0].state"})],
                      source="generated GraphQL response"))
    jl = "\n".join(json.dumps({"id": i, "name": f"pkg-{i}", "version": f"1.{i % 9}.0", "license": "MIT" if i % 4 else "Apache-2.0"})
                   for i in range(1500)) + "\n"
    cases.append(Case("jsonl_packages", jl, "cat packages.jsonl", kind="json",
                      needles=[("pkg-0", {"lines": "1-1"}), ("Apache-2.0", {"lines": "1-1"}), ("license", {"lines": "1-1"})],
                      source="generated JSON lines"))
    pip = run(f"{PY} -m pip list --format json --disable-pip-version-check")
    first = json.loads(pip)[0]["name"]
    cases.append(Case("json_pip_list", pip, "pip list --format json", kind="json",
                      needles=[(first, {"jsonpath": "$[0].name"}), ("version", {"jsonpath": "$[0]"})]))
    return cases


def csv_cases() -> list[Case]:
    rng = random.Random(5)
    rows = ["order_id,created_at,customer,country,amount,status"]
    for i in range(4000):
        rows.append(f"ord_{i:05d},2026-02-{1 + i % 28:02d},cus_{rng.randint(1, 900):04d},"
                    f"{rng.choice(['DE', 'FR', 'US', 'JP'])},{rng.randint(100, 99999) / 100:.2f},"
                    f"{rng.choice(['paid', 'refunded', 'open'])}")
    tsv = ["gene\tchrom\tstart\tend\tscore"] + [f"GENE{i}\tchr{1 + i % 22}\t{i * 1000}\t{i * 1000 + 750}\t{rng.random():.4f}"
                                              for i in range(3000)]
    quoted = ['id,title,notes'] + [f'{i},"Item {i}","line one, with comma\nline two"' for i in range(1500)]
    return [Case("csv_orders", "\n".join(rows) + "\n", tool="Read", tool_input={"file_path": "/data/orders.csv"},
                 kind="table", needles=["order_id", "created_at", "amount", "status", "ord_00000", "ord_03999"],
                 source="generated CSV"),
            Case("tsv_genes", "\n".join(tsv) + "\n", "cat genes.tsv", kind="table",
                 needles=["gene", "chrom", "score", "GENE0", "GENE2999"], source="generated TSV"),
            Case("csv_quoted", "\n".join(quoted) + "\n", "head -c 200000 items.csv", kind="table",
                 needles=["title", "notes", "Item 0"], source="generated CSV with quoted newlines")]


def html_cases(tmp: Path) -> list[Case]:
    """pydoc's HTML for this project's own modules (real generated pages), and a generated changelog."""
    cases = []
    for module, names in (("ctxlean.summarize.common", ["Body", "clamp"]),
                          ("ctxlean.store.sqlite", ["SqliteStore"]), ("ctxlean.config", ["Config"])):
        print(run(f"PYTHONPATH={REPO / 'src'} {PY} -m pydoc -w {module}", tmp).strip(), file=sys.stderr)
        path = tmp / f"{module}.html"
        text = path.read_text(errors="replace")
        if len(text) < 8000:
            continue
        cases.append(Case(f"html_pydoc_{module.rsplit('.', 1)[1]}", text, f"python -m pydoc -w {module} && cat {path.name}",
                          kind="html", needles=[f"Python: module {module}"] + names, source=f"python -m pydoc -w {module}"))
    sections = "".join(f"<h2 id=\"s{i}\">Section {i}: Release {i}.0</h2>\n<p>Changes in release {i}: fixed {i} bugs.</p>\n"
                       for i in range(200))
    page = (f"<!DOCTYPE html>\n<html><head><title>Shop API changelog</title>"
            f"<meta name=\"description\" content=\"Every release of the Shop API\"></head>\n<body><nav>menu</nav>\n"
            f"<main><h1>Changelog</h1>\n{sections}</main></body></html>\n")
    cases.append(Case("html_changelog", page, "curl -s https://docs.example.test/changelog", kind="html",
                      needles=["Shop API changelog", "Changelog", "Section 0: Release 0.0"], source="generated page"))
    return cases


# -- repositories and files --------------------------------------------------------------------------------


def git_cases(tmp: Path) -> list[Case]:
    repo = tmp / "repo"
    for part in ("src", "tests", "benchmarks"):  # this project's own code, never a third party's
        shutil.copytree(REPO / part, repo / part, ignore=shutil.ignore_patterns("__pycache__", "corpus", "*.pyc"))
    git = "git -c user.name=Dev -c user.email=dev@example.test -c commit.gpgsign=false"
    run(f"git init -q -b main . && {git} add -A && {git} commit -qm 'Import ctxlean'", repo)
    authors = ["Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Barbara Liskov"]
    rng = random.Random(11)
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*.py"))
    for i in range(120):
        target = repo / rng.choice(files)
        with target.open("a") as fh:
            fh.write(f"\n# change {i}\n")
        author = authors[i % len(authors)]
        date = f"2026-01-{1 + i // 5:02d}T{10 + i % 10}:00:00"
        run(f"GIT_AUTHOR_DATE={date} GIT_COMMITTER_DATE={date} git -c user.name='{author}' "
            f"-c user.email=a{i % 4}@example.test commit -qam 'Change {i}: tune {target.name}'", repo)
    log = run("git log", repo)
    newest = re.search(r"^commit ([0-9a-f]{40})", log, re.M).group(1)
    cases = [Case("git_log", log, "git log", kind="git-log",
                  needles=[newest[:10], "Import ctxlean", "Grace Hopper", "Change 119"]),
             Case("git_log_oneline", run("git log --oneline", repo), "git log --oneline", kind="git-log",
                  needles=[newest[:7], "Import ctxlean", "Change 119"])]
    log_p = run("git log -p -n 15", repo)
    cases.append(Case("git_log_patch", log_p, "git log -p -n 15", kind="git-log", needles=[newest[:10], "Change 119"]))
    # a real refactoring diff across many files
    for path in files:
        p = repo / path
        text = p.read_text()
        p.write_text(text.replace("def ", "def  ", 3).replace("import ", "import  ", 1))
    (repo / "src/ctxlean/_new_module.py").write_text("VALUE = 1\n")
    (repo / files[0]).unlink()
    run("git add -A", repo)
    diff = run("git diff --cached", repo)
    cases.append(Case("git_diff_big", diff, "git diff --cached", kind="diff",
                      needles=["src/ctxlean/_new_module.py", files[0], files[3], "@@ -"]))
    small = run(f"git diff --cached -- {files[2]}", repo)
    cases.append(Case("git_diff_small", small, f"git diff --cached -- {files[2]}", kind="diff",
                      needles=[files[2], "@@ -"]))
    run(f"{git} commit -qm 'Refactor spacing everywhere'", repo)
    show = run("git show --stat -p HEAD", repo)
    cases.append(Case("git_show", show, "git show HEAD", kind="diff",
                      needles=["Refactor spacing everywhere", "src/ctxlean/_new_module.py"]))
    return cases


def listing_cases(tmp: Path) -> list[Case]:
    cases = []
    out = run(f"find {SITE} -name '*.py' -not -path '*/__pycache__/*'")
    cases.append(Case("find_site_packages", out, f"find {SITE} -name '*.py'", kind="listing",
                      needles=["hypothesis", "pydantic", "mypy", str(SITE)]))
    out = run(f"find {SITE}/hypothesis -type f")
    cases.append(Case("find_hypothesis", out, f"find {SITE}/hypothesis -type f", kind="listing",
                      needles=["strategies", "extra", "internal"]))
    out = run(f"ls -la {SITE}")
    cases.append(Case("ls_la_site_packages", out, f"ls -la {SITE}", kind="listing",
                      needles=["hypothesis", "mypy"]))
    out = run(f"ls -lR {SITE}/_pytest")
    cases.append(Case("ls_lR_pytest", out, f"ls -lR {SITE}/_pytest", kind="listing",
                      needles=["fixtures.py", "assertion"]))
    out = run(f"du -ah {SITE}/mypy | sort -k2")
    cases.append(Case("du_mypy", out, f"du -ah {SITE}/mypy", kind="listing", needles=["typeshed"]))
    glob = "\n".join(str(p) for p in sorted(SITE.glob("**/*.pyi"))[:3000]) + "\n"
    cases.append(Case("glob_pyi", glob, tool="Glob", tool_input={"pattern": "**/*.pyi", "path": str(SITE)},
                      kind="listing", needles=["typeshed", "stdlib"], source="Glob **/*.pyi"))
    return cases


def grep_cases() -> list[Case]:
    """grep over this project's own code (its output quotes the code it matches)."""
    cases = []
    out = run("grep -rn --include='*.py' 'def ' src tests benchmarks", REPO)
    first = out.split("\n", 1)[0]
    per = {}
    for line in out.split("\n"):
        if line:
            per[line.split(":", 1)[0]] = per.get(line.split(":", 1)[0], 0) + 1
    top = max(per, key=per.get)  # the first of the files with the most matches, as grep printed them
    cases.append(Case("grep_defs", out, "grep -rn 'def ' src tests benchmarks", kind="grep",
                      needles=[top, first.split(":", 1)[0]]))
    out = run("grep -rn 'self' src", REPO)
    cases.append(Case("grep_self", out, "grep -rn self src", kind="grep",
                      needles=[Path(out.split(":", 1)[0]).name]))
    out = run("grep -rln 'import re$' src tests", REPO)
    cases.append(Case("grep_files_with_matches", out, tool="Grep",
                      tool_input={"pattern": "import re$", "path": ".", "output_mode": "files_with_matches"},
                      kind="grep", needles=["src/ctxlean/summarize"], source="grep -rln"))
    out = run("grep -rc 'assert' tests --include=*.py", REPO)
    top = max((line for line in out.split("\n") if line), key=lambda row: int(row.rsplit(":", 1)[1]))
    cases.append(Case("grep_count", out, tool="Grep", tool_input={"pattern": "assert", "output_mode": "count"},
                      kind="grep", needles=[top.rsplit(":", 1)[0]], source="grep -rc"))
    out = run("grep -n 'self' src/ctxlean/store/sqlite.py", REPO)
    cases.append(Case("grep_single_file", out, "grep -n self src/ctxlean/store/sqlite.py", kind="grep",
                      needles=[out.split("\n", 1)[0].split(":", 1)[1].strip()[:30]]))
    return cases


def generated_python_module() -> str:
    """A big, ordinary-looking Python module: classes with methods, functions, defs under an `if`."""
    lines = ['"""Billing: invoices, ledgers and the jobs that settle them."""', "", "import os", "import sys", ""]
    for c in range(45):
        lines += ["@dataclass", f"class Invoice{c}(Base):", f'    """Invoice kind {c}."""', "", "    total: int = 0", ""]
        for m in range(9):
            lines += [f"    def settle_{c}_{m}(self, amount: int, *, note: str = '') -> int:",
                      f"        if amount < {m}:", "            raise ValueError(note)", f"        return amount + {m}", ""]
        lines += [f"    async def refresh_{c}(self) -> None:", "        await self.load()", ""]
    lines += ["if sys.version_info >= (3, 12):", "    def final_check(x):", "        return x", "else:",
              "    def final_check(x):", "        return not x", ""]
    for f in range(60):
        lines += [f"def report_{f}(ledger, *, month: int = 1) -> dict:", f"    return {{'month': month, 'n': {f}}}", ""]
    return "\n".join(lines) + "\n"


def generated_c_header() -> str:
    lines = ["#ifndef LEDGER_H", "#define LEDGER_H 1", "", "#include <stddef.h>", ""]
    for i in range(60):
        lines.append(f"#define LEDGER_FLAG_{i} (1u << {i % 32})  /* flag {i} */")
    lines += ["", "typedef struct ledger ledger_t;", "struct entry { long id; long amount; };", ""]
    for i in range(160):
        lines += [f"/* Apply posting rule {i} to the ledger. */", f"extern int ledger_post_{i} (ledger_t *l, const struct entry *e,",
                  "                           size_t n);"]
    lines += ["extern ledger_t *ledger_open (const char *path);", "extern void ledger_close (ledger_t *l);", "", "#endif"]
    return "\n".join(lines) + "\n"


def generated_js_module() -> str:
    parts = ["'use strict';", "import { db } from './db.js';", ""]
    for i in range(60):
        parts += [f"export async function loadOrder{i}(id) {{", f"  const row = await db.get('orders', id + {i});",
                  "  if (!row) throw new Error('missing');", "  return row;", "}", ""]
    for c in range(20):
        parts += [f"export class Cart{c} {{", "  constructor(items) {", "    this.items = items;", "  }", "",
                  "  total() {", "    return this.items.reduce((a, b) => a + b.price, 0);", "  }", "}", ""]
    parts += ["export const formatPrice = (cents) => `${(cents / 100).toFixed(2)}`;", ""]
    return "\n".join(parts) + "\n"


def source_cases() -> list[Case]:
    """Reads of this project's own files, and generated sources in several languages."""
    cases = []
    for rel, names in (("src/ctxlean/summarize/source.py", ["def summarize_source", "def _outline"]),
                       ("src/ctxlean/store/sqlite.py", ["class SqliteStore"]),
                       ("src/ctxlean/summarize/diagnostics.py", ["def parse", "def summarize_diagnostics"])):
        path = REPO / rel
        if path.exists():
            text = path.read_text()
            cases.append(Case(f"source_{path.stem}", text, tool="Read", tool_input={"file_path": f"/repo/{rel}"},
                              kind="source", needles=[n for n in names if n in text], source=f"Read {rel}"))
    cases.append(Case("source_billing_py", generated_python_module(), tool="Read",
                      tool_input={"file_path": "/repo/billing/invoices.py"}, kind="source",
                      needles=["class Invoice0", "class Invoice44", "def report_59", "final_check"],
                      source="generated Python module"))
    cases.append(Case("source_ledger_h", generated_c_header(), tool="Read",
                      tool_input={"file_path": "/repo/include/ledger.h"}, kind="source",
                      needles=["ledger_post_0", "ledger_close"], source="generated C header"))
    cases.append(Case("source_cart_js", generated_js_module(), tool="Read",
                      tool_input={"file_path": "/repo/web/cart.js"}, kind="source",
                      needles=["loadOrder0", "Cart0", "formatPrice"], source="generated JavaScript module"))
    md = "\n\n".join(f"## Step {i}\n\nRun `make step{i}` then check the output.\n\n```bash\n# not a heading\nmake step{i}\n```"
                     for i in range(300))
    cases.append(Case("markdown_runbook", "# Runbook\n\n" + md, tool="Read",
                      tool_input={"file_path": "/repo/docs/RUNBOOK.md"}, kind="source",
                      needles=["# Runbook", "## Step 0", "## Step 299"], source="generated Markdown"))
    go = "package shop\n\nimport \"fmt\"\n\n" + "\n".join(
        f"type Order{i} struct {{\n\tID string\n}}\n\nfunc (o *Order{i}) Total() int {{\n\treturn {i}\n}}\n\n"
        f"func NewOrder{i}() *Order{i} {{\n\tfmt.Println(\"new\")\n\treturn &Order{i}{{}}\n}}\n" for i in range(80))
    cases.append(Case("source_go", go, tool="Read", tool_input={"file_path": "/repo/shop/orders.go"}, kind="source",
                      needles=["type Order0", "func NewOrder0"], source="generated Go source"))
    return cases


def text_cases(tmp: Path) -> list[Case]:
    cases = []
    out = run(f"{PY} -m pip list --disable-pip-version-check")
    cases.append(Case("pip_list", out, "pip list", kind="text", needles=["Package", "hypothesis"]))
    out = run(f"{PY} -m pip show -f mypy --disable-pip-version-check")
    cases.append(Case("pip_show_files", out, "pip show -f mypy", kind="text", needles=["Name: mypy", "Files:"]))
    out = run("dpkg -l") if shutil.which("dpkg") else ""
    if out:
        cases.append(Case("dpkg_list", out, "dpkg -l", kind="text", needles=["Desired=Unknown"]))
    build = [f"Compiling module {i}/900: src/mod{i}.c ... done" for i in range(900)]
    build[512] = "Compiling module 512/900: src/mod512.c ... FAILED: internal compiler error: Segmentation fault"
    build += ["Linking ...", "Build finished with 1 error.", "exit status 2"]
    cases.append(Case("build_log_middle_error", "\n".join(build) + "\n", "./build.sh", kind="text", failing=True,
                      needles=["src/mod512.c ... FAILED: internal compiler error", "Build finished with 1 error.",
                               "exit status 2"], source="synthesized build script output"))
    cases.append(Case("seq", run("seq 1 30000"), "seq 1 30000", kind="text", needles=["30000"]))
    return cases


def binary_cases() -> list[Case]:
    """A PNG made here (zlib + struct) and an ELF-headed blob of random bytes: no third party's binary."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rng = random.Random(9)
    pixels = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(300 * 3)) for _ in range(100))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 100, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))
    elf = b"\x7fELF\x02\x01\x01" + bytes(9) + bytes(rng.randrange(256) for _ in range(60_000))
    for name, data, tool_input in (("binary_png", png, {"file_path": "/repo/docs/chart.png"}),
                                   ("binary_elf", elf, {"command": "cat build/ledger"})):
        (CORPUS / f"{name}.bin").write_bytes(data)
        needle = "PNG" if name == "binary_png" else "ELF"
        (CORPUS / f"{name}.json").write_text(json.dumps(
            {"tool": "Read" if "file_path" in tool_input else "Bash", "tool_input": tool_input, "kind": "binary",
             "failing": False, "source": f"generated {needle} bytes",
             "needles": [{"text": needle, "fetch": {"page": 1}}]}, indent=1) + "\n")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--node-dir", type=Path, default=Path(os.environ.get("CTXLEAN_NODE_TOOLS", "/tmp/ctxl_node")),
                        help="a directory whose node_modules has jest and typescript (npm install jest typescript)")
    parser.add_argument("--only", help="regex: build only generators whose name matches")
    args = parser.parse_args(argv)
    CORPUS.mkdir(exist_ok=True)
    node_dir = args.node_dir if (args.node_dir / "node_modules").exists() else None
    if node_dir is None:
        print(f"skip jest/tsc: no node_modules in {args.node_dir}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ctxlean-corpus-") as tmp_name:
        tmp = Path(tmp_name)
        generators = {
            "pytest": lambda: pytest_cases(tmp), "unittest": lambda: unittest_cases(tmp),
            "node": lambda: node_cases(tmp, node_dir), "go": go_fixture_cases, "cargo": lambda: cargo_cases(tmp),
            "vitest": vitest_fixture, "checkers": lambda: mypy_ruff_cases(tmp), "gcc": lambda: gcc_cases(tmp),
            "traceback": lambda: traceback_cases(tmp), "log": log_cases, "json": json_cases, "csv": csv_cases,
            "html": lambda: html_cases(tmp), "git": lambda: git_cases(tmp), "listing": lambda: listing_cases(tmp),
            "grep": grep_cases, "source": source_cases, "text": lambda: text_cases(tmp), "binary": binary_cases,
        }
        total = 0
        for name, generate in generators.items():
            if args.only and not re.search(args.only, name):
                continue
            print(f"building {name} ...", file=sys.stderr)
            for case in generate():
                case.write()
                total += 1
    count = len(list(CORPUS.glob("*.json")))
    size = sum(p.stat().st_size for p in CORPUS.iterdir())
    print(f"wrote {total} payloads; corpus has {count} payloads, {size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
