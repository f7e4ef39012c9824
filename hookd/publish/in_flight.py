"""Batch after batch on one connection, the next sent before the last's reply (Publisher.stream).

Redis runs one script while hookd reads and packs the next, which nearly doubles the rate of a
replay. Replies come back in order and commit in order. A batch sent behind another names the seq
that one ends with, and the script refuses it if that one did not land, so a failure can never let
a later batch raise the mark over an earlier one. What a failure leaves (the rewind, the pace's
judgement of the bytes still in flight, the breaker) is the publisher's (publisher.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from redis.asyncio.connection import Connection

from hookd.liveness import Progress
from hookd.publish.answers import Counts, GapError, PartlyAdded
from hookd.publish.first_sends import FirstSends
from hookd.publish.landed import Landed
from hookd.publish.linger import Linger
from hookd.publish.lost import LostEvents
from hookd.publish.migration import SlotMove
from hookd.cancels import cancel_and_wait
from hookd.publish.master_watch import on_master
from hookd.publish.pace import Pace
from hookd.publish.script import sender
from hookd.publish.settings import PublishSettings
from hookd.publish.topology import FAILURES
from hookd.publish.writer import BatchWriter, paced
from hookd.spool import Batch, Spool

# Batches sent before the previous one's reply: enough to keep Redis and hookd both busy.
IN_FLIGHT = 2

# Told of each batch Redis has: its counts, whether it was its first send, the bytes that crossed
# and the seconds from its send to its reply.
Published = Callable[[Batch, Counts, bool, int, float], None]


class InFlight:
    def __init__(
        self,
        settings: PublishSettings,
        spool: Spool,
        writer: BatchWriter,
        pace: Pace,
        progress: Progress,
        first_sends: FirstSends,
        landed: Landed,
        slot_move: SlotMove,
        lost: LostEvents,
        ready: Callable[[Batch], Awaitable[Batch]],
        published: Published,
    ) -> None:
        """``lost``: what landed, which the first batch on its way is sent behind (lost.py);
        ``ready``: what a batch read goes through before it is sent (Publisher.redacted)."""
        self.settings = settings
        self.spool = spool
        self.writer = writer
        self.pace = pace
        self.progress = progress
        self.first_sends = first_sends
        self.landed = landed
        self.slot_move = slot_move
        self.lost = lost
        self.ready = ready
        self.published = published
        self.linger = Linger(settings, spool)
        self.bytes = 0  # of the batches sent and not yet answered

    async def stream(self) -> None:
        """Send and commit batches until one fails; the failure is raised, with ``bytes`` in flight."""
        self.bytes = 0
        async with self.writer.connection() as conn:
            self.bytes = self.writer.to_load(conn)
            with paced(conn, self.pace.allowance(self.bytes)):
                await self.writer.ready(conn)
            self.bytes = 0
            with paced(conn, None):
                await on_master(conn, self._stream_on(conn))

    async def _idle(self, conn: Connection) -> bool:
        """Wait for events; every breaker_backoff_max_s of none, check what landed is still in Redis
        (lost.py), so that a loss while hookd is quiet is said then and on status, not at the next event.
        -> whether it waited (the next batch lingers for the events behind the first: linger.py)."""
        waited = False
        while not self.spool.has_unread():
            waited = True
            try:
                async with asyncio.timeout(self.settings.breaker_backoff_max_s):
                    await self.spool.wait_for_unread()
                return waited
            except TimeoutError:
                pass
            conn.socket_timeout = self.pace.allowance(self.writer.to_load(conn))
            check = asyncio.ensure_future(self._check(conn))
            arrival = asyncio.ensure_future(self.spool.wait_for_unread())
            await asyncio.wait((check, arrival), return_when=asyncio.FIRST_COMPLETED)
            arrival.cancel()
            if not check.done():
                # An event came while Redis had not answered the check (a long script, a slow link): it
                # goes now, not after the check's timeout; the check's connection is dropped mid-reply.
                await cancel_and_wait(check)
                await conn.disconnect(nowait=True)
                return True
        return waited

    async def _check(self, conn: Connection) -> None:
        try:
            await self.writer.ready(conn)  # connected again since a check failed: as a new lease is
            await self.lost.idle_check(conn)
        except FAILURES:
            # Half a reply may be left on it: dropped, and connected again by the next command. An
            # outage is the next batch's to say (as it was), not a check's: it would stay said while
            # Redis is back and nothing is sent.
            await conn.disconnect(nowait=True)

    async def _stream_on(self, conn: Connection) -> None:
        # Whether it is its first send, when sent, whether it went behind what landed (first on its way).
        in_flight: deque[tuple[Batch, bool, float, bool]] = deque()
        held: Batch | None = None
        task = asyncio.current_task()
        while True:
            if task is not None and task.cancelling():
                # A cancel that an await below let go (on Python 3.11 asyncio.wait_for, which redis-py's write
                # uses, returns a result that came in the same turn as the cancel): the master watch cancels
                # this task to leave a master the sentinels no longer name, which must not go on taking batches.
                raise asyncio.CancelledError
            if len(in_flight) < IN_FLIGHT:
                waited = held is None and not in_flight and await self._idle(conn)
                if held is None:
                    most = self.pace.batch_bytes(self.settings.batch_max_bytes)
                    held = await self.ready(
                        self.spool.read_batch(self.settings.batch_max_events, most, start=True)
                        if in_flight
                        else await self.linger.next_batch(most, waited)
                    )
                if held.events and (not in_flight or sender(in_flight[-1][0].events[-1]) == sender(held.events[0])):
                    # Behind the batch before it, or the first behind what landed: a mark short of
                    # that is a loss Redis had (FLUSHALL, an older dump) on a connection still open.
                    after = in_flight[-1][0].events[-1].seq if in_flight else self.lost.after(held)
                    self.bytes += held.size
                    # The write waits for the bytes already in flight to cross, the reply for all of them.
                    conn.socket_timeout = self.pace.allowance(self.bytes)
                    await conn.send_packed_command(self.writer.pack(held, after), check_health=False)
                    self.progress.attempting(self.bytes, conn.socket_timeout - self.pace.timeout_s)
                    in_flight.append((held, self.first_sends.sending(held), time.monotonic(), not in_flight))
                    held = None
                    continue
                if not held.events:
                    held = None
            try:
                counts = await self.writer.read_reply(conn, len(in_flight[0][0].events))
            except PartlyAdded as exc:
                self.landed.partly(in_flight[0][0], exc)
                raise
            except GapError as exc:
                if in_flight[0][3]:  # sent behind what landed, not behind another batch
                    self.lost.gap(in_flight[0][0], exc)
                raise  # the publisher starts again, not counting a failure (the next goes behind the mark)
            self.slot_move.went_through(redirected=False)
            batch, fresh, sent_at, _ = in_flight.popleft()
            self.bytes -= batch.size
            self.progress.answered(True, still_waiting=bool(in_flight))
            self.published(batch, counts, fresh, batch.size, time.monotonic() - sent_at)
