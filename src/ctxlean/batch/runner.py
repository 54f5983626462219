"""The batch job's life: plan it, submit its chunks, collect results into OUT, retry what failed.

Every step can be repeated after a crash and picks up where the last run stopped:
- submitting skips chunks that have a batch id, and adopts a batch created by a run that died inside the
  create call (recorded `creating_since`, no id yet) instead of paying for it twice;
- collecting reads back the ids already in OUT and writes each item once; a chunk's retry chunk is
  recorded together with the chunk being marked collected, so retries are created once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ctxlean.batch import api, jobs
from ctxlean.batch.costs import PriceBook, Usage, estimate, request_cost
from ctxlean.batch.items import Item, ItemsError, read_items
from ctxlean.batch.jobs import Chunk, Job
from ctxlean.batch.progress import Progress, notice
from ctxlean.batch.requests import Limits, RequestTooLarge, build_request, encoded_size, index_of, split
from ctxlean.batch.template import PromptTemplate
from ctxlean.tokens import estimate_tokens

# Errors that will fail the same way again; every other errored result (overloaded, api_error, ...) and
# every expired one is retried, up to the job's max_attempts.
FINAL_ERRORS = {"invalid_request_error", "authentication_error", "permission_error", "not_found_error",
                "billing_error", "request_too_large"}
# A batch created by a run that died inside the create call is looked for this far back (clock skew).
ADOPT_SLACK_SECONDS = 300


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def load_inputs(items_path: str | Path, template: PromptTemplate) -> list[Item]:
    """The items, checked against the template; ItemsError lists every problem with its line."""
    return read_items(items_path, template.problem)


class UnknownModel(jobs.JobError):
    """A model the price book cannot price: the job's cost could not be shown, so it is not submitted."""


def plan(items_path: str, prompt: str, model: str, max_tokens: int, book: PriceBook,
         limits: Limits | None = None, max_attempts: int = 3) -> Job:
    """A new job (not yet saved or submitted): the items split into chunks within `limits`, and the
    cost estimate. Raises ItemsError for bad input and UnknownModel, before anything reaches the API.

    A model id is sent as given; a short alias (`haiku`) is replaced by the model the price book maps it to.
    """
    price = book.resolve(model)
    if price is None:
        raise UnknownModel(f"no prices for model {model!r}: use a model id from the pricing data, or price it "
                           f'in your config ([pricing."{model}"] input = ..., output = ...)')
    model = model if "claude-" in model else price.id
    template = PromptTemplate(prompt)
    items = load_inputs(items_path, template)
    job_id = jobs.new_job_id()
    sizes = {i: encoded_size(build_request(job_id, i, template, item, model, max_tokens))
             for i, item in enumerate(items)}
    try:
        groups = split(list(range(len(items))), sizes, limits or Limits())
    except RequestTooLarge as exc:
        item = items[exc.index]
        raise ItemsError(items_path, [(item.line, f"item {item.id!r}: {exc.size:,} bytes as a request, over "
                                                  f"the {exc.limit:,}-byte batch limit")]) from None
    est = estimate(book, model, estimate_tokens(template.prefix),
                   [estimate_tokens(template.user_content(i)) for i in items], [len(g) for g in groups], max_tokens)
    return Job(job_id=job_id, items_path=str(Path(items_path).resolve()), items_sha256=_sha256(items_path),
               items_count=len(items), prompt=prompt, model=model, max_tokens=max_tokens,
               max_attempts=max_attempts, limits=dataclasses.asdict(limits or Limits()),
               chunks=[Chunk(str(k), group) for k, group in enumerate(groups)],
               estimate=dataclasses.asdict(est))


@dataclass
class Totals:
    """What a job delivered: statuses per item and the usage/cost of the results in OUT."""
    counts: Counter = field(default_factory=Counter)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0


