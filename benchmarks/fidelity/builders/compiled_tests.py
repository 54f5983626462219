# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Test runs of compiled languages: go test on spf13/pflag, cargo test on dtolnay/semver and on a crate
written here, ctest and `make all test` on DaveGamble/cJSON (hundreds of warnings, then failing unit
tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .base import (
    ASSERTION,
    COUNT,
    ERROR,
    FAILING_TEST,
    LOCATION,
    PATH,
    VALUE,
    VERSION,
    Case,
    N,
    all_matches,
    checkout,
    edit,
    first_match,
    need,
    sh,
)

# The warnings a team turns on to find trouble; with them cJSON's build prints about 360 warnings.
CJSON_WARNINGS = ("-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wpadded -Wcast-qual -Wshadow "
                  "-Wdouble-promotion -Wmissing-prototypes -Wtraditional-conversion -Wdeclaration-after-statement "
                  "-Wbad-function-cast -Wfloat-equal -Wredundant-decls -Wstrict-prototypes -Wunused-macros "
                  "-Wcast-align=strict -Wnull-dereference -Wformat-nonliteral -Wsuggest-attribute=pure "
                  "-Wsuggest-attribute=const")


def go_pflag(tmp: Path) -> list[Case]:
    if not need("go"):
        return []
    work = tmp / "pflag"
    provenance = checkout("spf13/pflag", work)
    if provenance is None:
        return []
    env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(tmp / "gocache"), "GOPATH": str(tmp / "gopath")}
    cases = []
    common = dict(program="go test", family="test-runner", kind="go-test")
    out = sh("go test -v ./...", work, env=env)
    cases.append(Case("go_test_pflag_pass_verbose", out.text, "go test -v ./...", exit_code=out.rc, source=provenance,
                      asked="Run pflag's tests verbosely before changing string slices.", **common,
                      needles=[N(first_match(r"^ok  \tgithub.com/spf13/pflag\t.*$", out.text), COUNT)]))
    for name, command, asked, needles in (
            ("go_test_pflag_cover", "go test -cover ./...", "What is pflag's test coverage?",
             lambda t: [N(first_match(r"coverage: [\d.]+% of statements", t), COUNT)]),
            ("go_build_x_pflag", "go build -x ./...", "Which compiler invocations does go build run for pflag?",
             lambda t: [N(first_match(r"^.*/compile -o \S+ .*-p github\.com/spf13/pflag.*$", t)[:80], VALUE)])):
        out = sh(command, work, env={**env, "GOCACHE": str(tmp / f"gocache-{name}")})
        cases.append(Case(name, out.text, command, exit_code=out.rc, source=provenance, asked=asked,
                          needles=needles(out.text), **{**common, "program": " ".join(command.split()[:2]),
                                                        "family": "test-runner" if "test" in command else "build",
                                                        "kind": "go-test" if "test" in command else "text"}))
    edit(work / "string_slice.go", "\t\t*s.value = append(*s.value, v...)", "\t\t*s.value = v")
    bug = provenance + " with stringSliceValue.Set replacing instead of appending"
    asked = "I changed stringSliceValue.Set in string_slice.go; run the tests and show what fails."
    for name, flags in (("go_test_pflag_verbose", "-v"), ("go_test_pflag", ""), ("go_test_pflag_json", "-json")):
        out = sh(f"go test {flags} ./...".replace("  ", " "), work, env=env)
        failed = all_matches(r"--- FAIL: (\w+)", out.text, 1)
        needles = [N(f"--- FAIL: {f}", FAILING_TEST) for f in failed[:3]] if flags != "-json" else \
            [N(f'"Test":"{f}"', FAILING_TEST) for f in failed[:2]]
        if flags != "-json":
            needles += [N(first_match(r"^FAIL\tgithub.com/spf13/pflag\t.*$", out.text), COUNT),
                        N(first_match(r"string_slice_test\.go:\d+: .+$", out.text), ASSERTION)]
        else:
            needles.append(N('"Action":"fail","Package":"github.com/spf13/pflag"', COUNT))
        cases.append(Case(name, out.text, f"go test {flags} ./...".replace("  ", " "), exit_code=out.rc, source=bug,
                          failing=True, asked=asked, **{**common, "kind": "json" if flags == "-json" else "go-test"},
                          needles=needles))
    (work / "debug_test.go").write_text('package pflag\n\nimport "fmt"\n\nfunc describe(f *Flag) string {\n'
                                        '\treturn fmt.Sprintf("%d=%v (%s)", f.Name, f.Value, f.Usage)\n}\n')
    command = "go vet ./...; go test -vet=off ./..."
    out = sh(command, work, env=env)
    cases.append(Case("go_vet_then_test_pflag", out.text, command, kind="go-test", program="go test", family="build",
                      failing=True, exit_code=out.rc, source=bug + "; a Sprintf with a wrong verb in a test helper",
                      asked="Vet and test pflag after my changes: what does vet flag, and which tests fail?",
                      needles=[N(first_match(r"debug_test\.go:\d+:\d+: .+$", out.text), ERROR),
                               N(first_match(r"--- FAIL: (\w+)", out.text), FAILING_TEST),
                               N(first_match(r"^FAIL\tgithub.com/spf13/pflag\t.*$", out.text), COUNT)]))
    (work / "debug_test.go").unlink()
    edit(work / "string_slice.go", "\t\t*s.value = v", "\t\t*s.value = append(*s.value, v...)")
    edit(work / "flag.go", "\toutShorts = shorthands[1:]", "\toutShorts = shorthands[2:]")
    out = sh("go test ./...", work, env=env)
    cases.append(Case("go_test_pflag_panic", out.text, "go test ./...", exit_code=out.rc, failing=True, **common,
                      source=provenance + " with parseSingleShortArg skipping two characters",
                      asked="After my change to short-flag parsing in flag.go, go test panics; where?",
                      needles=[N(first_match(r"^panic: .+$", out.text), ERROR),
                               N(first_match(r"flag\.go:\d+", out.text), LOCATION),
                               N(first_match(r"--- FAIL: (\w+)", out.text), FAILING_TEST)]))
    edit(work / "flag.go", "\toutShorts = shorthands[2:]", "\toutShorts = shorthands[1:]")
    edit(work / "count.go", "func (i *countValue) String() string { return strconv.Itoa(int(*i)) }",
         "func (i *countValue) String() string { return strconv.Itoa(*i) }")
    for name, command in (("go_test_pflag_build_failed", "go test ./..."), ("go_vet_pflag", "go vet ./..."),
                          ("go_build_pflag", "go build ./...")):
        out = sh(command, work, env=env)
        cases.append(Case(name, out.text, command, exit_code=out.rc, failing=True, kind="diagnostics" if "test" not in command else "go-test",
                          program=command.rsplit(" ", 1)[0], family="test-runner" if "test" in command else "compiler",
                          source=provenance + " with countValue.String passing *countValue to strconv.Itoa",
                          asked="The build broke after my edit to count.go; what does the compiler say?",
                          needles=[N(first_match(r"count\.go:\d+:\d+: .+$", out.text), ERROR),
                                   N(first_match(r"count\.go:\d+:\d+", out.text), LOCATION)]))
    return cases


