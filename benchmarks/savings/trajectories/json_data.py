"""A data task over big JSON API responses: eight pages of an orders API (served on 127.0.0.1 over
HTTPS, fetched with curl), each a realistic ~25 KB response; the model finds a disputed order, the
customer behind a refund and the page count, then writes a small report."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

import json
import random
from pathlib import Path

from agent import Needle, Step, Trajectory

PAGES = 8
PER_PAGE = 60


def _orders(rng: random.Random, page: int) -> list[dict]:
    orders = []
    for n in range(PER_PAGE):
        number = (page - 1) * PER_PAGE + n + 1
        orders.append({
            "id": f"ord_{number:06d}", "status": "paid" if rng.random() > 0.1 else "pending",
            "customer": {"id": f"cus_{rng.randrange(10**6):06d}", "email": f"user{rng.randrange(10**5)}@example.com",
                         "country": rng.choice(["DE", "FR", "US", "JP", "BR"])},
            "items": [{"sku": f"SKU-{rng.randrange(10**4):04d}", "qty": rng.randrange(1, 5),
                       "unit_price": round(rng.uniform(2, 90), 2)} for _ in range(rng.randrange(1, 3))],
            "created_at": f"2026-03-{1 + number % 28:02d}T{number % 24:02d}:{number % 60:02d}:00Z",
            "currency": "EUR",
        })
    return orders


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    rng = random.Random(7)
    pages: dict[str, str] = {}
    for page in range(1, PAGES + 1):
        orders = _orders(rng, page)
        if page == 3:
            orders[41].update(status="disputed", dispute_reason="card_not_received_DX42")
        if page == 6:
            orders[17].update(status="refunded", refund_reference="rf_8K2M_2026")
        body = {"object": "list", "page": page, "total_pages": PAGES, "per_page": PER_PAGE, "data": orders}
        pages[f"api/orders/page-{page}.json"] = json.dumps(body, indent=2)
    (root / "README.md").write_text("# orders export\n\nThe orders API lives at " + urls["pages"]
                                    + "/pages/api/orders/page-N.json (N = 1..). Write findings to report.md.\n")
    api = urls["pages"] + "/pages/api/orders"
    steps = [
        Step("Read", {"file_path": "{cwd}/README.md"}, seconds=2),
        Step("Bash", {"command": f"curl -s {api}/page-1.json"}, "Fetching the first page.",
             Needle("total_pages", r'"total_pages": (\d+)', str(PAGES), grep="total_pages", query="total_pages"),
             seconds=2),
    ]
    for page in range(2, PAGES + 1):
        needle = None
        if page == 3:
            needle = Needle("dispute_reason", r'"dispute_reason": "([^"]+)"', "card_not_received_DX42",
                            grep="dispute_reason", query="dispute_reason disputed")
        if page == 6:
            needle = Needle("refund", r'"refund_reference": "([^"]+)"', "rf_8K2M_2026", grep="refund_reference",
                            query="refund_reference refunded")
        steps.append(Step("Bash", {"command": f"curl -s {api}/page-{page}.json"}, f"Page {page}.", needle, seconds=2))
        if page in (3, 6):
            steps.append(Step("Bash", {"command": f"curl -s {api}/page-{page}.json | jq '.data | length'"},
                              seconds=1))
    steps += [
        Step("Bash", {"command": f"for p in $(seq 1 {PAGES}); do curl -s {api}/page-$p.json; done | "
                                 "jq -s '[.[].data[]] | group_by(.status) | map({{status: .[0].status, n: length}})'"},
             "Counting statuses over all pages.", seconds=4),
        Step("Bash", {"command": f"curl -s {api}/page-3.json | jq '.data[] | select(.dispute_reason == \"{{dispute_reason}}\")'"},
             "Details of the disputed order.", seconds=1),
        Step("Bash", {"command": f"curl -s {api}/page-6.json | jq '.data[] | select(.status == \"refunded\")'"},
             seconds=1),
        Step("Bash", {"command": f"curl -s {api}/page-1.json | jq '.data[0]'"}, "One record for the report.",
             seconds=1),
        Step("Write", {"file_path": "{cwd}/report.md", "content":
                       "# Orders report\n\n- pages: {total_pages}\n- dispute: {dispute_reason}\n"
                       "- refund: {refund}\n"}, "Writing the report.", seconds=3),
        Step("Bash", {"command": "cat report.md && git status --short"}, seconds=1),
        Step("Bash", {"command": f"curl -s {api}/page-8.json | jq '[.data[].items[].unit_price] | add'"}, seconds=1),
        Step("Edit", {"file_path": "{cwd}/report.md", "old_string": "- pages:", "new_string": "- pages fetched:"},
             seconds=2),
    ]
    return Trajectory("json_data", "Data task over big JSON API responses",
                      "Go through the orders API, find the disputed order and who got the refund, and write "
                      "report.md.", steps, heavy=True, pages=pages)
