"""Deterministic, realistic payloads for the routing eval's tasks: what a mechanical agent gets to read.

Each generator returns the same text on every call (seeded filler around planted facts), so expected
answers in tasks.py can be written down literally.
"""

from __future__ import annotations

import json
import random

# (file, test, line, short summary message, traceback body)
PYTEST_FAILURES = [
    ("tests/test_cart.py", "test_checkout_total_applies_discount", 88, "assert 90.0 == 85.5",
     ["    def test_checkout_total_applies_discount(cart):", "        cart.add('sku-1', 100.0)",
      "        cart.apply('SPRING10')", ">       assert cart.total() == 85.5", "E       assert 90.0 == 85.5",
      "E        +  where 90.0 = <bound method Cart.total of <Cart 1 item>>()"]),
    ("tests/api/test_orders.py", "test_refund_rejects_closed_order", 142,
     "AssertionError: expected status 409, got 200",
     ["    def test_refund_rejects_closed_order(client, closed_order):",
      "        response = client.post(f'/orders/{closed_order.id}/refund')",
      ">       assert response.status_code == 409, f'expected status 409, got {response.status_code}'",
      "E       AssertionError: expected status 409, got 200", "E       assert 200 == 409"]),
    ("tests/test_tax.py", "test_vat_rounding[de]", 57, "assert Decimal('19.01') == Decimal('19.00')",
     ["    @pytest.mark.parametrize('country', ['de', 'at'])", "    def test_vat_rounding(country):",
      ">       assert vat(Decimal('100.05'), country) == Decimal('19.00')",
      "E       AssertionError: assert Decimal('19.01') == Decimal('19.00')"]),
]


def pytest_run() -> str:
    """`pytest -v` over 1,200 tests: 3 failures with tracebacks, 10 skips, the usual summary."""
    rng = random.Random(7)
    modules = [f"tests/{d}test_{n}.py" for d in ("", "api/", "models/") for n in
               ("cart", "orders", "tax", "users", "search", "billing", "auth", "export")]
    failed = {f"{path}::{name}" for path, name, *_ in PYTEST_FAILURES}
    lines = ["============================= test session starts ==============================",
             "platform linux -- Python 3.12.4, pytest-8.3.2, pluggy-1.5.0 -- /srv/app/.venv/bin/python",
             "rootdir: /srv/app", "configfile: pyproject.toml", "plugins: cov-5.0.0, xdist-3.6.1, anyio-4.4.0",
             "collected 1200 items", ""]
    tests = [f"{rng.choice(modules)}::test_{rng.choice(['creates', 'rejects', 'lists', 'updates', 'parses'])}_"
             f"{rng.choice(['item', 'user', 'order', 'invoice', 'query', 'token'])}_{i}" for i in range(1197)]
    for path, name, *_ in PYTEST_FAILURES:
        tests.insert(rng.randrange(len(tests)), f"{path}::{name}")
    skipped = set(rng.sample([i for i, test in enumerate(tests) if test not in failed], 10))
    for i, test in enumerate(tests):
        status = "FAILED" if test in failed else "SKIPPED (needs redis)" if i in skipped else "PASSED"
        lines.append(f"{test} {status} [{(i + 1) * 100 // 1200:3d}%]")
    lines += ["", "=================================== FAILURES ==================================="]
    for path, name, line, _, body in PYTEST_FAILURES:
        lines += [f"_{'_' * 20} {name} {'_' * 20}", "", *body, "", f"{path}:{line}: AssertionError"]
    lines += ["=========================== short test summary info ============================"]
    lines += [f"FAILED {path}::{name} - {message}" for path, name, _, message, _ in PYTEST_FAILURES]
    lines.append("================= 3 failed, 1187 passed, 10 skipped in 84.21s (0:01:24) =================")
    return "\n".join(lines) + "\n"


def build_log() -> str:
    """A webpack + tsc build: hundreds of compile lines and lint warnings, two type errors, the first deep inside."""
    rng = random.Random(11)
    parts = ["components", "hooks", "pages", "api", "utils", "checkout", "store"]
    lines = ["> shop-web@4.12.0 build", "> webpack --mode production", "",
             "asset main.3f9a1c.js 1.2 MiB [emitted] [immutable] [big] (name: main)"]
    errors = {1900: ["ERROR in ./src/checkout/PaymentForm.tsx:214:17",
                     "TS2339: Property 'postalCode' does not exist on type 'Address'.",
                     "    212 |   const zip =", "    213 |     address", "  > 214 |       .postalCode;",
                     "        |                 ^^^^^^^^^^"],
              2650: ["ERROR in ./src/api/client.ts:33:5",
                     "TS2322: Type 'string | undefined' is not assignable to type 'string'."]}
    for i in range(3000):
        if i in errors:
            lines += errors[i]
        elif i % 37 == 0:
            lines += [f"WARNING in ./src/{rng.choice(parts)}/Widget{i}.tsx",
                      f"Module Warning (from ./node_modules/eslint-loader/index.js): 'unused{i}' is defined but "
                      "never used  no-unused-vars"]
        else:
            lines.append(f"modules by path ./src/{rng.choice(parts)}/ {rng.randint(1, 900)} KiB "
                         f"./src/{rng.choice(parts)}/Component{i}.tsx {rng.randint(1, 40)} KiB "
                         "[built] [code generated]")
    lines += ["", "webpack 5.93.0 compiled with 2 errors and 82 warnings in 48211 ms"]
    return "\n".join(lines) + "\n"