class JobRun:
    """A loaded job with its inputs and an API client: the operations of `ctxlean batch`."""

    def __init__(self, job: Job, client, book: PriceBook, poll_interval: float = 15.0):
        self.job = job
        self.client = client
        self.book = book
        self.poll_interval = poll_interval
        self.template = PromptTemplate(job.prompt)
        self._items: list[Item] | None = None

    @property
    def items(self) -> list[Item]:
        """The job's items, re-read from the items file, which must not have changed since submit."""
        if self._items is None:
            if _sha256(self.job.items_path) != self.job.items_sha256:
                raise jobs.JobError(f"{self.job.items_path} changed since job {self.job.job_id} was submitted; "
                                    "restore it to continue the job")
            self._items = load_inputs(self.job.items_path, self.template)
        return self._items

    def requests(self, chunk: Chunk) -> list[dict]:
        job = self.job
        return [build_request(job.job_id, i, self.template, self.items[i], job.model, job.max_tokens)
                for i in chunk.items]

    # -- submitting ---------------------------------------------------------------------------------

    def submit_pending(self) -> int:
        """Create a batch for every chunk that has none (saving the job around each call); returns how many
        chunks were submitted or adopted."""
        done = 0
        pending = [c for c in self.job.chunks if not c.batch_id]
        for n, chunk in enumerate(pending, start=1):
            if self.job.canceled:
                break
            if chunk.creating_since is not None and self._adopt(chunk):
                done += 1
                continue
            chunk.creating_since = time.time()
            self.job.save()
            requests = self.requests(chunk)
            what = f"creating batch {n} of {len(pending)}"
            batch = api.call(lambda r=requests: self.client.messages.batches.create(requests=r), what)
            chunk.batch_id = batch.id
            self.job.save()
            notice(f"created batch {n} of {len(pending)}: {batch.id} ({len(requests):,} requests"
                   + (f", retry attempt {chunk.attempt})" if chunk.attempt > 1 else ")"))
            done += 1
        return done

    def _adopt(self, chunk: Chunk) -> bool:
        """Find the batch a killed run created for this chunk but never recorded: created since the
        attempt, the chunk's size, and claimed by no local job. Adopts it only when there is exactly one."""
        claimed = {c.batch_id for j in jobs.all_jobs() for c in j.chunks if c.batch_id}
        since = (chunk.creating_since or 0) - ADOPT_SLACK_SECONDS
        found = []
        page = api.call(lambda: self.client.messages.batches.list(limit=100), "listing batches")
        for batch in page:  # newest first; the SDK fetches further pages as needed
            if batch.created_at.timestamp() < since:
                break
            counts = batch.request_counts
            total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
            if batch.id not in claimed and total == len(chunk.items):
                found.append(batch.id)
        if len(found) != 1:
            return False
        chunk.batch_id = found[0]
        self.job.save()
        notice(f"chunk {chunk.key}: adopted batch {found[0]}, created by a run that stopped before recording it")
        return True

    # -- collecting ---------------------------------------------------------------------------------

    def collect(self, out: str | Path, progress: Progress | None = None) -> Totals:
        """Poll until every chunk is collected, streaming each item's final result into OUT (one line per
        item), submitting retries of errored and expired items; returns the totals read back from OUT."""
        out = str(Path(out).resolve())
        if self.job.out != out:
            if os.path.exists(out) and os.path.getsize(out):
                raise jobs.JobError(f"{out} exists and is not job {self.job.job_id}'s output; "
                                    "choose another file or remove it")
            self.job.out = out
            for chunk in self.job.chunks:  # a new OUT starts empty: stream every ended chunk into it
                chunk.collected = False
            self.job.save()
        written = written_ids(out)
        with open(out, "a", encoding="utf-8") as fh:
            while True:
                self.submit_pending()
                for chunk in list(self.job.chunks):
                    if not chunk.collected and chunk.batch_id and self._ended(chunk):
                        api.call(lambda c=chunk: self._stream(c, fh, written),
                                 f"downloading results of {chunk.batch_id}")
                if self.job.canceled:
                    self._cancel_unsubmitted(fh, written)
                if progress:
                    progress.update(len(written), self._detail(), force=True)
                if all(c.collected for c in self.job.chunks):
                    break
                time.sleep(self.poll_interval)
        return self.totals()

    def _ended(self, chunk: Chunk) -> bool:
        if not chunk.ended:
            batch = api.call(lambda: self.client.messages.batches.retrieve(chunk.batch_id),
                             f"checking batch {chunk.batch_id}")
            if batch.processing_status != "ended":
                return False
            chunk.ended = True
            self.job.save()
        return True

    def _stream(self, chunk: Chunk, fh, written: set[str]) -> None:
        """Write the chunk's final results to OUT; record its retry chunk and mark it collected."""
        retry_chunk = self.job.chunk(chunk.retry_key)
        retrying = set(retry_chunk.items) if retry_chunk else set()
        retry: list[int] = []
        seen: set[int] = set()
        may_retry = retry_chunk is None and chunk.attempt < self.job.max_attempts and not self.job.canceled
        for response in self.client.messages.batches.results(chunk.batch_id):
            try:
                index = index_of(self.job.job_id, response.custom_id)
            except ValueError as exc:
                raise api.BatchApiError(f"batch {chunk.batch_id} (chunk {chunk.key}): {exc}") from None
            seen.add(index)
            item = self.items[index]
            if item.id in written or index in retrying:
                continue
            result = response.result
            if may_retry and _retryable(result):
                retry.append(index)
                continue
            _write(fh, result_line(item, result, chunk.attempt), written, item.id)
        for index in sorted(set(chunk.items) - seen):
            item = self.items[index]
            if item.id not in written:
                _write(fh, {"id": item.id, "status": "errored", "attempts": chunk.attempt, "usage": {},
                            "error": {"type": "missing_result", "message": "the batch returned no result"}},
                       written, item.id)
        fh.flush()
        os.fsync(fh.fileno())
        if retry:
            self.job.chunks.append(Chunk(chunk.retry_key, sorted(retry), attempt=chunk.attempt + 1))
        chunk.collected = True
        self.job.save()

    def _cancel_unsubmitted(self, fh, written: set[str]) -> None:
        for chunk in self.job.chunks:
            if chunk.batch_id or chunk.collected:
                continue
            for index in chunk.items:
                item = self.items[index]
                if item.id not in written:
                    _write(fh, {"id": item.id, "status": "canceled", "attempts": chunk.attempt - 1, "usage": {},
                                "error": {"type": "canceled", "message": "the job was canceled"}}, written, item.id)
            chunk.collected = True
        fh.flush()
        self.job.save()

    def _detail(self) -> str:
        chunks = self.job.chunks
        ended = sum(c.ended for c in chunks)
        retries = sum(c.attempt > 1 for c in chunks)
        return f"items written; batches ended {ended}/{len(chunks)}" + (f" ({retries} retry)" if retries else "")

    def totals(self) -> Totals:
        """Statuses, usage and cost summed over the lines in OUT: exactly what was billed, since errored,
        expired and canceled requests carry no usage and a retried item has one line (its last attempt)."""
        totals = Totals()
        for line in _read_lines(self.job.out):
            usage = line.get("usage") or {}
            totals.counts[line["status"]] += 1
            totals.usage += Usage.from_api(usage)
            totals.cost_usd += request_cost(self.book, self.job.model, usage) or 0.0
        return totals

    # -- status and cancel --------------------------------------------------------------------------

    def batch_states(self) -> list[tuple[Chunk, object | None]]:
        """(chunk, the API's MessageBatch or None when not submitted) for every chunk."""
        states = []
        for chunk in self.job.chunks:
            batch = None
            if chunk.batch_id:
                batch = api.call(lambda c=chunk: self.client.messages.batches.retrieve(c.batch_id),
                                 f"checking batch {chunk.batch_id}")
            states.append((chunk, batch))
        return states

    def cancel(self) -> list[str]:
        """Mark the job canceled (no more submits or retries, also for a `results` running elsewhere) and
        cancel its unfinished batches; returns the ids of the batches asked to cancel."""
        self.job.mark_canceled()
        asked = []
        for chunk in self.job.chunks:
            if chunk.batch_id and not chunk.ended:
                api.call(lambda c=chunk: self.client.messages.batches.cancel(c.batch_id),
                         f"canceling batch {chunk.batch_id}")
                asked.append(chunk.batch_id)
        return asked


