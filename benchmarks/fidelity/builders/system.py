# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""What this machine's system tools print: strace, gdb on a crash, process and disk listings, kernel
settings, manual pages and long --help texts. Environment dumps are left out: they carry credentials."""

from __future__ import annotations

from pathlib import Path

from .base import (
    ASKED,
    CHANGED,
    COUNT,
    ERROR,
    LOCATION,
    NAME,
    PATH,
    PY,
    REPO,
    VALUE,
    Case,
    N,
    first_match,
    need,
    sh,
    write_files,
)


def tracing(tmp: Path) -> list[Case]:
    cases = []
    if need("strace"):
        out = sh(f"strace -f -e trace=openat,stat,newfstatat {PY} -c 'import json, sqlite3, ssl'")
        cases.append(Case("strace_python_imports", out.text, "strace -f -e trace=openat,stat,newfstatat python -c 'import json, sqlite3, ssl'",
                          kind="text", program="strace", family="system", exit_code=out.rc,
                          asked="Which shared library does Python's ssl module load, and from where?",
                          needles=[N(first_match(r'openat\(AT_FDCWD, "[^"]*libssl\.so[^"]*", O_RDONLY\|O_CLOEXEC\) = \d+', out.text), ASKED),
                                   N(first_match(r"= -1 ENOENT \(No such file or directory\)", out.text), ERROR)]))
        out = sh(f"strace -c -f {PY} -c 'import json, sqlite3, ssl'")
        cases.append(Case("strace_summary", out.text, "strace -c -f python -c 'import json, sqlite3, ssl'", kind="text",
                          program="strace", family="system", exit_code=out.rc, asked="Which syscalls dominate Python's start?",
                          needles=[N(first_match(r"^100\.00\s+.+ total$", out.text), COUNT)]))
    if need("gdb", "gcc"):
        write_files(tmp, {"crash.c": """
            #include <stdio.h>
            #include <string.h>
            struct order { char id[16]; struct order *next; };
            static int total_len(struct order *o) {
                int n = 0;
                for (; o; o = o->next) n += (int)strlen(o->id);
                return n;
            }
            int main(void) {
                struct order b = {"ord_2", (struct order *)0x10};
                struct order a = {"ord_1", &b};
                for (int i = 0; i < 50; i++) printf("scanning batch %d\\n", i);
                printf("%d\\n", total_len(&a));
                return 0;
            }
            """})
        sh("gcc -g -O0 -o crash crash.c", tmp)
        out = sh("gdb -q -batch -ex run -ex bt -ex 'info locals' ./crash", tmp)
        cases.append(Case("gdb_backtrace", out.text, "gdb -q -batch -ex run -ex bt -ex 'info locals' ./crash", kind="traceback",
                          program="gdb", family="runtime", failing=True, exit_code=out.rc,
                          asked="The order scanner segfaults; where exactly?",
                          needles=[N("Program received signal SIGSEGV, Segmentation fault.", ERROR),
                                   N(first_match(r"crash\.c:\d+", out.text), LOCATION),
                                   N(first_match(r"#\d+\s+0x[0-9a-f]+ in main \(\) at crash\.c:\d+|#\d+\s+main \(\) at crash\.c:\d+", out.text), LOCATION)]))
    return cases


def machine(tmp: Path) -> list[Case]:
    cases = []
    for name, command, asked, needles in (
            ("ps_eo", "ps -eo pid,ppid,stat,etime,rss,comm", "Is a postgres process still running, and since when?", lambda t: [N("  PID", NAME), N(first_match(r"^\s*1\s+0\s+.*$", t), VALUE)]),
            ("df_h", "df -h", "How much space is left on /?", lambda t: [N(first_match(r"^\S+\s+\S+\s+\S+\s+\S+\s+\d+%\s+/$", t), ASKED)]),
            ("mount", "mount", "Is /proc mounted, and how?", lambda t: [N(first_match(r"^proc on /proc type proc .*$", t), ASKED)]),
            ("sysctl_all", "sysctl -a 2>/dev/null", "What is the kernel's somaxconn?", lambda t: [N(first_match(r"^net\.core\.somaxconn = \d+$", t), ASKED)]),
            ("cpuinfo", "cat /proc/cpuinfo", "Which CPU model is this, and does it have avx2?", lambda t: [N(first_match(r"^model name\s+: .+$", t), VALUE)]),
            ("meminfo", "cat /proc/meminfo", "How much memory is available?", lambda t: [N(first_match(r"^MemAvailable:\s+\d+ kB$", t), ASKED)]),
            ("ip_addr", "ip addr", "What is the loopback address?", lambda t: [N(first_match(r"^\s+inet 127\.0\.0\.1/8 .*$", t).strip(), ASKED)]),
            ("getent_services", "getent services", "Which port is postgresql registered on?", lambda t: [N(first_match(r"^postgresql\s+\d+/tcp.*$", t), ASKED)])):
        out = sh(command)
        if out.rc or not out.text.strip():
            continue
        try:
            found = needles(out.text)
        except SystemExit:
            continue
        cases.append(Case(name, out.text, command.replace(" 2>/dev/null", ""), kind="text", program=command.split()[0],
                          family="system", exit_code=out.rc, asked=asked, needles=found))
    return cases


def manuals(tmp: Path) -> list[Case]:
    cases = []
    for name, command, asked, needles in (
            ("man_git_log", "man git-log | col -b", "How do I make git log follow renames of a single file?",
             lambda t: [N(first_match(r"^\s+--follow$", t).strip(), ASKED)]),
            ("man_rsync", "man rsync | col -b", "Which rsync option deletes extraneous files on the receiver?",
             lambda t: [N(first_match(r"^\s+--delete\s.*$", t).strip(), ASKED)]),
            ("gcc_help_warnings", "gcc --help=warnings", "What does -Wshadow warn about?",
             lambda t: [N(first_match(r"^\s+-Wshadow\s.+$", t).strip(), ASKED)]),
            ("pydoc_argparse", f"{PY} -m pydoc argparse", "What are ArgumentParser's constructor parameters?",
             lambda t: [N(first_match(r"^\s+\|\s+__init__\(self, prog=None.*$", t).strip()[:80], ASKED)]),
            ("cmake_help_command", "cmake --help-command target_link_libraries", "How does target_link_libraries treat PRIVATE?",
             lambda t: [N(first_match(r"^.*PRIVATE.*$", t).strip()[:60], ASKED)]),
            ("git_help_all", "git help -a", "Is there a git command to find the commit that introduced a bug?",
             lambda t: [N(first_match(r"^\s+bisect\s+.+$", t).strip(), ASKED)])):
        out = sh(command.replace(PY, PY), env={"MANWIDTH": "100", "MAN_KEEP_FORMATTING": "0"})
        if out.rc or len(out.text) < 2000:
            continue
        try:
            found = needles(out.text)
        except SystemExit:
            continue
        cases.append(Case(name, out.text, command.replace(PY, "python"), kind="text",
                          program=command.replace(PY, "pydoc").split()[0], family="system", exit_code=out.rc,
                          asked=asked, needles=found))
    return cases


def inspectors(tmp: Path) -> list[Case]:
    """Tools that print what is inside files: binutils on a library built here, hexdump, openssl, file, wc,
    diff -ru, git grep and Python's import timer."""
    cases = []
    sh(f"cp -r {REPO}/src {tmp}/a && cp -r {REPO}/src {tmp}/b")
    (tmp / "b/ctxlean/tokens.py").write_text((tmp / "b/ctxlean/tokens.py").read_text().replace("BYTES_PER_TOKEN = 4", "BYTES_PER_TOKEN = 3"))
    (tmp / "b/ctxlean/summarize/common.py").unlink()
    so = next(iter(sorted(Path("/usr/lib/x86_64-linux-gnu").glob("libsqlite3.so.0*"))), None)
    jobs = [
        ("diff_ru_src", "diff -ru a b", tmp, "What differs between the two trees?",
         lambda t: [N("-BYTES_PER_TOKEN = 4", CHANGED), N("+BYTES_PER_TOKEN = 3", CHANGED), N("Only in a/ctxlean/summarize: common.py", PATH)], False),
        ("wc_l_src", "wc -l $(git ls-files 'src/*.py')", REPO, "Which module of src/ is longest?",
         lambda t: [N(first_match(r"^\s*\d+ total$", t).strip(), COUNT)], False),
        ("file_usr_bin", "file /usr/bin/* | head -c 250000", None, "Which of /usr/bin are shell scripts? Is pg_buildext one?",
         lambda t: [N(first_match(r"^/usr/bin/pg_buildext:\s+.+$", t), ASKED)], False),
        ("python_importtime", f"{PY} -X importtime -c 'import ctxlean.cli, ctxlean.summarize.registry'", REPO,
         "Which imports make the CLI slow to start?",
         lambda t: [N(first_match(r"^import time:\s+\d+ \|\s+\d+ \| ctxlean\.summarize\.registry$", t), ASKED)], False),
        ("openssl_x509", "openssl x509 -in /etc/ssl/certs/ISRG_Root_X1.pem -noout -text", None,
         "When does the ISRG Root X1 certificate expire?", lambda t: [N(first_match(r"^\s+Not After : .+$", t).strip(), VALUE)], False),
    ]
    if so is not None:
        jobs += [
            ("nm_libsqlite3", f"nm -D --defined-only {so}", None, "Does libsqlite3 export sqlite3_prepare_v3?",
             lambda t: [N(first_match(r"^[0-9a-f]+ T sqlite3_prepare_v3$", t), ASKED)], False),
            ("readelf_libsqlite3", f"readelf -d -s --wide {so} | head -c 250000", None, "Which SONAME does libsqlite3 have?",
             lambda t: [N(first_match(r"^.*\(SONAME\)\s+Library soname: \[.+\]$", t).strip(), ASKED)], False),
            ("ldd_psql", "ldd /usr/lib/postgresql/15/bin/psql", None, "Which libpq does psql load?",
             lambda t: [N(first_match(r"^\s+libpq\.so\.5 => \S+", t).strip(), PATH)], False),
        ]
    jobs.append(("hexdump_png", f"hexdump -C {REPO}/docs/img/report.png | head -n 3000", None,
                 "What are the first bytes of report.png, is it a valid PNG?", lambda t: [N("|.PNG........IHDR|", ASKED)], False))
    if (REPO / ".git").exists():
        jobs.append(("git_grep_ctxlean", "git grep -n 'def summarize_'", REPO, "Where are the summarize_* functions defined?",
                     lambda t: [N(first_match(r"^src/ctxlean/summarize/log\.py:\d+:def summarize_log\(.*$", t), ASKED)], False))
    for name, command, cwd, asked, needles, failing in jobs:
        out = sh(command, cwd)
        try:
            found = needles(out.text)
        except SystemExit:
            print(f"  skip {name}: its needle is not in this machine's output")
            continue
        cases.append(Case(name, out.text, command.replace(PY, "python"), kind="diff" if name.startswith("diff") else "text",
                          program=command.split()[0].replace(PY, "python"), family="system", failing=failing,
                          exit_code=out.rc, asked=asked, needles=found))
    return cases


BUILDERS = {"tracing": tracing, "machine": machine, "manuals": manuals, "inspectors": inspectors}
