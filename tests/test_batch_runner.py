"""`ctxlean batch` end to end: the real anthropic SDK against the fake Message Batches API on 127.0.0.1."""

from __future__ import annotations

import json
import re
import signal
import time

import pytest
from batch_helpers import MODEL, fake_api, fake_cost, out_lines, run_cli, spawn_cli, write_items

from ctxlean.batch import jobs
from ctxlean.batch.costs import Usage
from ctxlean.fakeapi import Rule
from ctxlean.fakeapi.batches import BatchBehaviour, batches_of, expired
from ctxlean.fakeapi.script import error, last_user_contains

# The shared instructions are over claude-haiku-5-5's minimum cacheable prefix (1,024 tokens).
PROMPT = "You label support tickets.\n" + "Rules: be brief, answer with one label. " * 120 + "\nTopic: {{topic}}\n"
POLL = "0.05"


@pytest.fixture
def api(monkeypatch):
    with fake_api() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        yield server


@pytest.fixture
def prompt(tmp_path):
    path = tmp_path / "prompt.md"
    path.write_text(PROMPT)
    return path


def creates(api) -> list[dict]:
    return [r for r in api.requests if r["method"] == "POST" and r["path"] == "/v1/messages/batches"]


def submit(items, prompt, *extra) -> str:
    code, out, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt), "--model", "haiku", *extra)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def printed_cost(stdout: str) -> float:
    return float(re.search(r"^cost: \$([0-9.]+)", stdout, re.M).group(1))


def test_thousand_items_end_to_end(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(processing_seconds=0.3))
    items = write_items(tmp_path / "items.jsonl", 1000)
    code, out, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt), "--model", "haiku",
                             "--max-tokens", "64")
    assert code == 0, err
    job_id = out.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9T]+-[0-9a-f]{6}", job_id)
    assert "estimated cost (batch discount 50%)" in err and "999 reads" in err and "1,000 items in 1 batch" in err

    sent = creates(api)
    assert len(sent) == 1 and len(sent[0]["body"]["requests"]) == 1000
    first, last = sent[0]["body"]["requests"][0]["params"], sent[0]["body"]["requests"][-1]["params"]
    # the shared instructions come first, identical in every request, with a 1-hour cache breakpoint
    assert first["system"] == last["system"]
    assert first["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert "{{" not in first["system"][0]["text"] and first["system"][0]["text"].startswith("You label")
    assert first["model"] == MODEL and first["max_tokens"] == 64
    assert last["messages"] == [{"role": "user", "content": "Topic: topic 0\nitem number 999"}]

    out_path = tmp_path / "out.jsonl"
    code, out, err = run_cli("batch", "results", job_id, "-o", str(out_path), "--poll", POLL)
    assert code == 0, err
    lines = out_lines(out_path)
    assert sorted(line["id"] for line in lines) == sorted(f"id-{i}" for i in range(1000))
    by_id = {line["id"]: line for line in lines}
    assert by_id["id-999"] == {**by_id["id-999"], "status": "succeeded", "attempts": 1,
                               "text": "echo: Topic: topic 0\nitem number 999"}

    fake = batches_of(api)
    reported = fake.reported_usage()
    total = sum((Usage.from_api(u) for u in reported), Usage())
    assert total.cache_write_1h > 1024 and total.cache_read == 999 * total.cache_write_1h
    assert sum((Usage.from_api(line["usage"]) for line in lines), Usage()) == total
    assert printed_cost(out) == pytest.approx(fake_cost(reported), abs=5e-5)
    assert f"1,000 items -> {out_path}: 1,000 succeeded" in out
    assert "job " + job_id in err  # the progress bar


def test_errored_and_expired_items_are_retried_within_the_bound(api, prompt, tmp_path, monkeypatch):
    api.script.rules[:0] = [
        Rule("flaky", match=last_user_contains("FLAKY"), respond=error(529, "overloaded_error", "busy"), times=3),
        Rule("expire", match=last_user_contains("EXPIRE"), respond=expired(), times=2),
        Rule("broken", match=last_user_contains("BROKEN"), respond=error(400, "invalid_request_error", "bad")),
        Rule("down", match=last_user_contains("DOWN"), respond=error(500, "api_error", "always down")),
    ]
    batches_of(api, BatchBehaviour(processing_seconds=0.05))
    kinds = ["FLAKY"] * 3 + ["EXPIRE"] * 2 + ["BROKEN", "DOWN"] + ["fine"] * 5
    items = write_items(tmp_path / "items.jsonl", len(kinds), text=lambda i: f"{kinds[i]} {i}")
    job_id = submit(items, prompt, "--max-attempts", "3")
    out_path = tmp_path / "out.jsonl"
    code, out, err = run_cli("batch", "results", job_id, "-o", str(out_path), "--poll", POLL)
    assert code == 0, err

    by_text = {f"{kinds[i]} {i}": i for i in range(len(kinds))}
    lines = {line["id"]: line for line in out_lines(out_path)}
    assert len(lines) == len(kinds)
    status = {kinds[int(k.split("-")[1])]: (v["status"], v["attempts"]) for k, v in lines.items()}
    assert status == {"FLAKY": ("succeeded", 2), "EXPIRE": ("succeeded", 2), "BROKEN": ("errored", 1),
                      "DOWN": ("errored", 3), "fine": ("succeeded", 1)}
    assert lines["id-6"]["error"] == {"type": "api_error", "message": "always down"}
    # each retry batch carried exactly the failed, retryable items
    sent = [[r["params"]["messages"][0]["content"].split("\n")[-1] for r in c["body"]["requests"]]
            for c in creates(api)]
    assert [len(s) for s in sent] == [12, 6, 1]
    assert sorted(by_text[t] for t in sent[1]) == [0, 1, 2, 3, 4, 6] and sent[2] == ["DOWN 6"]
    assert printed_cost(out) == pytest.approx(fake_cost(batches_of(api).reported_usage()), abs=5e-5)
    assert "10 succeeded" in out and "2 errored" in out


def test_splitting_keeps_every_batch_within_the_limits(api, prompt, tmp_path):
    max_bytes = 9_000
    batches_of(api, BatchBehaviour(max_requests=7, max_bytes=max_bytes))
    items = write_items(tmp_path / "items.jsonl", 40, text=lambda i: f"item {i} " + "x" * (i * 40))
    job_id = submit(items, prompt, "--max-requests-per-batch", "7", "--max-batch-bytes", str(max_bytes))
    sent = creates(api)
    sizes = [len(json.dumps(c["body"], ensure_ascii=False, separators=(",", ":")).encode()) for c in sent]
    assert len(sent) == len(jobs.load(job_id).chunks) > 40 // 7
    assert all(len(c["body"]["requests"]) <= 7 for c in sent) and max(sizes) <= max_bytes
    assert sorted(r["custom_id"] for c in sent for r in c["body"]["requests"]) == sorted(
        f"{job_id}-{i}" for i in range(40))
    out_path = tmp_path / "out.jsonl"
    code, _, err = run_cli("batch", "results", job_id, "-o", str(out_path), "--poll", POLL)
    assert code == 0, err
    assert len(out_lines(out_path)) == 40


def test_a_batch_over_the_api_limit_is_a_clear_rejection(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(max_requests=7))
    items = write_items(tmp_path / "items.jsonl", 8)
    code, out, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt))
    assert code == 1 and out == ""
    assert "the API rejected the request (400): requests: at most 7 per batch, got 8" in err


def test_malformed_items_are_reported_by_line_and_nothing_is_submitted(api, prompt, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "text": "ok", "topic": "t"}\n{"id": "b", "text": \n{"id": "c", "topic": "t"}\n'
                     '{"id": "d", "text": "no topic"}\n')
    code, out, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt))
    assert code == 1 and out == ""
    assert f"{items}:2: invalid JSON" in err and f"{items}:3: missing \"text\"" in err
    assert f"{items}:4: item 'd' lacks field(s) used by the prompt: topic" in err
    assert api.requests == [] and jobs.all_jobs() == []


