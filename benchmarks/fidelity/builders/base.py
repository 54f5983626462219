# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""What every corpus builder shares: a payload with its needles, running a tool as Claude Code's Bash would,
scratch copies of public repositories, and the needle classes.

A payload is written exactly as the tool printed it (never edited); its sidecar says where it came from,
what the agent was looking for when it ran the command (`asked`), and the needles: exact strings an agent
acts on next, each with the fetch_detail call that retrieves it and its class.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CORPUS = HERE / "corpus"
REPO = HERE.parents[1]  # this project
PY = sys.executable
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))
MAX_PAYLOAD = 300_000
MIRRORS = Path(os.environ.get("CTXLEAN_MIRRORS", "/work/.mirror"))
ENV = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "PYTHONDONTWRITEBYTECODE": "1",
       "COLUMNS": "120", "CI": "1", "npm_config_update_notifier": "false", "GIT_PAGER": "cat", "PAGER": "cat"}
ENV.pop("VIRTUAL_ENV", None)

# Needle classes: what kind of fact the agent acts on (run.py groups misses by these).
FAILING_TEST = "failing-test"  # the name of a test that failed
ASSERTION = "assertion"  # the assertion message or expected/actual values of a failure
ERROR = "error"  # the error line itself (compiler, linter, runtime, package manager)
LOCATION = "location"  # file:line (or file(line,col)) of an error or failure
COUNT = "count"  # a count that decides success: "2 failed, 151 passed"
VERSION = "version"  # a version (in a conflict, a listing, metadata)
IDENT = "id"  # an id, hash, handle, number the agent will use
PATH = "path"  # a file or directory path from a listing or search result
CHANGED = "changed-line"  # a removed or added line of a diff or patch
ASKED = "asked-line"  # the line the agent asked about, wherever it sits
NAME = "name"  # an identifier, heading, key or column name
VALUE = "value"  # a value in data (JSON, tables)
CLASSES = (FAILING_TEST, ASSERTION, ERROR, LOCATION, COUNT, VERSION, IDENT, PATH, CHANGED, ASKED, NAME, VALUE)


@dataclass
class N:
    """A needle: the exact text, its class, and the fetch_detail call that returns it (default: its lines)."""

    text: str
    cls: str
    fetch: dict | None = None


