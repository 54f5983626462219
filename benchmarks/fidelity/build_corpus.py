"""Build the fidelity corpus: payloads made by really running tools here, each with its needle facts.

    python benchmarks/fidelity/build_corpus.py [--only REGEX] [--list]

Run benchmarks/fidelity/setup.sh once first (it installs the tools from Debian's packages and npm, and
says which public repositories to fetch). Writes corpus/<name>.txt (or .bin): the payload exactly as the
tool printed it; and corpus/<name>.json: the tool call, what the agent asked for, the content kind, the
program and its family, whether it shows a failure, and the needles (exact strings an agent acts on next,
each with its class and the fetch_detail call that retrieves it). Builders whose tools or repositories
are missing are skipped with a note; payloads already in corpus/ that this run does not build stay.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import (  # noqa: E402
    c_compilers,
    compiled_tests,
    data,
    files,
    js_tests,
    jvm,
    linters,
    logs,
    packages,
    python_tests,
    runtime,
    search,
    system,
    vcs,
)
from builders.base import CORPUS  # noqa: E402

MODULES = (python_tests, js_tests, compiled_tests, jvm, c_compilers, linters, runtime, packages, vcs, search, files,
           data, logs, system)
WORK = Path("/tmp/ctxlean-corpus")  # fixed, so that paths inside payloads are the same on every rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="regex: run only the builders whose name matches")
    parser.add_argument("--list", action="store_true", help="list the builders and exit")
    args = parser.parse_args(argv)
    builders = {name: build for module in MODULES for name, build in module.BUILDERS.items()}
    if args.list:
        print("\n".join(builders))
        return 0
    CORPUS.mkdir(exist_ok=True)
    total = 0
    for name, build in builders.items():
        if args.only and not re.search(args.only, name):
            continue
        tmp = WORK / name
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        start = time.monotonic()
        print(f"building {name} ...", file=sys.stderr, flush=True)
        cases = build(tmp)
        for case in cases:
            case.write()
        total += len(cases)
        print(f"  {len(cases)} payloads in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    count = len(list(CORPUS.glob("*.json")))
    size = sum(p.stat().st_size for p in CORPUS.iterdir())
    print(f"wrote {total} payloads; corpus has {count} payloads, {size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
