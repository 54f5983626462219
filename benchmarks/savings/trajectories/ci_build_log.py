"""A CI failure in a big build log: Brotli 1.1.0 (Google's compression library, its C sources and test
data from the PyPI source distribution) built with CMake and a strict warning set, then its test data
decoded and round-tripped with ctest. The last commit broke the ASCII uppercase transform of the static
dictionary; the CI job's log (configure, every compile command, 80-odd compiler warnings, 150 tests) was
produced by really running that job on this machine when the workspace was built. The model reads the
log, finds the failing tests, finds the commit behind them, reverts the line, rebuilds and reruns."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

from agent import Needle, Step, Trajectory
from downloads import pip_sdist

SDIST = ("Brotli", "1.1.0")
SKIP = {"bb.binast"}  # 12 MB: too slow for a CI job on two cores
TRANSFORM = "c/common/transform.c"
GOOD = "    if (p[0] >= 'a' && p[0] <= 'z') {\n"
BAD = "    if (p[0] > 'a' && p[0] <= 'z') {\n"
WARNINGS = ("-Wall -Wextra -Wpedantic -Wcast-qual -Wcast-align=strict -Wmissing-prototypes -Wstrict-prototypes "
            "-Wundef -Wbad-function-cast -Wmissing-declarations -Wredundant-decls -Wshadow -Wswitch-default "
            "-Wunused-macros -Wdouble-promotion -Wnull-dereference -Wduplicated-cond -Wlogical-op "
            "-Wjump-misses-init -Wstrict-overflow=2 -Wdeclaration-after-statement")

CMAKE = """cmake_minimum_required(VERSION 3.16)
project(brotli_ci C)
set(CMAKE_C_STANDARD 99)
add_compile_options({warnings})
file(GLOB COMMON c/common/*.c)
file(GLOB DEC c/dec/*.c)
file(GLOB ENC c/enc/*.c)
add_library(brotlicommon STATIC ${{COMMON}})
add_library(brotlidec STATIC ${{DEC}})
add_library(brotlienc STATIC ${{ENC}})
target_include_directories(brotlicommon PUBLIC c/include)
target_link_libraries(brotlidec PUBLIC brotlicommon)
target_link_libraries(brotlienc PUBLIC brotlicommon m)
add_executable(brotli c/tools/brotli.c)
target_link_libraries(brotli brotlidec brotlienc)

enable_testing()
set(QUALITIES {qualities})
file(GLOB TESTDATA RELATIVE ${{CMAKE_SOURCE_DIR}}/tests/testdata ${{CMAKE_SOURCE_DIR}}/tests/testdata/*)
foreach(name ${{TESTDATA}})
  set(file ${{CMAKE_SOURCE_DIR}}/tests/testdata/${{name}})
  if(name MATCHES "\\\\.compressed$")
    string(REGEX REPLACE "\\\\.compressed$" "" original ${{name}})
    if(EXISTS ${{CMAKE_SOURCE_DIR}}/tests/testdata/${{original}})
      add_test(NAME compat/${{original}}
               COMMAND sh ${{CMAKE_SOURCE_DIR}}/tests/compat.sh $<TARGET_FILE:brotli> ${{file}}
                       ${{CMAKE_SOURCE_DIR}}/tests/testdata/${{original}})
    endif()
  elseif(NOT name MATCHES "\\\\.compressed")
    foreach(quality ${{QUALITIES}})
      add_test(NAME roundtrip/${{name}}/q${{quality}}
               COMMAND sh ${{CMAKE_SOURCE_DIR}}/tests/roundtrip.sh $<TARGET_FILE:brotli> ${{quality}} ${{file}})
    endforeach()
  endif()
endforeach()
"""
COMPAT = """#!/bin/sh
# compat.sh BROTLI COMPRESSED ORIGINAL: decoding a reference stream must give the original bytes.
set -e
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" -dc "$2" > "$out"
cmp "$3" "$out" || { echo "decoding $(basename "$2") does not give $(basename "$3")"; exit 1; }
"""
ROUNDTRIP = """#!/bin/sh
# roundtrip.sh BROTLI QUALITY FILE: compress at QUALITY, decompress, compare.
set -e
packed=$(mktemp)
out=$(mktemp)
trap 'rm -f "$packed" "$out"' EXIT
"$1" -c -q "$2" "$3" > "$packed"
"$1" -dc "$packed" > "$out"
cmp "$3" "$out" || { echo "round trip of $(basename "$3") at quality $2 changed it"; exit 1; }
"""
CI = """#!/bin/sh
# The CI job: configure, build verbosely with the strict warning set, run every test.
set -ex
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_VERBOSE_MAKEFILE=ON
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2
"""
README = """# brotli (CI mirror)

Brotli 1.1.0's C library and command line tool, built with CMake (`ci/run.sh` is the CI job).
The log of the failing CI run is in ci-logs/.
"""


def prefetch() -> None:
    pip_sdist(*SDIST, offline=False)


def _unpack(root: Path) -> None:
    prefix = f"{SDIST[0]}-{SDIST[1]}/"
    with tarfile.open(pip_sdist(*SDIST)) as sdist:
        for member in sdist.getmembers():
            relative = member.name.removeprefix(prefix)
            if not member.isfile() or not relative.startswith(("c/", "tests/testdata/", "LICENSE")):
                continue
            if Path(relative).name in SKIP:
                continue
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sdist.extractfile(member).read())


def _ci_log(root: Path, changes: dict[str, str]) -> str:
    """Run the CI job on a copy of the tree with the later commits' changes (as a CI runner would, in its
    own directory); the log as the CI service shows it."""
    runner = root.parent / f"{root.name}-ci-runner" / "brotli"
    shutil.rmtree(runner, ignore_errors=True)
    shutil.copytree(root, runner, ignore=shutil.ignore_patterns(".git", "ci-logs"))
    for path, content in changes.items():
        (runner / path).write_text(content)
    job = subprocess.run(["sh", "ci/run.sh"], cwd=runner, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=900)
    shutil.rmtree(runner.parent)
    return job.stdout + f"Error: Process completed with exit code {job.returncode}.\n"


def _failing(log: str) -> list[str]:
    tail = log.partition("The following tests FAILED:")[2]
    return [line.split(" - ", 1)[1].split(" (")[0] for line in tail.splitlines() if " - " in line]


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    _unpack(root)
    (root / "tests" / "compat.sh").write_text(COMPAT)
    (root / "tests" / "roundtrip.sh").write_text(ROUNDTRIP)
    (root / "ci").mkdir()
    (root / "ci" / "run.sh").write_text(CI)
    (root / "README.md").write_text(README)
    (root / ".gitignore").write_text("build/\nci-logs/\n")
    cmake = CMAKE.format(warnings=WARNINGS, qualities="1 6")
    (root / "CMakeLists.txt").write_text(cmake)
    good = (root / TRANSFORM).read_text()
    if GOOD not in good:
        raise LookupError(f"{TRANSFORM} has no line {GOOD!r}: the Brotli sources changed; update this trajectory")
    commits = [("tests: round-trip at quality 11 too",
                {"CMakeLists.txt": CMAKE.format(warnings=WARNINGS, qualities="1 6 11")}),
               ("common: simpler ASCII range check in ToUpperCase", {TRANSFORM: good.replace(GOOD, BAD)})]
    log = _ci_log(root, {path: content for _, files in commits for path, content in files.items()})
    failing = _failing(log)
    if not failing:
        raise RuntimeError("the CI job on the broken tree failed no test: the trajectory would have no failure")
    (root / "ci-logs").mkdir()
    (root / "ci-logs" / "build-4711.log").write_text(log)
    log_path = "ci-logs/build-4711.log"
    test = "ctest --test-dir build --output-on-failure -j2 2>&1 | tail -n 25"
    steps = [
        Step("Bash", {"command": "ls && ls -la ci-logs"}, "Looking at the checkout and the CI log.", seconds=1),
        Step("Read", {"file_path": "{cwd}/README.md"}, seconds=2),
        Step("Bash", {"command": f"cat {log_path}"}, "Reading the failing CI job's log.",
             Needle("first_failure", r"\d+ - ((?:compat|roundtrip)/[\w./-]+) \(Failed\)", failing[0],
                    grep=r"\(Failed\)", query="tests FAILED", also=tuple(failing[1:])), seconds=3),
        Step("Bash", {"command": f"grep -c 'warning:' {log_path}"}, "How many warnings, and are they new?", seconds=1),
        Step("Bash", {"command": f"grep -n 'tests passed' {log_path}"},
             needle=Needle("failed_count", r"(\d+) tests failed out of \d+",
                           log.rpartition(" tests failed out of")[0].rsplit(" ", 1)[-1],
                           grep="tests failed", query="tests failed out of"), seconds=1),
        Step("Bash", {"command": f"grep -n -B2 -A12 'Test *#[0-9]*: {{first_failure}} ' {log_path} | head -60"},
             "The output of the first failing test.", seconds=1),
        Step("Read", {"file_path": "{cwd}/CMakeLists.txt"}, seconds=2),
        Step("Read", {"file_path": "{cwd}/tests/compat.sh"}, seconds=2),
        Step("Bash", {"command": "git log --stat -5 -- ."}, "Which commits came before the failing run?", seconds=1),
        Step("Bash", {"command": "git log -p -2 -- . ':!tests/testdata'"}, "The last two changes in full.",
             Needle("bad_line", r"\+(    if \(p\[0\] > 'a' && p\[0\] <= 'z'\) \{)", BAD.rstrip("\n"),
                    grep=r"^\+ ", query="ToUpperCase p[0]"), seconds=2),
        Step("Bash", {"command": f"grep -n 'warning:' {log_path} | grep -c transform.c"}, seconds=1),
        Step("Read", {"file_path": "{cwd}/" + TRANSFORM}, "Opening the transform code.", edit=True, seconds=3),
        Step("Edit", {"file_path": "{cwd}/" + TRANSFORM, "old_string": "{bad_line}",
                      "new_string": GOOD.rstrip("\n").replace("{", "{{")},
             "The commit excluded 'a' from the uppercase range; restoring it.", seconds=2),
        Step("Bash", {"command": "cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null && "
                                 "cmake --build build -j2 2>&1 | tail -n 5"}, "Rebuilding.", seconds=30),
        Step("Bash", {"command": "ctest --test-dir build --output-on-failure -R '{first_failure}'"},
             "The first failing test again.", seconds=3),
        Step("Bash", {"command": test}, "The whole suite.",
             Needle("all_passed", r"(100% tests passed), 0 tests failed", "100% tests passed", grep="tests passed",
                    query="tests passed"), seconds=40),
        Step("Bash", {"command": "git diff"}, seconds=1),
        Step("Bash", {"command": "git add -A && git commit -qm 'common: restore the full a-z range in ToUpperCase' "
                                 "&& git log --oneline -3"}, seconds=2),
    ]
    return Trajectory("ci_build_log", "CI failure in a big build log",
                      "CI failed on the last push (the job's log is in ci-logs/). Find out why, fix it and make "
                      "sure the tests pass.", steps, heavy=True,
                      later_commits=commits)
