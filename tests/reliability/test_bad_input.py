"""Malformed, truncated, huge and hostile input to the hook (in-process and through the CLI) and hostile
arguments to the MCP tool functions: always a clear error or a pass-through, never a crash, never more
than the bounded output. A deterministic corpus plus hypothesis."""

import json
import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import check_answer, log_text, sample

from ctxlean.hooks import run
from ctxlean.mcp_server.fetch import FetchError, fetch_detail, list_details, search_details
from ctxlean.store import HandleError, open_store
from ctxlean.tokens import estimate_tokens

SAMPLES = ["post_bash_medium.json", "post_bash_persisted.json", "post_read_big.json", "post_mcp_str.json"]
WRONG = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"a": {"b": []}}, "\x00", "\ud800", "y" * 50_000]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])


def corpus(tmp_path) -> list[bytes]:
    """Deterministic hostile hook inputs built from the events Claude Code really sent."""
    project = str(tmp_path / "proj")
    os.makedirs(project, exist_ok=True)
    persisted = tmp_path / "persisted.txt"
    persisted.write_text(log_text(1, 100_000))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases: list[bytes] = [b"", b"{", b"null", b"[]", b'"str"', b"1e999999", b"\xff\xfe{}", b"\x00",
                          "{}".encode("utf-16"), b"\xef\xbb\xbf{}", b"[" * 100_000, b'{"a":' * 100_000,
                          b'{"tool_name": "Bash", "tool_response": {"stdout": "\xff\xfe\xfd"}}',
                          b'{"tool_name": "Bash", "tool_response": {"stdout": "a\x00b"}}']
    for name in SAMPLES:
        event = sample(name)
        event["cwd"] = project
        raw = json.dumps(event).encode()
        cases += [raw[:cut] for cut in range(0, len(raw), max(1, len(raw) // 12))]  # truncated anywhere
        for key in list(event):
            for bad in WRONG:
                cases.append(json.dumps({**event, key: bad}).encode())
        response = event["tool_response"]
        for key in response if isinstance(response, dict) else []:
            for bad in WRONG:
                cases.append(json.dumps({**event, "tool_response": {**response, key: bad}}).encode())
    bash = sample("post_bash_persisted.json")
    bash["cwd"] = project
    for path in ("/", "/dev/zero", "/nonexistent", "relative.txt", str(fifo), str(tmp_path), "/proc/self/status",
                 "a\x00b", str(persisted)):
        bash["tool_response"]["persistedOutputPath"] = path
        cases.append(json.dumps(bash).encode())
    big = log_text(2, 60_000)
    for tool in ("", "mcp__", "mcp__x__y", "Unknown", "💥" * 100, "a" * 10_000, "Bash\x00", "Read"):
        for response in (big, [{"type": "text", "text": big}], [1, {"type": "text"}, {"type": "text", "text": 5}],
                         [{"type": "text", "text": big}] * 200, {"content": [big]}, {"a": big, "b": big},
                         "\ud800" + big, {"stdout": big + "\x00" * 10, "stderr": big}):
            cases.append(json.dumps({"tool_name": tool, "cwd": project, "session_id": {"not": "a string"},
                                     "tool_response": response}).encode())
    huge = {"tool_name": "Bash", "cwd": project, "tool_response": {"stdout": "é" * (8 << 20)}}
    cases.append(json.dumps(huge).encode())
    return cases


def test_hook_corpus_in_process(tmp_path):
    cases = corpus(tmp_path)
    assert len(cases) > 800
    offloaded = 0
    for raw in cases:
        out = run("post-tool-use", raw)
        check_answer(raw, out)
        offloaded += out != ""
    assert offloaded > 50  # the corpus reaches the offload path, not only the parser


def test_hook_corpus_through_the_command_line(tmp_path):
    cases = corpus(tmp_path)[::80]
    for raw in cases:
        proc = subprocess.run([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], input=raw,
                              capture_output=True, timeout=60)
        assert (proc.returncode, proc.stderr) == (0, b"")
        check_answer(raw, proc.stdout.decode())


def test_hook_whose_reader_went_away_still_exits_0(tmp_path):
    event = sample("post_bash_medium.json")
    proc = subprocess.Popen([sys.executable, "-m", "ctxlean", "hook", "post-tool-use"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # Claude Code gave up on the call
    _, err = proc.communicate(json.dumps(event).encode())
    assert (proc.returncode, err) == (0, b"")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
big_text = st.builds(lambda unit, n: unit * n, st.text(min_size=1, max_size=12), st.integers(1, 4000))
text_or_junk = big_text | json_values
responses = st.one_of(
    json_values, big_text,
    st.fixed_dictionaries({"stdout": text_or_junk}, optional={"stderr": text_or_junk, "isImage": json_values,
                                                              "interrupted": json_values,
                                                              "persistedOutputPath": st.text(max_size=20)}),
    st.fixed_dictionaries({"type": st.just("text") | json_values,
                           "file": st.fixed_dictionaries({"content": text_or_junk}, optional={"filePath": json_values})
                           | json_values}),
    st.lists(st.fixed_dictionaries({"type": st.sampled_from(["text", "image"]) | json_values, "text": text_or_junk}),
             max_size=4))
events = st.fixed_dictionaries(
    {"tool_name": st.sampled_from(["Bash", "Read", "Grep", "Glob", "WebFetch", "mcp__s__t", "Other"]) | json_values,
     "tool_response": responses},
    optional={"cwd": st.just("/tmp") | json_values, "session_id": json_values, "agent_id": json_values,
              "tool_input": json_values})


@FUZZ
@given(event=events)
def test_hook_fuzzed_events(monkeypatch, event):
    monkeypatch.setenv("CTXLEAN_OFFLOAD_THRESHOLD_TOKENS", "50")  # reach the offload path with small inputs
    raw = json.dumps(event).encode("utf-8", "surrogatepass")
    check_answer(raw, run("post-tool-use", raw))


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_hook_fuzzed_bytes(raw):
    assert run("post-tool-use", raw) == ""  # random bytes are never a valid event


# -- MCP tool functions --------------------------------------------------------------------------------

CATASTROPHIC = [r"(a+)+$", r"(a|aa)+$", r"(.*a){20}", r"(\w+\s?)*$", r".*.*.*.*.*=", r"(a*)*b", r"((a+)+)+c"]


@pytest.fixture
def hostile_store(tmp_path):
    """Payloads chosen to hurt: long lines, no newline, binary, deep JSON, self-similar JSON, backtracking bait."""
    nested = {}
    node = nested
    for _ in range(400):
        node["a"] = {"a": [1, 2]}
        node = node["a"]
    contents = {
        "text": log_text(3, 600_000).encode(),
        "one_line": b"x" * (3 << 20),
        "binary": bytes(range(256)) * 4000 + b"\xff\xfe\x00",
        "deep": b"[" * 200_000 + b"]" * 200_000,
        "nested": json.dumps(nested).encode(),
        "bait": b"ok\n" * 100 + (b"a" * 32 + b"!\n") * 3 + b"=" * 3000 + b"\n",  # backtracking takes hours
        "list": json.dumps(list(range(300_000))).encode(),
    }
    with open_store() as store:
        handles = {name: store.put(data, project="/p", tool="Bash", kind="text", description=name).handle
                   for name, data in contents.items()}
        handles["other_project"] = store.put(b"secret of q\n" * 500, project="/q", tool="Bash", kind="text",
                                             description="q").handle
        yield store, handles


def call_bounded(store, timeout_s=1.0, **args):
    started = time.monotonic()
    try:
        out = fetch_detail(store, "/p", budget_tokens=2000, timeout_s=timeout_s, **args)
    except (HandleError, FetchError) as exc:
        out = None
        assert len(str(exc)) < 600  # the error is short, whatever the arguments were
    elapsed = time.monotonic() - started
    # bounded in time: the deadline plus the cost of one unit of work (parsing at most 16 MB of JSON,
    # starting and killing a grep worker), with room for a loaded CI machine
    assert elapsed < timeout_s + 10, (args, elapsed)
    if out is not None:
        assert estimate_tokens(out) <= 2000 and out.startswith("[ctxlean] ")
    return out


def test_catastrophic_regexes_are_stopped_at_the_deadline(hostile_store):
    store, handles = hostile_store
    for pattern in CATASTROPHIC:
        assert call_bounded(store, timeout_s=1.0, handle=handles["bait"], grep=pattern) is not None
    out = call_bounded(store, timeout_s=1.0, handle=handles["bait"], grep=r"(a+)+$")
    # the line the pattern got stuck on, and the calls that go on from it or past it
    assert "stopped after 1 s at line 101," in out
    assert f'continue with fetch_detail("{handles["bait"]}", grep=\'(a+)+$\', lines="101-")' in out
    assert 'skip the line with lines="102-"' in out
    # the worker is gone: no child process left behind (where Linux lists children)
    lists = [f"/proc/self/task/{t}/children" for t in os.listdir("/proc/self/task")] if os.path.isdir("/proc") else []
    assert [c for path in lists if os.path.exists(path) for c in open(path).read().split()] == []


def test_hostile_arguments_get_a_bounded_answer_or_a_clear_error(hostile_store):
    store, handles = hostile_store
    cases = [
        dict(handle="../../etc/passwd"), dict(handle="/etc/passwd"), dict(handle="ctx_../../x"),
        dict(handle="ctx_" + "0" * 16 + "/.."), dict(handle="ctx_" + "g" * 16), dict(handle="x" * 1_000_000),
        dict(handle=handles["other_project"]),
        dict(handle=handles["text"], lines="1-999999999999999"), dict(handle=handles["text"], page=10**18),
        dict(handle=handles["text"], page=-(10**5000)), dict(handle=handles["text"], lines=10**5000),
        dict(handle=handles["text"], lines="1" + " " * 1_000_000 + "-2"),
        dict(handle=handles["text"], lines="9" * 5000),
        dict(handle=handles["text"], lines="0-0"), dict(handle=handles["text"], lines=[1, 2]),
        dict(handle=handles["text"], grep="("), dict(handle=handles["text"], grep="x" * 5000),
        dict(handle=handles["text"], grep="a{4294967296}"), dict(handle=handles["text"], grep="\x00"),
        dict(handle=handles["one_line"], page=700), dict(handle=handles["one_line"], grep="x+y"),
        dict(handle=handles["binary"]), dict(handle=handles["binary"], grep="\\xff"),
        dict(handle=handles["deep"], jsonpath="$[0]"),
        dict(handle=handles["nested"], jsonpath="$..a..a..a..a..a"),
        dict(handle=handles["nested"], jsonpath="$" + ".a" * 400),
        dict(handle=handles["list"], jsonpath="$[*]", page=3),
        dict(handle=handles["list"], jsonpath="$[99999999999999999]"),
        dict(handle=handles["list"], jsonpath="$['\\x']"),
        dict(handle=handles["list"], jsonpath="$[" + "0" * 5000 + "]"), dict(handle=handles["list"], jsonpath=5),
        dict(handle=handles["text"], jsonpath="$.a", grep="x"),
    ]
    answers = [call_bounded(store, **case) for case in cases]
    assert answers[6] is None  # another project's handle: refused
    assert "past the end" in answers[8]
    assert sum(a is None for a in answers) >= 15


lines_arg = st.text(max_size=12) | st.integers(-(10**20), 10**20) | st.sampled_from(["1-", "3-2", "100-100000", "7:9"])
grep_arg = st.sampled_from(CATASTROPHIC + ["error", "[", "x*", "a", "\\d+$", "(?i)INFO"]) | st.text(max_size=8)
jsonpath_arg = st.sampled_from(["$", "$[0]", "$..a", "$[*]", "$.a[1:3]", "$['a']", "$..a..a..a"]) | st.text(max_size=12)


@FUZZ
@given(data=st.data())
def test_fetch_detail_fuzzed(hostile_store, data):
    store, handles = hostile_store
    hostile = data.draw(st.integers(0, 5), "hostile")  # 0 and 1: a hostile handle or page, else real ones
    handle = data.draw(st.text(max_size=30) if hostile == 0 else st.sampled_from(sorted(handles.values())), "handle")
    selector = data.draw(st.sampled_from(["none", "lines", "grep", "grep+lines", "jsonpath"]), "selector")
    args = dict(page=data.draw(st.integers(-(10**20), 10**20) | st.booleans() if hostile == 1 else st.integers(1, 4),
                               "page"))
    if "lines" in selector:
        args["lines"] = data.draw(lines_arg, "lines")
    if "grep" in selector:
        args["grep"] = data.draw(grep_arg, "grep")
    if selector == "jsonpath":
        args["jsonpath"] = data.draw(jsonpath_arg, "jsonpath")
    call_bounded(store, timeout_s=0.5, handle=handle, **args)


@FUZZ
@given(query=st.text(max_size=40) | st.sampled_from(['"', 'NEAR(a b)', "a OR", "*", "x\x00y", "^", "a" * 2000,
                                                     " ".join(["x"] * 600), 'col:"a"']))
def test_search_and_list_fuzzed(hostile_store, query):
    store, _ = hostile_store
    try:
        out = search_details(store, "/p", query)
        assert len(out) < 20_000
    except FetchError as exc:
        assert len(str(exc)) < 300
    assert len(list_details(store, "/p")) < 20_000
