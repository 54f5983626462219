"""The store protocol, held to the same behaviour on both backends: SQLite (local) and PostgreSQL (a real
server: see the pg_server fixture). Same handles, same chunks, same scoping, same search answers, same
ledger rows."""

import inspect
import io
import json
import threading

import pytest

from ctxlean.mcp_server.fetch import fetch_detail
from ctxlean.store import HandleError, StoreError, open_store, protocol
from ctxlean.store.chunks import CHUNK_SIZE
from ctxlean.store.postgres import PgStore
from ctxlean.store.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    location = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    with open_store(location) as s:
        yield s


@pytest.fixture
def pg(pg_url):
    with open_store(pg_url) as s:
        yield s


def payload(n_lines: int, word: str = "log") -> bytes:
    return b"".join(b"row %07d: some %s text\n" % (i, word.encode()) for i in range(n_lines))


def test_both_backends_implement_every_method_of_the_protocol_with_its_signature():
    wanted = {name: inspect.signature(fn) for name, fn in vars(protocol.Store).items()
              if callable(fn) and not name.startswith("_") or name in ("__enter__", "__exit__")}
    assert {"put", "record_offload", "info", "search", "scope", "ledger_totals"} <= set(wanted)
    for backend in (SqliteStore, PgStore):
        for name, signature in wanted.items():
            assert hasattr(backend, name), f"{backend.__name__} lacks {name}"
            got = inspect.signature(getattr(backend, name))
            assert list(got.parameters) == list(signature.parameters), (backend.__name__, name)
        assert backend.backend in ("sqlite", "postgresql")


def test_same_payload_same_handle_on_both_backends_and_for_stream_or_bytes(pg, tmp_path):
    data = payload(1000)
    with open_store() as local:
        here = local.put(data, project="/a", tool="Bash", kind="text", description="d")
    shared = pg.put(io.BytesIO(data), project="/a", tool="Bash", kind="text", description="d")
    again = pg.put(data, project="/b", tool="Bash", kind="text", description="d")
    assert here.handle == shared.handle == again.handle
    assert (here.size, here.lines) == (shared.size, shared.lines) == (again.size, again.lines)
    assert pg.db.execute("SELECT COUNT(*) FROM ctxlean.blobs").fetchone() == (1,)  # stored once
    assert pg.db.execute("SELECT COUNT(*) FROM ctxlean.payloads").fetchone() == (2,)  # seen by two projects


def test_multi_chunk_payload_round_trips_byte_exact_in_the_same_chunks(pg):
    data = payload(200_000) + b"no trailing newline"
    assert len(data) > 3 * CHUNK_SIZE
    with open_store() as local:
        info = local.put(data, project="/p", tool="Bash", kind="text", description="big")
        local_chunks = [(first, len(raw)) for first, raw in local.iter_chunks(info.handle, "/p")]
    shared = pg.put(io.BytesIO(data), project="/p", tool="Bash", kind="text", description="big")
    assert pg.read_bytes(shared.handle, "/p") == data
    assert (shared.size, shared.lines) == (len(data), 200_001)
    assert [(first, len(raw)) for first, raw in pg.iter_chunks(shared.handle, "/p")] == local_chunks
    seek = next(pg.iter_chunks(shared.handle, "/p", from_line=150_000))
    assert seek[0] < 150_000 and b"row 0149999" in seek[1]
    stored = pg.db.execute("SELECT SUM(octet_length(data)) FROM ctxlean.chunks").fetchone()[0]
    assert stored < len(data) / 4  # compressed


def test_scoped_by_project_with_the_same_answer_as_for_a_handle_never_stored(store):
    info = store.put(payload(10), project="/a", tool="Bash", kind="text", description="d")
    never = "ctx_" + "0" * 16
    with pytest.raises(HandleError, match="unknown handle") as other:
        store.info(info.handle, "/b")
    with pytest.raises(HandleError, match="unknown handle") as unknown:
        store.info(never, "/a")
    assert str(other.value).replace(info.handle, "H") == str(unknown.value).replace(never, "H")
    with pytest.raises(HandleError):
        store.read_bytes(info.handle, "/b")
    assert store.recent("/b") == [] and store.search("/b", "row") == []
    assert store.owner(info.handle, "/b", allowed=["/a"]) == "/a"  # the user's allow_cross_project
    with pytest.raises(HandleError):
        store.owner(info.handle, "/b", allowed=["/c*"])


