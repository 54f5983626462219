"""Fixing a failing test suite: a generated project whose real pytest run (verbose, long tracebacks)
fails in three modules; the model reads each first failure, opens the test and the code, fixes it, and
reruns the suite until it is green."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

from pathlib import Path

from agent import Needle, Step, Trajectory

# module -> (source with the planted bug, the buggy line, its fix, test source)
MODULES = {
    "dates": (
        "import datetime\n\n\ndef add_business_days(start: datetime.date, days: int) -> datetime.date:\n"
        "    current = start\n    while days > 0:\n        current += datetime.timedelta(days=1)\n"
        "        if current.weekday() < 6:\n            days -= 1\n    return current\n",
        "        if current.weekday() < 6:\n", "        if current.weekday() < 5:\n",
        "import datetime\n\nimport pytest\n\nfrom ledger.dates import add_business_days\n\n\n"
        "@pytest.mark.parametrize('offset', range(60))\ndef test_add_business_days(offset):\n"
        "    start = datetime.date(2026, 1, 5) + datetime.timedelta(days=offset)\n"
        "    end = add_business_days(start, 5)\n    assert end.weekday() < 5, f'{end} is a weekend day'\n"
        "    assert (end - start).days in (5, 6, 7), f'{start} + 5 business days gave {end}'\n",
    ),
    "pricing": (
        "def bulk_discount(quantity: int, unit_price: float) -> float:\n"
        "    rate = 0.1 if quantity > 100 else 0.0\n    return round(quantity * unit_price * (1 - rate), 2)\n",
        "    rate = 0.1 if quantity > 100 else 0.0\n", "    rate = 0.1 if quantity >= 100 else 0.0\n",
        "import pytest\n\nfrom ledger.pricing import bulk_discount\n\n\n"
        "@pytest.mark.parametrize('quantity', range(80, 140))\ndef test_bulk_discount(quantity):\n"
        "    expected = round(quantity * 2.5 * (0.9 if quantity >= 100 else 1.0), 2)\n"
        "    assert bulk_discount(quantity, 2.5) == expected\n",
    ),
    "text": (
        "import re\n\n\ndef slugify(title: str) -> str:\n"
        "    return re.sub(r'[^a-zA-Z0-9]+', '-', title).strip('-')\n",
        "    return re.sub(r'[^a-zA-Z0-9]+', '-', title).strip('-')\n",
        "    return re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')\n",
        "import pytest\n\nfrom ledger.text import slugify\n\nTITLES = [f'Quarterly Report {n} Final' for n in range(40)]\n\n\n"
        "@pytest.mark.parametrize('title', TITLES)\ndef test_slugify(title):\n"
        "    slug = slugify(title)\n    assert slug == slug.lower(), f'slug {slug!r} is not lower case'\n",
    ),
}
HEALTHY = 9  # more modules whose tests pass, so the suite is the size of a real one


def _write(root: Path) -> None:
    (root / "ledger").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "ledger" / "__init__.py").write_text("")
    (root / "README.md").write_text("# ledger\n\nSmall accounting helpers. Run the tests with `python -m pytest`.\n")
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")
    for name, (source, _, _, tests) in MODULES.items():
        (root / "ledger" / f"{name}.py").write_text(source)
        (root / "tests" / f"test_{name}.py").write_text(tests)
    for n in range(HEALTHY):
        (root / "ledger" / f"util{n}.py").write_text(f"def scale{n}(value: float) -> float:\n    return value * {n + 2}\n")
        (root / "tests" / f"test_util{n}.py").write_text(
            f"import pytest\n\nfrom ledger.util{n} import scale{n}\n\n\n@pytest.mark.parametrize('value', range(50))\n"
            f"def test_scale{n}(value):\n    assert scale{n}(value) == value * {n + 2}\n")


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    _write(root)
    # `; echo` keeps the exit status visible and the tool call successful, as agents often write it.
    suite = {"command": "python -m pytest -q --tb=short -p no:cacheprovider 2>&1; echo \"exit status $?\"",
             "description": "Run the test suite"}
    steps = [
        Step("Bash", {"command": "ls -R", "description": "List the project"}, "Let me look at the project.", seconds=1),
        Step("Read", {"file_path": "{cwd}/README.md"}, seconds=2),
        Step("Bash", {"command": "python -m pytest --collect-only -q -p no:cacheprovider",
                      "description": "Collect the tests"}, "First, which tests are there?", seconds=4),
    ]
    for round_, (name, (_, bug, fix, _)) in enumerate(MODULES.items(), 1):
        steps += [
            Step("Bash", suite, "Running the whole suite." if round_ == 1 else "Rerunning the suite.",
                 Needle(f"failure{round_}", rf"FAILED (tests/test_{name}\.py)::", f"tests/test_{name}.py",
                        grep="^FAILED", query="FAILED test short summary"),
                 seconds=25),
            Step("Read", {"file_path": "{cwd}/{failure" + str(round_) + "}"}, "Opening the first failing test.", seconds=3),
            Step("Read", {"file_path": f"{{cwd}}/ledger/{name}.py"}, edit=True, seconds=3),
            Step("Edit", {"file_path": f"{{cwd}}/ledger/{name}.py", "old_string": bug, "new_string": fix},
                 "Fixing the bug.", seconds=2),
            Step("Bash", {"command": "python -m pytest -q -p no:cacheprovider {failure" + str(round_) + "}",
                          "description": "Rerun the failing file"}, seconds=10),
            Step("Bash", {"command": f"git diff --stat && git diff ledger/{name}.py"}, seconds=1),
        ]
    steps += [
        Step("Bash", suite, "Final full run.", Needle("green", r"(\d+ passed) in", "610 passed",
                                                     grep="passed", query="passed summary"), seconds=30),
        Step("Bash", {"command": "git status --short"}, seconds=1),
        Step("Bash", {"command": "git add -A && git commit -qm 'Fix business days, bulk discount, slugify' && git log --oneline | head -3"},
             seconds=2),
    ]
    steps.insert(3, Step("Bash", {"command": "python -m pytest -v -p no:cacheprovider tests/test_util0.py tests/test_util1.py"},
                         "Checking that the helpers' tests run.", seconds=5))
    return Trajectory("fix_tests", "Fix a failing test suite",
                      "The test suite of this project fails. Find the failures and fix them until it is green.",
                      steps, heavy=True)
