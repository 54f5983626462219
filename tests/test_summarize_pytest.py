"""pytest and unittest output: the runner's result line, every failing test, each failure's first error."""

from summarize_helpers import kind_of, summary_of


def pytest_run(failing: int = 3, passing: int = 400) -> str:
    lines = ["============================= test session starts ==============================",
             "platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0", "rootdir: /home/dev/shop",
             f"collected {failing + passing} items", ""]
    lines += [f"tests/test_orders.py::test_ok_{i} PASSED{'':20}[{i % 100:3d}%]" for i in range(passing)]
    lines += [f"tests/test_orders.py::test_bad_{i} FAILED{'':20}[ 99%]" for i in range(failing)]
    lines += ["", "=================================== FAILURES ==================================="]
    for i in range(failing):
        lines += [f"__________________________________ test_bad_{i} __________________________________", "",
                  f"    def test_bad_{i}():", f">       assert total(order_{i}) == {i + 100}",
                  f"E       assert {i + 99} == {i + 100}", f"E        +  where {i + 99} = total(order_{i})", "",
                  f"tests/test_orders.py:{40 + i}: AssertionError"]
    lines += ["=========================== short test summary info ============================"]
    lines += [f"FAILED tests/test_orders.py::test_bad_{i} - assert {i + 99} == {i + 100}" for i in range(failing)]
    lines += [f"======================== {failing} failed, {passing} passed in 1.92s ========================"]
    return "\n".join(lines) + "\n"


def test_failing_run_keeps_result_line_every_failure_and_first_error():
    text = pytest_run()
    summary = summary_of(text, "cd shop && python -m pytest -v")
    assert summary.kind == "pytest"
    assert "3 failed, 400 passed in 1.92s" in summary.body
    for i in range(3):
        assert f"FAILED tests/test_orders.py::test_bad_{i} - assert {i + 99} == {i + 100}" in summary.body
        assert f"E       assert {i + 99} == {i + 100}" in summary.body
    assert "tests/test_orders.py:40" in summary.body
    first_section = text.split("\n").index("__________________________________ test_bad_0 "
                                           "__________________________________") + 1
    assert summary.hint.startswith(f'lines="{first_section}-')


def test_output_without_result_line_says_so_and_claims_nothing():
    text = "\n".join(pytest_run().split("\n")[:300])  # cut before the failures and the result line
    summary = summary_of(text, "pytest -v")
    assert "no closing result line" in summary.body
    assert "passed" not in summary.body.split("\n")[0]


def test_passing_run_quotes_the_runner_only():
    summary = summary_of(pytest_run(failing=0, passing=900), "pytest -q")
    assert "900 passed in 1.92s" in summary.body
    assert "failing" not in summary.body


def test_detected_from_content_when_the_command_hides_it():
    assert kind_of(pytest_run(), "make check") == "pytest"
    assert kind_of(pytest_run(), "grep -rn pytest src/") != "pytest"


def unittest_run() -> str:
    lines = [f"test_item_{i:03d} (test_store.BigTest.test_item_{i:03d}) ... ok" for i in range(300)]
    lines[150] = "test_item_150 (test_store.BigTest.test_item_150) ... FAIL"
    lines += ["", "=" * 70, "ERROR: test_delete (test_store.StoreTest.test_delete)", "-" * 70,
              "Traceback (most recent call last):", '  File "/home/dev/test_store.py", line 11, in test_delete',
              '    raise KeyError("order-1234")', "KeyError: 'order-1234'", "", "=" * 70,
              "FAIL: test_item_150 (test_store.BigTest.test_item_150)", "-" * 70,
              "Traceback (most recent call last):", '  File "/home/dev/test_store.py", line 17, in <lambda>',
              "AssertionError: False is not true : item 150 broken", "", "-" * 70,
              "Ran 301 tests in 0.021s", "", "FAILED (failures=1, errors=1)"]
    return "\n".join(lines) + "\n"


def test_unittest_keeps_status_and_each_failure_with_its_exception():
    summary = summary_of(unittest_run(), "python -m unittest -v test_store")
    assert summary.kind == "unittest"
    assert "FAILED (failures=1, errors=1)" in summary.body
    assert "ERROR: test_delete" in summary.body and "KeyError: 'order-1234'" in summary.body
    assert "FAIL: test_item_150" in summary.body and "item 150 broken" in summary.body


def test_real_short_traceback_run_with_spaces_in_parameter_ids_names_each_failing_test_and_file(tmp_path):
    """pytest -q --tb=short on parametrized tests whose ids hold spaces (ids come from the values)."""
    import subprocess
    import sys

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_text.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('title', [f'Quarterly Report {n} Final' for n in range(3)])\n"
        "def test_slugify(title):\n    slug = title.replace(' ', '-')\n    assert slug == slug.lower()\n")
    text = subprocess.run([sys.executable, "-m", "pytest", "-q", "--tb=short", "-p", "no:cacheprovider"],
                          cwd=tmp_path, capture_output=True, text=True).stdout
    summary = summary_of(text, "python -m pytest -q --tb=short")
    assert summary.kind == "pytest"
    assert "3 failed" in summary.body
    assert "FAILED tests/test_text.py::test_slugify[Quarterly Report 0 Final]" in summary.body
    assert "(tests/test_text.py:7) L" in summary.body  # the failure's location, from "path:7: in test_slugify"
