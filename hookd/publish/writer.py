"""Writing batches into the stream: the publish script on a connection, and getting past what
Redis answers instead of running it.

Each batch is one EVALSHA of PUBLISH_BATCH (script.py), which skips events at or below their
sender's high-water mark, XADDs the rest and raises the mark, atomically: that mark is what
makes sending a batch twice harmless. With redis_wait_replicas a WAIT follows it. A lost
script is loaded again, a moved slot followed, an ASK obeyed for one batch (migration.py).
The publisher (publisher.py) decides when to send and what a failure costs.

The script is loaded at start and before the first batch on each connection since it connected,
so that a fresh server's, a failover's new master's or a Cluster node's first batch crosses the
link once: sent with EVALSHA to a server without the script, a batch's bytes would cross, be
answered NOSCRIPT, and cross again. A script flushed after that is still answered NOSCRIPT,
loaded, and the batch sent again.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager

import hiredis
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.connection import Connection

from hookd.publish import topology
from hookd.publish.answers import Counts, GapError, ReplicasBehind, UnexpectedReply, checked_counts, is_count
from hookd.publish.migration import SlotMove, is_ask
from hookd.publish.script import PUBLISH_BATCH, ScriptArg, batch_args, batch_keys, events_in, script_keys
from hookd.publish.topology import FAILURES, ClusterRoute, PoolRoute
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.spool import Batch

# What loading the script carries, before the first batch on a connection that connected since.
SCRIPT_BYTES = len(PUBLISH_BATCH.encode())
PROBE = "return 1"  # write_probe's script
PROBE_SHA = hashlib.sha1(PROBE.encode(), usedforsecurity=False).hexdigest()
# Sends of one batch past a lost script, a moved slot or an ASK before its failure stands.
ATTEMPTS = 4
CLOSED_HANDLE = "the handler is closed"  # in uvloop's RuntimeError for an operation on a closed transport


@asynccontextmanager
async def leased(
    route: PoolRoute | ClusterRoute, ask: redis.exceptions.AskError | None = None
) -> AsyncIterator[Connection]:
    """A connection from ``route`` (to the node ``ask`` names, if given), given back after use.

    On any error, cancellation included, it is dropped rather than reused: a command may be
    half sent or a reply still unread on it, and the next batch must not read that reply.
    """
    conn = await route.acquire(ask)
    try:
        yield conn
    except RuntimeError as exc:
        await conn.disconnect(nowait=True)
        if CLOSED_HANDLE not in str(exc):
            raise
        # uvloop's answer to a write on a transport that Redis's going away already closed (redis-py
        # turns only OSError into a ConnectionError): an outage like any other, not a dead publisher.
        raise redis.exceptions.ConnectionError(f"the connection to Redis was closed under a write ({exc})") from exc
    except BaseException:
        await conn.disconnect(nowait=True)
        raise
    finally:
        await route.release(conn)


@contextmanager
def paced(conn: Connection, timeout_s: float | None) -> Iterator[None]:
    """The connection's reads and writes limited to ``timeout_s`` (None: redis_timeout_s) for
    a batch; the connection goes back to the pool with its own timeout."""
    own = conn.socket_timeout
    if timeout_s is not None:
        conn.socket_timeout = timeout_s
    try:
        yield
    finally:
        conn.socket_timeout = own


class BatchWriter:
    def __init__(
        self,
        settings: PublishSettings,
        redis_settings: RedisSettings,
        client: aioredis.Redis | aioredis.RedisCluster,
        slot_move: SlotMove,
    ) -> None:
        self.settings = settings
        self.script = client.register_script(PUBLISH_BATCH)
        self.keys = script_keys(settings.stream)
        self.route = topology.route_for(client, settings.stream)
        self.slot_move = slot_move
        self.watched: weakref.WeakSet[Connection] = weakref.WeakSet()  # each forgets the script as it connects
        self.loaded: weakref.WeakSet[Connection] = weakref.WeakSet()  # each has the script, as far as hookd knows
        self.script_loads = 0  # by ``ready``: a send's bytes include the script's when it loaded it
        # Run by ``ready`` on a connection that connected since (the publisher's: lost.py).
        self.connected_check: Callable[[Connection], Awaitable[None]] | None = None
        # WAIT gives up in half the time a batch may take (a trial's is shorter), so that
        # its answer comes before the timeout's.
        self.wait_ms = max(1, int(min(redis_settings.timeout_s, settings.breaker_trial_timeout_s) * 500))

    def connection(self, ask: redis.exceptions.AskError | None = None) -> AbstractAsyncContextManager[Connection]:
        """A connection where batches go (see ``leased``)."""
        return leased(self.route, ask)

    async def ready(self, conn: Connection) -> None:
        """Load the script on ``conn`` unless it has been since ``conn`` last connected (a pool's
        connection connects as it is leased, a Cluster node's on its first command; a failover's
        on the new master). Done before a batch and at start, not for the PING that judges a slow
        link: the script's 9 KB would cross with it."""
        if conn in self.loaded and conn.is_connected:
            return
        if conn not in self.watched:
            self.watched.add(conn)
            conn.register_connect_callback(self._connected)  # type: ignore[no-untyped-call]  # redis-py: unannotated
        await conn.send_command("SCRIPT", "LOAD", PUBLISH_BATCH)
        self.script_loads += 1
        try:
            await conn.read_response()
        except redis.exceptions.ResponseError:
            # Not this connection's failure (an ACL without SCRIPT LOAD, a server still loading):
            # the batch's EVALSHA says NOSCRIPT if the script is missing, and get_past names it.
            pass
        self.loaded.add(conn)
        if self.connected_check is not None:
            await self.connected_check(conn)

    def to_load(self, conn: Connection) -> int:
        """The bytes ``ready`` sends on ``conn``: the script's, or none if it has it."""
        return 0 if conn in self.loaded and conn.is_connected else SCRIPT_BYTES

    def _connected(self, conn: Connection) -> None:
        self.loaded.discard(conn)  # another socket, perhaps another server: load again

    async def ping(self, load_script: bool = False, timeout_s: float | None = None) -> None:
        """PING where batches go; ``load_script``: load the script there first (hookd's start),
        its reply given ``timeout_s`` (None: redis_timeout_s)."""
        async with self.connection() as conn:
            if load_script:
                with paced(conn, timeout_s):
                    await self.ready(conn)
            await conn.send_command("PING")
            await conn.read_response()

    async def write_probe(self) -> None:
        """A one-line script where batches go: held by a write pause as a batch is (pace.py). Loaded and
        run by its digest, in one round trip: the documented ACL rule grants SCRIPT LOAD and EVALSHA, not
        EVAL, which it refused (the pause never told, an ACL LOG entry for each slow batch)."""
        async with self.connection() as conn:
            await conn.send_packed_command(conn.pack_commands([("SCRIPT", "LOAD", PROBE), ("EVALSHA", PROBE_SHA, 0)]))
            try:
                await conn.read_response()
            except redis.exceptions.ResponseError:
                pass  # refused (a rule without SCRIPT LOAD): the EVALSHA's answer says whether it ran, and is read
            await conn.read_response()

    async def send(
        self,
        keys: list[str],
        args: list[ScriptArg],
        ask: redis.exceptions.AskError | None = None,
        timeout_s: float | None = None,
    ) -> Counts:
        """PUBLISH_BATCH once, on a connection of its own, past a lost script, a moved slot or
        an ASK (which sends this batch, with ASKING, to the node it names; see migration.py);
        its writes and reads may take ``timeout_s`` each (pace.py), not redis_timeout_s."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.connection(ask) as conn:
                    with paced(conn, timeout_s):
                        await self.ready(conn)
                        await conn.send_packed_command(self.packed(keys, args, asking=ask is not None))
                        if ask is not None:
                            await conn.read_response()  # ASKING's OK
                        reply = await self.read_reply(conn, events_in(args))
            except FAILURES as exc:
                if attempt == ATTEMPTS:
                    raise
                if is_ask(exc):
                    self.slot_move.asked(exc)
                    ask = exc
                    continue
                if not isinstance(exc, redis.exceptions.NoScriptError):
                    ask = None  # an ASK is for one command; a lost script is loaded where it went
                if not await self.get_past(exc, ask):
                    raise
                continue
            self.slot_move.went_through(redirected=ask is not None)
            return reply
        raise AssertionError("unreachable")

    async def read_reply(self, conn: Connection, events: int) -> Counts:
        """The script's answer to a batch of ``events`` and, with redis_wait_replicas, WAIT's."""
        counts = checked_counts(await conn.read_response(), events)
        wanted = self.settings.redis_wait_replicas
        if wanted:
            confirmed = await conn.read_response()
            if not is_count(confirmed):
                raise UnexpectedReply(f"Redis answered WAIT with {confirmed!r:.80}, not a number of replicas")
            if confirmed < wanted:
                raise ReplicasBehind(
                    f"{confirmed} of {wanted} replicas confirmed a batch within "
                    f"{self.wait_ms / 1000:g}s; it stays spooled until they do "
                    f"(check the replicas, or lower redis_wait_replicas)"
                )
        return counts

    async def get_past(self, exc: BaseException, ask: redis.exceptions.AskError | None = None) -> bool:
        """Whether sending again can succeed: the script is loaded (where ``ask`` points, if
        given), or the moved slot followed.

        After any other failure a Cluster route reads the slots again, and the
        failure stands.
        """
        if isinstance(exc, redis.exceptions.NoScriptError):
            await self.load_script(ask)
            return True
        if isinstance(exc, redis.exceptions.MovedError):
            await self.route.moved(exc)
            return True
        if isinstance(exc, redis.exceptions.ClusterDownError) or not isinstance(
            exc, (GapError, ReplicasBehind, redis.exceptions.ResponseError)
        ):
            await self.route.lost()
        return False

    async def load_script(self, ask: redis.exceptions.AskError | None = None) -> None:
        """Load the script where the batches go (a Cluster node, the node an ASK names, or the
        master Sentinel names)."""
        async with leased(self.route, ask) as conn:
            await conn.send_command("SCRIPT", "LOAD", PUBLISH_BATCH)
            await conn.read_response()

    def pack(self, batch: Batch, after: int) -> list[bytes]:
        """The commands for a batch sent behind the one ending with seq ``after`` (0: none)."""
        return self.packed(batch_keys(self.settings, batch.events), batch_args(self.settings, batch.events, after))

    def packed(self, keys: list[str], args: list[ScriptArg], asking: bool = False) -> list[bytes]:
        # Straight to hiredis: redis-py's serializer first copies every argument through a
        # generator (for bytearrays and memoryviews, which a batch never has), per event.
        # hiredis's stub types the command as a tuple of one item: any length is packed.
        packed = [hiredis.pack_command(("ASKING",))] if asking else []
        packed.append(
            hiredis.pack_command(
                (
                    "EVALSHA",
                    self.script.sha,
                    len(keys),
                    *keys,  # type: ignore[arg-type]
                    *args,
                )
            )
        )
        if self.settings.redis_wait_replicas:
            packed.append(
                hiredis.pack_command(
                    (
                        "WAIT",
                        self.settings.redis_wait_replicas,  # type: ignore[arg-type]
                        self.wait_ms,
                    )
                )
            )
        return packed
