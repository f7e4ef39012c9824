"""The Redis client, with every timeout pinned so that failures surface in seconds.

What a failure means, in words, is failures.py."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.connection import HiredisRespSerializer
from redis.typing import EncodableT

from hookd.publish import topology
from hookd.publish.access import login, uses_tls
from hookd.publish.tls_files import tls_kwargs
from hookd.publish.replies import PUBLISHER_REPLY_BYTES, bounded
from hookd.publish.resolve import ResolvesOffLoop, ResolvesWithin, resolving
from hookd.publish.settings import RedisSettings


try:  # No CLIENT SETINFO on connect: one command fewer for the ACL to grant (see acl.py).
    import redis.driver_info  # noqa: F401 - newer redis-py; older ones take lib_name, lib_version

    NO_SETINFO: dict[str, Any] = {"driver_info": None}
except ImportError:
    NO_SETINFO = {"lib_name": None, "lib_version": None}

try:  # newer redis-py reads RESP3 push notifications on a connection taken from the pool
    from redis.maint_notifications import MaintNotificationsConfig

    # ... under asyncio.wait_for, which on Python 3.11 loses a cancel of the caller that comes in the turn the
    # read ends (CPython gh-86296; replies.py bounds writes for the same reason). hookd registers no push
    # handler: a connection with data while idle is made again, as redis-py did before those notifications.
    NO_PUSH_READS: dict[str, Any] = {"maint_notifications_config": MaintNotificationsConfig(enabled=False)}
except ImportError:
    NO_PUSH_READS = {}

# A client's pool: a publisher's batches and its checks; each connection may hold a reply of up
# to the client's reply bound.
POOL_CONNECTIONS = 4

# Stream replies as hookd's clients get them (RESP2, bytes): redis-py types every protocol and
# decoding at once, so the readers (tail, ui) say which one they get.
Entry = tuple[bytes, dict[bytes, bytes]]
StreamsReply = list[tuple[bytes, list[Entry]]]


class HiredisPacking:
    """Pack commands with hiredis, as redis-py's synchronous client does.

    The asyncio client packs in pure Python, which costs about 10 us per event
    of a publish batch; hiredis does the same in about 3.
    """

    _serializer = HiredisRespSerializer()  # type: ignore[no-untyped-call, unused-ignore]  # redis-py 8: unannotated

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        # redis-py annotates pack's arguments as lists; they are the command's words, as its own
        # synchronous connection passes them.
        return cast("list[bytes]", self._serializer.pack(*args))  # type: ignore[arg-type]


if TYPE_CHECKING:

    class _TlsConnection:
        """What ServerName uses of the redis-py connection class it is mixed into (asyncio or
        blocking; each has one of the two methods)."""

        host: str

        def _connection_arguments(self) -> Mapping[str, Any]: ...

        def _wrap_socket_with_ssl(self, sock: socket.socket) -> ssl.SSLSocket: ...
else:
    _TlsConnection = object


class ServerName(_TlsConnection):
    """Check the server's certificate against ``server_name`` (also sent as SNI), not the URL's host.

    redis-py has no setting for it: its asyncio connection passes the
    arguments of asyncio.open_connection from ``_connection_arguments``, and
    its synchronous one wraps the socket with ``server_hostname=self.host``.
    """

    server_name = ""

    def _connection_arguments(self) -> Mapping[str, Any]:
        return {**super()._connection_arguments(), "server_hostname": self.server_name}

    def _wrap_socket_with_ssl(self, sock: socket.socket) -> ssl.SSLSocket:
        host, self.host = self.host, self.server_name
        try:
            return super()._wrap_socket_with_ssl(sock)
        finally:
            self.host = host


def connection_kwargs(settings: RedisSettings, tls: bool | None = None) -> dict[str, Any]:
    """redis-py keyword arguments for any of hookd's clients: timeouts, the login, and TLS.

    They suit the synchronous and asyncio clients, and Sentinel and Cluster
    ones. ``tls`` defaults to whether redis_url is rediss://; the ssl_ arguments
    are only for TLS connections (redis-py refuses them otherwise). A user or
    password in the URL itself is read by redis-py's from_url. The accounts whose Redis on
    this machine is trusted go with each client's connection classes (replies.bounded).
    """
    kwargs: dict[str, Any] = {
        "socket_connect_timeout": settings.connect_timeout_s,
        "socket_timeout": settings.timeout_s,
        **NO_SETINFO,
        **login(settings),
    }
    if uses_tls(settings) if tls is None else tls:
        kwargs.update(tls_kwargs(settings))
    return kwargs


def connect(
    settings: RedisSettings, reply_bytes: int = PUBLISHER_REPLY_BYTES, connections: int = POOL_CONNECTIONS
) -> aioredis.Redis | RedisCluster:
    """A pooled client of at most ``connections`` connections (per node behind a Cluster).
    redis-py's own retries are off: the publisher decides when to retry.

    With redis_sentinel or redis_cluster set, a Sentinel or Cluster client (see topology.py).
    Every reply, the Sentinels' and each Cluster node's too, is refused past ``reply_bytes``
    (replies.py): a server that answers without end must not take the process's memory.
    """
    kwargs = client_kwargs(settings, connections)
    if settings.sentinel or settings.cluster:
        client = topology.client(settings, kwargs)
    else:
        client = aioredis.Redis.from_url(settings.url, **kwargs)
    if not isinstance(client, RedisCluster):  # a Cluster makes its connections per node
        # names looked up in threads no stop nor exit waits for (resolve.py)
        _specialise(client.connection_pool, settings, reply_bytes, HiredisPacking, ResolvesOffLoop)
        _bound_sentinels(client.connection_pool, settings.server_accounts)
    else:  # each node's, the seeds' and those it learns of (from the shared connection_kwargs)
        manager = client.nodes_manager
        base = manager.connection_kwargs.get("connection_class", aioredis.Connection)
        named = (*_named(settings), ResolvesOffLoop, base)  # redis_tls_server_name, as for one server
        resolving = type(base.__name__, named, {"server_name": settings.tls_server_name})
        limited = bounded(resolving, reply_bytes, accounts=settings.server_accounts)
        manager.connection_kwargs["connection_class"] = limited
        for node in manager.startup_nodes.values():
            node.connection_class = limited
    return client


def connect_sync(
    settings: RedisSettings, reply_bytes: int = PUBLISHER_REPLY_BYTES, **overrides: Any
) -> redis.Redis | redis.RedisCluster:
    """A synchronous client with the same login and TLS settings (hookd tail), any topology,
    every reply refused past ``reply_bytes`` as connect's: the server's, the master's behind
    Sentinel and the sentinels', and each Cluster node's."""
    kwargs = {**connection_kwargs(settings), **overrides}
    if settings.cluster:
        # A blocking Cluster client asks its seeds for the slots as it is made, and makes each
        # node's pool from redis_url's options, whose connection_class (rediss://) overrides one
        # passed beside it: the bound goes in through the pool class instead.
        pool_class = bounded_pool(reply_bytes, settings.server_accounts, server_name(settings))
        return topology.sync_client(settings, connection_pool_class=pool_class, **kwargs)
    if settings.sentinel:
        client = topology.sync_client(settings, **kwargs, **NO_PUSH_READS)
    else:
        client = redis.Redis.from_url(settings.url, **kwargs)
    assert isinstance(client, redis.Redis)
    # names looked up within redis_connect_timeout_s, in threads no exit waits for (resolve.py)
    _specialise(client.connection_pool, settings, reply_bytes, ResolvesWithin)
    _bound_sentinels(client.connection_pool, settings.server_accounts)
    return client


def bounded_pool(reply_bytes: int, accounts: Iterable[str], checked_name: str = "") -> type[redis.ConnectionPool]:
    """A blocking connection pool whose connections, of whatever class it is given, read
    replies bounded at ``reply_bytes`` and trust a server of ``accounts`` (replies.bounded), and
    check each server's certificate against ``checked_name`` when one is given (ServerName)."""

    class BoundedPool(redis.ConnectionPool):
        def __init__(self, connection_class: type = redis.Connection, **kwargs: Any) -> None:
            # ResolvesWithin before ServerName: the name it hands ssl is then server_name, not the URL's host
            mixins = (ResolvesWithin, ServerName) if checked_name else (ResolvesWithin,)
            resolving = type(connection_class.__name__, (*mixins, connection_class), {"server_name": checked_name})
            super().__init__(connection_class=bounded(resolving, reply_bytes, accounts=accounts), **kwargs)

    return BoundedPool


