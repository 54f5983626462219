"""The local job file: everything needed to carry a batch job on after the process dies.

One JSON file per job in `ctxlean.paths.data_dir()/batches/<job>.json`, rewritten atomically (temp file,
fsync, rename) at every state change, so a crash leaves either the old state or the new one. Items are
split into chunks, one Message Batch each; a chunk records `creating_since` *before* the create call and
its batch id right after, so a process killed inside the call is noticed on resume (JobRun._adopt).
Results are not kept here: the job's OUT file is their record (JobRun.collect reads it back on resume).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ctxlean.paths import data_dir

VERSION = 1


@dataclass
class Chunk:
    key: str  # "3": the 4th split of the input; "3.r": the retry of its failed items; "3.r.r": ...
    items: list[int]  # item indexes (0-based, file order)
    attempt: int = 1
    batch_id: str | None = None
    creating_since: float | None = None  # epoch seconds when batches.create was called
    ended: bool = False
    collected: bool = False  # results streamed into the job's OUT file

    @property
    def retry_key(self) -> str:
        return f"{self.key}.r"


@dataclass
class Job:
    job_id: str
    items_path: str
    items_sha256: str
    items_count: int
    prompt: str  # the template source, kept so retries do not depend on the prompt file
    model: str
    max_tokens: int
    max_attempts: int
    limits: dict
    chunks: list[Chunk] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    out: str | None = None  # the OUT file results go to (set by the first `results`)
    estimate: dict | None = None
    version: int = VERSION

    @property
    def path(self) -> Path:
        return job_path(self.job_id)

    @property
    def canceled(self) -> bool:
        """Set by `cancel` as a marker file beside the job file, so a `results` process that holds the job
        sees it at its next poll and no save of either process can undo it."""
        return self.path.with_suffix(".canceled").exists()

    def mark_canceled(self) -> None:
        self.path.with_suffix(".canceled").touch(mode=0o600)

    def chunk(self, key: str) -> Chunk | None:
        return next((c for c in self.chunks if c.key == key), None)

    def save(self) -> None:
        """Write the whole job atomically: a reader (or a resumed run) never sees half a file."""
        path = self.path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        data = json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)


class JobError(RuntimeError):
    """A job that cannot be continued as asked; the message says why and what to do."""


class JobNotFound(JobError):
    pass


@contextmanager
def lock(job_id: str) -> Iterator[None]:
    """Hold the job while submitting or collecting: two processes doing so would create batches twice or
    write OUT twice. The kernel releases the lock when its process dies, so a crash never leaves it held."""
    path = job_path(job_id).with_suffix(".lock")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobError(f"job {job_id} is in use by another `ctxlean batch` process; wait for it or stop it") \
                from None
        yield
    finally:
        os.close(fd)


def jobs_dir() -> Path:
    return data_dir() / "batches"


def job_path(job_id: str) -> Path:
    return jobs_dir() / f"{job_id}.json"


def new_job_id() -> str:
    """Sortable by creation time and safe in file names and custom ids (`[A-Za-z0-9_-]`)."""
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def load(job_ref: str) -> Job:
    """The job named by its id or by the path of its job file."""
    path = Path(job_ref) if job_ref.endswith(".json") else job_path(job_ref)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise JobNotFound(f"no batch job {job_ref!r} (job files are in {jobs_dir()})") from None
    except (OSError, ValueError) as exc:
        raise JobNotFound(f"cannot read job file {path}: {exc}") from None
    raw["chunks"] = [Chunk(**c) for c in raw.get("chunks", [])]
    return Job(**raw)


def all_jobs() -> list[Job]:
    """Every job in the jobs dir, oldest first (ids sort by creation time)."""
    if not jobs_dir().is_dir():
        return []
    return [load(str(p)) for p in sorted(jobs_dir().glob("*.json"))]
