"""The fuzz suite in CI: every input that once failed is replayed (tests/fuzz/corpus/<target>/), then each
target is fuzzed for a bounded time (CTXLEAN_FUZZ_SECONDS, default 30 per target) with atheris. A new
failure is written into the corpus directory: fix it, and commit the file so it is replayed for good.

Hook inputs that once hung a hook are kept as plain stdin (`<event>.<what>.stdin`, `{FIFO}` standing for a
FIFO made at replay) and replayed through the real command, under a deadline."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

atheris = pytest.importorskip("atheris", reason="the fuzz suite needs atheris (pip install -e '.[dev]')")

HERE = Path(__file__).resolve().parent
TARGETS = ("hook_stdin", "mcp_arguments")
SECONDS = int(os.environ.get("CTXLEAN_FUZZ_SECONDS", "30"))


def failed_inputs():
    return [pytest.param(target, path, id=f"{target}/{path.name}") for target in TARGETS
            for path in sorted((HERE / "corpus" / target).glob("*")) if path.is_file() and path.suffix != ".stdin"]


@pytest.mark.parametrize("path", sorted((HERE / "corpus" / "hook_stdin").glob("*.stdin")), ids=lambda p: p.name)
def test_a_hook_input_that_once_hung_answers_at_once(path, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    raw = path.read_text().replace("{FIFO}", json.dumps(str(fifo))[1:-1])
    proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", path.name.split(".")[0]], input=raw.encode(),
                          capture_output=True, timeout=60)  # before the fix: blocked until Claude Code's 60 s
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.parametrize(("target", "path"), failed_inputs())
def test_an_input_that_once_failed_passes(target, path):
    # in a process of its own: setup() makes a private HOME and environment for the target
    replay = f"import targets; targets.setup(); targets.TARGETS[{target!r}](open({str(path)!r}, 'rb').read())"
    proc = subprocess.run([sys.executable, "-c", replay], cwd=HERE, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_for_a_bounded_time(target, tmp_path):
    work = tmp_path / "corpus"
    work.mkdir()
    failed = HERE / "corpus" / target
    failed.mkdir(parents=True, exist_ok=True)  # git keeps no empty directory: a target that never failed has none
    proc = subprocess.run([sys.executable, str(HERE / "targets.py"), target, f"-max_total_time={SECONDS}",
                           "-timeout=30", "-rss_limit_mb=3072", f"-artifact_prefix={failed}/", str(work), str(failed)],
                          capture_output=True, text=True, timeout=SECONDS + 300, cwd=tmp_path)
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    print(f"{target}: {done[1] if done else '?'} executions in {done[2] if done else '?'} s, "
          f"exit status {proc.returncode}")
    assert proc.returncode == 0 and done, proc.stderr[-4000:]