def test_search_finds_all_words_best_first_with_a_marked_snippet(store):
    store.put(b"alpha\nAssertionError: expected 3 got 4\n" * 50, project="/p", tool="Bash", kind="text",
              description="pytest run")
    store.put(b"nothing relevant here\n" * 50, project="/p", tool="Bash", kind="text", description="other")
    store.put(b"AssertionError alone\n" * 50, project="/p", tool="Bash", kind="text", description="third")
    hits = store.search("/p", "AssertionError expected")
    assert len(hits) == 1 and hits[0][0].description == "pytest run"
    assert "[AssertionError]" in hits[0][1] and "[expected]" in hits[0][1]
    assert {info.description for info, _ in store.search("/p", "assertionerror")} == {"pytest run", "third"}
    assert store.search("/p", "pytest")[0][0].description == "pytest run"  # descriptions are searched too


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "a:b -c* (x", "\x00", "\ud800 x", "'; DROP TABLE x"])
def test_search_tolerates_any_text(store, query):
    store.put(payload(20), project="/p", tool="Bash", kind="text", description="d")
    assert isinstance(store.search("/p", query), list)


def test_hostile_text_is_stored_and_served_exactly(store):
    data = "NUL \x00 here, a lone surrogate \udcff, and more\n".encode("utf-8", "surrogateescape") * 2000
    info = store.put(data, project="/p\x00x", tool="Bash\x00", kind="text", description="desc \x00",
                     session_id="s\x00")
    assert store.read_bytes(info.handle, "/p\x00x" if store.backend == "sqlite" else "/p\ufffdx") == data


def test_fetch_detail_answers_grep_and_jsonpath_from_either_backend(store):
    data = json.dumps({"items": [{"id": i, "status": "error" if i % 7 == 3 else "ok"} for i in range(40)]},
                      indent=1).encode()
    handle = store.put(data, project="/p", tool="Bash", kind="json", description="items").handle
    found = fetch_detail(store, "/p", handle, jsonpath="$.items[?@.status=='error'].id")
    assert found.splitlines()[1:-1] == ["1: [", "2:  3,", "3:  10,", "4:  17,", "5:  24,", "6:  31,", "7:  38", "8: ]"]
    grepped = fetch_detail(store, "/p", handle, grep='"error"')
    assert [line.split(":")[0] for line in grepped.splitlines()[1:-1]] == [
        str(n + 1) for n, line in enumerate(data.decode().split("\n")) if '"error"' in line]


def test_text_too_varied_for_one_tsvector_is_still_stored_and_found_by_its_description(pg):
    import random

    rnd = random.Random(4)
    data = " ".join(f"w{rnd.getrandbits(40):x}" for _ in range(250_000)).encode()  # 3.5 MB of distinct words
    info = pg.put(data, project="/p", tool="Bash", kind="text", description="random tokens dump")
    assert pg.read_bytes(info.handle, "/p") == data
    assert [i.handle for i, _ in pg.search("/p", "tokens dump")] == [info.handle]
    first = data.split()[0].decode()
    assert [i.handle for i, _ in pg.search("/p", first)] == [info.handle]  # its start is indexed


def test_recent_and_session_handles_and_ledger_agree_across_backends(pg):
    answers = []
    for s in (None, pg):
        store = s or open_store()
        infos = [store.put(payload(30, f"w{i}"), project="/p", tool="Bash", kind="text", description=f"d{i}",
                           session_id="s1") for i in range(3)]
        for i, info in enumerate(infos):
            store.record_offload(project="/p", session_id="s1", agent_id="agent-x" if i == 1 else None, tool="Bash",
                                 handle=info.handle, original_tokens=1000 * (i + 1), summary_tokens=100)
        store.record_offload(project="/p", session_id="s1", agent_id=None, tool="Bash", handle=infos[0].handle,
                             original_tokens=0, summary_tokens=50)  # a failing command's note: no saving
        answers.append((
            [i.handle for i in store.recent("/p")],
            [i.handle for i in store.session_handles("/p", "s1")],
            [i.handle for i in store.session_handles("/p", "s1", "agent-x")],
            [row[1:] for row in store.ledger_for_session("s1")],
            [row[:1] + row[3:7] for row in store.ledger_totals()],
        ))
        if s is None:
            store.close()
    assert answers[0] == answers[1]
    assert answers[1][4] == [("/p", 3, 1, 6000, 5700)]  # 3 offloads, 1 session, 6000 offloaded, 5700 kept out


