"""Source files (outline with line numbers), generic text (head, tail, error lines between) and binary."""

from summarize_helpers import kind_of, summary_of

from ctxlean.summarize import Payload, summarize


def python_module(classes: int = 3, methods: int = 4) -> str:
    lines = ['"""Orders."""', "import os", ""]
    for c in range(classes):
        lines += [f"class Order{c}(Base):", f'    """Order kind {c}."""', ""]
        for m in range(methods):
            lines += [f"    def method_{c}_{m}(self, value: int) -> int:", "        return value", ""]
    lines += ["if os.environ.get('X'):", "    def conditional_helper():", "        return 1", "",
              "def main() -> None:", "    pass", ""]
    return "\n".join(lines + ["# filler"] * 1500) + "\n"


def line_of(text: str, prefix: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if line.startswith(prefix))


def test_read_of_python_file_outlines_definitions_with_their_line_numbers():
    text = python_module()
    summary = summary_of(text, tool="Read", file_path="/repo/orders.py")
    assert summary.kind == "source"
    assert f"L{line_of(text, 'class Order1(Base):')}  class Order1(Base):" in summary.body
    assert f"L{line_of(text, '    def method_1_2')}    def method_1_2(self, value: int) -> int:" in summary.body
    # a def under a module-level `if` is top-level, not a member of the class above it
    assert f"L{line_of(text, '    def conditional_helper')}  def conditional_helper():" in summary.body
    assert summary.hint == 'lines="1-200"'


def test_big_file_falls_back_to_compact_names_and_keeps_the_last_definition():
    text = python_module(classes=60, methods=8)
    summary = summary_of(text, tool="Read", file_path="/repo/orders.py")
    assert "top-level definitions (62), then nested ones (480):" in summary.body
    assert f"class Order0 L{line_of(text, 'class Order0')}" in summary.body
    assert f"def main L{line_of(text, 'def main')}" in summary.body  # the last one, after "... N more ..."
    assert summary.hint.startswith("grep=")


def test_markdown_headings_skip_code_blocks_and_cat_counts_as_read():
    steps = (f"## Step {i}\n\n```bash\n# not a heading\nmake step{i}\n```\n\n" for i in range(100))
    md = "# Runbook\n\n" + "".join(steps)
    summary = summary_of(md, "cat docs/RUNBOOK.md")
    assert summary.kind == "source" and "# Runbook" in summary.body and "## Step 99" in summary.body
    assert "not a heading" not in summary.body
    assert kind_of(md, "cat docs/RUNBOOK.md | head") == "source"  # its first lines are the same document


def test_text_keeps_head_tail_and_the_error_in_the_middle():
    lines = [f"Compiling module {i}/900 ... done" for i in range(900)]
    lines[512] = "Compiling module 512/900 ... FAILED: internal compiler error: Segmentation fault"
    lines += ["Build finished with 1 error.", "exit status 2"]
    summary = summary_of("\n".join(lines) + "\n", "./build.sh")
    assert summary.kind == "text"
    assert summary.body.startswith("Compiling module 0/900 ... done")
    assert "L513: Compiling module 512/900 ... FAILED: internal compiler error" in summary.body
    assert summary.body.rstrip().endswith("exit status 2")
    assert "lines omitted (L" in summary.body


def test_binary_gets_size_and_type_only():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 100
    summary = summarize(Payload(png.decode("utf-8", "replace"), "Read", {"file_path": "/x.png"}, binary=True,
                                size=len(png)), 300)
    assert summary.kind == "binary"
    assert summary.body == f"Binary data (PNG image), {len(png):,} bytes; not shown."
