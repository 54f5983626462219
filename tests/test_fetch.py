import json

import pytest

from ctxlean.mcp_server.fetch import FetchError, fetch_detail, list_details, search_details
from ctxlean.store import HandleError, open_store
from ctxlean.tokens import estimate_tokens

LINES = [f"line {i}: value={i * 7}" for i in range(1, 50_001)]
DATA = ("\n".join(LINES) + "\n").encode()


@pytest.fixture
def stored():
    with open_store() as store:
        info = store.put(DATA, project="/p", tool="Bash", kind="text", description="numbers")
        yield store, info.handle


def body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("[ctxlean]")]


def test_lines_range_returns_exact_lines_with_numbers(stored):
    store, h = stored
    out = fetch_detail(store, "/p", h, lines="30000-30003")
    assert body(out) == [f"{n}: {LINES[n - 1]}" for n in range(30000, 30004)]
    assert "end of selection" in out


def test_big_range_is_paged_within_budget_and_pages_tile_it(stored):
    store, h = stored
    seen = []
    page = 1
    while True:
        out = fetch_detail(store, "/p", h, lines="100-2000", page=page, budget_tokens=2000)
        assert estimate_tokens(out) <= 2000
        seen += body(out)
        if "page=" not in out.splitlines()[-1]:
            break
        assert f'lines="100-2000", page={page + 1}' in out
        page += 1
    assert seen == [f"{n}: {LINES[n - 1]}" for n in range(100, 2001)]


def test_grep_shows_matches_with_line_numbers(stored):
    store, h = stored
    out = fetch_detail(store, "/p", h, grep=r"value=7000\b")
    assert body(out) == ["1000: line 1000: value=7000"]


def test_grep_within_a_line_range(stored):
    store, h = stored
    out = fetch_detail(store, "/p", h, grep=r"value=\d*77\b", lines="20000-20100")
    assert body(out) == [f"{n}: {LINES[n - 1]}" for n in range(20000, 20101) if str(n * 7).endswith("77")]


def test_jsonpath():
    doc = {"items": [{"id": f"id-{i}", "status": "ok" if i % 3 else "failed"} for i in range(300)]}
    with open_store() as store:
        h = store.put(json.dumps(doc).encode(), project="/p", tool="mcp__api__list", kind="json",
                      description="items").handle
        out = fetch_detail(store, "/p", h, jsonpath="$.items[3].status")
        assert body(out) == ['1: "failed"']
        with pytest.raises(FetchError, match="cannot parse jsonpath .*RFC 9535"):
            fetch_detail(store, "/p", h, jsonpath="$.items[?@.status==]")


def test_jsonpath_speaks_rfc_9535():
    """Filters (also under descendants), unions, slices with steps, and the result printed as json.dumps
    would print it (several values: a list), page by page."""
    doc = {"items": [{"id": i, "status": "error" if i % 50 == 7 else "ok"} for i in range(400)],
           "nested": {"items": [{"id": "n1", "status": "error"}]}}
    with open_store() as store:
        h = store.put(json.dumps(doc).encode(), project="/p", tool="mcp__api__list", kind="json",
                      description="items").handle

        def value(path: str):
            rows = body(fetch_detail(store, "/p", h, jsonpath=path))
            return json.loads("\n".join(row.split(": ", 1)[1] for row in rows))

        errors = [item for item in doc["items"] if item["status"] == "error"] + doc["nested"]["items"]
        assert value("$..items[?@.status=='error']") == errors
        assert value("$.items[0,3,-1].id") == [0, 3, 399]
        assert value("$.items[10:20:5].id") == [10, 15]
        assert value("$.items[?@.id > 397 && @.status == 'ok'].id") == [398, 399]
        assert value("$.nested.items[0].id") == "n1"
        assert value("$.nope") == []
        first = fetch_detail(store, "/p", h, jsonpath="$.items[*].id", budget_tokens=300)
        assert "page=2)" in first.splitlines()[-1]
        rows = []
        page = 1
        while True:  # the pages tile the printed list exactly
            out = fetch_detail(store, "/p", h, jsonpath="$.items[*].id", budget_tokens=300, page=page)
            rows += body(out)
            if "page=" not in out.splitlines()[-1]:
                break
            page += 1
        assert [row.split(": ", 1)[1] for row in rows] == json.dumps(list(range(400)), indent=1).splitlines()


def test_jsonpath_on_a_payload_past_the_cap_says_how_to_narrow_it(monkeypatch):
    from ctxlean.mcp_server import jsonpath_worker

    monkeypatch.setattr(jsonpath_worker, "MAX_JSON_BYTES", 1000)
    with open_store() as store:
        h = store.put(json.dumps({"a": "x" * 2000}).encode(), project="/p", tool="Bash", kind="json",
                      description="big").handle
        with pytest.raises(FetchError, match="over the 1,000 that jsonpath parses; narrow it first: grep="):
            fetch_detail(store, "/p", h, jsonpath="$.a")


def test_single_huge_line_is_shown_in_pieces(tmp_path):
    with open_store() as store:
        h = store.put(b"x" * 100_000, project="/p", tool="Bash", kind="text", description="blob").handle
        out = fetch_detail(store, "/p", h, budget_tokens=500)
        assert estimate_tokens(out) <= 500 and "\n1[1]: xxx" in out
        pieces = []
        page = 1
        while True:  # the pieces tile the line exactly
            out = fetch_detail(store, "/p", h, budget_tokens=500, page=page)
            pieces += [row.split(": ", 1)[1] for row in body(out)]
            if "page=" not in out.splitlines()[-1]:
                break
            page += 1
        assert "".join(pieces) == "x" * 100_000


def test_errors_are_actionable(stored):
    store, h = stored
    with pytest.raises(HandleError, match="malformed"):
        fetch_detail(store, "/p", "../../etc/passwd")
    with pytest.raises(HandleError, match="unknown handle"):
        fetch_detail(store, "/q", h)
    with pytest.raises(FetchError, match="jsonpath= goes alone"):
        fetch_detail(store, "/p", h, lines="1-2", jsonpath="$.x")
    with pytest.raises(FetchError, match="not a valid regular expression"):
        fetch_detail(store, "/p", h, grep="(")
    with pytest.raises(FetchError, match="not JSON"):
        fetch_detail(store, "/p", h, jsonpath="$.a")
    with pytest.raises(FetchError, match="reversed"):
        fetch_detail(store, "/p", h, lines="9-3")
    assert "past the end" in fetch_detail(store, "/p", h, lines="10-12", page=2)


def test_search_and_list(stored):
    store, h = stored
    assert h in search_details(store, "/p", "value=7000")
    assert "no stored payload" in search_details(store, "/p", "zebra")
    listing = list_details(store, "/p")
    assert h in listing and "numbers" in listing and "50,000 lines" in listing
    assert "no payloads" in list_details(store, "/other")
