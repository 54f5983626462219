"""Compiler and checker output: totals, counts by severity, file and code, and distinct file:line messages."""

from summarize_helpers import kind_of, summary_of


def mypy_output() -> str:
    lines = [f'app/handlers.py:{10 + i}: error: Incompatible types in assignment (expression has type "str", '
             f'variable has type "int")  [assignment]' for i in range(200)]
    lines += ['app/models.py:5: error: Incompatible return value type (got "int", expected "str")  [return-value]',
              "app/models.py:9: note: Revealed type is \"builtins.int\"",
              "Found 201 errors in 2 files (checked 9 source files)"]
    return "\n".join(lines) + "\n"


def test_mypy_keeps_totals_per_file_and_code_counts_and_every_file_first_error():
    summary = summary_of(mypy_output(), "mypy app/")
    assert summary.kind == "mypy"
    assert "Found 201 errors in 2 files (checked 9 source files)" in summary.body
    assert "app/handlers.py 200" in summary.body and "app/models.py 2" in summary.body
    assert "assignment 200" in summary.body and "return-value 1" in summary.body
    # a flood in one file does not hide the other file's error
    assert "app/models.py:5: error: Incompatible return value type" in summary.body
    assert "more diagnostics" in summary.body
    assert len(summary.hint) <= 48


def test_gcc_errors_come_before_warnings_and_linker_errors_are_kept():
    warnings = [f"main.c:{i}:5: warning: unused variable ‘v{i}’ [-Wunused-variable]" for i in range(1, 300)]
    text = "\n".join(warnings + [
        "main.c:400:12: error: too few arguments to function ‘total’",
        "/usr/bin/ld: main.o: in function `main':", "main.c:(.text+0x1e): undefined reference to `helper'",
        "collect2: error: ld returned 1 exit status"]) + "\n"
    summary = summary_of(text, "gcc -Wall main.c -o app")
    assert summary.kind == "compiler"
    lines = summary.body.split("\n")
    error_at = next(i for i, line in enumerate(lines) if "too few arguments" in line)
    first_warning = next(i for i, line in enumerate(lines) if "warning:" in line)
    assert "main.c:400:12: error: too few arguments to function ‘total’" in summary.body
    assert "collect2: error: ld returned 1 exit status" in summary.body
    assert "undefined reference to `helper'" in summary.body
    assert "299 warnings" in summary.body and error_at >= 0 and first_warning >= 0


def test_rustc_and_ruff_arrow_formats():
    rust = ("error[E0308]: mismatched types\n --> src/main.rs:4:18\n  |\n4 |     let x: i32 = \"a\";\n"
            "  |            ---   ^^^ expected `i32`, found `&str`\n\n") * 3
    rust += "warning: unused variable: `y`\n --> src/main.rs:9:9\n  |\n" + "  | frame\n" * 500
    rust += "error: could not compile `app` (bin \"app\") due to 3 previous errors; 1 warning emitted\n"
    summary = summary_of(rust, "cargo build")
    assert summary.kind == "rustc"
    assert "src/main.rs:4:18: error[E0308]: mismatched types" in summary.body
    assert "src/main.rs:9:9: warning: unused variable: `y`" in summary.body
    assert "could not compile `app`" in summary.body
    ruff = "".join(f"F401 [*] `mod{i}` imported but unused\n --> app/m{i}.py:1:8\n  |\n1 | import mod{i}\n  |\n\n"
                   for i in range(150)) + "Found 150 errors.\n"
    summary = summary_of(ruff, "ruff check app")
    assert summary.kind == "ruff"
    assert "Found 150 errors." in summary.body and "app/m0.py:1:8: F401" in summary.body


def test_tsc_detected_by_content():
    text = "\n".join(f"src/orders.ts({i},7): error TS2322: Type 'string' is not assignable to type 'number'."
                     for i in range(1, 200)) + "\nFound 199 errors in the same file, starting at: src/orders.ts:1\n"
    assert kind_of(text, "npm run build") == "diagnostics"
    summary = summary_of(text, "npm run build")
    assert summary.kind == "tsc" and "src/orders.ts(1,7): error TS2322" in summary.body
