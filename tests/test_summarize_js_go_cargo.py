"""jest/vitest/node --test, go test and cargo test: result lines, failing tests, first errors."""

from summarize_helpers import kind_of, summary_of


def test_jest_keeps_result_lines_failing_tests_and_their_expectation():
    passing = "\n".join(f"  ✓ formats value {i} (1 ms)" for i in range(400))
    text = (f" PASS  src/format.test.js\n{passing}\n FAIL  src/cart.test.js\n  cart\n    ✕ applies discount (4 ms)\n\n"
            "  ● cart › applies discount\n\n    expect(received).toBe(expected) // Object.is equality\n\n"
            "    Expected: 81\n    Received: 90\n\n      at Object.toBe (src/cart.test.js:18:32)\n\n"
            "Test Suites: 1 failed, 1 passed, 2 total\nTests:       1 failed, 400 passed, 401 total\n"
            "Snapshots:   0 total\nTime:        1.3 s\n")
    summary = summary_of(text, "npx jest")
    assert summary.kind == "jest"
    assert "Tests: 1 failed, 400 passed, 401 total" in summary.body
    assert "cart › applies discount" in summary.body and "src/cart.test.js:18" in summary.body
    assert "expect(received).toBe(expected)" in summary.body
    assert "failing files (1): src/cart.test.js" in summary.body


def test_go_test_keeps_failed_packages_tests_and_messages_printed_before_the_fail_line():
    lines = []
    for i in range(300):
        lines.append(f"=== RUN   TestOrder{i}")
        if i == 123:
            lines += ["    orders_test.go:88: total = 1999; want 2099", f"--- FAIL: TestOrder{i} (0.00s)"]
        else:
            lines.append(f"--- PASS: TestOrder{i} (0.00s)")
    lines += ["FAIL", "FAIL\tgithub.com/acme/shop/orders\t0.014s", "ok  \tgithub.com/acme/shop/cart\t0.003s", "FAIL"]
    summary = summary_of("\n".join(lines) + "\n", "go test -v ./...")
    assert summary.kind == "go-test"
    assert "packages 1 ok, 1 FAIL" in summary.body
    assert "FAIL\tgithub.com/acme/shop/orders" in summary.body
    assert "TestOrder123" in summary.body and "total = 1999; want 2099" in summary.body


def test_cargo_test_keeps_failed_result_and_panic_message():
    oks = "\n".join(f"test tests::entry_{i:03d} ... ok" for i in range(300))
    text = (f"running 301 tests\n{oks}\ntest tests::fee_rounds_down ... FAILED\n\nfailures:\n\n"
            "---- tests::fee_rounds_down stdout ----\n\nthread 'tests::fee_rounds_down' (4242) panicked at "
            "src/lib.rs:8:28:\nassertion `left == right` failed: fee for acct-21\n  left: 1\n right: 2\n\n"
            "failures:\n    tests::fee_rounds_down\n\ntest result: FAILED. 300 passed; 1 failed; 0 ignored; "
            "0 measured; 0 filtered out; finished in 0.12s\n\nerror: test failed, to rerun pass `--lib`\n")
    summary = summary_of(text, "cargo test")
    assert summary.kind == "cargo-test"
    assert "test result: FAILED. 300 passed; 1 failed" in summary.body
    assert "tests::fee_rounds_down" in summary.body and "fee for acct-21" in summary.body
    assert "src/lib.rs:8:28" in summary.body


def test_compile_errors_under_cargo_test_are_listed():
    text = ("   Compiling ledger v0.1.0\nerror[E0277]: cannot divide `i64` by `&str`\n --> src/lib.rs:2:57\n  |\n"
            + "  | filler line for a long frame\n" * 400
            + "error: could not compile `ledger` (lib test) due to 1 previous error\n")
    summary = summary_of(text, "cargo test")
    assert "src/lib.rs:2:57: error[E0277]: cannot divide `i64` by `&str`" in summary.body


def test_node_test_tap_failures():
    oks = "\n".join(f"ok {i} - range {i}\n  ---\n  duration_ms: 0.02\n  ..." for i in range(3, 300))
    text = ("TAP version 13\n# Subtest: adds wrong\nnot ok 2 - adds wrong\n  ---\n  location: '/app/sum.test.js:5:1'\n"
            f"  error: 'Expected values to be strictly equal:\\n\\n4 !== 5\\n'\n  ...\n{oks}\n1..300\n# tests 300\n"
            "# pass 299\n# fail 1\n")
    summary = summary_of(text, "node --test")
    assert "# fail 1" in summary.body and "# pass 299" in summary.body
    assert "not ok 2 - adds wrong" in summary.body
    assert kind_of(text, "") == "js-tests"