@dataclass
class Case:
    name: str
    text: str | bytes
    command: str = ""
    tool: str = "Bash"
    tool_input: dict | None = None
    kind: str = ""  # the content class the summarizer should recognise (matched as a substring)
    program: str = ""  # the tool that printed it: pytest, gcc, npm, ...
    family: str = ""  # test-runner, compiler, linter, package-manager, build, vcs, search, file, data, ...
    failing: bool = False  # the payload shows a failure or error an agent must not be told away
    asked: str = ""  # the agent's words before the call: what it was looking for
    needles: list[N] = field(default_factory=list)
    source: str = ""
    exit_code: int | None = None

    def write(self) -> None:
        if self.problems():
            raise SystemExit(f"{self.name}: {self.problems()}")
        tool_input = self.tool_input if self.tool_input is not None else {"command": self.command}
        data = self.text if isinstance(self.text, bytes) else self.text.encode("utf-8", "surrogateescape")
        if len(data) > MAX_PAYLOAD:
            raise SystemExit(f"{self.name}: {len(data):,} bytes is over the {MAX_PAYLOAD:,}-byte cap; "
                             "narrow the command")
        binary = isinstance(self.text, bytes)
        text = data.decode("utf-8", "replace")
        needles = []
        for needle in self.needles:
            if needle.text not in text:
                raise SystemExit(f"{self.name}: needle {needle.text!r} is not in the payload")
            needles.append({"text": needle.text, "class": needle.cls,
                            "fetch": needle.fetch or ({"page": 1} if binary else line_fetch(text, needle.text))})
        for stale in CORPUS.glob(f"{self.name}.*"):
            stale.unlink()
        (CORPUS / f"{self.name}.{'bin' if binary else 'txt'}").write_bytes(data)
        sidecar = {"tool": self.tool, "tool_input": tool_input, "kind": self.kind, "program": self.program,
                   "family": self.family, "failing": self.failing, "exit_code": self.exit_code,
                   "asked": self.asked, "source": self.source or tool_input.get("command", ""), "needles": needles}
        (CORPUS / f"{self.name}.json").write_text(json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n")

    def problems(self) -> str:
        missing = [f for f in ("kind", "program", "family", "asked") if not getattr(self, f)]
        if missing:
            return f"missing {', '.join(missing)}"
        if not self.needles:
            return "no needles"
        bad = [n.cls for n in self.needles if n.cls not in CLASSES]
        return f"unknown needle classes {bad}" if bad else ""


def line_fetch(text: str, needle: str) -> dict:
    """lines="n-n" for the first line holding needle (a needle spanning lines gets its whole range)."""
    start = text.index(needle)
    first = text.count("\n", 0, start) + 1
    return {"lines": f"{first}-{first + needle.count(chr(10))}"}


@dataclass
class Out:
    text: str
    rc: int


def sh(command: str, cwd: Path | str | None = None, timeout: int = 600, env: dict | None = None) -> Out:
    """stdout and stderr of a shell command interleaved as Claude Code's Bash shows them, and its exit code."""
    with subprocess.Popen(command, shell=True, cwd=cwd, env={**ENV, **(env or {})}, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, executable="/bin/bash",
                          start_new_session=True) as proc:
        try:
            data, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole tree the command started, nothing else
            raise SystemExit(f"timed out after {timeout} s: {command}") from None
    return Out(data.decode("utf-8", "replace"), proc.returncode)


def need(*programs: str) -> bool:
    """True when every program is on PATH; else says which are missing (setup.sh installs them)."""
    missing = [p for p in programs if not shutil.which(p)]
    if missing:
        print(f"  skip: {', '.join(missing)} not installed (run benchmarks/fidelity/setup.sh)", file=sys.stderr)
    return not missing


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"))


def mirror(repo: str) -> Path | None:
    """The git directory of a public repository brought here with the search tool's fetch, or None."""
    path = MIRRORS / repo.replace("/", "+") / "repo"
    if not path.exists():
        print(f"  skip: no mirror of {repo} in {MIRRORS} (fetch github:{repo})", file=sys.stderr)
        return None
    return path


def checkout(repo: str, dest: Path, history: bool = False, rev: str = "HEAD") -> str | None:
    """A scratch copy of a fetched public repository at rev (its newest snapshot by default) in dest;
    returns its provenance ("github:owner/name@commit") or None when it is not here. history=True clones
    it (for git log)."""
    git_dir = mirror(repo)
    if git_dir is None:
        return None
    commit = sh(f"git --git-dir={git_dir} rev-parse {rev}").text.strip()
    if dest.exists():
        shutil.rmtree(dest)
    if history:
        sh(f"git clone -q --no-hardlinks {git_dir} {dest} && git -C {dest} checkout -q {commit}")
    else:
        dest.mkdir(parents=True)
        sh(f"git --git-dir={git_dir} archive {commit} | tar -x -C {dest}")
    return f"github:{repo}@{commit}"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Change code in a scratch copy (how a real failing run arises): old must be there."""
    text = path.read_text()
    if old not in text:
        raise SystemExit(f"{path}: {old!r} not found; the upstream code moved")
    path.write_text(text.replace(old, new, count))


def first_match(pattern: str, text: str, group: int = 0) -> str:
    """The first match of a multiline regex in a tool's output (a needle read off the real output)."""
    found = re.search(pattern, text, re.M)
    if not found:
        raise SystemExit(f"pattern {pattern!r} not in the output:\n{text[-2000:]}")
    return found.group(group)


def all_matches(pattern: str, text: str, group: int = 0) -> list[str]:
    return [m.group(group) for m in re.finditer(pattern, text, re.M)]
