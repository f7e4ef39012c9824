"""Drains the spool into the Redis Stream, in order, in batches (two in flight on one connection).

Each batch goes through one Lua script (script.py) that skips events at or
below their sender's high-water mark, XADDs the rest and raises the mark, atomically; for the
events it adds it also updates the session index (session_index.py) and, when
a channel is set, PUBLISHes their envelopes. The spool's position moves only
after Redis has answered, so a batch is sent again after any failure or crash,
and the mark makes the repeat harmless. Batches go out on connections from a
route (topology.py): on a Cluster, to the master serving the stream's slot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

import hiredis
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.connection import Connection
import structlog

from hookd.config import Config
from hookd.publish import topology
from hookd.publish.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from hookd.publish.connection import describe_failure
from hookd.publish.migration import SlotMove, is_ask
from hookd.publish.topology import FAILURES
from hookd.publish.script import PUBLISH_BATCH, ScriptArg, batch_args, batch_keys, script_keys, sender
from hookd.spool import Batch, Spool
from hookd.state import DaemonState

log = structlog.get_logger("hookd.publish")

# Batches sent before the previous one's reply: enough to keep Redis and hookd both busy.
IN_FLIGHT = 2
# MOVED replies followed in a row before the next one counts as a failure (a cluster that
# keeps changing its mind is backed off from like one that is down).
MAX_REDIRECTS = 5


class GapError(redis.exceptions.RedisError):
    """The batch sent before this one did not land; this one was refused so as not to skip it."""


class ReplicasBehind(redis.exceptions.RedisError):
    """Fewer replicas than redis_wait_replicas confirmed a batch in time; it stays in the spool."""


class Publisher:
    def __init__(self, config: Config, spool: Spool, client: aioredis.Redis | aioredis.RedisCluster,
                 state: DaemonState) -> None:
        self.config = config
        self.spool = spool
        self.client = client
        self.state = state
        self.script = client.register_script(PUBLISH_BATCH)
        self.keys = script_keys(config.stream)
        self.route = topology.route_for(client, config.stream)
        self.redirects = 0
        self.linger_s = config.publish_linger_ms / 1000
        self.batch_started_at = float("-inf")
        self.slot_move = SlotMove(topology.describe(config))
        # WAIT gives up in half the time a batch may take (a trial's is shorter), so that
        # its answer comes before the timeout's.
        self.wait_ms = max(1, int(min(config.redis_timeout_s, config.breaker_trial_timeout_s) * 500))
        self.progress = state.progress
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_backoff_min_s,
                                      config.breaker_backoff_max_s)

    async def check(self) -> bool:
        """Ping Redis once and record the outcome; used at start-up to say where we stand."""
        self.progress.attempting()
        try:
            conn = await self.route.acquire()
            try:
                await conn.send_command("PING")
                await conn.read_response()
            finally:
                await self.route.release(conn)
        except FAILURES as exc:
            self.progress.answered(False)
            self._record_failure(exc)
            return False
        self.progress.answered(True)
        self._record_success(0)
        return True

    async def run(self) -> None:
        """Publish forever; cancel to stop. Events not yet published stay in the spool.

        While Redis answers, batches stream (see ``stream``). After a failure
        nothing is held: the spool rewinds to its committed position, and until a
        batch goes through again each trial carries one event, so an outage
        costs neither memory nor a large resend.
        """
        await self.check()
        while True:
            wait = self.breaker.wait_s()
            if wait > 0:
                self.progress.backing_off(wait)
                await asyncio.sleep(wait)
                continue
            if self.breaker.failures == 0:
                await self.stream()
                continue
            batch = await self.spool.next_batch(1, self.config.batch_max_bytes)
            if not await self.publish(batch):
                self.spool.rewind()

    async def drain(self, deadline: float) -> None:
        """Publish what is spooled until nothing is left, Redis fails, or ``deadline`` passes.

        Starts again from the committed position: a batch that ``run`` was
        sending when it was cancelled must not be skipped. The deadline is
        checked on every turn as well as enforced by a timeout, because a
        cancellation can be lost inside redis-py (see daemon.cancel_and_wait).
        """
        self.spool.rewind()
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time()
                                          + max(0.0, deadline - time.monotonic())):
                while (self.spool.has_unread() and self.state.redis.state != "down"
                       and time.monotonic() < deadline):
                    batch = await self.spool.next_batch(self.config.batch_max_events,
                                                        self.config.batch_max_bytes)
                    if not await self.publish(batch):
                        return
        except TimeoutError:
            pass

    async def publish(self, batch: Batch, ask: redis.exceptions.AskError | None = None) -> bool:
        """Send one batch (to the node ``ask`` names, if given); True once Redis has it (and
        the spool's position has moved)."""
        trial = self.breaker.state == HALF_OPEN
        self.progress.attempting()
        try:
            async with asyncio.timeout(self.config.breaker_trial_timeout_s if trial else None):
                added, skipped = await self.send(batch_keys(self.config, batch.events),
                                                 batch_args(self.config, batch.events), ask)
        except FAILURES as exc:
            self.progress.answered(False)
            await self._failed(exc)
            return False
        self.progress.answered(True)
        self._published(batch, added, skipped)
        return True

    async def send(self, keys: list[str], args: list[ScriptArg],
                   ask: redis.exceptions.AskError | None = None) -> tuple[int, int]:
        """PUBLISH_BATCH once, on a connection of its own, past a lost script, a moved slot or
        an ASK (which sends this batch, with ASKING, to the node it names; see migration.py)."""
        attempts = 4
        for attempt in range(1, attempts + 1):
            conn = await self.route.acquire(ask)
            try:
                await conn.send_packed_command(self._packed(keys, args, asking=ask is not None))
                if ask is not None:
                    await conn.read_response()  # ASKING's OK
                reply = await self._read_reply(conn)
                self.slot_move.went_through(redirected=ask is not None)
                return reply
            except FAILURES as exc:
                await conn.disconnect(nowait=True)
                if attempt == attempts:
                    raise
                if is_ask(exc):
                    self.slot_move.asked(exc)
                    ask = exc
                    continue
                if not isinstance(exc, redis.exceptions.NoScriptError):
                    ask = None  # an ASK is for one command; a lost script is loaded where it went
                if not await self._get_past(exc, ask):
                    raise
            except BaseException:
                await conn.disconnect(nowait=True)
                raise
            finally:
                await self.route.release(conn)
        raise AssertionError("unreachable")

    async def _read_reply(self, conn: Connection) -> tuple[int, int]:
        """The script's answer to a batch and, with redis_wait_replicas, WAIT's."""
        added, skipped = await conn.read_response()
        if added < 0:
            raise GapError(f"the batch sent before this one did not land (the mark is at {skipped})")
        wanted = self.config.redis_wait_replicas
        if wanted:
            confirmed = await conn.read_response()
            if confirmed < wanted:
                raise ReplicasBehind(
                    f"{confirmed} of {wanted} replicas confirmed a batch within "
                    f"{self.wait_ms / 1000:g}s; it stays spooled until they do "
                    f"(check the replicas, or lower redis_wait_replicas)")
        return added, skipped

    async def _get_past(self, exc: BaseException, ask: redis.exceptions.AskError | None = None) -> bool:
        """Whether sending again can succeed: the script is loaded (where ``ask`` points, if
        given), or the moved slot followed.

        After any other failure a Cluster route reads the slots again, and the
        failure stands.
        """
        if isinstance(exc, redis.exceptions.NoScriptError):
            await self._load_script(ask)
            return True
        if isinstance(exc, redis.exceptions.MovedError):
            await self.route.moved(exc)
            return True
        if isinstance(exc, redis.exceptions.ClusterDownError) or not isinstance(
                exc, (GapError, ReplicasBehind, redis.exceptions.ResponseError)):
            await self.route.lost()
        return False

    def _published(self, batch: Batch, added: int, skipped: int) -> None:
        self.spool.commit(batch)
        now_ns = time.time_ns()
        self.state.publish_latency.extend((now_ns - e.received_ns) / 1e9 for e in batch.events)
        self.state.published += added
        self.state.batches += 1
        self.state.deduplicated += skipped
        self.redirects = 0
        self._record_success(len(batch.events))

    async def stream(self) -> None:
        """Publish batch after batch on one connection, the next sent before the last's reply.

        Redis runs one script while hookd reads and packs the next, which nearly
        doubles the rate of a replay. Replies come back in order and commit in
        order. A batch sent behind another names the seq that one ends with,
        and the script refuses it if that one did not land, so a failure can
        never let a later batch raise the mark over an earlier one. Returns on
        the first failure, with the spool rewound to its committed position.
        """
        conn = None
        try:
            conn = await self.route.acquire()
            await self._stream_on(conn)
        except FAILURES as exc:
            self.progress.answered(False)
            if conn is not None:
                await conn.disconnect(nowait=True)
            self.spool.rewind()
            await self._after_stream_failure(exc)
        except BaseException:
            if conn is not None:
                await conn.disconnect(nowait=True)
            raise
        finally:
            if conn is not None:
                await self.route.release(conn)

    async def _stream_on(self, conn: Connection) -> None:
        in_flight: deque[Batch] = deque()
        held: Batch | None = None
        while True:
            if len(in_flight) < IN_FLIGHT:
                if held is None:
                    held = (self.spool.read_batch(self.config.batch_max_events, self.config.batch_max_bytes)
                            if in_flight else await self._next_batch())
                if held.events and (not in_flight or sender(in_flight[-1].events[-1]) == sender(held.events[0])):
                    after = in_flight[-1].events[-1].seq if in_flight else 0
                    await conn.send_packed_command(self._pack(held, after), check_health=False)
                    self.progress.attempting()
                    in_flight.append(held)
                    held = None
                    continue
                if not held.events:
                    held = None
            added, skipped = await self._read_reply(conn)
            self.slot_move.went_through(redirected=False)
            batch = in_flight.popleft()
            self.progress.answered(True, still_waiting=bool(in_flight))
            self._published(batch, added, skipped)

    async def _next_batch(self) -> Batch:
        """The next batch, started at most once every publish_linger_ms while events trickle in.

        At hundreds of events a second each would otherwise go alone, and a Redis round
        trip costs hookd more than the event does: batching them cuts hookd's CPU there
        and wakes Redis less, which leaves the cores to the hooks being answered. An
        event after a quiet spell goes at once.
        """
        loop = asyncio.get_running_loop()
        if self.linger_s and not self.spool.has_unread():
            await self.spool.wait_for_unread()
            wait = self.batch_started_at + self.linger_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        self.batch_started_at = loop.time()
        return await self.spool.next_batch(self.config.batch_max_events, self.config.batch_max_bytes)

    async def _after_stream_failure(self, exc: BaseException) -> None:
        """Get past what stopped the stream, or count it as a failure.

        A refused follower (GapError) is not one: the batch before it failed,
        and that failure was already counted. Nor is the stream's slot on the move
        (migration.py): an ASK sends the first batch to the node it names, and on
        TRYAGAIN hookd waits a moment.
        """
        if is_ask(exc):
            self.slot_move.asked(exc)
            batch = await self.spool.next_batch(self.config.batch_max_events, self.config.batch_max_bytes)
            if not await self.publish(batch, ask=exc):
                self.spool.rewind()
            return
        if isinstance(exc, redis.exceptions.TryAgainError):
            await self._failed(exc)
            return
        if isinstance(exc, redis.exceptions.MovedError):
            self.redirects += 1
            if self.redirects > MAX_REDIRECTS:
                self._record_failure(exc)
                return
        try:
            if await self._get_past(exc) or isinstance(exc, GapError):
                return
        except FAILURES as again:
            exc = again
        self._record_failure(exc)

    def _pack(self, batch: Batch, after: int) -> list[bytes]:
        return self._packed(batch_keys(self.config, batch.events),
                            batch_args(self.config, batch.events, after))

    def _packed(self, keys: list[str], args: list[ScriptArg], asking: bool = False) -> list[bytes]:
        # Straight to hiredis: redis-py's serializer first copies every argument through a
        # generator (for bytearrays and memoryviews, which a batch never has), per event.
        # hiredis's stub types the command as a tuple of one item: any length is packed.
        packed = [hiredis.pack_command(("ASKING",))] if asking else []
        packed.append(hiredis.pack_command(("EVALSHA", self.script.sha, len(keys), *keys,  # type: ignore[arg-type]
                                            *args)))
        if self.config.redis_wait_replicas:
            packed.append(hiredis.pack_command(("WAIT", self.config.redis_wait_replicas,  # type: ignore[arg-type]
                                                self.wait_ms)))
        return packed

    async def _load_script(self, ask: redis.exceptions.AskError | None = None) -> None:
        """Load the script where the batches go (a Cluster node, the node an ASK names, or the
        master Sentinel names)."""
        conn = await self.route.acquire(ask)
        try:
            await conn.send_command("SCRIPT", "LOAD", PUBLISH_BATCH)
            await conn.read_response()
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        finally:
            await self.route.release(conn)

    async def _failed(self, exc: BaseException) -> None:
        """Count a failure; but while the stream's slot is half moved (TRYAGAIN), wait a moment."""
        pause = self.slot_move.pause_for(exc)
        if pause is None:
            self._record_failure(exc)
        else:
            await asyncio.sleep(pause)

    def _record_success(self, sent: int) -> None:
        health = self.state.redis
        if health.state != "up":
            log.info("redis_up", redis=topology.describe(self.config), backlog=self.spool.pending_events,
                     down_for_s=None if health.down_since is None
                     else round(time.time() - health.down_since, 1))
        health.state = "up"
        health.last_ok_at = time.time()
        health.down_since = None
        self.breaker.record_success()

    def _record_failure(self, exc: BaseException) -> None:
        health = self.state.redis
        message = describe_failure(self.config, exc)
        previous = self.breaker.state
        self.breaker.record_failure()
        if previous == CLOSED and self.breaker.state == OPEN:
            log.warning("breaker_open", failures=self.breaker.failures,
                        next_trial_in_s=round(self.breaker.next_attempt_in_s, 1),
                        spooled=self.spool.pending_events)
        if health.state != "down" or message != health.last_error:
            log.warning("redis_down", error=message, spooled=self.spool.pending_events,
                        hint="events are spooling until Redis takes them")
        if health.state != "down":
            health.down_since = time.time()
        health.state = "down"
        health.last_error = message