def test_missing_api_key_is_one_clear_line(api, prompt, tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    items = write_items(tmp_path / "items.jsonl", 3)
    code, _, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt))
    assert code == 1 and err.strip().splitlines()[-1].startswith("ctxlean batch: ANTHROPIC_API_KEY is not set")
    assert api.requests == [] and jobs.all_jobs() == []
    code, _, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt), "--dry-run")
    assert code == 0 and "dry run: nothing submitted" in err


def test_a_rejected_key_names_the_variable(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(api_key="the-right-key"))
    items = write_items(tmp_path / "items.jsonl", 3)
    code, _, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt))
    assert code == 1 and "rejected the API key (401)" in err and "check ANTHROPIC_API_KEY" in err


def test_rate_limits_back_off_as_long_as_the_server_asks(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(rate_limited_creates=2, retry_after_seconds=0.3))
    items = write_items(tmp_path / "items.jsonl", 3)
    code, _, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt))
    assert code == 0, err
    assert err.count("rate limited (429); retrying in 0.3s, as the server asked") == 2
    times = [r["ts"] for r in creates(api)]
    assert len(times) == 3 and all(b - a >= 0.3 for a, b in zip(times, times[1:], strict=False))


def wait_for(condition, timeout=300.0, what="condition"):
    """Poll until condition(); the deadline only guards against a hang (a loaded 2-core machine is slow)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class ManualClock:
    """The fake's clock, moved by the test: batches end exactly when the test says so."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def spawn():
    """spawn(*args) starts `ctxlean <args>` as its own process; whatever the test does, none outlives it."""
    started = []

    def start(*args: str):
        started.append(spawn_cli(*args))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_killed_submit_and_a_killed_results_resume_the_same_job(api, prompt, tmp_path, spawn):
    """SIGKILL in the middle of a create call, then in the middle of collecting results: resuming creates no
    batch twice (the unrecorded one is adopted) and writes every item exactly once."""
    clock = ManualClock()
    fake = batches_of(api, BatchBehaviour(create_delay_seconds=0.5, processing_seconds=10, stagger_seconds=10,
                                          clock=clock))
    items = write_items(tmp_path / "items.jsonl", 60)
    proc = spawn("batch", "submit", str(items), "--prompt", str(prompt), "--max-requests-per-batch", "10")
    wait_for(lambda: len(fake.batches) >= 3, what="the third batch to exist")  # its create call is in flight
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (job,) = jobs.all_jobs()
    assert [c.batch_id is not None for c in job.chunks] == [True, True, False, False, False, False]
    assert job.chunks[2].creating_since is not None

    code, out, err = run_cli("batch", "submit", "--resume", job.job_id)
    assert code == 0, err
    assert "adopted batch" in err and out.strip() == job.job_id
    assert len(fake.batches) == 6 == len(creates(api))
    assert sorted(c.batch_id for c in jobs.load(job.job_id).chunks) == sorted(fake.batches)

    out_path = tmp_path / "out.jsonl"
    proc = spawn("batch", "results", job.job_id, "-o", str(out_path), "--poll", POLL)
    polled = len(api.requests)
    wait_for(lambda: len(api.requests) > polled, what="the results process to poll")
    clock.now += 15  # the first batch ends
    wait_for(lambda: out_path.exists() and len(out_path.read_text().splitlines()) >= 10, what="first results")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(out_lines(out_path)) == 10

    clock.now += 100  # all end
    code, out, err = run_cli("batch", "results", job.job_id, "--poll", POLL)  # OUT remembered by the job
    assert code == 0, err
    lines = out_lines(out_path)
    assert sorted(line["id"] for line in lines) == sorted(f"id-{i}" for i in range(60))
    assert printed_cost(out) == pytest.approx(fake_cost(fake.reported_usage()), abs=5e-5)


