"""Every sentinel asked at once, under one deadline.

Asked one after another (as redis-py asks), a sentinel that takes connections but does not answer (stopped,
its port still listening) cost each ask its timeout, and one more for the failover check that asked the rest:
the master watch's second grew by it, and with it the window in which the old master takes writes that are
thrown away. Asked at once, the whole ask takes at most one deadline, and ends as soon as every sentinel has
answered or failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import redis.exceptions


def failing_over(state: Mapping[str, Any]) -> bool:
    """Whether a sentinel's state of a master (SENTINEL MASTERS) says a failover from it is under way.

    Until the failover ends, SENTINEL MASTERS names the old master, which takes writes (it stays a master
    until a sentinel demotes it, seconds later, or never while it is cut off from them) after its replica was
    promoted: what it takes then is thrown away as it syncs from the new one, and a WAIT is confirmed by the
    replicas not yet moved. A connection made then waits (the events stay spooled) for the new master."""
    flags = state["flags"]  # text under RESP2, a set under RESP3
    return "failover_in_progress" in (flags.split(",") if isinstance(flags, str) else flags)


class Unanswered(redis.exceptions.TimeoutError):
    """A sentinel that had not answered when the ask's deadline passed."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__(f"no answer within {deadline_s:g}s")
        self.deadline_s = deadline_s


def deadline_s(kwargs: dict[str, Any]) -> float | None:
    """The ask's one deadline: a sentinel is connected to within its connect timeout, then each command on it
    answered within its timeout (redis_connect_timeout_s, redis_timeout_s), as when sentinels were asked in
    turn: its login (AUTH) when it has one, and SENTINEL MASTERS. None when a command's wait is unbounded."""
    each = kwargs.get("socket_timeout")
    if not each:
        return None
    connect = kwargs.get("socket_connect_timeout") or each  # redis-py's default for the connect
    commands = 2 if kwargs.get("password") else 1
    return float(connect) + float(each) * commands


async def at_once(asks: Sequence[Awaitable[Any]], deadline: float | None) -> list[Any]:
    """Each ask's answer, or the exception it raised (Unanswered past ``deadline``), in the asks' order.
    A cancel of the caller cancels the asks and is raised."""
    tasks = [asyncio.ensure_future(ask) for ask in asks]
    try:
        await asyncio.wait(tasks, timeout=deadline)
    finally:
        late = [task for task in tasks if not task.done()]
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
    return [_outcome(task, deadline) for task in tasks]


def _outcome(task: asyncio.Future[Any], deadline: float | None) -> Any:
    if task.cancelled():  # only past the deadline: without one, every ask is waited for
        return Unanswered(deadline or 0.0)
    return task.exception() or task.result()
