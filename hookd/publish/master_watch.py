"""Behind Sentinel: the stream's connection leaves a master the sentinels no longer name.

redis-py asks the sentinels for the master only when a connection connects, and hookd streams
batch after batch on one connection. After a failover the old master is made a replica of the
new one only when a sentinel gets round to it (seconds after the promotion, or never while it is
cut off), and until then it takes every batch: all of them are thrown away as it syncs from the
new master. So while the stream's connection is open, the sentinels are asked again every
WATCH_S; once they name another server, the stream stops (its batches in flight are not
committed: the spool rewinds) and starts again on a connection to the master they name. Once a
sentinel flags a failover from the master under way (only the one leading it does), the stream
stops too and the events stay spooled until the sentinels name the new master. What the old
master took between its replica's promotion and the stop is what replication can lose
(docs/redis.md), said by the marks' check (lost.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

import redis.exceptions
from redis.asyncio.connection import Connection
from redis.asyncio.sentinel import SentinelConnectionPool

from hookd.name_lookup import lookup
from hookd.publish.sentinel import NoMaster
from hookd.publish.topology import FAILURES
from hookd.publish.waits import RESOLVE
from hookd.waiting_on import Wait, waiting

WATCH_S = 1.0
RESOLVE_FIX = (
    "not resolved by then, it is taken as another server and the stream connects to it, which resolves it again; "
    "if the resolver hangs, fix /etc/resolv.conf's nameservers or have the sentinels announce addresses"
)

T = TypeVar("T")


class MasterSwitched(redis.exceptions.ConnectionError):
    """The sentinels name another master than the server the stream's connection is on."""

    def __init__(self, was: tuple[str, int], now: tuple[str, int]) -> None:
        super().__init__(
            f"the sentinels name {now[0]}:{now[1]} as the master, no longer {was[0]}:{was[1]} (a failover): "
            "the batches not yet answered go there"
        )
        self.was, self.now = was, now


def watched(conn: Connection) -> SentinelConnectionPool | None:
    """The pool whose sentinels name ``conn``'s master, or None (not behind Sentinel)."""
    pool = getattr(conn, "connection_pool", None)
    return pool if isinstance(pool, SentinelConnectionPool) and pool.is_master else None


async def _switched(conn: Connection, pool: SentinelConnectionPool, every_s: float) -> MasterSwitched | NoMaster:
    while True:
        await asyncio.sleep(every_s)
        if not conn.is_connected:
            continue  # not yet connected, or dropped: the next connect asks the sentinels itself
        try:
            # The pool's own ask: on a change it also drops its idle connections, which would still go to the old one.
            host, port = await pool.get_master_address()  # type: ignore[no-untyped-call, unused-ignore]  # unannotated in redis-py
        except NoMaster as exc:
            if exc.failing_over:
                # A failover from the master is under way: what it takes from its replica's promotion on is thrown
                # away, so the stream stops and the events stay spooled until the sentinels name the new master.
                return exc
            continue  # none names a master or answers: the connection's own failures say it
        except FAILURES:
            continue  # none answers: the connection's own failures say it
        if (host, int(port)) != (conn.host, int(conn.port)) and not await _same_server(conn, host, int(port)):
            return MasterSwitched((conn.host, int(conn.port)), (host, int(port)))


async def _same_server(conn: Connection, host: str, port: int) -> bool:
    """Whether ``host``:``port`` names the server ``conn`` is on: sentinels may name one master in two forms
    (one announces hostnames, another its address; one asked while the other does not answer), and a switch
    to the same server drops the stream and sends its batches again for nothing."""
    writer = getattr(conn, "_writer", None)  # redis-py keeps the stream's transport there
    peer = writer.get_extra_info("peername") if writer is not None else None
    if not peer or port != int(conn.port):
        return False
    # The resolver's own bound is its (up to 30 s with three nameservers), past stall_after_s beside the batch:
    # the connect's bound, as redis-py's connect to the same name has. The lookup's thread may run on; the watch does not.
    bound = conn.socket_connect_timeout or conn.socket_timeout
    wait = Wait(RESOLVE, f"{host}:{port}", time.monotonic(), bound, "redis_connect_timeout_s", RESOLVE_FIX)
    try:
        with waiting(getattr(conn, "waits", None), wait):
            found = await lookup(host, bound)  # in a thread the stop does not wait for (resolve.py)
    except (OSError, TimeoutError):
        return False  # not resolved (in time): the connect to it says why
    return peer[0] in found


async def on_master(conn: Connection, work: Awaitable[T], every_s: float = WATCH_S) -> T:
    """``work`` on ``conn``; cancelled, with MasterSwitched raised, once the sentinels name another master (NoMaster,
    once one flags a failover from it under way)."""
    pool = watched(conn)
    task = asyncio.ensure_future(work)
    if pool is None:
        return await task
    watch = asyncio.ensure_future(_switched(conn, pool, every_s))
    try:
        await asyncio.wait((task, watch), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, watch):
            if not pending.done():
                pending.cancel()
        await asyncio.gather(task, watch, return_exceptions=True)
    if task.done() and not task.cancelled():
        return task.result()  # it ended (a failure) before the sentinels named another master
    raise watch.result()
