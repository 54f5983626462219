"""Stack traces and logs: the exception and innermost project frames; level counts, error lines, repeats."""

from summarize_helpers import kind_of, summary_of


def python_crash() -> str:
    noise = "\n".join(f"warming cache shard {i:03d} ... ok" for i in range(600))
    return (f"{noise}\nTraceback (most recent call last):\n"
            '  File "/srv/app/worker.py", line 11, in start\n    return load_config(path)\n'
            '  File "/srv/app/worker.py", line 5, in load_config\n    with open(path) as fh:\n'
            "FileNotFoundError: [Errno 2] No such file or directory: '/etc/billing/worker.json'\n\n"
            "The above exception was the direct cause of the following exception:\n\n"
            "Traceback (most recent call last):\n"
            '  File "/srv/app/worker.py", line 16, in <module>\n    start("/etc/billing/worker.json")\n'
            '  File "/usr/lib/python3.11/json/__init__.py", line 293, in load\n    return loads(fp.read())\n'
            '  File "/srv/app/worker.py", line 13, in start\n    raise RuntimeError("cannot start") from exc\n'
            "RuntimeError: cannot start billing-worker\n")


def test_python_traceback_keeps_final_exception_cause_and_project_frames():
    summary = summary_of(python_crash(), "python worker.py")
    assert summary.kind == "traceback"
    first = summary.body.split("\n")[0]
    assert "RuntimeError: cannot start billing-worker" in first
    assert "FileNotFoundError: [Errno 2] No such file or directory: '/etc/billing/worker.json'" in summary.body
    assert "/srv/app/worker.py:13 in start" in summary.body
    assert "json/__init__.py" not in summary.body  # a library frame is not a project frame


def test_jvm_trace_keeps_top_exception_frames_and_root_cause():
    frames = "\n".join(f"\tat org.springframework.web.Frame.f{i}(Frame.java:{i})" for i in range(300))
    text = ("Exception in thread \"main\" java.lang.IllegalStateException: order ord_5521 has no payment\n"
            "\tat com.acme.shop.OrderService.checkout(OrderService.java:142)\n" + frames +
            "\nCaused by: java.sql.SQLTimeoutException: query timed out after 30000 ms\n"
            "\tat com.acme.shop.PaymentRepository.findByOrder(PaymentRepository.java:88)\n\t... 300 more\n")
    summary = summary_of(text, "java -jar shop.jar")
    assert "java.lang.IllegalStateException: order ord_5521 has no payment" in summary.body
    assert "OrderService.java:142" in summary.body and "PaymentRepository.java:88" in summary.body
    assert "Caused by: java.sql.SQLTimeoutException: query timed out after 30000 ms" in summary.body


def app_log() -> str:
    lines = []
    for i in range(3000):
        ts = f"2026-03-02T10:{(i // 60) % 60:02d}:{i % 60:02d}Z"
        if 1000 <= i < 1400 and i % 8 == 0:
            lines.append(f"{ts} ERROR [pool-3] db.Pool - connection refused to db-primary:5432 (attempt {i})")
        else:
            lines.append(f"{ts} INFO  [http-{i % 8}] api - GET /orders/{i} 200")
    lines.append("2026-03-02T11:00:00Z FATAL [main] app.Main - shutting down: too many db failures")
    return "\n".join(lines) + "\n"


def test_log_counts_levels_folds_repeats_and_keeps_first_and_last_errors():
    text = app_log()
    summary = summary_of(text, "tail -n 5000 /var/log/shop/app.log")
    assert summary.kind == "log"
    assert "INFO 2,950" in summary.body and "ERROR 50" in summary.body and "FATAL 1" in summary.body
    assert "x50 (last L1393) L1001:" in summary.body and "connection refused to db-primary:5432" in summary.body
    assert "shutting down: too many db failures" in summary.body
    assert "2026-03-02T10:00:00Z .. 2026-03-02T11:00:00Z" in summary.body
    assert summary.hint == 'grep="ERROR|FATAL"'


def test_log_detected_from_content_and_access_log_5xx():
    assert kind_of(app_log(), "") == "log"
    lines = [f'10.0.0.{i % 250} - - [02/Mar/2026:10:00:{i % 60:02d} +0000] "GET /api/items/{i} HTTP/1.1" '
             f'{502 if i == 1200 else 200} 512 "-" "curl/8.5"' for i in range(3000)]
    summary = summary_of("\n".join(lines) + "\n", "cat access.log")
    assert "2xx 2,999" in summary.body and "5xx 1" in summary.body
    assert "/api/items/1200" in summary.body


def test_log_without_levels_lists_error_looking_lines():
    lines = [f"Mar  2 10:00:{i % 60:02d} web-01 kernel: eth0: link up {i}" for i in range(3000)]
    lines[2222] = "Mar  2 10:37:02 web-01 kernel: Out of memory: Killed process 7781 (postgres)"
    summary = summary_of("\n".join(lines) + "\n", "cat /var/log/syslog")
    assert "L2223: Mar  2 10:37:02 web-01 kernel: Out of memory: Killed process 7781 (postgres)" in summary.body


def test_json_lines_log_keeps_error_records():
    records = [f'{{"ts": "2026-03-02T11:00:{i % 60:02d}Z", "level": "{"error" if i in (7, 1500) else "info"}", '
               f'"msg": "{"job crashed: disk quota exceeded on /data/" + str(i) if i in (7, 1500) else "step"}"}}'
               for i in range(2000)]
    summary = summary_of("\n".join(records) + "\n", "kubectl logs deploy/worker")
    assert "INFO 1,998" in summary.body and "ERROR 2" in summary.body
    assert "disk quota exceeded on /data/7" in summary.body and "disk quota exceeded on /data/1500" in summary.body


def test_log_folds_lines_that_differ_only_in_hex_ids_so_a_rare_error_stays_in_view():
    import random

    rng = random.Random(3)
    lines = []
    for i in range(4000):
        ts = f"2026-03-14T09:{(i // 60) % 60:02d}:{i % 60:02d}Z"
        if i % 300 == 0:
            lines.append(f'{ts} ERROR worker.heartbeat request_id=req-{rng.randrange(16**8):08x} msg="late heartbeat"')
        else:
            lines.append(f"{ts} INFO http.access request_id=req-{rng.randrange(16**8):08x} status=200")
    lines[3500] = "2026-03-14T09:58:20Z ERROR payments.charge request_id=req-7f3a9c21 msg=\"charge failed\""
    summary = summary_of("\n".join(lines) + "\n", "cat logs/app.log")
    assert "(2 distinct after folding numbers/ids)" in summary.body
    assert "L3501: 2026-03-14T09:58:20Z ERROR payments.charge request_id=req-7f3a9c21" in summary.body
