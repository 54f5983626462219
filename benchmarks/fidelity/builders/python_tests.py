# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""pytest and unittest: small projects written here, this project's own suite and more-itertools' suite, each
with a real bug put into a scratch copy so that tests fail the way they do in real work."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from .base import (
    ASSERTION,
    COUNT,
    ERROR,
    FAILING_TEST,
    LOCATION,
    PY,
    REPO,
    VALUE,
    Case,
    N,
    all_matches,
    checkout,
    edit,
    first_match,
    sh,
    write_files,
)

CALC = {
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
}


def _pytest(args: str, cwd: Path, env: dict | None = None):
    out = sh(f"{PY} -m pytest -p no:cacheprovider {args}", cwd, env=env)
    return out, f"python -m pytest {args}"


def small_projects(tmp: Path) -> list[Case]:
    cases = []
    project = tmp / "calc"
    write_files(project, CALC)
    calc_needles = [N("tests/test_calc.py::test_add_wrong", FAILING_TEST), N("tests/test_calc.py::test_div_zero", FAILING_TEST),
                    N("tests/test_calc.py::test_parse_bad", FAILING_TEST), N("3 failed", COUNT),
                    N("ZeroDivisionError", ERROR), N("assert 4 == 5", ASSERTION)]
    for name, args in (("pytest_default", "tests/test_calc.py"), ("pytest_quiet", "-q tests/test_calc.py"),
                       ("pytest_verbose", "-v tests/test_calc.py"), ("pytest_tb_long", "--tb=long tests/test_calc.py"),
                       ("pytest_tb_line", "--tb=line tests/test_calc.py")):
        out, command = _pytest(args, project)
        needles = calc_needles if "line" not in args else calc_needles[3:4] + [N("tests/test_calc.py:8", LOCATION)]
        cases.append(Case(name, out.text, command, kind="pytest", program="pytest", family="test-runner", failing=True,
                          exit_code=out.rc, asked="Run the calc tests and show me which ones fail and why.",
                          needles=needles))
    out, command = _pytest("-v tests/test_many.py", project)
    cases.append(Case("pytest_verbose_big", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      failing=True, exit_code=out.rc, asked="Which of the parametrized test_even cases fail?",
                      needles=[N("tests/test_many.py::test_even[3]", FAILING_TEST),
                               N("tests/test_many.py::test_even[20]", FAILING_TEST),
                               N("tests/test_many.py::test_even[37]", FAILING_TEST), N("3 failed", COUNT),
                               N("437 passed", COUNT), N("unlucky 3", ASSERTION)]))
    out, command = _pytest("-rA tests/", project)
    cases.append(Case("pytest_ra_all", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      failing=True, exit_code=out.rc, asked="Full test run with the short summary of every test.",
                      needles=[N("FAILED tests/test_calc.py::test_div_zero", FAILING_TEST),
                               N("FAILED tests/test_many.py::test_even[20]", FAILING_TEST),
                               N("6 failed", COUNT), N("1 skipped", COUNT)]))
    for name, args in (("pytest_all_pass", "-q tests/test_many.py -k square"),
                       ("pytest_all_pass_verbose", "-v tests/test_many.py -k square")):
        out, command = _pytest(args, project)
        cases.append(Case(name, out.text, command, kind="pytest", program="pytest", family="test-runner",
                          exit_code=out.rc, asked="Check the square tests still pass after the refactor.",
                          needles=[N("400 passed", COUNT), N("40 deselected", COUNT)]))
    write_files(project, {"tests/test_broken.py": "import not_a_module_xyz\n\ndef test_x():\n    pass\n"})
    out, command = _pytest("tests/", project)
    cases.append(Case("pytest_collection_error", out.text, command, kind="pytest", program="pytest",
                      family="test-runner", failing=True, exit_code=out.rc, asked="Run the whole suite.",
                      needles=[N("ERROR tests/test_broken.py", FAILING_TEST),
                               N("ModuleNotFoundError: No module named 'not_a_module_xyz'", ERROR),
                               N("Interrupted: 1 error during collection", COUNT)]))
    out, command = _pytest("-x tests/test_calc.py tests/test_many.py", project)
    cases.append(Case("pytest_exitfirst", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      failing=True, exit_code=out.rc, asked="Stop at the first failing test and show it.",
                      needles=[N("tests/test_calc.py::test_add_wrong", FAILING_TEST), N("1 failed", COUNT),
                               N("assert 4 == 5", ASSERTION)]))
    (project / "tests/test_broken.py").unlink()
    write_files(project, {"tests/test_locale.py": """
        import locale
        import pytest

        def currency_code(n):
            lang, _ = locale.getdefaultlocale()  # deprecated since Python 3.11
            return f"{lang or 'C'}-{n:04d}"

        @pytest.mark.parametrize("n", range(300))
        def test_currency_code(n):
            assert currency_code(n).endswith(f"{n:04d}")

        def test_currency_code_width():
            assert currency_code(7) == "C-07"
        """})
    out, command = _pytest("-q tests/test_locale.py tests/test_calc.py", project)
    cases.append(Case("pytest_warnings_then_failures", out.text, command, kind="pytest", program="pytest",
                      family="test-runner", failing=True, exit_code=out.rc,
                      asked="Run the locale and calc tests; ignore the deprecation noise, which tests fail?",
                      needles=[N("FAILED tests/test_locale.py::test_currency_code_width", FAILING_TEST),
                               N("FAILED tests/test_calc.py::test_div_zero", FAILING_TEST),
                               N(first_match(r"^\d+ failed, \d+ passed, \d+ skipped, \d+ warnings in .*$", out.text).split(" in ")[0], COUNT),
                               N(first_match(r"^E\s+AssertionError: assert '.+' == 'C-07'$", out.text).split("assert ", 1)[1], ASSERTION)]))
    (project / "tests/test_locale.py").unlink()
    files, failing_names = {}, []
    rng = random.Random(7)
    for m in range(30):
        body = ["import pytest", ""]
        for t in range(25):
            name = f"test_case_{m:02d}_{t:02d}"
            if rng.random() < 0.012:
                failing_names.append(f"tests/test_mod{m:02d}.py::{name}")
                body += [f"def {name}():", f"    data = {{'id': {m * 100 + t}, 'ok': False}}",
                         "    assert data['ok'], f\"record {data['id']} not ok\"", ""]
            else:
                body += [f"def {name}():", f"    assert {t} + 1 == {t + 1}", ""]
        files[f"tests/test_mod{m:02d}.py"] = "\n".join(body)
    write_files(tmp / "big", files)
    out, command = _pytest("-v --tb=short tests/", tmp / "big")
    cases.append(Case("pytest_big_mixed", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      failing=True, exit_code=out.rc, asked="Run all 750 tests verbosely; I need the failing ones.",
                      needles=[N(n, FAILING_TEST) for n in failing_names]
                      + [N(f"{len(failing_names)} failed", COUNT)]))
    cases += unittest_small(tmp)
    return cases