REFUNDED = {"ord_10057": 129.90, "ord_10213": 18.00, "ord_10388": 1045.25}


def orders_json() -> str:
    """GET /v1/orders?limit=400: a JSON page of orders, three of them refunded."""
    rng = random.Random(3)
    orders = []
    for n in range(10001, 10401):
        oid = f"ord_{n}"
        status = "refunded" if oid in REFUNDED else rng.choice(["delivered", "shipped", "processing", "cancelled"])
        total = REFUNDED.get(oid, round(rng.uniform(5, 900), 2))
        orders.append({"id": oid, "customer": {"id": f"cus_{rng.randint(1000, 9999)}",
                                               "country": rng.choice(["DE", "FR", "US", "NL"])},
                       "status": status, "total": total, "currency": "EUR",
                       "items": [{"sku": f"sku-{rng.randint(1, 300)}", "qty": rng.randint(1, 4)}
                                 for _ in range(rng.randint(1, 3))],
                       "created_at": f"2026-10-{rng.randint(1, 31):02d}T{rng.randint(0, 23):02d}:00:00Z"})
    return json.dumps({"object": "list", "has_more": False, "data": orders}, indent=2) + "\n"


FIVE_XX = [("/api/checkout", 12), ("/api/search", 3), ("/login", 2)]


def access_log() -> str:
    """An nginx access log of 6,000 requests; 17 got a 5xx, 12 of them on /api/checkout."""
    rng = random.Random(5)
    routes = ["/", "/api/items", "/api/search", "/api/checkout", "/login", "/static/app.js", "/api/cart"]
    failing = [route for route, count in FIVE_XX for _ in range(count)]
    slots = sorted(rng.sample(range(6000), len(failing)))
    plan = dict(zip(slots, rng.sample(failing, len(failing)), strict=True))
    lines = []
    for i in range(6000):
        route = plan.get(i) or rng.choice(routes)
        status = rng.choice([500, 502, 503]) if i in plan else rng.choice([200] * 20 + [301, 304, 404, 401])
        lines.append(f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 254)} - - [25/Nov/2026:10:{i // 100 % 60:02d}:"
                     f"{i % 60:02d} +0000] \"{rng.choice(['GET', 'GET', 'POST'])} {route} HTTP/1.1\" {status} "
                     f"{rng.randint(200, 90000)} \"-\" \"Mozilla/5.0\" rt={rng.uniform(0.001, 2.5):.3f}")
    return "\n".join(lines) + "\n"


def pip_freeze() -> str:
    """`pip freeze` of a large environment, with look-alike names around the ones asked for."""
    rng = random.Random(13)
    pinned = {"requests": "2.32.3", "urllib3": "2.2.2", "certifi": "2024.7.4", "requests-oauthlib": "2.0.0",
              "types-requests": "2.32.0.20240712", "httpcore": "1.0.5", "requests-toolbelt": "1.0.0"}
    names = [f"{rng.choice(['py', 'django', 'flask', 'aws', 'google', 'azure'])}-"
             f"{rng.choice(['core', 'utils', 'auth', 'storage', 'api', 'cli'])}{i}" for i in range(1000)]
    rows = [f"{name}=={rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}" for name in names]
    rows += [f"{name}=={version}" for name, version in pinned.items()]
    return "\n".join(sorted(rows, key=str.lower)) + "\n"


CRASHING_POD = {"pod": "payments-api-7d9f8c6b5-x2k4q", "restarts": 27,
                "image": "registry.example.com/payments-api:1.14.2", "node": "ip-10-0-3-17.ec2.internal"}


def pods_json() -> str:
    """`kubectl get pods -o json` for 40 pods; one container in CrashLoopBackOff."""
    rng = random.Random(17)
    pods = []
    for i in range(40):
        app = rng.choice(["web", "worker", "search", "payments-api", "cart"])
        name, restarts = f"{app}-{rng.getrandbits(36):09x}-{rng.getrandbits(20):05x}", rng.randint(0, 2)
        image, node = f"registry.example.com/{app}:1.{rng.randint(0, 20)}.{rng.randint(0, 9)}", \
            f"ip-10-0-{rng.randint(1, 9)}-{rng.randint(2, 250)}.ec2.internal"
        state = {"running": {"startedAt": "2026-11-24T08:00:00Z"}}
        if i == 23:
            name, restarts, image, node = (CRASHING_POD[k] for k in ("pod", "restarts", "image", "node"))
            state = {"waiting": {"reason": "CrashLoopBackOff",
                                 "message": "back-off 5m0s restarting failed container=payments-api"}}
        pods.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": name, "namespace": "shop", "labels": {"app": name.rsplit("-", 2)[0]}},
                     "spec": {"nodeName": node, "containers": [{"name": name.rsplit("-", 2)[0], "image": image}]},
                     "status": {"phase": "Running", "containerStatuses": [
                         {"name": name.rsplit("-", 2)[0], "image": image, "restartCount": restarts, "state": state,
                          "ready": "running" in state}]}})
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}, indent=2) + "\n"