def server_name(settings: RedisSettings) -> str:
    """redis_tls_server_name when it applies (TLS), else "": the name every connection's certificate is checked
    against, a Cluster's nodes' too, whose addresses the seed hands out."""
    return settings.tls_server_name if uses_tls(settings) else ""


def _named(settings: RedisSettings) -> tuple[type, ...]:
    return (ServerName,) if server_name(settings) else ()


def _specialise(
    pool: aioredis.ConnectionPool | redis.ConnectionPool, settings: RedisSettings, reply_bytes: int, *mixins: type
) -> None:
    """The pool's connections with ``mixins``, the TLS server name when one is set, and replies
    refused past ``reply_bytes``."""
    mixins = (*mixins, *_named(settings))  # after a Resolves mixin: the name it checks is server_name
    base = pool.connection_class
    if mixins:
        base = type(f"Hookd{base.__name__}", (*mixins, base), {"server_name": settings.tls_server_name})
    pool.connection_class = bounded(base, reply_bytes, accounts=settings.server_accounts)


def _bound_sentinels(pool: aioredis.ConnectionPool | redis.ConnectionPool, accounts: Iterable[str]) -> None:
    """Behind Sentinel, the sentinels' own replies are bounded too (at the publisher's bound:
    theirs are a few addresses)."""
    manager = getattr(pool, "sentinel_manager", None)
    for asked in manager.sentinels if manager is not None else ():
        # a sentinel's hostname looked up in a thread no stop nor exit waits for (resolve.py)
        base = resolving(asked.connection_pool.connection_class)
        asked.connection_pool.connection_class = bounded(base, accounts=accounts)


def client_kwargs(settings: RedisSettings, connections: int = POOL_CONNECTIONS) -> dict[str, Any]:
    """The publisher's client settings, for every topology: connection_kwargs, with redis-py's
    own retries off."""
    return dict(
        **connection_kwargs(settings),
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        max_connections=connections,
        **NO_PUSH_READS,
        client_name="hookd",
        health_check_interval=30,
    )
