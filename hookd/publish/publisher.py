"""Drains the spool into the Redis Stream, in order, in batches (two in flight on one connection).

The loop lives here: the circuit breaker's waits, retries after a failure, and the draining at
shutdown; while Redis answers, batches stream, the next sent before the last's reply (in_flight.py;
batching by publish_linger_ms: linger.py). Each batch is written by writer.py (one Lua
script that skips events at or below their sender's high-water mark, XADDs the rest and
raises the mark, atomically); what Redis answers is checked by answers.py, what it changes
is landed.py's, what a failure says health.py's. The spool's position moves only after
Redis has answered, so a batch is sent again after any failure or crash, and the mark
makes the repeat harmless. Batches go out on connections from a route (topology.py): on
a Cluster, to the master serving the stream's slot.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
import redis.exceptions
import structlog

from hookd.publish import sentinel, topology, waits
from hookd.publish.breaker import HALF_OPEN
from hookd.publish.failures import sentinel_reason
from hookd.publish.first_sends import FirstSends
from hookd.publish.health import HealthReport
from hookd.publish.landed import Landed
from hookd.publish.in_flight import InFlight
from hookd.publish.lost import LostEvents
from hookd.publish.master_watch import MasterSwitched
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.publish.migration import SlotMove, is_ask
from hookd.publish.pace import Pace
from hookd.publish.script import ScriptArg, batch_args, batch_keys
from hookd.publish.topology import FAILURES
from hookd.publish.answers import Counts, GapError, PartlyAdded
from hookd.publish.writer import SCRIPT_BYTES, BatchWriter
from hookd.spool import Batch, Spool
from hookd.state import DaemonState, PublisherHealth

__all__ = ["Publisher"]

log = structlog.get_logger("hookd.publish")

# MOVED replies followed in a row before the next one counts as a failure (a cluster that
# keeps changing its mind is backed off from like one that is down).
MAX_REDIRECTS = 5
# The drain at shutdown sends only while Redis was taking batches (or not yet asked), or answering
# while batches crossed too slowly for the time they were given: one down or refusing every batch
# would only hold the stop up to its deadline.
UP = ("up", "unknown", "slow", "holding_writes", "busy_script")


class Publisher:
    def __init__(
        self,
        settings: PublishSettings,
        redis_settings: RedisSettings,
        spool: Spool,
        client: aioredis.Redis | aioredis.RedisCluster,
        state: DaemonState,
        first_new_seq: int | None = None,
        unsent_path: str | None = None,
        unsent_dir_fd: int | None = None,
        run_sender: str | None = None,
    ) -> None:
        """``first_new_seq``: the first seq numbered in this run (what the spool held at start
        is below it), to tell a first send from a repeat; ``unsent_path``: where events the
        stream's mark skipped on their first send are kept (first_sends.py), in ``unsent_dir_fd``
        if given (the state directory hookd holds); ``run_sender``: the sender this run numbers
        its events as (only its batches can be first sends)."""
        self.settings = settings
        self.spool = spool
        self.client = client
        self.state = state
        sentinel.report_to(client, state.redis, partial(sentinel_reason, redis_settings))
        waits.report_to(client, state.redis.waits)
        self.slot_move = SlotMove(topology.describe(redis_settings))
        self.writer = BatchWriter(settings, redis_settings, client, self.slot_move)
        self.script = self.writer.script
        self.keys = self.writer.keys
        self.route = self.writer.route
        self.report = HealthReport(settings, redis_settings, spool, state)
        self.breaker = self.report.breaker
        self.pace = Pace(redis_settings.timeout_s, settings.breaker_trial_timeout_s, redis_settings.min_bytes_per_s)
        self.redirects = 0
        self.progress = state.progress
        self.first_sends = FirstSends(settings.stream, state, first_new_seq, unsent_path, unsent_dir_fd, run_sender)
        self.landed = Landed(settings, spool, state, self.report, self.first_sends)
        self.lost = LostEvents(settings.stream, state)
        self.lost.earlier_run(*spool.around_cursor())
        self.writer.connected_check = self.lost.check
        self.in_flight = InFlight(
            settings,
            spool,
            self.writer,
            self.pace,
            self.progress,
            self.first_sends,
            self.landed,
            self.slot_move,
            self.lost,
            self._ready,
            self._published,
        )
        # Set by the daemon when the spool's backlog is to be redacted again on its way out
        # (daemon/backlog_publish.py): every batch read goes through it before it is sent.
        self.redacted: Callable[[Batch], Awaitable[Batch]] | None = None

    async def _next_batch(self, max_events: int) -> Batch:
        return await self._ready(
            await self.spool.next_batch(max_events, self.pace.batch_bytes(self.settings.batch_max_bytes))
        )

    async def _ready(self, batch: Batch) -> Batch:
        return batch if self.redacted is None else await self.redacted(batch)

    async def check(self) -> bool:
        """Ping Redis once and record the outcome; used at start-up to say where we stand."""
        allowed = self.pace.allowance(SCRIPT_BYTES)  # the script crosses first, paced as a batch
        self.progress.attempting(SCRIPT_BYTES, allowed - self.pace.timeout_s)
        try:
            await self.writer.ping(load_script=True, timeout_s=allowed)
        except FAILURES as exc:
            self.progress.answered(False)
            ping, probe = self.writer.ping, self.writer.write_probe
            self.report.failed(await self.pace.judge(exc, SCRIPT_BYTES, allowed, ping, probe))
            return False
        self.progress.answered(True)
        self.report.succeeded()
        return True

    def health(self) -> PublisherHealth:
        """What status and metrics show of publishing: the circuit breaker (hookd/state.py)."""
        breaker = self.breaker
        return PublisherHealth(breaker.state, breaker.failures, breaker.next_attempt_in_s)

    async def run(self) -> None:
        """Publish forever; cancel to stop. Events not yet published stay in the spool.

        While Redis answers, batches stream (see ``stream``). After a failure
        nothing is held: the spool rewinds to its committed position, and until a
        batch goes through again each trial carries one event, so an outage
        costs neither memory nor a large resend.
        """
        await self.check()
        await self.report.exposure(self.settings.stream)
        while True:
            wait = self.breaker.wait_s()
            if wait > 0:
                self.progress.backing_off(wait)
                await asyncio.sleep(wait)
                continue
            if self.breaker.failures == 0:
                await self.stream()
                continue
            batch = await self._next_batch(1)
            if not await self.publish(batch):
                self.spool.rewind()

    async def drain(self, deadline: float) -> None:
        """Publish what is spooled until nothing is left, Redis fails, or ``deadline`` passes.

        Starts again from the committed position: a batch that ``run`` was
        sending when it was cancelled must not be skipped. The deadline is
        checked on every turn as well as enforced by a timeout, because a
        cancellation can be lost inside redis-py (see daemon/drain.py: cancel_and_wait).
        While the link is ``slow`` (pace.py), a batch may take all the time left.
        """
        self.spool.rewind()
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + max(0.0, deadline - time.monotonic())):
                while self.spool.has_unread() and self.state.redis.state in UP and time.monotonic() < deadline:
                    batch = await self._next_batch(self.settings.batch_max_events)
                    # A link known to be slower than the pace assumes gets the time left: cut at its
                    # allowance, a batch the link already outlasted would wait for the next start.
                    until = deadline if self.state.redis.state == "slow" else None
                    if not await self.publish(batch, until=until):
                        return
        except TimeoutError:
            pass

    async def publish(
        self, batch: Batch, ask: redis.exceptions.AskError | None = None, until: float | None = None
    ) -> bool:
        """Send one batch (to the node ``ask`` names, if given); True once Redis has it (and
        the spool's position has moved). ``until``: a monotonic time the batch may take until,
        if that is longer than the pace allows it (the drain's, on a slow link)."""
        trial = self.breaker.state == HALF_OPEN
        # The script crosses first when the connection leased connected since (writer.ready).
        allowed = self.pace.allowance(batch.size + SCRIPT_BYTES, trial)
        given = self.pace.allowance(batch.size + SCRIPT_BYTES)
        if until is not None:
            allowed = given = max(given, until - time.monotonic())
        self.progress.attempting(batch.size, allowed - self.pace.timeout_s)
        fresh = self.first_sends.sending(batch)
        sent_at, loads = time.monotonic(), self.writer.script_loads
        try:
            async with asyncio.timeout(allowed if trial else None):
                counts = await self.send(
                    batch_keys(self.settings, batch.events),
                    batch_args(self.settings, batch.events, self.lost.after(batch)),
                    ask,
                    timeout_s=given,
                )
        except FAILURES as exc:
            if isinstance(exc, GapError) and self.lost.gap(batch, exc):
                return await self.publish(batch, ask, until)  # said; now behind the mark Redis has
            self.progress.answered(False)
            if isinstance(exc, PartlyAdded):
                self.landed.partly(batch, exc)
            await self._failed(
                await self.pace.judge(exc, batch.size, allowed, self.writer.ping, self.writer.write_probe)
            )
            return False
        self.progress.answered(True)
        crossed = batch.size + SCRIPT_BYTES * (self.writer.script_loads - loads)
        self._published(batch, counts, fresh, crossed, time.monotonic() - sent_at)
        return True

    async def send(
        self,
        keys: list[str],
        args: list[ScriptArg],
        ask: redis.exceptions.AskError | None = None,
        timeout_s: float | None = None,
    ) -> Counts:
        """Write one batch (see BatchWriter.send); ``publish`` goes through here."""
        return await self.writer.send(keys, args, ask, timeout_s)

    def _published(self, batch: Batch, counts: Counts, fresh: bool, crossed: int, took_s: float) -> None:
        self.landed.whole(batch, counts, fresh)
        self.lost.took(batch)
        self.redirects = 0
        self.pace.kept_up(crossed, took_s)
        self.pace.crossed(batch.size)

    async def stream(self) -> None:
        """Publish batch after batch on one connection, the next sent before the last's reply
        (in_flight.py). Returns on the first failure, with the spool rewound to its committed position."""
        try:
            await self.in_flight.stream()
        except FAILURES as exc:
            self.progress.answered(False)
            self.spool.rewind()
            size = self.in_flight.bytes
            await self._after_stream_failure(
                await self.pace.judge(exc, size, self.pace.allowance(size), self.writer.ping, self.writer.write_probe)
            )

    async def _after_stream_failure(self, exc: BaseException) -> None:
        """Get past what stopped the stream, or count it as a failure.

        A refused follower (GapError) is not one: the batch before it failed,
        and that failure was already counted. Nor is the stream's slot on the move
        (migration.py): an ASK sends the first batch to the node it names, and on
        TRYAGAIN hookd waits a moment.
        """
        if isinstance(exc, MasterSwitched):
            log.warning(
                "redis_master_switched",
                was=f"{exc.was[0]}:{exc.was[1]}",
                now=f"{exc.now[0]}:{exc.now[1]}",
                spooled=self.spool.pending_events,
                hint="a failover: the batches the old master had not answered go to the new one; what it took "
                "and had not passed to its replicas is lost with it (said as redis_lost_events), unless "
                "redis_wait_replicas is set (docs/redis.md)",
            )
            return
        if is_ask(exc):
            self.slot_move.asked(exc)
            batch = await self._next_batch(self.settings.batch_max_events)
            if not await self.publish(batch, ask=exc):
                self.spool.rewind()
            return
        if isinstance(exc, redis.exceptions.TryAgainError):
            await self._failed(exc)
            return
        if isinstance(exc, redis.exceptions.MovedError):
            self.redirects += 1
            if self.redirects > MAX_REDIRECTS:
                self.report.failed(exc)
                return
        try:
            if await self.writer.get_past(exc) or isinstance(exc, GapError):
                return
        except FAILURES as again:
            exc = again
        self.report.failed(exc)

    async def _failed(self, exc: BaseException) -> None:
        """Count a failure; but while the stream's slot is half moved (TRYAGAIN), wait a moment."""
        pause = self.slot_move.pause_for(exc)
        if pause is None:
            self.report.failed(exc)
        else:
            await asyncio.sleep(pause)