def nginx_conf() -> str:
    """A site config with seven server blocks; the shop's is the fifth (the first match is the wrong one)."""
    blocks = []
    sites = [(f"{name}.example.com", 9000 + i, f"/etc/ssl/{name}/fullchain.pem", f"{name}_backend")
             for i, name in enumerate(("admin", "api", "status", "docs", "shop", "media", "search"))]
    sites[4] = ("shop.example.com", 8443, "/etc/ssl/shop/fullchain.pem", "shop_backend")
    for name, port, cert, upstream in sites:
        blocks.append(f"""server {{
    listen {port} ssl http2;
    server_name {name};
    ssl_certificate {cert};
    ssl_certificate_key {cert.replace('fullchain', 'privkey')};
    client_max_body_size 20m;
    gzip on;
    gzip_types text/plain application/json application/javascript text/css;
    location /static/ {{
        root /srv/{name.split('.')[0]}/public;
        expires 30d;
    }}
    location / {{
        proxy_pass http://{upstream};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 60s;
    }}
}}
""")
    upstreams = "".join(f"upstream {u} {{\n" + "".join(f"    server 10.0.{i}.{j}:8080;\n" for j in range(1, 6)) +
                        "}\n" for i, (_, _, _, u) in enumerate(sites))
    return "# managed by ansible: do not edit\n" + upstreams + "\n".join(blocks)


TEST_RESULTS = [("test_login_ok", "passed", 112), ("test_login_bad_password", "passed", 98),
                ("test_signup_duplicate_email", "failed", 341), ("test_logout", "passed", 45),
                ("test_reset_password_email", "skipped", 0), ("test_profile_update", "passed", 207),
                ("test_delete_account", "failed", 1290), ("test_session_expiry", "passed", 3005),
                ("test_two_factor_setup", "passed", 512), ("test_api_token_rotation", "passed", 77)]


def test_results_json() -> str:
    return json.dumps({"suite": "accounts", "results": [{"name": n, "status": s, "duration_ms": d,
                                                         "worker": f"gw{i % 4}"} for i, (n, s, d) in
                                                        enumerate(TEST_RESULTS)]}, indent=2) + "\n"


LOG_ERRORS = [("10:02:13", "r001733", "/api/checkout", "503"), ("10:07:41", "r004060", "/api/search", "500"),
              ("10:11:05", "r006301", "/api/checkout", "502"), ("10:18:52", "r010917", "/login", "500"),
              ("10:26:30", "r015514", "/api/checkout", "503"), ("10:31:08", "r018265", "/api/cart", "504")]


def service_log() -> str:
    """An application log of 20,000 lines with six ERROR lines."""
    rng = random.Random(19)
    errors = {int(req[1:]): (t, req, route, status) for t, req, route, status in LOG_ERRORS}
    lines = []
    for i in range(1, 20001):
        if i in errors:
            t, req, route, status = errors[i]
            lines.append(f"2026-11-25T{t}Z ERROR req={req} route={route} status={status} "
                         f"msg=\"upstream failed after {rng.randint(2, 30)}s\"")
        else:
            lines.append(f"2026-11-25T10:{i // 600 % 60:02d}:{i % 60:02d}Z INFO req=r{i:06d} "
                         f"route={rng.choice(['/api/items', '/api/cart', '/', '/api/search'])} status=200 "
                         f"ms={rng.randint(2, 400)}")
    return "\n".join(lines) + "\n"


CLASSIFY_FAILURES = [
    ("test_checkout_total_applies_discount", "AssertionError: assert 90.0 == 85.5", "regression"),
    ("test_search_suggestions", "TimeoutError: suggestion service did not answer within 2.0s (passed on rerun)",
     "flaky"),
    ("test_user_export", "psycopg.OperationalError: connection to server at 10.0.2.5 port 5432 failed: "
                         "Connection refused", "infra"),
    ("test_refund_rejects_closed_order", "AssertionError: expected status 409, got 200", "regression"),
    ("test_cache_eviction_order", "assert ['b', 'a'] == ['a', 'b'] (fails about 1 run in 20; order depends on "
                                  "thread scheduling)", "flaky"),
    ("test_upload_large_file", "OSError: [Errno 28] No space left on device: '/tmp/pytest-of-ci'", "infra"),
    ("test_vat_rounding[de]", "assert Decimal('19.01') == Decimal('19.00')", "regression"),
    ("test_webhook_delivery", "requests.exceptions.ConnectionError: Failed to resolve 'hooks.internal' "
                              "([Errno -3] Temporary failure in name resolution)", "infra"),
]


def failures_list() -> str:
    """`pytest -rf` short summary of a CI run: one FAILED line per test."""
    return "".join(f"FAILED tests/ci/test_suite.py::{name} - {message}\n" for name, message, _ in CLASSIFY_FAILURES)
