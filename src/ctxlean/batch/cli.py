"""`ctxlean batch submit|status|results|cancel`: bulk model work through the Message Batches API.

    JOB=$(ctxlean batch submit items.jsonl --prompt prompt.md --model haiku)
    ctxlean batch status $JOB
    ctxlean batch results $JOB -o out.jsonl
    ctxlean batch cancel $JOB

Information (estimate, notices, progress) goes to stderr; stdout carries the answer: the job id alone
(submit), the table (status), the totals (results).
"""

from __future__ import annotations

import argparse
import sys
import time

from ctxlean.batch import api, costs, jobs
from ctxlean.batch.costs import Estimate, describe
from ctxlean.batch.items import ItemsError
from ctxlean.batch.progress import Progress
from ctxlean.batch.requests import MAX_BATCH_BYTES, MAX_REQUESTS_PER_BATCH, Limits

JOBS = "the job files in the data dir (~/.claude/plugins/data/ctxlean-ctxlean/batches/)"
API = "the Message Batches API (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)"
HELP = {  # action -> (what it reads, what it writes, examples)
    "submit": (f"ITEMS (JSONL), the --prompt FILE, the price data; {API}",
               "one job file; prints the job id on stdout (estimate and progress on stderr)",
               ['JOB=$(ctxlean batch submit items.jsonl --prompt prompt.md --model haiku)',
                "ctxlean batch submit items.jsonl --prompt prompt.md --dry-run",
                "ctxlean batch submit --resume JOB"]),
    "status": (f"{JOBS}; {API}", "nothing (the table on stdout)",
               ["ctxlean batch status", "ctxlean batch status JOB --wait"]),
    "results": (f"the job file; {API}", "OUT (JSONL, one result a line, appended as batches end), the job file",
                ["ctxlean batch results JOB -o out.jsonl"]),
    "cancel": (f"the job file; {API}", "the job file (canceled: no further retries)", ["ctxlean batch cancel JOB"]),
}


