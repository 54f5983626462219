"""The routing eval's task set: per mechanical agent, a few realistic tasks with expected answers.

A task's prompt is what the main agent would send the subagent; `{handle}` becomes the handle of the
task's payload (stored out of band, as the PostToolUse hook would have), `{file}` the path of its file
in the session's project. `fake_call` and `evidence` drive the offline fake model only: it makes that
tool call and gives the expected answer only if the result contains the evidence, which checks that
the payload, the tools and the session plumbing work; it says nothing about any model's quality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ctxlean.routing_eval import payloads as p
from ctxlean.routing_eval.grading import JsonEqual, Labels, Needles, Sections, Table


@dataclass(frozen=True)
class Task:
    id: str
    agent: str
    prompt: str
    grader: object
    payload: Callable[[], str] | None = None  # stored out of band; fills {handle}
    payload_tool: str = "Bash"  # the tool whose output the payload was
    file: tuple[str, Callable[[], str]] | None = None  # (path in the project, content); fills {file}
    fake_call: tuple[str, dict] | None = None  # (tool, input) the offline fake makes first
    evidence: str = ""  # the offline fake answers right only if the call's result contains this


_failures = {name: label for name, _, label in p.CLASSIFY_FAILURES}

TASKS: list[Task] = [
    # digest: a focused question about a big stored payload
    Task("pytest-failures", "digest",
         "{handle} is the output of `pytest -v` on our repo. Which tests failed? For each: the test id, the "
         "file:line of the failing assertion, and the assertion message.",
         Needles("test_checkout_total_applies_discount", "tests/test_cart.py:88", "90.0 == 85.5",
                 "test_refund_rejects_closed_order", "tests/api/test_orders.py:142", "expected status 409, got 200",
                 "test_vat_rounding[de]", "tests/test_tax.py:57", "19.01"),
         payload=p.pytest_run, fake_call=("fetch_detail", {"grep": "^FAILED|^tests/.*: AssertionError"}),
         evidence="tests/test_tax.py:57: AssertionError"),
    Task("build-first-error", "digest",
         "{handle} is our webpack production build log. What is the first error: which file, line and column, "
         "which TypeScript error code, and what does it say?",
         Needles("src/checkout/PaymentForm.tsx", "214", "TS2339", "postalCode"),
         payload=p.build_log, fake_call=("fetch_detail", {"grep": "ERROR in|TS\\d{4}"}), evidence="TS2339"),
    Task("refunded-orders", "digest",
         "{handle} is a JSON page from GET /v1/orders. Which orders have status \"refunded\"? Give each id and "
         "its total.",
         Needles("ord_10057", "129.9", "ord_10213", "18", "ord_10388", "1045.25"),
         payload=p.orders_json, payload_tool="WebFetch",
         fake_call=("fetch_detail", {"grep": "refunded", "page": 1}), evidence='"status": "refunded"'),
    Task("5xx-by-route", "digest",
         "{handle} is today's nginx access log. How many requests got a 5xx status, and which route had the "
         "most 5xx responses (with its count)?",
         Needles("17", "/api/checkout", "12"),
         payload=p.access_log, fake_call=("fetch_detail", {"grep": "\" 5\\d\\d "}), evidence="/api/checkout"),
    # extract: named fields into JSON
    Task("pip-versions", "extract",
         "From {handle} (pip freeze output) extract the installed versions as JSON: "
         "{\"requests\": ..., \"urllib3\": ..., \"certifi\": ..., \"httpx\": ...}.",
         JsonEqual({"requests": "2.32.3", "urllib3": "2.2.2", "certifi": "2024.7.4", "httpx": None}),
         payload=p.pip_freeze, fake_call=("fetch_detail", {"grep": "^(requests|urllib3|certifi|httpx)=="}),
         evidence="certifi==2024.7.4"),
    Task("crashing-pod", "extract",
         "From {handle} (kubectl get pods -o json) extract, for the pod whose container is in CrashLoopBackOff: "
         "{\"pod\": name, \"restarts\": restart count, \"image\": container image, \"node\": node name}.",
         JsonEqual(p.CRASHING_POD),
         payload=p.pods_json, fake_call=("fetch_detail", {"grep": "CrashLoopBackOff|payments-api-7d9f"}),
         evidence="CrashLoopBackOff"),
    Task("pytest-counts", "extract",
         "From {handle} (pytest output) extract the final summary as JSON: "
         "{\"passed\": int, \"failed\": int, \"skipped\": int, \"duration_s\": number}.",
         JsonEqual({"passed": 1187, "failed": 3, "skipped": 10, "duration_s": 84.21}),
         payload=p.pytest_run, fake_call=("fetch_detail", {"grep": "passed.* in [0-9.]+s"}), evidence="84.21s"),
    Task("nginx-shop-site", "extract",
         "From {file} extract the settings of the server block for shop.example.com as JSON: "
         "{\"listen\": port number, \"server_name\": ..., \"ssl_certificate\": path, \"proxy_pass\": URL}.",
         JsonEqual({"listen": 8443, "server_name": "shop.example.com",
                    "ssl_certificate": "/etc/ssl/shop/fullchain.pem", "proxy_pass": "http://shop_backend"}),
         file=("deploy/nginx/sites.conf", p.nginx_conf), fake_call=("Read", {}), evidence="shop.example.com"),
    # classify: one label per item
    Task("ci-failure-triage", "classify",
         "{handle} lists the failed tests of last night's CI run. Label each failing test as regression (the "
         "code's behaviour is wrong), flaky (timing or ordering, passes on rerun) or infra (the environment: "
         "database, disk, network, DNS). Answer with a JSON object test name -> label.",
         Labels(_failures), payload=p.failures_list, fake_call=("fetch_detail", {}),
         evidence="test_webhook_delivery"),
    Task("syslog-security", "classify",
         "Label each of these syslog lines as security (possible attack or policy violation), operational "
         "(needs an operator's attention) or noise (routine). JSON object line number -> label.\n"
         "1 sshd[2211]: Failed password for root from 203.0.113.7 port 52144 ssh2\n"
         "2 kernel: Out of memory: Killed process 4121 (java) total-vm:8123456kB\n"
         "3 systemd[1]: Started Daily apt download activities.\n"
         "4 sudo: deploy : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash\n"
         "5 nginx: upstream timed out (110: Connection timed out) while reading response header from upstream\n"
         "6 CRON[9911]: (root) CMD (run-parts /etc/cron.hourly)\n"
         "7 auditd: ANOM_PROMISCUOUS dev=eth0 prom=256 old_prom=0 auid=4294967295\n"
         "8 postgres: checkpoint complete: wrote 1204 buffers (7.3%)\n"
         "9 dockerd: container web-3 exited with code 137 (OOMKilled)",
         Labels({"1": "security", "2": "operational", "3": "noise", "4": "security", "5": "operational",
                 "6": "noise", "7": "security", "8": "noise", "9": "operational"})),
    Task("issue-triage", "classify",
         "Label these issues as bug, feature, docs or chore. JSON object issue number -> label.\n"
         "#101 Checkout button does nothing on Safari 17\n#102 Add dark mode to the settings page\n"
         "#103 README install steps still say Python 3.8, we need 3.11\n#104 Bump eslint from 8.57 to 9.3\n"
         "#105 Export orders as CSV\n#106 Crash when the cart holds more than 99 items\n"
         "#107 Document the webhook retry policy\n#108 Remove the unused feature flag new_nav",
         Labels({"#101": "bug", "#102": "feature", "#103": "docs", "#104": "chore", "#105": "feature",
                 "#106": "bug", "#107": "docs", "#108": "chore"})),
    Task("commit-types", "classify",
         "Give each commit its Conventional Commits type: feat, fix, refactor, docs, test or chore. JSON object "
         "hash -> type.\n"
         "a1f3c9e handle an empty cart in the checkout total\nb27d410 add CSV export for orders\n"
         "c9e8812 move tax rules into their own module (no behaviour change)\n"
         "d04f7aa explain webhook retries in the API guide\ne5512bc cover VAT rounding for DE and AT\n"
         "f7a03d1 bump the lockfile\n0b9e4c2 stop double-charging when the payment provider retries\n"
         "1c2d3e4 let admins impersonate users for support",
         Labels({"a1f3c9e": "fix", "b27d410": "feat", "c9e8812": "refactor", "d04f7aa": "docs",
                 "e5512bc": "test", "f7a03d1": "chore", "0b9e4c2": "fix", "1c2d3e4": "feat"})),
    # format: decided content into a requested presentation
    Task("deps-table", "format",
         "Format these dependency updates as a Markdown table with columns Package | From | To, one row per "
         "update, in the given order:\n"
         '[{"name": "django", "from": "5.0.6", "to": "5.1.1"}, {"name": "celery", "from": "5.3.6", "to": "5.4.0"}, '
         '{"name": "redis", "from": "5.0.4", "to": "5.0.8"}, {"name": "boto3", "from": "1.34.120", "to": '
         '"1.35.10"}, {"name": "pydantic", "from": "2.7.1", "to": "2.8.2"}, {"name": "gunicorn", "from": "21.2.0", '
         '"to": "23.0.0"}]',
         Table([["Package", "From", "To"], ["django", "5.0.6", "5.1.1"], ["celery", "5.3.6", "5.4.0"],
                ["redis", "5.0.4", "5.0.8"], ["boto3", "1.34.120", "1.35.10"], ["pydantic", "2.7.1", "2.8.2"],
                ["gunicorn", "21.2.0", "23.0.0"]], "markdown")),
    Task("results-csv", "format",
         "Turn the results in {handle} into CSV with the header name,status,duration_ms: one row per result, "
         "in the given order, nothing else.",
         Table([["name", "status", "duration_ms"]] + [[n, s, str(d)] for n, s, d in p.TEST_RESULTS], "csv"),
         payload=p.test_results_json, payload_tool="Read", fake_call=("fetch_detail", {}),
         evidence="test_api_token_rotation"),
    Task("changelog", "format",
         "Write these changes as a Keep a Changelog section body: headings '### Added', '### Changed', "
         "'### Fixed' in that order (only those with entries), one '- ' bullet per change, the text exactly "
         "as given.\n"
         "fixed: Checkout total ignored percentage coupons\nadded: CSV export for orders\n"
         "changed: Webhooks retry up to 8 times with exponential backoff\nadded: Dark mode in settings\n"
         "fixed: Double charge when the payment provider retried",
         Sections({"Added": ["CSV export for orders", "Dark mode in settings"],
                   "Changed": ["Webhooks retry up to 8 times with exponential backoff"],
                   "Fixed": ["Checkout total ignored percentage coupons",
                             "Double charge when the payment provider retried"]})),
    Task("error-lines-csv", "format",
         "Format the ERROR lines of {handle} (an application log) as CSV with the header time,req,route,status "
         "(time as HH:MM:SS), one row per ERROR line in log order, nothing else.",
         Table([["time", "req", "route", "status"]] + [list(row) for row in p.LOG_ERRORS], "csv"),
         payload=p.service_log, fake_call=("fetch_detail", {"grep": " ERROR "}), evidence="r018265"),
]


def tasks_for(agents: list[str] | None = None, limit: int | None = None) -> list[Task]:
    """The tasks of these agents (all when None), at most `limit` per agent, in set order."""
    chosen, per_agent = [], {}
    for task in TASKS:
        if agents and task.agent not in agents:
            continue
        if limit is not None and per_agent.get(task.agent, 0) >= limit:
            continue
        per_agent[task.agent] = per_agent.get(task.agent, 0) + 1
        chosen.append(task)
    return chosen
