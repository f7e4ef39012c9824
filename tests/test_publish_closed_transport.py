"""A write on a transport that Redis's shutdown already closed: uvloop raises a RuntimeError (not the
OSError redis-py turns into a ConnectionError), and the publisher task died of it, taking hookd down
during a Redis outage (seen in test_faults' 20,000-event outage on a loaded worker)."""

from __future__ import annotations

import asyncio

import pytest
import redis.exceptions

from hookd.publish.topology import FAILURES
from hookd.publish.writer import leased

UVLOOP_CLOSED = (
    "unable to perform operation on <TCPTransport closed=True reading=False 0x7f48242c7ba0>; the handler is closed"
)


class Conn:
    def __init__(self) -> None:
        self.dropped = False

    async def disconnect(self, nowait: bool = False) -> None:
        self.dropped = True


class Route:
    def __init__(self) -> None:
        self.conn = Conn()
        self.released = False

    async def acquire(self, ask=None) -> Conn:
        return self.conn

    async def release(self, conn: Conn) -> None:
        self.released = True


async def _write_raising(route: Route, exc: BaseException) -> None:
    async with leased(route) as _conn:  # type: ignore[arg-type]
        raise exc


def test_a_write_on_a_closed_transport_is_a_lost_connection_that_the_publisher_survives():
    route = Route()
    with pytest.raises(redis.exceptions.ConnectionError) as raised:
        asyncio.run(_write_raising(route, RuntimeError(UVLOOP_CLOSED)))
    assert isinstance(raised.value, FAILURES)  # what the publisher treats as an outage
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert route.conn.dropped and route.released


def test_any_other_runtime_error_is_still_a_bug_that_takes_the_task_down():
    route = Route()
    with pytest.raises(RuntimeError, match="something else") as raised:
        asyncio.run(_write_raising(route, RuntimeError("something else")))
    assert not isinstance(raised.value, FAILURES)
    assert route.conn.dropped and route.released
