"""What every importer of public trajectories shares: reading a source repository at a recorded commit,
the normalized step format, and writing compact, reproducible data files.

A source is a git directory: a clone's work tree (or its .git) or a bare mirror. Files are always read
with `git show <commit>:<path>`, so the data is regenerated from exactly the commit its provenance names,
whatever is checked out.

Normalized trajectory (UTF-8 JSON, gzip): {id, framework, provenance{repository, path, commit, url,
license, agent, model}, outputs_cut, cut_note, system, task, steps[{thought, action{tool, raw_tool,
input}, observation, error, ts?}], final}. `task` is every user message the model saw before its first
action, joined by a blank line (for SWE-agent that includes the demonstration). An observation is the
text the framework recorded for that action, never edited. `tool` is Bash (any shell or shell-like
command), Read (a file view), Edit (a file edit) or Other (nothing ran: format-error feedback, an agent
message answered by the user, a logged thought).
"""

from __future__ import annotations

import argparse
import gzip
import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson

DATA = Path(__file__).resolve().parent / "data"
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


class Source:
    """One public repository, read at recorded commits through git."""

    def __init__(self, git_dir: str | Path, repository: str, license: str) -> None:
        self.git_dir = Path(git_dir)
        self.repository = repository
        self.license = license

    def show(self, commit: str, path: str) -> bytes:
        """The bytes of `path` at `commit`, exactly as committed."""
        return self._git("show", f"{commit}:{path}")

    def list(self, commit: str, under: str) -> list[str]:
        """Every file path under the folder `under` at `commit`, sorted."""
        out = self._git("ls-tree", "-r", "--name-only", commit, "--", under.rstrip("/") + "/")
        return sorted(out.decode().splitlines())

    def sizes(self, commit: str) -> dict[str, int]:
        """Every file at `commit` with its size in bytes; files the copy does not hold are left out."""
        out = {}
        for line in self._git("ls-tree", "-r", "-l", commit).decode().splitlines():
            meta, path = line.split("\t", 1)
            size = meta.split()[3]
            if size.isdigit():
                out[path] = int(size)
        return out

    def provenance(self, path: str, commit: str, agent: str, model: str) -> dict:
        if not COMMIT_RE.match(commit):
            raise ValueError(f"not a full commit id: {commit!r}")
        return {
            "repository": self.repository,
            "path": path,
            "commit": commit,
            "url": f"https://github.com/{self.repository}/blob/{commit}/{path}",
            "license": self.license,
            "agent": agent,
            "model": model,
        }

    def _git(self, *args: str) -> bytes:
        proc = subprocess.run(["git", "-C", str(self.git_dir), *args], capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} in {self.git_dir}: {proc.stderr.decode().strip()}")
        return proc.stdout


def step(
    thought: str,
    tool: str,
    raw_tool: str,
    tool_input: dict,
    observation: str,
    error: bool = False,
    ts: float | None = None,
) -> dict:
    """One normalized step. `tool` is Bash, Read, Edit or Other (see the module docstring); `raw_tool`
    is the framework's own name for it."""
    out = {
        "thought": thought,
        "action": {"tool": tool, "raw_tool": raw_tool, "input": tool_input},
        "observation": observation,
        "error": error,
    }
    if ts is not None:
        out["ts"] = round(ts, 3)
    return out


def gzip_bytes(data: bytes) -> bytes:
    """gzip -9 with no name and no time stamp: the same input always gives the same file."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def write_gz(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip_bytes(data))
    return path


def write_trajectory(trajectory: dict) -> Path:
    """Writes data/<framework>/<id>.json.gz and returns its path."""
    path = DATA / trajectory["framework"] / f"{trajectory['id']}.json.gz"
    return write_gz(path, orjson.dumps(trajectory))


def trajectory(
    traj_id: str,
    framework: str,
    provenance: dict,
    outputs_cut: bool,
    cut_note: str,
    system: str | None,
    task: str,
    steps: list[dict],
    final: str,
    shown_max_chars: int | None = None,
) -> dict:
    """A normalized trajectory. shown_max_chars: the framework showed the model only the first and last
    half of that many characters of a longer observation (the observations here are as recorded)."""
    extra = {"shown_max_chars": shown_max_chars} if shown_max_chars else {}
    return {
        "id": traj_id,
        "framework": framework,
        "provenance": provenance,
        "outputs_cut": outputs_cut,
        "cut_note": cut_note,
        "system": system,
        "task": task,
        "steps": steps,
        "final": final,
        **extra,
    }


def text_of(content: object) -> str:
    """The text of a chat message's content: a string, or a list of {type: text, text} parts joined in
    order (non-text parts, such as images, have no text and are skipped)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def run_importer(doc: str, groups: dict[str, tuple[str, list[tuple]]], import_source: Callable) -> None:
    """The command line of an importer with several sources: one `--<group> GIT_DIR` option per group
    of sources that live in the same repository; `import_source(git_dir, *spec)` returns (trajectories
    written, runs skipped for having no step). Each spec starts (repository, license, commit, path)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for key, (help_text, _) in groups.items():
        parser.add_argument(f"--{key}", required=True, help=help_text)
    args = vars(parser.parse_args())
    for key, (_, specs) in groups.items():
        for spec in specs:
            written, skipped = import_source(args[key], *spec)
            print(f"{spec[0]}@{spec[2][:10]} {spec[3]}: {written} trajectories ({skipped} skipped: no step)")
