"""Run the fake API standalone until SIGTERM/SIGINT:

    python -m ctxlean.fakeapi --script pkg.module:SCRIPT [--port 0] [--port-file F] [--log F]

SCRIPT names a Script object. The port is written to --port-file once the server listens (atomically),
so a caller can wait for that file and then point ANTHROPIC_BASE_URL at http://127.0.0.1:PORT.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from ctxlean.fakeapi.script import Script
from ctxlean.fakeapi.server import FakeAnthropic


def load_script(spec: str) -> Script:
    module_name, _, attr = spec.partition(":")
    script = getattr(importlib.import_module(module_name), attr or "SCRIPT")
    if not isinstance(script, Script):
        raise TypeError(f"{spec} is a {type(script).__name__}, not a Script")
    return script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ctxlean.fakeapi", description=__doc__.split("\n")[0])
    parser.add_argument("--script", required=True, help="module:ATTRIBUTE naming a Script")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the listening port here")
    parser.add_argument("--log", help="append every request as a JSON line here")
    args = parser.parse_args(argv)
    try:
        script = load_script(args.script)
    except (ImportError, AttributeError, TypeError) as exc:
        print(f"fakeapi: cannot load script {args.script}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with FakeAnthropic(script, log_path=args.log, port=args.port) as api:
        if args.port_file:
            tmp = f"{args.port_file}.tmp"
            with open(tmp, "w") as fh:
                fh.write(str(api.port))
            os.replace(tmp, args.port_file)
        print(f"fake Anthropic API on {api.url}", file=sys.stderr, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
