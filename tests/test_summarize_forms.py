"""Summaries of work written elsewhere: every detector contributes, levels by form, diffs with their changed
lines, and the lines the model asked for (the classes lost on outside workloads, issue 18)."""

import pytest
from summarize_helpers import summary_of

from ctxlean.summarize import Payload, forms, summarize
from ctxlean.summarize.asked import asked_text, command_operands


@pytest.mark.parametrize("line", [
    "├── pretty-error@4.0.0", "│ ├── http-errors@2.0.0", "│ │ └── es-errors@1.3.0",
    "npm http fetch GET 200 https://registry.npmjs.org/pretty-error 31ms (cache hit)",
    "import ErrorBoundary from './ErrorBoundary'", "def on_error_retry(self, error_count=0):",
    "  sass-loader@13.3.2 uses error-ex@1.3.2", "5 passed, 0 failed", "all 40 checks ok",
])
def test_names_that_hold_error_words_are_not_errors(line):
    assert forms.form_of(line) is None


@pytest.mark.parametrize(("line", "kind"), [
    ("npm ERR! code ERESOLVE", forms.ERROR), ("npm error ERESOLVE could not resolve", forms.ERROR),
    ("src/a.c:12:5: error: expected ';' before '}' token", forms.ERROR),
    ("error[E0308]: mismatched types", forms.ERROR), ("src/x.ts(3,1): error TS2322: Type 'string'", forms.ERROR),
    ("ValueError: invalid literal for int() with base 10: 'big'", forms.ERROR),
    ("2026-11-25 10:00:01 ERROR db timeout", forms.ERROR), ("fatal: not a git repository", forms.ERROR),
    ("[  FAILED  ] MathTest.Add (0 ms)", forms.FAILURE), ("--- FAIL: TestParse (0.00s)", forms.FAILURE),
    ("math_test.cc:14: expected 78, got 76", forms.FAILURE), ("62/64 tests passed", forms.FAILURE),
    ("make: *** [Makefile:12: test] Error 2", forms.EXIT), ("warning: unused variable 'x'", forms.WARNING),
])
def test_levels_and_diagnostics_by_form(line, kind):
    assert forms.form_of(line) == kind


def make_test_output() -> str:
    """`make test`: a build with hundreds of compiler warnings, then a test binary whose one failure is at
    the end (the shapes gcc and GoogleTest print)."""
    lines = [f"src/module_{i % 40}.c:{10 + i}:5: warning: unused variable 'tmp{i}' [-Wunused-variable]"
             for i in range(500)]
    lines += ["[==========] Running 64 tests from 8 test suites.", "[ RUN      ] Totals.Sum",
              "test/totals_test.cc:31: Failure", "Expected equality of these values:",
              "  totals.sum(): expected 78, got 76", "[  FAILED  ] Totals.Sum (0 ms)",
              "[==========] 64 tests from 8 test suites ran. (3 ms total)", "62/64 tests passed",
              "[  FAILED  ] 2 tests, listed below:", "[  FAILED  ] Totals.Sum", "[  FAILED  ] Totals.Mean",
              "make: *** [Makefile:20: test] Error 1"]
    return "\n".join(lines) + "\n"


def test_a_build_full_of_warnings_still_shows_the_failing_test_at_its_end():
    summary = summary_of(make_test_output(), "make test")
    assert summary.kind == "compiler"  # the compiler warnings are its bulk
    assert "[  FAILED  ] Totals.Sum" in summary.body and "expected 78, got 76" in summary.body
    assert "62/64 tests passed" in summary.body
    assert summary.hint == f"grep={forms.GREP[forms.FAILURE]!r}".replace("'", '"')


def test_an_npm_log_lists_its_real_error_not_package_names():
    lines = [f"npm http fetch GET 200 https://registry.npmjs.org/{name} {i}ms (cache hit)"
             for i, name in enumerate(["pretty-error", "http-errors", "es-errors", "error-ex"] * 300)]
    lines += ["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree",
              'npm ERR! Could not resolve dependency: peer react@"^17.0.0" from react-dom@17.0.2']
    lines += [f"npm timing reify:loadTrees Completed in {i}ms" for i in range(200)]
    summary = summary_of("\n".join(lines) + "\n", "npm install")
    assert 'peer react@"^17.0.0" from react-dom@17.0.2' in summary.body
    assert "failures and errors in the omitted range: 3\n" in summary.body  # the npm ERR! lines, no package


def test_git_log_p_shows_the_changed_lines():
    commits = []
    for i in range(30):
        commits.append(f"commit {i:040x}\nAuthor: Ada <a@example.test>\nDate:   Mon Jan 5 10:00:00 2026 +0000\n\n"
                       f"    Change {i}\n\ndiff --git a/src/rates.py b/src/rates.py\nindex 1111111..2222222 100644\n"
                       f"--- a/src/rates.py\n+++ b/src/rates.py\n@@ -{10 + i},3 +{10 + i},3 @@ def rate():\n"
                       f"-    return base * {i}\n+    return base * {i + 1} + surcharge_{i}\n")
    summary = summary_of("\n".join(commits), "git log -p -30")
    assert summary.kind == "git-log" and "git log: 30 commits" in summary.body
    assert "+    return base * 1 + surcharge_0" in summary.body
    assert "-    return base * 0" in summary.body


def test_the_line_the_model_asked_about_is_shown_from_the_middle_of_a_listing():
    rows = [f"drwxr-xr-x  2 dev dev 4096 Mar  2 10:00 component_{i:04d}" for i in range(400)]
    rows[203] = "-rw-r--r--  1 dev dev 18231 Mar  2 10:00 billing_reconciler.conf"
    text = "\n".join(rows) + "\n"
    payload = Payload(text, tool="Bash", tool_input={"command": "ls -la /srv/conf"}, size=len(text),
                      asked=asked_text("Where is the billing_reconciler config kept?", {"command": "ls -la /srv/conf"}))
    assert "billing_reconciler.conf" in summarize(payload, 330).body
    without = Payload(text, tool="Bash", tool_input={"command": "ls -la /srv/conf"}, size=len(text))
    assert summarize(without, 330).body == summarize(without, 330).body  # deterministic


def test_a_command_names_what_it_looks_at_by_its_operands():
    assert command_operands("git diff HEAD~3 -- src/app.py") == "HEAD~3 src/app.py"
    assert command_operands("grep -rn compute_total . | head -40") == "compute_total ."
    assert command_operands("pytest tests/test_dates.py::test_parse_iso -x") == "tests/test_dates.py::test_parse_iso"


def test_git_diff_stat_quotes_its_totals_and_never_claims_zero_files(tmp_path):
    """A real `git diff --stat`: no patch headers, so nothing may be counted from them."""
    import subprocess

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.test", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    for i in range(41):
        (tmp_path / f"module_{i:02d}.py").write_text("".join(f"value_{j} = {j}\n" for j in range(30)))
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    for i in range(41):
        (tmp_path / f"module_{i:02d}.py").write_text("".join(f"value_{j} = {j * 2}\n" for j in range(30)))
    stat = subprocess.run([*git, "diff", "--stat"], capture_output=True, text=True, check=True).stdout
    summary = summary_of(stat, "git diff --stat")
    assert "41 files changed, 1189 insertions(+), 1189 deletions(-)" in summary.body  # value_0 = 0 stays
    assert "0 files changed" not in summary.body.replace("41 files changed", "")
    assert "L1: module_00.py | 58\n" in summary.body