def cargo_semver(tmp: Path) -> list[Case]:
    if not need("cargo"):
        return []
    work = tmp / "semver"
    provenance = checkout("dtolnay/semver", work)
    if provenance is None:
        return []
    # its optional serde dependency and the criterion bench are not reachable offline: drop them
    text = (work / "Cargo.toml").read_text()
    text = text[:text.index("[features]")] + '[features]\ndefault = ["std"]\nstd = []\n\n' + text[text.index("[package.metadata.docs.rs]"):]
    (work / "Cargo.toml").write_text(text)
    sh("rm -rf benches", work)
    provenance += " (without serde and the criterion bench)"
    env = {"CARGO_TARGET_DIR": str(tmp / "target"), "CARGO_TERM_COLOR": "never"}
    cases = []
    out = sh("cargo test --offline", work, env=env)
    cases.append(Case("cargo_test_semver_pass", out.text, "cargo test", kind="cargo-test", program="cargo test",
                      family="test-runner", exit_code=out.rc, source=provenance,
                      asked="Run semver's tests before I change the parser.",
                      needles=[N(all_matches(r"^test result: ok\. \d+ passed.*$", out.text)[-1], COUNT)]))
    edit(work / "src/parse.rs", "if digit < b'0' || digit > b'9' {", "if digit < b'0' || digit > b'8' {")
    bug = provenance + " with numeric_identifier() stopping at '9'"
    asked = "I touched numeric_identifier in src/parse.rs; run cargo test and show the failing tests."
    for name, command in (("cargo_test_semver", "cargo test"), ("cargo_test_semver_nocapture", "cargo test -- --nocapture --test-threads 1")):
        out = sh(command.replace("cargo test", "cargo test --offline"), work, env=env)
        failed = all_matches(r"^test (\S+) \.\.\. FAILED$", out.text, 1)
        cases.append(Case(name, out.text, command, kind="cargo-test", program="cargo test", family="test-runner",
                          failing=True, exit_code=out.rc, source=bug, asked=asked,
                          needles=[N(f, FAILING_TEST) for f in failed[:3]]
                          + [N(first_match(r"^test result: FAILED\. .*$", out.text), COUNT),
                             N(first_match(r"tests/\w+\.rs:\d+:\d+", out.text), LOCATION),
                             N(first_match(r"unexpected character '9'[^\n]*", out.text)[:60], ASSERTION)]))
    command = "cargo clippy --all-targets -- -W clippy::pedantic && cargo test"
    out = sh(command.replace("cargo clippy", "cargo clippy --offline").replace("cargo test", "cargo test --offline"), work, env=env)
    failed = all_matches(r"^test (\S+) \.\.\. FAILED$", out.text, 1)
    cases.append(Case("cargo_clippy_then_test_semver", out.text, command, kind="cargo-test", program="cargo",
                      family="build", failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N(f, FAILING_TEST) for f in failed[:2]]
                      + [N(first_match(r"^test result: FAILED\. .*$", out.text), COUNT),
                         N(first_match(r"unexpected character '9'[^\n]*", out.text)[:60], ASSERTION)]))
    edit(work / "src/parse.rs", "if digit < b'0' || digit > b'8' {", "if digit < b'0' || digit > b'9' {")
    edit(work / "src/parse.rs", "Some(sum) => value = sum,", "Some(sum) => value = sum as u32,")
    for name, command in (("cargo_build_semver_error", "cargo build"), ("cargo_test_semver_compile_error", "cargo test")):
        out = sh(command.replace("cargo ", "cargo ", 1) + " --offline", work, env=env)
        cases.append(Case(name, out.text, command, kind="rustc" if "build" in command else "cargo-test",
                          program=command, family="compiler" if "build" in command else "test-runner", failing=True,
                          exit_code=out.rc, source=provenance + " with `value = sum as u32`",
                          asked="cargo stopped compiling after my edit in parse.rs; what is the error?",
                          needles=[N(first_match(r"^error\[E\d+\]: .+$", out.text), ERROR),
                                   N(first_match(r"src/parse\.rs:\d+:\d+", out.text), LOCATION),
                                   N("could not compile `semver`", ERROR)]))
    edit(work / "src/parse.rs", "Some(sum) => value = sum as u32,", "Some(sum) => value = sum,")
    out = sh("cargo clippy --offline --all-targets -- -W clippy::pedantic", work, env=env)
    cases.append(Case("cargo_clippy_semver_pedantic", out.text, "cargo clippy --all-targets -- -W clippy::pedantic",
                      kind="rustc", program="cargo clippy", family="linter", exit_code=out.rc, source=provenance,
                      asked="Which pedantic clippy lints fire in semver, and where?",
                      needles=[N(first_match(r"^warning: .+$", out.text), ERROR),
                               N(first_match(r"src/\w+\.rs:\d+:\d+", out.text), LOCATION),
                               N(first_match(r"generated \d+ warnings?.*$", out.text), COUNT)]))
    return cases