def _retryable(result) -> bool:
    return result.type == "expired" or (result.type == "errored" and result.error.error.type not in FINAL_ERRORS)


def result_line(item: Item, result, attempts: int) -> dict:
    """The OUT line for an item: {"id", "status", "text" | "error", "usage", "attempts"}."""
    line: dict = {"id": item.id, "status": result.type, "attempts": attempts}
    if result.type == "succeeded":
        message = result.message
        line["text"] = "".join(block.text for block in message.content if block.type == "text")
        line["usage"] = message.usage.to_dict(mode="json")
        line["stop_reason"] = message.stop_reason
    elif result.type == "errored":
        line["error"] = {"type": result.error.error.type, "message": result.error.error.message}
        line["usage"] = {}
    else:
        line["error"] = {"type": result.type, "message": f"the request was {result.type} before it ran"}
        line["usage"] = {}
    return line


def _write(fh, line: dict, written: set[str], item_id: str) -> None:
    fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    written.add(item_id)


def _read_lines(path: str | None) -> list[dict]:
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(raw) for raw in fh if raw.strip()]


def written_ids(path: str) -> set[str]:
    """Ids already in OUT. A last line cut short by a crash is removed (its item is written again)."""
    if not os.path.exists(path):
        return set()
    with open(path, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            fh.truncate(end)
    return {json.loads(raw)["id"] for raw in data[:end].splitlines() if raw.strip()}
