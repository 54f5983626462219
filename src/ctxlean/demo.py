"""`python -m ctxlean.demo` (`make demo`): the real Claude Code CLI on one scripted task, without and with
ctxlean, against the fake Anthropic API on 127.0.0.1; prints what each run sent to the model.

The task: a test suite fails with a long verbose log; find the failing test, then the faulty function in
an 80 KB source file. The scripted model reacts to what it sees, like a real one: without ctxlean it reads
the log Claude Code saved and the whole source file; with ctxlean it reads summaries and asks
fetch_detail for the lines it needs. Nothing leaves the machine and no API key is needed.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ctxlean.fakeapi import FakeAnthropic, Rule, Script
from ctxlean.fakeapi.claude import FETCH_DETAIL, claude_executable, install_ctxlean, isolate_network, run_claude
from ctxlean.fakeapi.messages import input_tokens_for
from ctxlean.fakeapi.script import (
    HANDLE_RE,
    all_tool_result_texts,
    has_tool_result,
    last_tool_result_text,
    not_,
    reply,
    text,
    tool_result_for,
    tool_use,
)
from ctxlean.tokens import estimate_tokens

TESTS = 900
FAILING = "test_invoice_rounding_0917"
# What the task is about: the assertion that fails, and the source line that causes it.
NEEDLES = ("AssertionError: assert Decimal('10.00') == Decimal('10.01')",
           "return total.quantize(CENT, rounding=ROUND_DOWN)")
PROMPT = "The test suite fails. Run tests/run_suite.py, find the failing test and its cause."

RUN_SUITE = f'''"""A verbose test run with one failure (stands in for `pytest -v`)."""
import sys

for i in range(1, {TESTS + 1}):
    name = "{FAILING}" if i == 917 else f"test_invoice_case_{{i:04d}}"
    outcome = "FAILED" if i == 917 else "PASSED"
    print(f"tests/test_billing.py::{{name}} {{outcome}}{{' ' * 20}}[{{i * 100 // {TESTS}:3d}}%]")
print("=" * 30 + " FAILURES " + "=" * 30)
print("_" * 20 + " {FAILING} " + "_" * 20)
print("    def {FAILING}():")
print("        invoice = Invoice(lines=[Line(3, Decimal('3.3367'))])")
print(">       assert invoice_total(invoice) == Decimal('10.01')")
print("E       {NEEDLES[0]}")
print("tests/test_billing.py:917: AssertionError")
print("FAILED tests/test_billing.py::{FAILING} - AssertionError")
print("=" * 20 + " 1 failed, {TESTS - 1} passed in 12.34s " + "=" * 20)
sys.exit(1)
'''


def billing_source() -> str:
    """About 80 KB of plausible code with the faulty function in the middle."""
    helpers = [f"def discount_rule_{i:04d}(invoice):\n    \"\"\"Discount rule {i}: volume tier {i % 9}.\"\"\"\n"
               f"    if invoice.volume > {i * 10}:\n        return Decimal('0.{i % 90 + 10:02d}')\n"
               f"    return Decimal('0')\n\n" for i in range(480)]
    faulty = ("def invoice_total(invoice):\n    \"\"\"Sum of the invoice lines, to the cent.\"\"\"\n"
              "    total = sum(line.quantity * line.price for line in invoice.lines)\n"
              f"    {NEEDLES[1]}\n\n")
    header = "from decimal import ROUND_DOWN, Decimal\n\nCENT = Decimal('0.01')\n\n"
    return header + "".join(helpers[:240]) + faulty + "".join(helpers[240:])


def handle_in_last_result(req) -> str | None:
    found = HANDLE_RE.search(last_tool_result_text(req.body) or "")
    return found.group(0) if found else None


def last_result_has(*needles: str):
    return lambda req: all(n in (last_tool_result_text(req.body) or "") for n in needles)


def task_script(source: Path) -> Script:
    """The scripted model: each rule is the next step given what the last tool result shows."""
    saved = re.compile(r"Full output saved to: (\S+)")
    read_source = reply(text("Found the failing test; now the code it tests."),
                        tool_use("Read", {"file_path": str(source)}))
    fetch = lambda **selector: lambda req: reply(  # noqa: E731
        tool_use(FETCH_DETAIL, {"handle": handle_in_last_result(req), **selector}))
    return Script([
        # Through tee, as agents often run tests: a command that exits non-zero gets PostToolUseFailure
        # instead of PostToolUse, and Claude Code keeps only the first 10,000 characters of its output.
        Rule("run suite", match=not_(has_tool_result), respond=reply(tool_use("Bash", {
            "command": f"{shlex.quote(sys.executable)} tests/run_suite.py 2>&1 | tee test-output.log",
            "description": "Run the test suite"}))),
        Rule("answer", match=last_result_has(NEEDLES[1]), respond=reply(text(
            f"{FAILING} fails: invoice_total rounds with ROUND_DOWN (src/billing.py); use ROUND_HALF_UP."))),
        Rule("read source", match=last_result_has(FAILING, NEEDLES[0]), respond=read_source),
        Rule("read saved log", match=last_result_has("Full output saved to: "), respond=lambda req: reply(
            tool_use("Read", {"file_path": saved.search(last_tool_result_text(req.body)).group(1)}))),
        Rule("fetch failure", match=[tool_result_for("Bash"), handle_in_last_result],
             respond=fetch(grep="FAILED|Error")),
        Rule("fetch function", match=[tool_result_for("Read"), handle_in_last_result],
             respond=fetch(grep="def invoice_total|quantize")),
    ])


def measure(api: FakeAnthropic, wall: float) -> dict:
    bodies = [r["body"] for r in api.model_requests()]
    seen = all_tool_result_texts(bodies[-1])  # the last request carries every earlier tool result
    largest = max((estimate_tokens(result) for result in seen), default=0)
    return {"model requests": len(bodies),
            "input tokens sent": sum(input_tokens_for(b) for b in bodies),
            "largest tool result (tokens)": largest,
            "needles reached the model": f"{sum(any(n in r for r in seen) for n in NEEDLES)} of {len(NEEDLES)}",
            "wall time (s)": f"{wall:.1f}"}


def run_task(label: str, home: Path, project: Path, step: str) -> dict:
    print(f"{step} running Claude Code {label} ...", file=sys.stderr, flush=True)
    with FakeAnthropic(task_script(project / "src" / "billing.py"), log_path=home / "requests.jsonl") as api:
        run = run_claude(PROMPT, home=home, cwd=project, base_url=api.url)
    if run.result is None or not str(run.result.get("result")).startswith(FAILING):
        raise RuntimeError(f"the {label} run did not finish (rc {run.rc}): {run.stderr.strip()[-500:]}")
    print(f"      answer: {run.result.get('result')}", file=sys.stderr, flush=True)
    return measure(api, run.wall)


def table(without: dict, with_: dict) -> str:
    def cell(value) -> str:
        return f"{value:,}" if isinstance(value, int) else str(value)

    rows = [("", "without ctxlean", "with ctxlean")] + [(k, cell(without[k]), cell(with_[k])) for k in without]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:>16}  {c:>14}" for a, b, c in rows)


def main(argv: list[str] | None = None) -> int:

    from ctxlean.helptext import parser as help_parser

    parser = help_parser(
        "ctxlean demo", __doc__.split("\n\n")[0],
        reads="the Claude Code CLI ($CTXLEAN_CLAUDE, else the one claude-agent-sdk bundles)",
        writes="only a temporary dir (two throwaway HOMEs and a project), removed at the end",
        examples=["ctxlean demo", "make demo", "CTXLEAN_CLAUDE=$(which claude) ctxlean demo"])
    parser.parse_args((argv or ["demo"])[1:])
    try:
        return demo()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f"ctxlean demo: {exc}", file=sys.stderr)
        return 1


def demo() -> int:
    from ctxlean.install import using_claude

    print(f"      {using_claude(claude_executable())}", file=sys.stderr, flush=True)
    if not isolate_network():
        print("      (the demo only talks to 127.0.0.1 either way)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ctxlean-demo-") as tmp:
        root = Path(tmp)
        project = root / "project"
        (project / "tests").mkdir(parents=True)
        (project / "src").mkdir()
        (project / "tests" / "run_suite.py").write_text(RUN_SUITE)
        (project / "src" / "billing.py").write_text(billing_source())
        plain, lean = root / "home-without", root / "home-with"
        plain.mkdir()
        lean.mkdir()
        started = time.monotonic()
        without = run_task("without ctxlean", plain, project, "[1/3]")
        print("[2/3] installing ctxlean into a temporary HOME (ctxlean install) ...", file=sys.stderr, flush=True)
        installed = install_ctxlean(lean, project)
        if installed.returncode != 0:
            raise RuntimeError(f"ctxlean install failed: {installed.stderr.strip()}")
        with_ = run_task("with ctxlean", lean, project, "[3/3]")
        print(f"      done in {time.monotonic() - started:.0f} s\n", file=sys.stderr, flush=True)
    print(table(without, with_))
    saved = 1 - with_["input tokens sent"] / without["input tokens sent"]
    print(f"\nctxlean sent {saved:.0%} fewer input tokens for the same answer.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