def unittest_small(tmp: Path) -> list[Case]:
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
    verbose = sh(f"{PY} -m unittest -v test_store", project)
    quiet = sh(f"{PY} -m unittest test_store", project)
    common = dict(kind="unittest", program="unittest", family="test-runner", failing=True)
    return [Case("unittest_verbose", verbose.text, "python -m unittest -v test_store", exit_code=verbose.rc,
                 asked="Run the store tests verbosely: which fail?", **common,
                 needles=[N("test_get_missing", FAILING_TEST), N("test_delete", FAILING_TEST),
                          N("test_item_150", FAILING_TEST), N("FAILED (failures=2, errors=1)", COUNT),
                          N("KeyError: 'order-1234'", ERROR), N("item 150 broken", ASSERTION)]),
            Case("unittest_quiet", quiet.text, "python -m unittest test_store", exit_code=quiet.rc, **common,
                 asked="Run the store tests.",
                 needles=[N("test_get_missing", FAILING_TEST), N("test_delete", FAILING_TEST),
                          N("FAILED (failures=2, errors=1)", COUNT)])]


def own_suite(tmp: Path) -> list[Case]:
    """This project's own unit tests, with a real off-by-one put into a scratch copy of tokens.py."""
    work = tmp / "ctxlean"
    for part in ("src", "tests", "pyproject.toml"):
        src = REPO / part
        (shutil.copytree(src, work / part, ignore=shutil.ignore_patterns("__pycache__", "e2e"))
         if src.is_dir() else shutil.copy(src, work / part))
    env = {"PYTHONPATH": str(work / "src")}
    modules = ("tests/test_config.py tests/test_store.py tests/test_budget.py tests/test_fetch.py "
               "tests/test_summarize_registry.py tests/test_hooks_budget.py tests/test_fakeapi.py")
    cases = []
    out, command = _pytest(f"-q -p no:randomly {modules}", work, env)
    cases.append(Case("pytest_ctxlean_pass", out.text, command.replace(" -p no:randomly", ""), kind="pytest",
                      program="pytest", family="test-runner", exit_code=out.rc,
                      asked="Before changing the store, check that its tests and their neighbours pass.",
                      needles=[N(first_match(r"\d+ passed", out.text), COUNT)],
                      source=f"this project's tests ({modules})"))
    out, command = _pytest("--co -q tests/", work, env)
    row = out.text.split("\n")[len(out.text.split("\n")) // 2]
    cases.append(Case("pytest_collect_only", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      exit_code=out.rc, source="this project's tests",
                      asked=f"Is there a test named {row.split('::')[-1][:60]}, and in which file?",
                      needles=[N(row, FAILING_TEST), N(first_match(r"^\d+ tests collected.*$|^\d+/\d+ tests collected.*$", out.text), COUNT)]))
    out, command = _pytest(f"-q --durations=15 {modules}", work, env)
    cases.append(Case("pytest_durations", out.text, command, kind="pytest", program="pytest", family="test-runner",
                      exit_code=out.rc, source=f"this project's tests ({modules})",
                      asked="Which of these tests are slowest?",
                      needles=[N(first_match(r"^[\d.]+s (?:call|setup|teardown)\s+\S+$", out.text), VALUE),
                               N(first_match(r"\d+ passed", out.text), COUNT)]))
    edit(work / "src/ctxlean/tokens.py", "BYTES_PER_TOKEN = 4", "BYTES_PER_TOKEN = 3")
    for name, args in (("pytest_ctxlean_tokens_bug", f"-q {modules}"),
                       ("pytest_ctxlean_tokens_bug_verbose", f"-v --tb=short {modules}")):
        out, command = _pytest(args, work, env)
        failed = all_matches(r"^FAILED (\S+)", out.text, 1)
        summary = first_match(r"^=*\s*(\d+ failed, \d+ passed.*?) in [\d.]+s", out.text, 1)
        cases.append(Case(name, out.text, command, kind="pytest", program="pytest", family="test-runner", failing=True,
                          exit_code=out.rc, source="this project's tests; scratch copy with BYTES_PER_TOKEN = 3 in tokens.py",
                          asked="I changed BYTES_PER_TOKEN in tokens.py to 3; run the tests that depend on it and show what broke.",
                          needles=[N(f, FAILING_TEST) for f in failed[:4]] + [N(summary, COUNT),
                                   N(first_match(r"^E\s+assert .+$", out.text)[:80], ASSERTION)]))
    return cases


def more_itertools(tmp: Path) -> list[Case]:
    """more-itertools' own suite (unittest style) run by pytest and unittest, with chunked() taking n + 1."""
    work = tmp / "more-itertools"
    provenance = checkout("more-itertools/more-itertools", work)
    if provenance is None:
        return []
    cases = []
    out, command = _pytest("-q tests/test_recipes.py", work)
    cases.append(Case("pytest_more_itertools_pass", out.text, command, kind="pytest", program="pytest",
                      family="test-runner", exit_code=out.rc, source=provenance,
                      asked="Run the recipes tests of more-itertools before I touch them.",
                      needles=[N(first_match(r"\d+ passed", out.text), COUNT)]))
    edit(work / "more_itertools/more.py", "    iterator = iter(partial(take, n, iter(iterable)), [])",
         "    iterator = iter(partial(take, n + 1, iter(iterable)), [])")
    for name, args in (("pytest_more_itertools_bug", "-q tests/"), ("pytest_more_itertools_bug_rA", "-rf -q --tb=line tests/"),
                       ("pytest_more_itertools_bug_verbose", "-v tests/test_more.py")):
        out, command = _pytest(args, work)
        failed = all_matches(r"^FAILED (\S+)", out.text, 1)
        summary = first_match(r"(\d+ failed, \d+ passed[^=\n]*?) in [\d.]+s", out.text, 1)
        needles = [N(f, FAILING_TEST) for f in failed[:3] + failed[-2:]] + [N(summary, COUNT)]
        if "line" not in args:
            needles.append(N(first_match(r"^E\s+AssertionError: .+$", out.text), ASSERTION))
        cases.append(Case(name, out.text, command, kind="pytest", program="pytest", family="test-runner", failing=True,
                          exit_code=out.rc, source=provenance + " with chunked() off by one",
                          asked="I optimised chunked(); run the whole suite and list the failures.",
                          needles=needles))
    out = sh(f"make test PYTHON={PY}", work, env={"PATH": f"{Path(PY).parent}:" + __import__("os").environ["PATH"]})
    cases.append(Case("make_test_more_itertools", out.text, "make test", kind="unittest", program="make", family="build",
                      failing=True, exit_code=out.rc, source=provenance + " with chunked() off by one",
                      asked="Run make test for more-itertools and tell me which tests fail.",
                      needles=[N(f, FAILING_TEST) for f in all_matches(r"^FAIL: (\S+ \([\w.]+\))", out.text, 1)[:3]]
                      + [N(first_match(r"^FAILED \(.+\)$", out.text), COUNT),
                         N(first_match(r"^make: \*\*\* \[Makefile:\d+: test\] Error \d+$", out.text), ERROR)]))
    for name, args in (("unittest_more_itertools_bug", "discover -s tests -t ."),
                       ("unittest_more_itertools_bug_verbose", "discover -v -s tests -t .")):
        out = sh(f"{PY} -m unittest {args}", work)
        failed = all_matches(r"^FAIL: (\S+ \([\w.]+\))", out.text, 1)
        cases.append(Case(name, out.text, f"python -m unittest {args}", kind="unittest", program="unittest",
                          family="test-runner", failing=True, exit_code=out.rc,
                          source=provenance + " with chunked() off by one",
                          asked="Same suite with unittest: which test methods fail?",
                          needles=[N(f, FAILING_TEST) for f in failed[:3]]
                          + [N(first_match(r"^FAILED \(.+\)$", out.text), COUNT),
                             N(first_match(r"^AssertionError: .+$", out.text), ASSERTION)]))
    return cases


BUILDERS = {"pytest-small": small_projects, "pytest-own": own_suite, "more-itertools": more_itertools}
