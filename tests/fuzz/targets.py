"""Fuzz targets (atheris, coverage-guided): hook stdin and MCP tool arguments.

Each target takes the fuzzer's bytes, turns them into an input through atheris.FuzzedDataProvider (raw bytes,
or a real captured hook event with fields replaced; a handle, selectors and page for fetch_detail) and fails
(raises) when ctxlean does what it must never do: a hook that raises or answers something that is not JSON,
an MCP answer over its budget or without its header, an error that is not short, a secret shown.

setup() makes a private HOME and store first; nothing here touches the network (WebFetch is answered by
Claude Code, fetch_pages_locally is off).
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "samples"
EVENTS = ("post-tool-use", "pre-tool-use", "post-tool-use-failure", "pre-compact", "session-start", "route-agent")
KEY = "sk-ant-api03-" + "Fz9Qw2Lk" * 10
PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(f"b3BlbnNzaC1rZXktdjEAAAAA{i:02d}" + "Hq7Ws4Ze" * 5
                                                         for i in range(12)) + "\n-----END OPENSSH PRIVATE KEY-----\n")
SECRETS = (KEY[len("sk-ant-"):], *PEM.splitlines()[1:-1])
PATTERNS = ("error", "(a+)+$", "^x", "$", ".", "sk-", "REDACTED", "[A-Za-z0-9]{12}", "(?=a)", "\\", "(", "a{99999}")
_state: dict = {}


def setup() -> None:
    """A private HOME, config and store for this process (hooks and fetches write only there)."""
    home = Path(tempfile.mkdtemp(prefix="ctxlean-fuzz-"))
    for name in list(os.environ):
        if name.startswith(("CLAUDE", "CTXLEAN_")):
            del os.environ[name]
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / "data"),
                      CTXLEAN_STORE=str(home / "store"), CTXLEAN_OFFLOAD_THRESHOLD_TOKENS="50",
                      CTXLEAN_FETCH_PAGES_LOCALLY="false", PYTHONPATH=str(ROOT / "src"))
    _state["home"] = home
    fifo = home / "fifo"
    os.mkfifo(fifo)
    results = home / "sess" / "tool-results"
    results.mkdir(parents=True)
    (results / "out.txt").write_text("persisted line\n" * 5000)
    _state["paths"] = [str(fifo), "/dev/zero", "/etc/passwd", str(results / "out.txt"), str(home / "sess.jsonl"),
                       str(home), "", "a\x00b", "../../etc/shadow"]
    _state["samples"] = [json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json"))]


def _value(fdp: atheris.FuzzedDataProvider, depth: int = 0):
    kind = fdp.ConsumeIntInRange(0, 9)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeInt(8)
    if kind == 2:
        return fdp.PickValueInList(_state["paths"])
    if kind == 3:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64)) * fdp.ConsumeIntInRange(1, 5000)
    if kind == 4 and depth < 3:
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    if kind == 5 and depth < 3:
        return {fdp.ConsumeUnicodeNoSurrogates(8): _value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))}
    if kind == 6:
        return fdp.ConsumeBool()
    if kind == 7:
        return f"x {KEY} y\n{PEM}" * fdp.ConsumeIntInRange(1, 300)
    return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 200))


def _mutate(event: dict, fdp: atheris.FuzzedDataProvider) -> None:
    node = event
    while isinstance(node, dict) and node and fdp.ConsumeBool():
        key = fdp.PickValueInList(sorted(node, key=str))
        if not isinstance(node[key], dict):
            break
        node = node[key]
    if isinstance(node, dict):
        key = fdp.PickValueInList(sorted(node, key=str)) if node and fdp.ConsumeBool() else fdp.ConsumeUnicode(12)
        node[key] = _value(fdp)


def hook_stdin(data: bytes) -> None:
    from ctxlean.hooks import run

    fdp = atheris.FuzzedDataProvider(data)
    event_name = fdp.PickValueInList(list(EVENTS))
    if fdp.ConsumeIntInRange(0, 3) == 0:
        raw = fdp.ConsumeBytes(fdp.remaining_bytes())
    else:
        event = copy.deepcopy(fdp.PickValueInList(_state["samples"]))
        event["cwd"] = str(_state["home"] / "proj")
        for _ in range(fdp.ConsumeIntInRange(0, 6)):
            _mutate(event, fdp)
        raw = json.dumps(event).encode("utf-8", "surrogatepass")
    out = run(event_name, raw)
    if not isinstance(out, str):
        raise AssertionError(f"hook answered {type(out).__name__}")
    out.encode("utf-8")  # valid UTF-8 whatever came in
    answer = json.loads(out) if out and event_name != "pre-compact" else out
    if isinstance(answer, dict):  # a rewritten call's input is the model's own, echoed for Claude Code to run
        answer.get("hookSpecificOutput", {}).pop("updatedInput", None)
    shown = json.dumps(answer, ensure_ascii=False) if isinstance(answer, dict) else answer
    if shown and any(secret[:12] in shown for secret in SECRETS):
        raise AssertionError(f"a secret reached a hook answer: {shown[:300]!r}")


def _store():
    if "store" not in _state:
        from ctxlean import redact
        from ctxlean.store import open_store

        store = open_store()
        payloads = {
            "text": "".join(f"line {i}: error code={i * 7} path=/src/m{i % 13}.py\n" for i in range(3000)),
            "long": "x" * 70_000 + f" {KEY} " + "y" * 9000 + "\n" + "a" * 5000 + "!\n",
            "json": json.dumps({"items": [{"id": i, "status": "error" if i % 7 else "ok", "token": KEY}
                                          for i in range(400)]}),
            "keys": "before\n" * 40 + PEM + "after\n" * 40,
            "binary": "".join(chr(c) for c in range(1, 256)) * 50,
        }
        # indexed masked, as offload stores them
        _state["handles"] = [store.put(text.encode(), project="/fuzz", tool="Bash", kind="text", description=name,
                                       index_filter=redact.mask).handle for name, text in payloads.items()]
        _state["store"] = store
    return _state["store"]


def mcp_arguments(data: bytes) -> None:
    from ctxlean.mcp_server.fetch import FetchError, fetch_detail, list_details, search_details
    from ctxlean.store import HandleError
    from ctxlean.tokens import estimate_tokens

    store = _store()
    fdp = atheris.FuzzedDataProvider(data)
    tool = fdp.ConsumeIntInRange(0, 9)
    try:
        if tool == 0:
            out = search_details(store, "/fuzz", fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 1200)), timeout_s=2)
            out = out.split("\n", 1)[1] if "\n" in out else ""  # the first line echoes the query
        elif tool == 1:
            out = list_details(store, "/fuzz")
        else:
            handles = _state["handles"]
            handle = fdp.PickValueInList(handles) if fdp.ConsumeIntInRange(0, 7) else fdp.ConsumeUnicode(30)
            args = {"page": fdp.ConsumeIntInRange(1, 5) if fdp.ConsumeBool() else _value(fdp)}
            if fdp.ConsumeBool():
                args["lines"] = (fdp.PickValueInList(["1-", "2-40", "45-60", "3000-", "1", "0", "9-3"])
                                 if fdp.ConsumeBool() else _value(fdp))
            if fdp.ConsumeIntInRange(0, 7) == 0:  # grep starts a worker process: rarer, to keep executions fast
                args["grep"] = fdp.PickValueInList(list(PATTERNS)) if fdp.ConsumeBool() else fdp.ConsumeUnicode(20)
            elif fdp.ConsumeIntInRange(0, 3) == 0:
                args["jsonpath"] = (fdp.PickValueInList(["$", "$.items[0]", "$..token", "$.items[*].id", "$["])
                                    if fdp.ConsumeBool() else fdp.ConsumeUnicode(20))
            budget = fdp.PickValueInList([120, 400, 2000])
            out = fetch_detail(store, "/fuzz", handle, budget_tokens=budget, timeout_s=1.0, **args)
            if estimate_tokens(out) > budget or not out.startswith("[ctxlean] "):
                raise AssertionError(f"unbounded answer to {args!r}: {out[:200]!r}")
    except (HandleError, FetchError) as exc:
        if len(str(exc)) > 600:
            raise AssertionError(f"long error: {str(exc)[:200]!r}...") from exc
        return
    if any(secret[:12] in out for secret in SECRETS):
        raise AssertionError(f"a secret was shown: {out[:300]!r}")


TARGETS = {"hook_stdin": hook_stdin, "mcp_arguments": mcp_arguments}


def main() -> None:
    """python tests/fuzz/targets.py TARGET [libFuzzer flags and corpus dirs]"""
    target = TARGETS[sys.argv.pop(1)]
    setup()
    atheris.instrument_all()
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
