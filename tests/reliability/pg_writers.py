"""One of the processes of the fleet concurrency test: THREADS writers, each offloading one payload into
the shared store (CTXLEAN_STORE) the way the Agent SDK's in-process hooks do (ctxlean.offload, each call
with its own connection), all started when the file `go` appears so every process starts at once.

    python pg_writers.py PROCESS_INDEX GO_FILE PROJECT_DIR

Prints one JSON line per writer: [writer index, the handle the model was given, or null, the error].
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from reliability_support import log_text

THREADS = 8
SHARED = log_text(0, 3 << 20)


def payload_for(writer: int) -> str:
    """Even writers store the same 3 MB log; odd ones distinct outputs of 80 KB to 2 MB."""
    return SHARED if writer % 2 == 0 else log_text(1000 + writer, (80 << 10) << (writer % 5))


def write(writer: int, project: str, go: str, results: list) -> None:
    from ctxlean import config
    from ctxlean.offload import offload
    from ctxlean.tool_output import ToolOutput

    text = payload_for(writer)
    while not os.path.exists(go):
        time.sleep(0.002)
    try:
        done = offload(ToolOutput(text, lambda summary: summary), tool="Bash", tool_input={"command": "make"},
                       project=project, cfg=config.load(project), session_id=f"w{writer}")
        results.append([writer, done.handle if done else None, None])
    except Exception as exc:  # noqa: BLE001 - any failure is what the test reports
        results.append([writer, None, repr(exc)])


def main() -> None:
    index, go, project = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    results: list = []
    threads = [threading.Thread(target=write, args=(index * THREADS + i, project, go, results))
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
