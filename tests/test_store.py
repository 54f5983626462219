import io
import os
import stat

import pytest

from ctxlean.store import HandleError, StoreError, check_handle, open_store
from ctxlean.store.sqlite import CHUNK_SIZE


@pytest.fixture
def store():
    with open_store() as s:
        yield s


def payload(n_lines: int) -> bytes:
    return b"".join(b"row %07d: some log text\n" % i for i in range(n_lines))


def test_same_payload_same_handle_across_projects_and_stream_or_bytes(store):
    data = payload(1000)
    a = store.put(data, project="/a", tool="Bash", kind="text", description="d")
    b = store.put(io.BytesIO(data), project="/b", tool="Bash", kind="text", description="d")
    again = store.put(data, project="/a", tool="Bash", kind="text", description="d")
    assert a.handle == b.handle == again.handle
    assert a.handle.startswith("ctx_") and len(a.handle) == 20
    assert store.db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 1
    assert store.db.execute("SELECT COUNT(*) FROM payloads WHERE project='/a'").fetchone()[0] == 1


def test_multi_chunk_payload_round_trips_byte_exact_with_counts(store):
    data = payload(200_000) + b"no trailing newline"
    assert len(data) > 3 * CHUNK_SIZE
    info = store.put(io.BytesIO(data), project="/p", tool="Bash", kind="text", description="big")
    assert store.read_bytes(info.handle, "/p") == data
    assert info.size == len(data)
    assert info.lines == 200_001


def test_compressed_on_disk(store):
    data = payload(100_000)
    store.put(data, project="/p", tool="Bash", kind="text", description="d")
    stored = store.db.execute("SELECT SUM(LENGTH(data)) FROM chunks").fetchone()[0]
    assert stored < len(data) / 4


def test_chunks_from_line_start_at_or_before_it(store):
    data = payload(200_000)
    info = store.put(data, project="/p", tool="Bash", kind="text", description="d")
    first_line, raw = next(store.iter_chunks(info.handle, "/p", from_line=150_000))
    assert first_line < 150_000
    assert b"row 0149999" in raw or first_line > 1


@pytest.mark.parametrize("bad", ["", "ctx_", "ctx_XYZ", "../etc/passwd", None, 42, "ctx_0123456789abcdef0"])
def test_malformed_handles_are_refused_with_a_hint(bad):
    with pytest.raises(HandleError, match="malformed handle"):
        check_handle(bad)


def test_search_finds_words_and_tolerates_operators(store):
    store.put(b"alpha\nAssertionError: expected 3 got 4\n" * 50, project="/p", tool="Bash", kind="text",
              description="pytest run")
    store.put(b"nothing relevant here\n" * 50, project="/p", tool="Bash", kind="text", description="other")
    hits = store.search("/p", "AssertionError expected")
    assert len(hits) == 1 and "AssertionError" in hits[0][1]
    assert store.search("/p", 'NEAR( "x" OR') == []  # FTS syntax in user text is not interpreted


def test_private_files(tmp_path):
    path = tmp_path / "deep" / "store.sqlite3"
    with open_store(path) as s:
        s.put(b"x" * 100, project="/p", tool="Bash", kind="text", description="d")
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_unwritable_dir_is_a_store_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root ignores permissions: make the path a file instead
        locked.rmdir()
        locked.write_text("not a dir")
    with pytest.raises(StoreError):
        open_store(locked / "store.sqlite3")


def test_ledger_records_offloads(store):
    store.record_offload(project="/p", session_id="s1", agent_id=None, tool="Bash", handle="ctx_" + "1" * 16,
                         original_tokens=5000, summary_tokens=300)
    rows = store.ledger_for_session("s1")
    assert [(r[1], r[3], r[4]) for r in rows] == [("Bash", 5000, 300)]


H = "ctx_54628eab80e4fe92"


@pytest.mark.parametrize("given", [
    H, f" {H}\n", f"{H}:", f"{H}.", f"{H},", f'"{H}"', f"'{H}'", f"`{H}`", f"({H})", f"<{H}>",
    f"handle {H}: 189,260 bytes", f"stored out of band as {H}: 189,260 bytes", "ctx_" + H[4:].upper(), f"{H} {H}",
])
def test_a_handle_copied_with_its_punctuation_or_words_around_it_is_accepted(given):
    assert check_handle(given) == H


@pytest.mark.parametrize(("given", "message"), [
    (f"{H} ctx_0123456789abcdef", "2 different handles"),
    (f"{H}0", "malformed handle"),  # 17 hex digits: part of something longer, not this handle
    (f"x{H}", "malformed handle"),
    (f"{H}_old", "malformed handle"),
    ("see " * 200 + H, "malformed handle"),  # not a handle with punctuation: some long text
])
def test_ambiguous_or_embedded_handles_are_refused(given, message):
    with pytest.raises(HandleError, match=message):
        check_handle(given)


def test_fetch_detail_reads_a_handle_given_with_its_trailing_colon(store):
    from ctxlean.mcp_server.fetch import fetch_detail

    info = store.put(payload(100), project="/p", tool="Bash", kind="text", description="d")
    for given in (f"{info.handle}:", f"`{info.handle}`", f'"{info.handle}".'):
        assert fetch_detail(store, "/p", given, lines="3-3").splitlines()[1] == "3: row 0000002: some log text"