def cargo_ledger(tmp: Path) -> list[Case]:
    """A crate written here: 123 tests, two of them failing; then a panicking binary."""
    if not need("cargo"):
        return []
    cases = []
    crate = tmp / "ledger"
    sh(f"cargo new --lib --vcs none {crate}")
    tests = "\n".join(f"    #[test]\n    fn entry_{i:03d}() {{ assert!(balance({i}) >= 0); }}" for i in range(120))
    lib = textwrap.dedent("""\
        pub fn balance(n: i64) -> i64 { n * 2 }
        pub fn fee(amount: i64) -> i64 { amount / 10 }

        #[cfg(test)]
        mod tests {
            use super::*;
            #[test]
            fn fee_rounds_down() { assert_eq!(fee(19), 2); }
            #[test]
            fn fee_of_zero() { assert_eq!(fee(0), 0); }
            #[test]
            fn balance_doubles() { assert_eq!(balance(21), 41, "balance for account acct-21"); }
        """) + tests + "\n}\n"
    (crate / "src/lib.rs").write_text(lib)
    env = {"CARGO_TERM_COLOR": "never"}
    out = sh("cargo test --offline", crate, env=env)
    cases.append(Case("cargo_test_failing", out.text, "cargo test", kind="cargo-test", program="cargo test",
                      family="test-runner", failing=True, exit_code=out.rc, asked="Run the ledger tests; which fail?",
                      needles=[N("tests::fee_rounds_down", FAILING_TEST), N("tests::balance_doubles", FAILING_TEST),
                               N("balance for account acct-21", ASSERTION), N("left: 1", ASSERTION),
                               N("test result: FAILED. 121 passed; 2 failed", COUNT)]))
    fixed = lib.replace("assert_eq!(fee(19), 2)", "assert_eq!(fee(19), 1)").replace("assert_eq!(balance(21), 41, ", "assert_eq!(balance(21), 42, ")
    (crate / "src/lib.rs").write_text(fixed)
    out = sh("cargo test --offline", crate, env=env)
    cases.append(Case("cargo_test_passing", out.text, "cargo test", kind="cargo-test", program="cargo test",
                      family="test-runner", exit_code=out.rc, asked="Re-run the ledger tests after the fix.",
                      needles=[N("test result: ok. 123 passed; 0 failed", COUNT)]))
    panicky = tmp / "panicky"
    sh(f"cargo new --bin --vcs none {panicky}")
    (panicky / "src/main.rs").write_text(textwrap.dedent("""\
        fn load(path: &str) -> Vec<u32> { if path.is_empty() { vec![] } else { vec![1, 2, 3] } }
        fn main() {
            for i in 0..300 { println!("processing record {i}"); }
            let v = load("");
            let first = v.get(0).expect("config file /etc/ledger.toml has no accounts");
            println!("{first}");
        }
        """))
    sh("cargo build --offline -q", panicky, env=env)
    out = sh("RUST_BACKTRACE=1 ./target/debug/panicky", panicky)
    cases.append(Case("rust_panic", out.text, "RUST_BACKTRACE=1 ./target/debug/panicky", kind="traceback",
                      program="rust binary", family="runtime", failing=True, exit_code=out.rc,
                      asked="The ledger importer crashes at start; why?",
                      needles=[N("config file /etc/ledger.toml has no accounts", ERROR), N("src/main.rs:5", LOCATION)]))
    return cases


