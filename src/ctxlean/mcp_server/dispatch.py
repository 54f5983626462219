"""How the MCP server runs its tools: each tool in threads of its own, within one deadline per call.

The mcp package runs every synchronous tool in one shared pool of 40 threads, so 40 slow searches left
list_details waiting for a thread. Here each tool has its own few slots (SLOTS): slow calls of one tool
queue behind each other, never in front of another tool's calls. A call waits for a slot only until its
deadline (the user's fetch_timeout_s, counted from when the call arrived) and is then told the server is
busy; the time it waited is taken from what the tool itself may spend.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import anyio.to_thread

SLOTS = {"fetch_detail": 4, "search_details": 2, "list_details": 2}


class Busy(Exception):
    """Every slot of a tool stayed taken until the call's deadline; the message says what to do."""


class Dispatcher:
    def __init__(self, timeout_s: float, slots: dict[str, int] | None = None):
        self.timeout_s = timeout_s
        slots = slots or SLOTS
        self.slots = {tool: (anyio.Semaphore(n), anyio.CapacityLimiter(n), n) for tool, n in slots.items()}

    async def run(self, tool: str, work: Callable[[float], str]) -> str:
        """work(seconds left) in one of `tool`'s threads, once a slot is free; Busy if none frees in time."""
        deadline = time.monotonic() + self.timeout_s
        gate, threads, count = self.slots[tool]
        got = False
        with anyio.move_on_after(self.timeout_s):
            await gate.acquire()
            got = True
        if not got:
            raise Busy(f"ctxlean is still busy with {count} earlier {tool} calls after {self.timeout_s:g} s; "
                       "try again shortly, with a narrower request (fewer lines, a rarer word, a simpler pattern)")
        try:
            # outside the cancel scope: once started, the tool keeps to the deadline itself and its answer
            # must not be dropped
            return await anyio.to_thread.run_sync(work, max(deadline - time.monotonic(), 0.0), limiter=threads)
        finally:
            gate.release()