def test_pg_ledger_rows_name_the_user_and_machine(pg):
    from ctxlean.identity import local_user_and_machine

    pg.record_offload(project="/p", session_id="s", agent_id=None, tool="Bash", handle="ctx_" + "1" * 16,
                      original_tokens=500, summary_tokens=50)
    assert pg.db.execute("SELECT user_name, machine FROM ctxlean.ledger").fetchall() == [local_user_and_machine()]


def test_pg_migrations_run_once_even_when_many_machines_open_a_fresh_database_at_once(pg_url):
    errors, stores = [], []

    def open_one():
        try:
            stores.append(open_store(pg_url))
        except Exception as exc:  # noqa: BLE001 - the failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(stores) == 8
    rows = stores[0].db.execute("SELECT name FROM ctxlean.migrations").fetchall()
    assert rows == [("m001_initial",)]
    for s in stores:
        s.close()


def test_pg_store_migrated_by_a_newer_ctxlean_is_refused_untouched(pg):
    pg.db.execute("INSERT INTO ctxlean.migrations VALUES ('m999_future', 0)")
    with pytest.raises(StoreError, match="newer ctxlean"):
        open_store(pg.location)
    assert pg.db.execute("SELECT COUNT(*) FROM ctxlean.migrations").fetchone() == (2,)


def test_pg_gc_applies_the_ttl_and_the_size_cap_least_recently_used_first(pg):
    from ctxlean.store.gc import collect

    big = [pg.put(payload(40_000, f"w{i}"), project="/p", tool="Bash", kind="text", description=f"big {i}")
           for i in range(4)]
    shared = pg.put(payload(500, "shared"), project="/a", tool="Bash", kind="text", description="shared")
    pg.put(payload(500, "shared"), project="/b", tool="Bash", kind="text", description="shared")
    old, now = 1_000_000.0, 2_000_000.0
    pg.db.execute("UPDATE ctxlean.payloads SET last_access = %s WHERE project = '/a'", (old,))
    for i, info in enumerate(big):  # read order: big 2 oldest, then 0, 3, 1
        pg.db.execute("UPDATE ctxlean.payloads SET last_access = %s WHERE handle = %s",
                      (now - [3, 1, 4, 2][i], info.handle))
    report = collect(pg, ttl_days=1, max_bytes=0, now=now)
    assert (report.expired, report.blobs) == (1, 0)  # /a's copy went; /b still references the blob
    assert pg.read_bytes(shared.handle, "/b") == payload(500, "shared")
    with pytest.raises(HandleError):
        pg.info(shared.handle, "/a")

    each = pg.db.execute("SELECT MAX(b.stored + octet_length(s.body)) FROM ctxlean.payloads p JOIN ctxlean.blobs b"
                         " ON b.id = p.blob_id JOIN ctxlean.payload_search s ON s.payload_id = p.id").fetchone()[0]
    cap = report.used_after - each * 3 // 2  # one big payload's worth is not enough: two must go
    report = collect(pg, ttl_days=0, max_bytes=cap, now=now)
    assert report.evicted == 2 and report.used_after <= cap
    kept = {i.description for i in pg.recent("/p")}
    assert kept == {"big 1", "big 3"}  # the two least recently used went
    assert "payloads" in report.text(0, 1) and "tables" in report.text(0, 1)
    assert pg.last_gc() == now


def test_pg_store_that_cannot_be_reached_is_a_store_error_without_the_password(tmp_path):
    from pg_cluster import free_port

    url = f"postgresql://someone:s3cret-pw@127.0.0.1:{free_port()}/db"
    with pytest.raises(StoreError, match="cannot reach the PostgreSQL store") as raised:
        open_store(url)
    assert "s3cret-pw" not in str(raised.value)
