"""The steps the publisher's connections wait on, kept in RedisHealth.waits (hookd/waiting_on.py) while they run.

Mixed into the connection classes of the daemon's client (report_to): the connect (its name resolution and TCP,
under redis_connect_timeout_s), the TLS handshake (tls_step.py, under a redis_connect_timeout_s of its own), the
handshake after it (HELLO or AUTH, CLIENT SETNAME, SELECT, a health check's PING: one redis_timeout_s per reply)
and, behind a Cluster, each seed's answer to CLUSTER SLOTS
(its connect and handshake first), which redis-py's slot refresh asks of the seeds one after another. A batch held
up by one of them then stalls naming it, not as Redis slow to answer the batch.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection

from hookd.publish.replies import asks_slots
from hookd.publish.tls_step import TLS, TLS_FIX, handshake_bound
from hookd.waiting_on import Wait, begin, end, waiting

CONNECT = "the connect (name resolution, TCP) to"
SLOTS = "the Cluster's slot map (CLUSTER SLOTS, after the connect and handshake) from seed"
RESOLVE = "the resolution of the master's name the sentinels gave,"
HANDSHAKE = "the handshake after the connect (AUTH or HELLO, CLIENT SETNAME, SELECT) with"
HANDSHAKE_FIX = (
    "it took the connection and does not answer (a server stopped with its port open, another service on the "
    "port, a TLS port asked in plain text or a plain one in TLS): check what listens there, and redis_url's scheme"
)


def handshake_replies(conn: Any) -> int:
    """The replies redis-py's handshake waits for, each up to redis_timeout_s: HELLO (RESP3, redis-py 8's
    default) or AUTH (with a login under RESP2), CLIENT SETNAME (a client name), SELECT (a db), and without a
    login a PING before the first of them (its health check: a fresh connection's is due at once)."""
    login = bool(conn.username or conn.password or conn.credential_provider)
    replies = bool(login or conn.protocol in (3, "3")) + bool(conn.client_name) + bool(conn.db)
    return replies + bool(replies and not login and conn.health_check_interval)


def address(conn: Any) -> str:
    path = getattr(conn, "path", None)
    return str(path) if path else f"{conn.host}:{conn.port}"


class SaysWaits:
    """Mixed into an asyncio redis-py connection class: its steps kept in ``waits`` while they run."""

    waits: dict[int, Wait] | None = None
    seeds = 0  # behind a Cluster: the seeds redis_cluster names, asked in turn by a slot refresh
    _slots_key: int | None = None
    _connect_key: int | None = None  # the connect's wait, ended when TCP is up and the TLS handshake begins

    async def _connect(self) -> None:
        bound = self.socket_connect_timeout  # type: ignore[attr-defined]  # mixed into a Connection
        fix = "check that the address answers (a firewall dropping packets, a resolver that hangs)"
        wait = Wait(CONNECT, address(self), time.monotonic(), bound, "redis_connect_timeout_s", fix)
        self._connect_key = begin(self.waits, wait)
        try:
            await super()._connect()  # type: ignore[misc]  # its lookup off libuv (resolve.py, from connect)
        finally:
            end(self.waits, self._connect_key)

    async def handshake_tls(self, *args: Any) -> None:
        # the connect is over once TCP is: the handshake's wait replaces it (tls_step.py)
        end(self.waits, self._connect_key)
        bound_by = "redis_connect_timeout_s, its own after the TCP connect's"
        wait = Wait(TLS, address(self), time.monotonic(), handshake_bound(self), bound_by, TLS_FIX)
        with waiting(self.waits, wait):
            await super().handshake_tls(*args)  # type: ignore[misc]

    async def on_connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        conn: Any = self
        replies, each = handshake_replies(conn), conn.socket_timeout
        if not replies:
            await super().on_connect_check_health(*args, **kwargs)  # type: ignore[misc]
            return
        bound = None if not each else each * replies
        by = f"{replies} x redis_timeout_s, one per reply"
        wait = Wait(HANDSHAKE, address(self), time.monotonic(), bound, by, HANDSHAKE_FIX)
        with waiting(self.waits, wait):
            await super().on_connect_check_health(*args, **kwargs)  # type: ignore[misc]

    async def send_packed_command(self, command: Any, *args: Any, **kwargs: Any) -> None:
        if self.waits is None or not asks_slots(command):
            await super().send_packed_command(command, *args, **kwargs)  # type: ignore[misc]
            return
        self._slots_key = begin(self.waits, self._slots_wait())
        try:
            await super().send_packed_command(command, *args, **kwargs)  # type: ignore[misc]
        except BaseException:
            end(self.waits, self._slots_key)
            raise

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        key, self._slots_key = self._slots_key, None
        try:
            return await super().read_response(*args, **kwargs)  # type: ignore[misc]
        finally:
            end(self.waits, key)

    async def disconnect(self, *args: Any, **kwargs: Any) -> None:
        # a seed dropped between its CLUSTER SLOTS and the reply's read is waited on no longer
        end(self.waits, self._slots_key)
        self._slots_key = None
        await super().disconnect(*args, **kwargs)  # type: ignore[misc]

    def _slots_wait(self) -> Wait:
        """One seed's bound: the connect's, then a command's for each reply it waits for, the handshake's
        (handshake_replies) and CLUSTER SLOTS's, as redis-py reads them."""
        conn: Any = self
        replies = 1 + handshake_replies(conn)
        tls = isinstance(conn, SSLConnection)  # its handshake has a redis_connect_timeout_s of its own (tls_step.py)
        each = conn.socket_timeout
        connect = conn.socket_connect_timeout or each
        bound = None if not each else connect * (1 + tls) + each * replies
        many = f"the {self.seeds} seeds of redis_cluster" if self.seeds > 1 else "each seed"
        connects = "2 x redis_connect_timeout_s (TCP, then the TLS handshake)" if tls else "redis_connect_timeout_s"
        return Wait(
            SLOTS,
            address(self),
            time.monotonic(),
            bound,
            f"{connects} + {replies} x redis_timeout_s, one per reply",
            f"the slot refresh asks {many} one after another, each up to that bound, and the batch waits for it; "
            "if a seed stays silent (stopped, its port still open), start it again or take it out of redis_cluster",
        )


def report_to(client: object, waits: dict[int, Wait]) -> None:
    """The steps of ``client``'s connections (a Cluster's nodes' too) kept in ``waits`` while they run."""
    if isinstance(client, RedisCluster):
        manager = client.nodes_manager
        seeds = len(manager.startup_nodes)
        said = _saying(manager.connection_kwargs.get("connection_class"), waits, seeds)
        manager.connection_kwargs["connection_class"] = said
        for node in manager.startup_nodes.values():
            node.connection_class = said
        return
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        pool.connection_class = _saying(pool.connection_class, waits, 0)


def _saying(base: Any, waits: dict[int, Wait], seeds: int) -> type:
    # A second Publisher on the same client (a test's crash and reopen) reports to its own waits: the class
    # it mixes into is the one before the first mixing (SaysWaits twice in one MRO cannot be made).
    while issubclass(base, SaysWaits):
        base = base.__bases__[1]
    return type(base.__name__, (SaysWaits, base), {"waits": waits, "seeds": seeds})
