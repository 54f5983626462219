"""A fast slice of the fidelity benchmark (benchmarks/fidelity/run.py) on real tool outputs from its corpus:
the needles survive (in the summary, else in one fetch_detail call), no false success, within budget."""

import importlib.util
import sys
from pathlib import Path

import pytest

from ctxlean.config import Config
from ctxlean.store.sqlite import SqliteStore

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "fidelity"
# Payloads whose needles main's summarizers keep (benchmarks/fidelity/run.py reports on all of them).
SLICE = ("^(pytest_big_mixed|pytest_verbose_big|pytest_ra_all|unittest_verbose|pytest_ctxlean_tokens_bug_verbose|"
         "python_chained_traceback|node_test_spec|cargo_clippy_then_test_semver|ruff_ctxlean_summarize_all|mypy_big|"
         "mypy_strict_more_itertools|ruff_concise|tsc_errors|postgres_server_log|rust_panic|"
         "shellcheck_gettextize_json1|json_pip_inspect|read_engine_py|ls_la_usr_bin|grep_self|"
         "git_log_graph_cjson|git_blame_cjson|html_pydoc_argparse|json_jsonschema_issue232|git_show_commander_head|npm_view_jest|"
         "log_apt_history|binary_png)$")


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("fidelity_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(run, tmp_path_factory):
    cases = run.load(BENCH / "corpus", SLICE)
    assert len(cases) >= 20, "the corpus is missing payloads: run benchmarks/fidelity/build_corpus.py"
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


def test_a_success_phrase_is_a_claim_unless_the_payload_says_it(run):
    payload = "test result: ok. 3 passed\nSuccess: no issues found in 1 source file\ntest result: FAILED. 1 failed\n"
    assert run.success_claim("3 failed; all tests passed", payload) == "all tests passed"
    assert run.success_claim("no errors found", payload) == "no errors found"
    assert run.success_claim("L2: Success: no issues found in 1 source file", payload) == ""


def test_every_sidecar_says_what_was_asked_and_where_it_came_from(run):
    cases = run.load(BENCH / "corpus", None)
    assert len(cases) >= 300
    assert len({c.meta["program"].split()[0] for c in cases}) >= 30
    assert [c.name for c in cases if not (c.meta.get("asked") and c.meta.get("family") and c.meta.get("source"))] == []
    assert [c.name for c in cases if any(n["text"] not in c.text for n in c.meta["needles"])] == []
