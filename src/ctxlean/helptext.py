"""What every command's --help ends with: what it reads, what it writes, examples, and the exit status.

One exit-status convention for every command (README, "Commands"): 0 done, 1 a runtime failure (the one
line on stderr says what failed), 2 bad arguments or a config or settings file it cannot use. The hooks and
the status line are the exceptions: they always exit 0 (fail open).
"""

from __future__ import annotations

import argparse

EXIT_STATUS = "exit status: 0 done, 1 failed (stderr says why), 2 bad arguments or a config it cannot use"


def epilog(reads: str, writes: str, examples: list[str], exit_status: str = EXIT_STATUS) -> str:
    lines = [f"reads:   {reads}", f"writes:  {writes}", "", "examples:", *(f"  {e}" for e in examples), "",
             exit_status]
    return "\n".join(lines)


def parser(prog: str, description: str, reads: str, writes: str, examples: list[str]) -> argparse.ArgumentParser:
    """An ArgumentParser whose --help ends with epilog(reads, writes, examples), laid out as written."""
    return argparse.ArgumentParser(prog=prog, description=description,
                                   epilog=epilog(reads, writes, examples),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
