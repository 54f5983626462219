"""A fast slice of the fidelity benchmark (benchmarks/fidelity/run.py) on real tool outputs from its corpus:
the needles survive (in the summary, else in one fetch_detail call), no false success, within budget."""

import importlib.util
import sys
from pathlib import Path

import pytest

from ctxlean.config import Config
from ctxlean.store.sqlite import SqliteStore

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "fidelity"
SLICE = ("pytest_verbose_big|pytest_collection_error|unittest_verbose|mypy_big|ruff_concise|gcc_errors|app_log|"
         "python_chained_traceback|json_api_orders|csv_orders|git_diff_big|git_log$|find_site_packages|grep_defs|"
         "source_sqlite|source_ledger_h|build_log_middle_error|go_test_verbose|cargo_test_failing")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("fidelity_run", BENCH / "run.py")
    run = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run  # its dataclasses look their module up
    spec.loader.exec_module(run)
    cases = run.load(BENCH / "corpus", SLICE)
    assert len(cases) >= 15, "the corpus is missing payloads: run benchmarks/fidelity/build_corpus.py"
    store = SqliteStore(tmp_path_factory.mktemp("fidelity") / "store.sqlite3")
    try:
        yield run.evaluate(cases, store, Config())
    finally:
        store.close()


def test_needles_are_in_the_summary(results):
    missing = [(r.case.name, n["text"]) for r in results
               for n, found in zip(r.case.meta["needles"], r.found, strict=True) if not found]
    assert missing == []


def test_every_needle_is_one_fetch_away(results):
    assert all(all(r.found_fetch) for r in results)


def test_no_false_success_and_failures_are_named(results):
    failing = [r for r in results if r.case.meta["failing"]]
    assert len(failing) >= 12
    assert [r.case.name for r in failing if r.false_success] == []


def test_within_budget_and_compressed(results):
    assert [r.case.name for r in results if not r.within_budget] == []
    big = [r for r in results if r.case.size > 20_000]
    assert len(big) >= 8
    assert [r.case.name for r in big if len(r.replacement) * 10 > len(r.case.text)] == []


def test_each_payload_is_summarized_as_its_kind(results):
    assert [(r.case.name, r.kind) for r in results
            if r.kind != "(not offloaded)" and r.case.meta["kind"] not in r.kind] == []
