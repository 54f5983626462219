"""The MCP server's dispatch: a tool's calls queue for its own slots, never another tool's, and a call that
gets no slot by its deadline is told the server is busy."""

import threading

import anyio
import pytest

from ctxlean.mcp_server.dispatch import Busy, Dispatcher


def test_a_tool_whose_slots_are_taken_does_not_hold_another_tool():
    release = threading.Event()

    async def scenario():
        dispatcher = Dispatcher(timeout_s=0.5, slots={"fetch_detail": 1, "list_details": 1})
        answers = {}

        async def slow():
            answers["slow"] = await dispatcher.run("fetch_detail", lambda left: release.wait(30) and "slow")

        async def waiting():
            try:
                await dispatcher.run("fetch_detail", lambda left: "never runs")
            except Busy as exc:
                answers["busy"] = str(exc)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(slow)
            await anyio.sleep(0.05)
            tasks.start_soon(waiting)
            answers["listing"] = await dispatcher.run("list_details", lambda left: "listed")
            with anyio.fail_after(30):  # a guard against a hang, not a time to meet
                while "busy" not in answers:
                    await anyio.sleep(0.05)
            release.set()
        return answers

    answers = anyio.run(scenario)
    assert answers["listing"] == "listed"  # answered while fetch_detail's only slot was taken
    assert "still busy with 1 earlier fetch_detail calls" in answers["busy"]
    assert answers["slow"] == "slow"  # the call that had the slot kept its answer


def test_the_time_a_call_waited_is_taken_from_what_its_work_may_spend():
    seen = []

    async def scenario():
        dispatcher = Dispatcher(timeout_s=5)
        await dispatcher.run("search_details", lambda left: seen.append(left) or "ok")

    anyio.run(scenario)
    assert 0 < seen[0] <= 5


def test_an_unknown_tool_is_a_programming_error():
    with pytest.raises(KeyError):
        anyio.run(Dispatcher(timeout_s=1).run, "no_such_tool", lambda left: "")