def _parser() -> argparse.ArgumentParser:
    from ctxlean.helptext import epilog

    def add(name: str, text: str) -> argparse.ArgumentParser:
        reads, writes, examples = HELP[name]
        return sub.add_parser(name, help=text, description=text, epilog=epilog(reads, writes, examples),
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    parser = argparse.ArgumentParser(
        prog="ctxlean batch", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run many independent prompts through the Message Batches API (half price), resumable "
                    "after a crash.",
        epilog=epilog(f"ITEMS and the prompt FILE, {JOBS}; {API}", "job files, the results JSONL",
                      [line.strip() for line in __doc__.splitlines()[2:6]]))
    sub = parser.add_subparsers(dest="action", required=True)
    submit = add("submit", "check, estimate and submit a job; prints the job id last")
    submit.add_argument("items", nargs="?", help='JSONL, one {"id": ..., "text": ..., ...} a line')
    submit.add_argument("--prompt", metavar="FILE",
                        help="a file holding the prompt template: the shared instructions, with {{field}} "
                             "placeholders filled from each item")
    submit.add_argument("--model", default="haiku", help="model id or alias (default: haiku)")
    submit.add_argument("--max-tokens", type=int, default=1024, help="max output tokens per item (default 1024)")
    submit.add_argument("--max-attempts", type=int, default=3,
                        help="tries per item, counting the first, for errored and expired results (default 3)")
    submit.add_argument("--max-requests-per-batch", type=int, default=MAX_REQUESTS_PER_BATCH, help="split limit")
    submit.add_argument("--max-batch-bytes", type=int, default=MAX_BATCH_BYTES, help="split limit")
    submit.add_argument("--dry-run", action="store_true", help="check and estimate only; submit nothing")
    submit.add_argument("--resume", metavar="JOB", help="submit the chunks a stopped submit did not")
    status = add("status", "the state of a job's batches (no JOB: list jobs)")
    status.add_argument("job", nargs="?")
    status.add_argument("--wait", action="store_true", help="poll with a progress bar until every batch ended")
    status.add_argument("--poll", type=float, default=15.0, help="seconds between polls (default 15)")
    results = add("results", "stream results into OUT as they are ready, retrying failures")
    results.add_argument("job")
    results.add_argument("-o", "--out", help="the output JSONL (default: the one this job wrote to before)")
    results.add_argument("--poll", type=float, default=15.0, help="seconds between polls (default 15)")
    cancel = add("cancel", "cancel a job's unfinished batches (no further retries)")
    cancel.add_argument("job")
    return parser


def _err(message: str, status: int = 1) -> int:
    print(f"ctxlean batch: {message}", file=sys.stderr)
    return status


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv[1:])
    try:
        return ACTIONS[args.action](args)
    except ItemsError as exc:
        return _err(f"bad input, nothing submitted:\n{exc}")
    except (api.BatchApiError, jobs.JobError) as exc:
        return _err(str(exc))
    except OSError as exc:
        return _err(f"{exc.filename or ''}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return _err("interrupted; run the same command again to continue the job")


def _run(job: jobs.Job, poll: float = 15.0):
    from ctxlean.batch.runner import JobRun

    return JobRun(job, api.make_client(), costs.price_book(), poll_interval=poll)


def submit(args) -> int:
    from ctxlean.batch import runner

    if args.resume:
        job_id = jobs.load(args.resume).job_id
        with jobs.lock(job_id):
            run = _run(jobs.load(job_id))  # loaded again under the lock: the last holder may have changed it
            submitted = run.submit_pending()
    else:
        if not args.items or not args.prompt:
            return _err("submit needs ITEMS.jsonl and --prompt FILE (or --resume JOB)", 2)
        try:
            with open(args.prompt, encoding="utf-8") as fh:
                prompt = fh.read()
        except FileNotFoundError:
            return _err(f"--prompt takes a file, and there is no file {args.prompt!r}: put the template (with "
                        "its {{field}} placeholders) in a file and pass its path", 2)
        limits = Limits(args.max_requests_per_batch, args.max_batch_bytes)
        job = runner.plan(args.items, prompt, args.model, args.max_tokens, costs.price_book(), limits,
                          args.max_attempts)
        print(f"{job.items_count:,} items in {len(job.chunks)} batch(es) for {job.model}, max_tokens "
              f"{job.max_tokens}", file=sys.stderr)
        print(describe(Estimate(**job.estimate)), file=sys.stderr)
        if args.dry_run:
            print("dry run: nothing submitted", file=sys.stderr)
            return 0
        api.require_api_key()
        job.save()
        run = _run(job)
        with jobs.lock(job.job_id):
            submitted = run.submit_pending()
    print(f"submitted {submitted} batch(es); job file {run.job.path}", file=sys.stderr)
    print(run.job.job_id)
    return 0


def status(args) -> int:
    if not args.job:
        if not jobs.all_jobs():
            print(f"no batch jobs yet in {jobs.jobs_dir()} (`ctxlean batch submit ITEMS --prompt FILE` starts "
                  "one)", file=sys.stderr)
        for job in jobs.all_jobs():
            state = "canceled" if job.canceled else ("collected" if all(c.collected for c in job.chunks) else "open")
            print(f"{job.job_id}  {job.items_count:>7,} items  {len(job.chunks):>3} batch(es)  {job.model}  {state}")
        return 0
    run = _run(jobs.load(args.job), args.poll)
    if args.wait:
        _wait(run, args.poll)
    for chunk, batch in run.batch_states():
        if batch is None:
            print(f"chunk {chunk.key:<6} {'(not submitted)':<36} {len(chunk.items):>7,} items  attempt {chunk.attempt}")
            continue
        counts = batch.request_counts
        shown = "  ".join(f"{name} {getattr(counts, name):,}" for name in
                          ("processing", "succeeded", "errored", "expired", "canceled") if getattr(counts, name))
        print(f"chunk {chunk.key:<6} {batch.id:<36} {len(chunk.items):>7,} items  attempt {chunk.attempt}  "
              f"{batch.processing_status:<11} {shown}")
    return 0


def _wait(run, poll: float) -> None:
    progress = Progress(run.job.items_count, f"job {run.job.job_id}")
    while True:
        states = run.batch_states()
        ended = sum(len(c.items) for c, b in states if b is not None and b.processing_status == "ended")
        progress.update(ended, "items in ended batches", force=True)
        if all(b is not None and b.processing_status == "ended" for _, b in states):
            break
        time.sleep(poll)
    progress.close()


def results(args) -> int:
    job_id = jobs.load(args.job).job_id
    with jobs.lock(job_id):
        run = _run(jobs.load(job_id), args.poll)  # loaded again under the lock: the last holder may have changed it
        out = args.out or run.job.out
        if not out:
            return _err("results needs -o OUT.jsonl")
        progress = Progress(run.job.items_count, f"job {run.job.job_id}")
        totals = run.collect(out, progress)
        progress.close()
    usage = totals.usage
    counts = ", ".join(f"{n:,} {status}" for status, n in sorted(totals.counts.items()))
    print(f"job {run.job.job_id}: {sum(totals.counts.values()):,} items -> {run.job.out}: {counts}")
    print(f"tokens: input {usage.input_tokens:,}, cache writes {usage.cache_write_1h + usage.cache_write_5m:,}, "
          f"cache reads {usage.cache_read:,}, output {usage.output_tokens:,}")
    estimate = Estimate(**run.job.estimate)
    print(f"cost: ${totals.cost_usd:.4f} (batch discount {estimate.batch_discount:.0%}; "
          f"estimated at most ${estimate.total_usd_max:.4f})")
    return 0


def cancel(args) -> int:
    run = _run(jobs.load(args.job))
    asked = run.cancel()
    print(f"job {run.job.job_id} canceled; asked {len(asked)} batch(es) to stop. `ctxlean batch results "
          f"{run.job.job_id} -o OUT` collects what finished.")
    return 0


ACTIONS = {"submit": submit, "status": status, "results": results, "cancel": cancel}