def cjson(tmp: Path) -> list[Case]:
    """cJSON built with CMake and the team's warning flags, with print_number() printing 6 digits."""
    if not need("cmake", "gcc", "ninja"):
        return []
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work)
    if provenance is None:
        return []
    edit(work / "cJSON.c", 'length = sprintf((char*)number_buffer, "%1.15g", d);',
         'length = sprintf((char*)number_buffer, "%1.6g", d);')
    bug = provenance + ' with print_number() using "%1.6g"'
    cases = []
    flags = f'-DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DCMAKE_C_FLAGS="{CJSON_WARNINGS}"'
    out = sh(f"cmake -S . -B build {flags}", work)
    cases.append(Case("cmake_configure_cjson", out.text, f"cmake -S . -B build {flags}", kind="text", program="cmake",
                      family="build", exit_code=out.rc, source=provenance, asked="Configure cJSON with our warning flags.",
                      needles=[N(first_match(r"^-- The C compiler identification is .+$", out.text), VERSION),
                               N(first_match(r"^-- Build files have been written to: .+$", out.text), PATH)]))
    asked = ("I changed how print_number formats doubles; rebuild with our warnings and run the unit tests: "
             "which tests fail, and with what?")
    out = sh("make -C build all test ARGS=--output-on-failure", work)
    fails = all_matches(r"^\S+:\d+:\w+:FAIL: .*$", out.text)
    cases.append(Case("make_test_cjson_warnings", out.text, "make -C build all test ARGS=--output-on-failure",
                      kind="compiler", program="make", family="build", failing=True, exit_code=out.rc, source=bug,
                      asked=asked,
                      needles=[N(f.split(":FAIL:")[0].rsplit("/", 1)[1], FAILING_TEST) for f in fails[:3]]
                      + [N(first_match(r"Expected '[^']{0,40}", fails[-1]), ASSERTION),
                         N(first_match(r"^\d+% tests passed, \d+ tests failed out of \d+$", out.text), COUNT),
                         N(first_match(r"^\s+\d+ - print_number \(Failed\)$", out.text).strip(), FAILING_TEST),
                         N(first_match(r"^make.*Error \d+$", out.text), ERROR)]))
    command = "make -C build clean && make -C build VERBOSE=1 all test ARGS=--output-on-failure"
    out = sh(command, work)
    cases.append(Case("make_verbose_test_cjson", out.text, command, kind="compiler", program="make", family="build",
                      failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N(first_match(r"^\d+% tests passed, \d+ tests failed out of \d+$", out.text), COUNT),
                               N(first_match(r"^\s+\d+ - print_number \(Failed\)$", out.text).strip(), FAILING_TEST),
                               N(first_match(r"print_number\.c:\d+:print_number_should_print_\w+", out.text), FAILING_TEST)]))
    out = sh("ctest --test-dir build", work)
    cases.append(Case("ctest_cjson", out.text, "ctest --test-dir build", kind="text", program="ctest",
                      family="test-runner", failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N(first_match(r"^\d+% tests passed, \d+ tests failed out of \d+$", out.text), COUNT),
                               N(first_match(r"^\s+\d+ - parse_examples \(Failed\)$", out.text).strip(), FAILING_TEST)]))
    out = sh("ctest --test-dir build --output-on-failure -V", work)
    fails = all_matches(r"^\d+: \S+:\d+:\w+:FAIL: .*$", out.text)
    cases.append(Case("ctest_cjson_verbose", out.text, "ctest --test-dir build --output-on-failure -V", kind="text",
                      program="ctest", family="test-runner", failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N(f.split(":FAIL:")[0].split(" ", 1)[1].rsplit("/", 1)[1], FAILING_TEST) for f in fails[:3]]
                      + [N(first_match(r"^\d+% tests passed, \d+ tests failed out of \d+$", out.text), COUNT)]))
    out = sh("touch cJSON.c && make -C build VERBOSE=1 cjson", work)
    cases.append(Case("make_verbose_cjson", out.text, "touch cJSON.c && make -C build VERBOSE=1 cjson", kind="compiler", program="make",
                      family="build", exit_code=out.rc, source=bug, asked="Which exact gcc command builds cJSON.c?",
                      needles=[N(first_match(r"/usr/bin/cc .*-c \S+/cJSON\.c$", out.text)[:90], VALUE)]))
    out = sh(f"cmake -S . -B build-ninja -G Ninja {flags} >/dev/null && ninja -C build-ninja", work)
    cases.append(Case("ninja_cjson_warnings", out.text, "ninja -C build-ninja", kind="compiler", program="ninja",
                      family="build", exit_code=out.rc, source=bug, asked="How many warnings does cJSON.c get with our flags, and which?",
                      needles=[N(first_match(r"cJSON\.c:\d+:\d+: warning: .+$", out.text), ERROR),
                               N(first_match(r"^\[\d+/\d+\] Linking C shared library .+$", out.text), PATH)]))
    command = "cmake --build build-ninja && ctest --test-dir build-ninja --output-on-failure"
    sh("touch cJSON.c cJSON_Utils.c", work)
    out = sh(command, work)
    fails = all_matches(r"^\S+:\d+:\w+:FAIL: .*$", out.text)
    cases.append(Case("ninja_ctest_cjson_warnings", out.text, command, kind="compiler", program="cmake", family="build",
                      failing=True, exit_code=out.rc, source=bug, asked=asked,
                      needles=[N(f.split(":FAIL:")[0].rsplit("/", 1)[1], FAILING_TEST) for f in fails[:2]]
                      + [N(first_match(r"^\d+% tests passed, \d+ tests failed out of \d+$", out.text), COUNT),
                         N(first_match(r"^\s+\d+ - print_number \(Failed\)$", out.text).strip(), FAILING_TEST)]))
    edit(work / "CMakeLists.txt", "project(cJSON", "find_package(ZLIB 9.9 REQUIRED)\nproject(cJSON")
    out = sh("cmake -S . -B build-broken", work)
    cases.append(Case("cmake_configure_error", out.text, "cmake -S . -B build-broken", kind="text", program="cmake",
                      family="build", failing=True, exit_code=out.rc, source=provenance + " with find_package(ZLIB 9.9 REQUIRED) put in",
                      asked="Why does configuring fail now?",
                      needles=[N(first_match(r"^CMake Error at .+:\d+ \(.*$", out.text), LOCATION),
                               N(first_match(r"Could NOT find ZLIB.*$|.*ZLIB.*$", out.text)[:80], ERROR),
                               N("-- Configuring incomplete, errors occurred!", ERROR)]))
    return cases


BUILDERS = {"go-pflag": go_pflag, "cargo-semver": cargo_semver, "cargo-ledger": cargo_ledger, "cjson": cjson}
