"""A refactor with large diffs: a generated service of 40 modules calls `compute_total(...)`; the model
renames it to `order_total` everywhere with sed, reviews the (large) git diff, runs the tests, finds
the one call site sed could not rewrite (a keyword-argument wrapper) from the test failure and fixes it."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

from pathlib import Path

from agent import Needle, Step, Trajectory

MODULES = 40


def _module(n: int) -> str:
    lines = [f'"""Checkout step {n}: prices, discounts and taxes for region {n}."""', "",
             "from shop.totals import compute_total", ""]
    for k in range(6):
        lines += ["", f"def step_{n}_{k}(items, rate=0.{k + 1}):",
                  f"    \"\"\"Total for items in region {n}, variant {k}.\"\"\"",
                  "    subtotal = compute_total(items)",
                  f"    discount = subtotal * rate if len(items) > {k + 2} else 0.0",
                  "    taxed = (subtotal - discount) * 1.19",
                  f"    return round(taxed + {n % 5}, 2)"]
    return "\n".join(lines) + "\n"


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    shop = root / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("")
    (shop / "totals.py").write_text("def compute_total(items):\n    return sum(i['price'] * i['qty'] for i in items)\n")
    for n in range(MODULES):
        (shop / f"step{n:02d}.py").write_text(_module(n))
    # the call sed will miss: the function is looked up by name
    (shop / "registry.py").write_text("from shop import totals\n\nHANDLERS = {'total': getattr(totals, 'compute_' + 'total')}\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_shop.py").write_text(
        "import importlib\n\nimport pytest\n\nfrom shop.registry import HANDLERS\n\nITEMS = [{'price': 2.0, 'qty': 3}]\n\n\n"
        f"@pytest.mark.parametrize('n', range({MODULES}))\ndef test_steps(n):\n"
        "    module = importlib.import_module(f'shop.step{n:02d}')\n    assert module.__dict__[f'step_{n}_0'](ITEMS) > 0\n\n\n"
        "def test_registry():\n    assert HANDLERS['total'](ITEMS) == 6.0\n")
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")
    test = {"command": "python -m pytest -q --tb=short -p no:cacheprovider 2>&1; echo \"exit status $?\""}
    steps = [
        Step("Grep", {"pattern": "compute_total", "path": ".", "output_mode": "content", "-n": True},
             "Where is compute_total used?", seconds=2, shell="grep -rn compute_total ."),
        Step("Read", {"file_path": "{cwd}/shop/totals.py"}, edit=True, seconds=2),
        Step("Read", {"file_path": "{cwd}/shop/step00.py"}, seconds=2),
        Step("Bash", {"command": "grep -rl compute_total shop | wc -l"}, seconds=1),
        Step("Bash", {"command": "sed -i 's/\\bcompute_total\\b/order_total/g' shop/*.py"}, "Renaming everywhere.",
             seconds=2),
        Step("Bash", {"command": "git diff --stat"}, "Reviewing the change.",
             Needle("changed", r"(\d+ files changed)", f"{MODULES + 1} files changed", grep="files changed",
                    query="files changed"), seconds=1),
        Step("Bash", {"command": "git diff"}, seconds=3),
        Step("Bash", test, "Running the tests.",
             Needle("failing", r"(shop/\w+\.py):\d+: in <module>", "shop/registry.py",
                    grep="in <module>", query="ERROR collecting module"), seconds=10),
        Step("Bash", {"command": "git diff shop/registry.py shop/totals.py"}, seconds=1),
        Step("Read", {"file_path": "{cwd}/shop/registry.py"}, edit=True, seconds=2),
        Step("Edit", {"file_path": "{cwd}/shop/registry.py", "old_string": "getattr(totals, 'compute_' + 'total')",
                      "new_string": "totals.order_total"}, "The registry looked the old name up by string.",
             seconds=2),
        Step("Bash", test, "Again.", seconds=10),
        Step("Bash", {"command": "git diff"}, "Final review of the whole diff.", seconds=3),
        Step("Grep", {"pattern": "compute_total", "path": ".", "output_mode": "content", "-n": True}, seconds=1,
             shell="grep -rn compute_total . || true"),
        Step("Bash", {"command": "sed -i 's/Total for items/Order total for items/' shop/*.py && git diff --stat"},
             "Docstrings too.", seconds=2),
        Step("Bash", {"command": "git diff shop/step0*.py"}, seconds=2),
        Step("Bash", test, seconds=10),
        Step("Bash", {"command": "git add -A && git commit -qm 'Rename compute_total to order_total' && "
                                 "git show --stat HEAD | tail -n 5"}, seconds=2),
        Step("Bash", {"command": "git show HEAD"}, "The commit as a reviewer sees it.", seconds=3),
        Step("Bash", {"command": "git log --oneline"}, seconds=1),
    ]
    return Trajectory("refactor_diff", "Refactor with large diffs",
                      "Rename compute_total to order_total across the shop package and make sure the tests pass.",
                      steps, heavy=True)