def test_cancel_stops_the_job_and_results_say_canceled(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(processing_seconds=60))
    items = write_items(tmp_path / "items.jsonl", 5)
    job_id = submit(items, prompt)
    code, out, err = run_cli("batch", "cancel", job_id)
    assert code == 0, err
    assert "asked 1 batch(es) to stop" in out
    code, out, err = run_cli("batch", "status", job_id)
    assert code == 0 and " ended " in out and "canceled 5" in out
    out_path = tmp_path / "out.jsonl"
    code, out, err = run_cli("batch", "results", job_id, "-o", str(out_path), "--poll", POLL)
    assert code == 0, err
    assert {line["status"] for line in out_lines(out_path)} == {"canceled"} and len(creates(api)) == 1
    assert "cost: $0.0000" in out


def test_status_without_a_job_lists_jobs(api, prompt, tmp_path):
    items = write_items(tmp_path / "items.jsonl", 4)
    job_id = submit(items, prompt)
    code, out, _ = run_cli("batch", "status")
    assert code == 0 and job_id in out and "4 items" in out and "open" in out
    code, out, err = run_cli("batch", "status", "nope")
    assert code == 1 and "no batch job 'nope'" in err


def test_status_wait_polls_until_every_batch_ended(api, prompt, tmp_path):
    batches_of(api, BatchBehaviour(processing_seconds=0.3))
    items = write_items(tmp_path / "items.jsonl", 12)
    job_id = submit(items, prompt, "--max-requests-per-batch", "5")
    code, out, err = run_cli("batch", "status", job_id, "--wait", "--poll", POLL)
    assert code == 0, err
    assert len(re.findall(r"^chunk \d+ +msgbatch_\w+ +\d+ items  attempt 1  ended +succeeded \d+$", out, re.M)) == 3
    assert f"job {job_id} [" in err and "12/12 items in ended batches" in err


def test_results_refuse_to_mix_into_another_file(api, prompt, tmp_path):
    items = write_items(tmp_path / "items.jsonl", 2)
    job_id = submit(items, prompt)
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": "someone else"}\n')
    code, _, err = run_cli("batch", "results", job_id, "-o", str(other), "--poll", POLL)
    assert code == 1 and "is not job" in err and other.read_text() == '{"id": "someone else"}\n'


def test_a_model_without_prices_is_refused_before_submitting(api, prompt, tmp_path):
    items = write_items(tmp_path / "items.jsonl", 2)
    code, _, err = run_cli("batch", "submit", str(items), "--prompt", str(prompt), "--model", "gpt-x")
    assert code == 1 and "no prices for model 'gpt-x'" in err
    assert api.requests == [] and jobs.all_jobs() == []


def test_one_process_at_a_time_collects_a_job(api, prompt, tmp_path):
    items = write_items(tmp_path / "items.jsonl", 2)
    job_id = submit(items, prompt)
    with jobs.lock(job_id):  # as a `results` running in another terminal holds it
        code, _, err = run_cli("batch", "results", job_id, "-o", str(tmp_path / "out.jsonl"), "--poll", POLL)
    assert code == 1 and f"job {job_id} is in use by another `ctxlean batch` process" in err
    assert not (tmp_path / "out.jsonl").exists()
    code, _, err = run_cli("batch", "results", job_id, "-o", str(tmp_path / "out.jsonl"), "--poll", POLL)
    assert code == 0, err
