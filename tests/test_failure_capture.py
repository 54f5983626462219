"""The wrapper that keeps a failing command's output: tricky commands run through real bash the way Claude
Code 2.1.330 runs them, with and without the wrapper, give the same output, exit status and cwd; a
failure leaves the whole output in a private capture file. Plus which commands get wrapped."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time

import pytest

from ctxlean import config
from ctxlean.capture import capture_path, rewrite, sweep, unwrap, wants_capture, wrap

BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None or not sys.platform.startswith("linux"),
                                reason="the capture needs bash and /proc")

BIG = "seq 1 200000"  # 1.3 MB
BINARY = "python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 400)'"
HEREDOC_SCRIPT = "python3 - <<'EOF'\nimport sys\nprint('from the heredoc')\nsys.exit(3)\nEOF"

# Failing commands whose output is not kept: they never run the prefix (syntax errors), replace its trap
# with their own, or send their stdout elsewhere. Their output reaches the model as without ctxlean.
NOT_KEPT = {"echo 'unterminated", "if true; then echo open", "trap 'echo bye from the trap' EXIT; false",
            "exec 1>/dev/null; echo hidden; false"}
# (command, the exit status Claude Code would report)
BATTERY = [
    ("echo hello", 0),
    ("false", 1),
    ("(exit 2)", 2),
    ("nosuchcommand_ctxlean --flag", 127),
    ("printf 'out\\n'; printf 'err\\n' >&2; printf 'out again\\n'; exit 1", 1),
    ("echo a | grep b", 1),
    ("echo a | grep a | wc -l", 0),
    ("set -o pipefail; false | true", 1),
    ("echo one && false || echo recovered", 0),
    ("true && false && echo never", 1),
    ("mkdir -p sub/dir && cd sub/dir && pwd", 0),
    ("mkdir -p sub && cd sub && false", 1),
    ("export FOO=bar; echo \"$FOO\"; FOO=baz sh -c 'echo $FOO'", 0),
    ("cat <<'EOF'\nline with $HOME and `backticks`\nEOF", 0),
    ("cat <<EOF\n$((1 + 2)) computed\nEOF\nfalse", 1),
    (HEREDOC_SCRIPT, 3),
    ("echo with a comment # the end", 0),
    ("false # failing, with a comment", 1),
    ("echo \"it's\" 'a \"test\"' $'tab\\there'", 0),
    ("set -e; echo a; false; echo b", 0),  # set -e does nothing inside Claude Code's `eval ... && pwd`
    ("set -u; echo \"${UNDEFINED_CTXLEAN_VAR}\"", 127),
    ("echo $LINENO; nosuchcommand_ctxlean", 127),  # bash's own messages keep their line numbers
    ("echo 'unterminated", 2),
    ("if true; then echo open", 2),
    ("f() { echo in f; return 3; }; f", 3),
    ("trap 'echo bye from the trap' EXIT; echo hi", 0),
    ("trap 'echo bye from the trap' EXIT; false", 1),
    ("exit 4", 4),
    ("echo before; exit 0", 0),
    ("exec 1>/dev/null; echo hidden; false", 1),
    ("read -r line; echo \"read: [$line]\"", 0),
    ("echo café ✓ 日本", 0),
    ("printf 'no newline at the end'", 0),
    ("echo continued \\\n  on the next line; false", 1),
    ("false \\", 1),  # a trailing line continuation, as the model wrote it
    ("! true", 1),
    (f"{BIG}; exit 1", 1),
    (f"{BIG} | tail -3", 0),
    (f"{BINARY}; exit 3", 3),
]


def as_claude_code_runs(command: str, cwd, out_path) -> tuple[int, bytes, str | None]:
    """Run `command` as Claude Code 2.1.330 does: `eval '<command>' < /dev/null && pwd -P >| <cwd file>` in a
    fresh bash whose stdout and stderr are one regular file. Returns (status, output, the cwd it recorded)."""
    cwd_file = out_path.with_suffix(".cwd")
    quoted = "'" + command.replace("'", "'\"'\"'") + "'"
    with open(out_path, "wb") as out:
        status = subprocess.run([BASH, "-c", f"eval {quoted} < /dev/null && pwd -P >| {cwd_file}"], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=60).returncode
    recorded = cwd_file.read_text().strip() if cwd_file.exists() else None
    return status, out_path.read_bytes(), recorded and os.path.relpath(recorded, cwd)


def run_in_fresh_dir(tmp_path, command: str, name: str) -> tuple[int, bytes, str | None]:
    """as_claude_code_runs in an empty dir that has the same path for every run (commands print it)."""
    workdir = tmp_path / "work"
    if workdir.exists():
        workdir.rename(tmp_path / f"work-before-{name}")
    workdir.mkdir()
    return as_claude_code_runs(command, workdir, tmp_path / f"{name}.out")


@needs_bash
@pytest.mark.parametrize(("command", "status"), BATTERY, ids=[c[:40] for c, _ in BATTERY])
def test_wrapped_command_behaves_the_same_and_keeps_the_output_of_a_failure(tmp_path, command, status):
    plain = run_in_fresh_dir(tmp_path, command, "plain")
    capture = tmp_path / "captures" / "toolu_1.out"
    capture.parent.mkdir()
    wrapped = run_in_fresh_dir(tmp_path, wrap(command, str(capture)), "wrapped")
    assert wrapped == plain
    assert plain[0] == status
    if status == 0 or command in NOT_KEPT:
        assert not capture.exists()
    else:
        assert capture.read_bytes() == plain[1]
        assert stat.S_IMODE(capture.stat().st_mode) == 0o600


@needs_bash
@pytest.mark.parametrize("command", ["printf 'a\\n'; printf 'b\\n' >&2; false", f"{BIG}; false", "echo ok"])
def test_stdout_and_stderr_stay_separate_streams(tmp_path, command):
    """Where stdout and stderr are different pipes, the wrapper changes neither (and keeps nothing: only a
    regular file, as Claude Code gives, is copied)."""
    capture = tmp_path / "toolu_2.out"
    plain, wrapped = [subprocess.run([BASH, "-c", text], capture_output=True, cwd=tmp_path, timeout=60)
                      for text in (command, wrap(command, str(capture)))]
    assert (wrapped.returncode, wrapped.stdout, wrapped.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert not capture.exists()


@needs_bash
def test_set_e_outside_claude_codes_eval_still_keeps_the_output(tmp_path):
    """Where `set -e` does end the shell (a plain `bash -c`), the EXIT trap keeps the output."""
    capture = tmp_path / "toolu_3.out"
    with open(tmp_path / "out", "wb") as out:
        status = subprocess.run([BASH, "-c", wrap("set -e; echo a; false; echo b", str(capture))],
                                stdout=out, stderr=out, timeout=60).returncode
    assert status == 1 and capture.read_bytes() == b"a\n" == (tmp_path / "out").read_bytes()


def test_unwrap_gives_back_the_models_command():
    for command, _ in BATTERY:
        assert unwrap(wrap(command, "/data/captures/toolu_1.out")) == command
    assert unwrap("pytest -x") == "pytest -x"


# --- which commands get wrapped ------------------------------------------------------------------------

DEFAULTS = config.Config().capture_commands


@pytest.mark.parametrize("command", [
    "pytest", "pytest -x tests/test_store.py", "python -m pytest -q", "python3.11 -u -m pytest",
    ".venv/bin/python -m unittest discover", "cd web && npm test", "npm run test:unit", "pnpm run build",
    "yarn lint", "npx jest --ci", "npx tsc --noEmit", "cargo test --workspace", "cargo +nightly clippy",
    "go test ./...", "go vet ./...", "make -j4", "make -C build check", "cmake --build build", "mvn -q test",
    "./gradlew build", "mypy src", "ruff check .", "flake8", "pylint pkg", "tsc -p .", "gcc -Wall -c x.c",
    "clang++ -std=c++20 main.cpp", "PYTHONPATH=src timeout 600 pytest", "uv run pytest", "tox -e py311",
    "source .venv/bin/activate && pytest 2>&1 | tail -80", "if make; then echo built; fi", "x=$(make 2>&1)",
])
def test_test_runners_builds_and_checkers_are_wrapped(command):
    assert wants_capture(command, DEFAULTS)


@pytest.mark.parametrize("command", [
    "ls -la", "git status", "grep -rn make .", "npm install", "cargo run", "python script.py", "./run.sh",
])
def test_every_foreground_command_is_wrapped_by_default(command):
    assert wants_capture(command, DEFAULTS)


@pytest.mark.parametrize("command", [
    "pytest &", "nohup make > build.log 2>&1 &", "jest --watch", "pytest --pdb", "echo 'unbalanced",
])
def test_background_interactive_and_unparsable_commands_are_left_alone(command):
    assert not wants_capture(command, DEFAULTS)


@pytest.mark.parametrize("command", ["ls -la", "git status", "echo pytest", "cat Makefile", "npm run dev",
                                     "npm install", "cargo run", "python script.py"])
def test_a_list_of_programs_wraps_only_those(command):
    runners = ("pytest", "npm run test*", "cargo test", "make", "python -m pytest")
    assert not wants_capture(command, runners)
    assert wants_capture("npm run test:unit", runners) and wants_capture("make -j4", runners)


@needs_bash
def test_the_list_is_config_and_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CTXLEAN_CAPTURE_COMMANDS", "bazel test,just *")
    cfg = config.load(str(tmp_path))
    assert wants_capture("bazel test //...", cfg.capture_commands) and wants_capture("just x", cfg.capture_commands)
    assert not wants_capture("pytest", cfg.capture_commands)
    event = {"command": "pytest"}
    assert rewrite(event, "toolu_1", "bypassPermissions", DEFAULTS) is not None
    monkeypatch.setenv("CTXLEAN_CAPTURE_FAILURES", "false")
    assert config.load(str(tmp_path)).capture_failures is False


@needs_bash
def test_rewrite_only_where_claude_code_runs_it_unchecked(tmp_path):
    tool_input = {"command": "pytest -x", "description": "run the tests", "timeout": 600000}
    new = rewrite(tool_input, "toolu_abc", "bypassPermissions", DEFAULTS)
    assert {k: v for k, v in new.items() if k != "command"} == {"description": "run the tests", "timeout": 600000}
    assert unwrap(new["command"]) == "pytest -x" and capture_path("toolu_abc") in new["command"]
    assert stat.S_IMODE(os.stat(os.path.dirname(capture_path("toolu_abc"))).st_mode) == 0o700
    for mode in ("default", "acceptEdits", "plan", "dontAsk", None):
        assert rewrite(tool_input, "toolu_abc", mode, DEFAULTS) is None
    assert rewrite({**tool_input, "run_in_background": True}, "toolu_abc", "bypassPermissions", DEFAULTS) is None
    assert rewrite(tool_input, "../../etc/passwd", "bypassPermissions", DEFAULTS) is None
    assert rewrite({"command": new["command"]}, "toolu_abd", "bypassPermissions", DEFAULTS) is None  # once only


def test_sweep_removes_only_old_leftovers(tmp_path):
    old, new = tmp_path / "toolu_old.out", tmp_path / "toolu_new.out"
    for path in (old, new):
        path.write_text("x")
    os.utime(old, (0, 0))
    assert sweep(str(tmp_path)) == 1
    assert not old.exists() and new.exists()


def test_ctxlean_gc_sweeps_leftover_captures():
    from ctxlean.paths import capture_dir

    directory = capture_dir()
    directory.mkdir(parents=True)
    old, fresh = directory / "toolu_old.out", directory / "toolu_fresh.out"
    old.write_text("output of a command whose session was killed")
    fresh.write_text("output of a command still running")
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "gc"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "removed 1 leftover capture file" in proc.stdout
    assert not old.exists() and fresh.exists()
