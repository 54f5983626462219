"""JSON, CSV/TSV and HTML: shape and key values, columns and rows, title and headings."""

import json

from summarize_helpers import kind_of, summary_of


def orders_response() -> str:
    data = [{"id": f"ord_{i:05d}", "status": "failed" if i == 17 else ("paid" if i % 3 else "open"),
             "total_cents": 1000 + i, "error": {"code": "card_declined"} if i == 17 else None}
            for i in range(600)]
    return json.dumps({"object": "list", "has_more": True, "next_cursor": "cur_8842", "data": data}, indent=2)


def test_json_shape_status_counts_ids_and_error_fields():
    summary = summary_of(orders_response(), "curl -s https://api.example.test/v1/orders")
    assert summary.kind == "json"
    assert "object with 4 keys" in summary.body
    assert '"data": array of 600 items' in summary.body
    assert '"paid" x399' in summary.body and '"open" x200' in summary.body and '"failed" x1' in summary.body
    assert '"ord_00000"' in summary.body and '"ord_00599"' in summary.body
    assert "$.data[17].error" in summary.body and "card_declined" in summary.body
    assert '"cur_8842"' in summary.body
    assert summary.hint == 'jsonpath="$.data[17].error"'


def test_json_lines_and_invalid_json():
    jl = "\n".join(json.dumps({"id": i, "name": f"pkg-{i}"}) for i in range(2000)) + "\n"
    summary = summary_of(jl, "cat packages.jsonl")
    assert "JSON Lines: array of 2,000 items" in summary.body
    broken = orders_response()[:-40] + ",,]"
    summary = summary_of(broken, "", tool="Read", file_path="/data/orders.json")
    assert summary.body.startswith("not valid JSON:")
    assert kind_of('[2026-03-02 10:00:00] INFO start\n' * 50, "") != "json"


def test_csv_columns_rows_types_head_and_last_row():
    rows = ["order_id,created_at,country,amount,status"]
    rows += [f"ord_{i:05d},2026-02-{1 + i % 28:02d},{'DE' if i % 2 else 'FR'},{i / 7:.2f},paid" for i in range(5000)]
    summary = summary_of("\n".join(rows) + "\n", "", tool="Read", file_path="/data/orders.csv")
    assert summary.kind == "table"
    assert "CSV: 5,000 rows x 5 columns" in summary.body
    assert "order_id (str)" in summary.body and "created_at (date)" in summary.body
    assert "amount (float)" in summary.body and "country (str, 2 distinct)" in summary.body
    assert "L2: ord_00000," in summary.body and "L5001: ord_04999," in summary.body


def test_tsv_detected_from_content():
    rows = ["gene\tchrom\tstart"] + [f"GENE{i}\tchr{i % 22}\t{i * 1000}" for i in range(3000)]
    assert kind_of("\n".join(rows), "") == "table"
    assert "TSV: 3,000 rows x 3 columns" in summary_of("\n".join(rows), "").body


def test_html_title_description_headings_and_main_text():
    sections = "".join(f"<h2>Release {i}.0</h2><p>Fixed {i} bugs.</p>\n" for i in range(300))
    page = ("<!DOCTYPE html><html><head><title>Shop API changelog</title>"
            "<meta name=\"description\" content=\"Every release\"></head><body><nav>menu menu</nav>"
            f"<main><h1>Changelog</h1>\n<p>Read this first &amp; upgrade.</p>\n{sections}</main></body></html>")
    summary = summary_of(page, "curl -s https://docs.example.test/changelog")
    assert summary.kind == "html"
    assert "HTML page: Shop API changelog" in summary.body
    assert "description: Every release" in summary.body
    assert "h1 Changelog" in summary.body and "h2 Release 0.0" in summary.body
    assert "text: Changelog Read this first & upgrade." in summary.body
    assert "menu menu" not in summary.body
