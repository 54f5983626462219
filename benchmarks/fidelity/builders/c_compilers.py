# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""C compilers and their checkers: gcc and clang on a small program written here and on DaveGamble/cJSON,
clang-tidy, a link failure, AddressSanitizer and valgrind on a real heap overflow, and make."""

from __future__ import annotations

from pathlib import Path

from .base import COUNT, ERROR, LOCATION, Case, N, all_matches, checkout, edit, first_match, need, sh, write_files

BROKEN_C = {
    "broken.c": """
        #include <stdio.h>
        #include <stdlib.h>

        struct account { int id; long balance; };

        static long total(struct account *a, int n) {
            long sum = 0;
            for (int i = 0; i <= n; i++) sum += a[i].balanse;
            return sum;
        }

        int main(void) {
            struct account accts[3] = {{1, 10}, {2, 20}, {3, 30}};
            printf("%d\\n", total(accts, 3));
            undeclared_counter++;
            char *name = 42;
            return total(accts);
        }
        """,
    "link.c": "int missing_symbol(int);\nint helper_not_defined(void);\n"
              "int main(void) { return missing_symbol(helper_not_defined()); }\n",
    "overflow.c": """
        #include <stdlib.h>
        #include <string.h>
        #include <stdio.h>

        struct row { char sku[8]; int qty; };

        static struct row *load(int n) {
            struct row *rows = malloc(sizeof(struct row) * n);
            for (int i = 0; i <= n; i++) {  /* one past the end */
                snprintf(rows[i].sku, sizeof rows[i].sku, "A-%d", i);
                rows[i].qty = i;
            }
            return rows;
        }

        int main(void) {
            struct row *rows = load(16);
            printf("%s %d\\n", rows[3].sku, rows[3].qty);
            free(rows);
            return 0;
        }
        """,
    "Makefile": "all: broken.o\n\nbroken.o: broken.c\n\tgcc -Wall -c broken.c -o broken.o\n",
}


def small_c(tmp: Path) -> list[Case]:
    if not need("gcc", "clang", "valgrind"):
        return []
    src = tmp / "c"
    write_files(src, BROKEN_C)
    cases = []
    asked = "Compile broken.c and show me the errors with their lines."
    errors = [N("broken.c:8:46: error: ‘struct account’ has no member named ‘balanse’", ERROR),
              N("broken.c:15:5: error: ‘undeclared_counter’ undeclared", ERROR),
              N("broken.c:17:12: error: too few arguments to function ‘total’", ERROR)]
    out = sh("gcc -Wall -c broken.c -o /dev/null", src)
    cases.append(Case("gcc_errors", out.text, "gcc -Wall -c broken.c", kind="compiler", program="gcc",
                      family="compiler", failing=True, exit_code=out.rc, asked=asked, needles=errors))
    out = sh("make", src)
    cases.append(Case("make_gcc_errors", out.text, "make", kind="compiler", program="make", family="build",
                      failing=True, exit_code=out.rc, asked="Run make; why does it stop?",
                      needles=errors[:2] + [N("make: *** [Makefile:4: broken.o] Error 1", ERROR)]))
    out = sh("clang -Wall -c broken.c -o /dev/null", src)
    cases.append(Case("clang_errors", out.text, "clang -Wall -c broken.c", kind="compiler", program="clang",
                      family="compiler", failing=True, exit_code=out.rc, asked=asked,
                      needles=[N(first_match(r"^broken\.c:8:\d+: error: .+$", out.text), ERROR),
                               N(first_match(r"^broken\.c:15:\d+: error: .+$", out.text), ERROR),
                               N(first_match(r"^\d+ warnings? and \d+ errors? generated\.$", out.text), COUNT)]))
    out = sh("gcc link.c -o /tmp/ctxlean_link_test", src)
    cases.append(Case("gcc_link_error", out.text, "gcc link.c -o app", kind="compiler", program="gcc", family="compiler",
                      failing=True, exit_code=out.rc, asked="Why does linking fail?",
                      needles=[N("undefined reference to `missing_symbol'", ERROR),
                               N("undefined reference to `helper_not_defined'", ERROR),
                               N("collect2: error: ld returned 1 exit status", ERROR)]))
    asked = "The importer corrupts memory somewhere in load(); find the bad access."
    out = sh("gcc -g -fsanitize=address -o overflow_asan overflow.c && ./overflow_asan", src)
    cases.append(Case("asan_heap_overflow", out.text, "gcc -g -fsanitize=address -o overflow overflow.c && ./overflow",
                      kind="traceback", program="AddressSanitizer", family="runtime", failing=True, exit_code=out.rc,
                      asked=asked, needles=[N("ERROR: AddressSanitizer: heap-buffer-overflow", ERROR),
                                            N(first_match(r"overflow\.c:\d+", out.text), LOCATION),
                                            N(first_match(r"SUMMARY: AddressSanitizer: .+$", out.text), ERROR)]))
    out = sh("gcc -g -O0 -o overflow overflow.c && valgrind --error-exitcode=1 ./overflow", src)
    cases.append(Case("valgrind_invalid_write", out.text, "valgrind --error-exitcode=1 ./overflow", kind="text",
                      program="valgrind", family="runtime", failing=True, exit_code=out.rc, asked=asked,
                      needles=[N(first_match(r"Invalid write of size \d+", out.text), ERROR),
                               N(first_match(r"overflow\.c:\d+\)", out.text), LOCATION),
                               N(first_match(r"ERROR SUMMARY: \d+ errors from \d+ contexts.*$", out.text), COUNT)]))
    return cases


def cjson_compilers(tmp: Path) -> list[Case]:
    """gcc, clang -Weverything and clang-tidy on cJSON: warning floods, and an error put in."""
    if not need("gcc", "clang", "clang-tidy"):
        return []
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work)
    if provenance is None:
        return []
    cases = []
    command = "clang -Weverything -fsyntax-only -I. -Itests/unity/src tests/*.c"
    out = sh(command, work)
    cases.append(Case("clang_weverything_cjson_tests", out.text, command,
                      kind="compiler", program="clang", family="compiler", exit_code=out.rc, source=provenance,
                      asked=("Which clang -Weverything warnings come from cJSON's tests themselves, not from cJSON.c? "
                             "Start with the missing prototypes."),
                      needles=[N("tests/unity_setup.c:2:6: warning: no previous prototype for function 'setUp'", ERROR),
                               N(first_match(r"^\d+ warnings generated\.$", out.text), COUNT)]))
    checks = "-*,bugprone-*,readability-*,-readability-identifier-length,-readability-magic-numbers"
    out = sh(f"clang-tidy -checks='{checks}' cJSON.c cJSON_Utils.c -- -I.", work)
    cases.append(Case("clang_tidy_cjson", out.text, f"clang-tidy -checks='{checks}' cJSON.c cJSON_Utils.c -- -I.",
                      kind="compiler", program="clang-tidy", family="linter", exit_code=out.rc, source=provenance,
                      asked="Run clang-tidy's bugprone and readability checks on cJSON; list the bugprone findings.",
                      needles=[N(first_match(r"^\S+\.c:\d+:\d+: warning: .+\[bugprone-[\w-]+\]$", out.text), ERROR),
                               N(first_match(r"^\d+ warnings (?:and \d+ errors? )?generated\.$", out.text), COUNT)]))
    edit(work / "cJSON_Utils.c", "static unsigned char* cJSONUtils_strdup(const unsigned char* const string)",
         "static unsigned char* cJSONUtils_strdup(const unsigned char* const string, size_t extra)")
    for name, command in (("gcc_cjson_utils_error", "gcc -Wall -Wextra -c cJSON_Utils.c -o /dev/null"),
                          ("clang_cjson_utils_error", "clang -Wall -Wextra -c cJSON_Utils.c -o /dev/null")):
        out = sh(command, work)
        cases.append(Case(name, out.text, command.replace(" -o /dev/null", ""), kind="compiler",
                          program=command.split()[0], family="compiler", failing=True, exit_code=out.rc,
                          source=provenance + " with an extra parameter added to cJSONUtils_strdup",
                          asked="I added a parameter to cJSONUtils_strdup; which call sites break?",
                          needles=[N(e, ERROR) for e in all_matches(r"^cJSON_Utils\.c:\d+:\d+: error: .+$", out.text)[:3]]
                          + [N(first_match(r"^cJSON_Utils\.c:\d+:\d+: error", out.text).rsplit(": ", 1)[0], LOCATION)]))
    return cases


BUILDERS = {"c-small": small_c, "cjson-compilers": cjson_compilers}
