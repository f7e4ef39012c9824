"""Where hookd's Redis lives: one server, a master that Sentinel names, or a Cluster.

``connection.connect`` asks ``client`` here for the Sentinel and Cluster
clients. The publisher sends its batches on connections from a route
(``route_for``): the client's own pool for one server or a Sentinel master
(whose pool asks the sentinels for the master on every new connection), or,
on a Cluster, a connection to the master that serves the stream's hash slot,
which a MOVED reply or a lost node makes it look up again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
import redis.connection
import redis.exceptions
import redis.sentinel
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import Connection, SSLConnection, parse_url
from redis.asyncio.sentinel import Sentinel

from hookd.config import Config, mask_url

# What a Redis call can raise. A Cluster client's topology errors are not RedisErrors.
FAILURES = (redis.exceptions.RedisError, redis.exceptions.RedisClusterException, OSError, TimeoutError)


def check(config: Config) -> None:
    """Settings that cannot work together, named so the user knows which to change."""
    if config.redis_sentinel and config.redis_cluster:
        raise ValueError("redis_sentinel and redis_cluster cannot both be set: a Cluster fails over "
                         "by itself - at `$.redis_cluster`")
    if config.redis_sentinel:
        sentinel_addresses(config.redis_sentinel)
        if not config.redis_sentinel_master:
            raise ValueError("redis_sentinel needs redis_sentinel_master, the name the sentinels "
                             "monitor the master by (`sentinel monitor NAME ...`) - at `$.redis_sentinel`")
    scheme = urlsplit(config.redis_url).scheme
    if (config.redis_sentinel or config.redis_cluster) and scheme == "unix":
        setting = "redis_sentinel" if config.redis_sentinel else "redis_cluster"
        raise ValueError(f"{setting} needs a redis:// or rediss:// redis_url (for the credentials, "
                         f"TLS and database), not unix:// - at `$.redis_url`")
    if config.redis_cluster and parse_url(config.redis_url).get("db"):
        raise ValueError("a Redis Cluster has only database 0: drop the /N from redis_url - at `$.redis_url`")


def sentinel_addresses(text: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs; a ValueError names the entry that is wrong."""
    addresses = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"redis_sentinel entry {entry!r} is not HOST:PORT "
                             f"(e.g. 10.0.0.5:26379) - at `$.redis_sentinel`")
        addresses.append((host.strip("[]"), int(port)))
    if not addresses:
        raise ValueError("redis_sentinel names no sentinel; give HOST:PORT,HOST:PORT - at `$.redis_sentinel`")
    return addresses


def describe(config: Config) -> str:
    """Where hookd publishes, for logs, status and error messages (never with the password)."""
    if config.redis_sentinel:
        return f"redis master {config.redis_sentinel_master!r} (sentinels {config.redis_sentinel})"
    if config.redis_cluster:
        return f"redis cluster at {mask_url(config.redis_url)}"
    return f"redis at {mask_url(config.redis_url)}"


def client(config: Config, kwargs: dict[str, Any]) -> aioredis.Redis | RedisCluster:
    """A Sentinel or Cluster client with the given connection settings."""
    if config.redis_sentinel:
        return _sentinel_client(config, kwargs)
    return _cluster_client(config, kwargs)


class SentinelMasterClient(aioredis.Redis):
    """The master's client; closing it also closes the connections to the sentinels."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        await self.connection_pool.sentinel_manager.aclose()


def _master_options(url_options: dict[str, Any], ssl_class: type) -> dict[str, Any]:
    """What redis_url gives a master that Sentinel names: its credentials, database and TLS,
    not its host. ``url_options`` is redis-py's parse_url of it (asyncio or blocking)."""
    options = {k: v for k, v in url_options.items() if k not in ("host", "port")}
    if options.pop("connection_class", None) is ssl_class:
        options["ssl"] = True
    return options


def _timeouts(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The sentinels get hookd's timeouts, and no login or TLS (see the README)."""
    return {k: v for k, v in kwargs.items() if k.startswith("socket_")}


def _sentinel_client(config: Config, kwargs: dict[str, Any]) -> aioredis.Redis:
    sentinel = Sentinel(sentinel_addresses(config.redis_sentinel), sentinel_kwargs=_timeouts(kwargs))
    return sentinel.master_for(config.redis_sentinel_master, redis_class=SentinelMasterClient,
                               **{**kwargs, **_master_options(parse_url(config.redis_url), SSLConnection)})


def _cluster_client(config: Config, kwargs: dict[str, Any]) -> RedisCluster:
    # The cluster client retries on its own after reloading the slots; hookd's breaker does that.
    options = {k: v for k, v in kwargs.items() if k != "retry_on_timeout"}
    return RedisCluster.from_url(config.redis_url, **options)


class PoolRoute:
    """Connections from the client's pool: the one server, or the master Sentinel names now."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.pool = client.connection_pool

    async def acquire(self) -> Connection:
        return await self.pool.get_connection()

    async def release(self, conn: Connection) -> None:
        await self.pool.release(conn)

    async def moved(self, exc: redis.exceptions.MovedError) -> None:
        raise exc  # only a Cluster redirects

    async def lost(self) -> None:
        """A connection failed; the pool reconnects (and asks the sentinels again) by itself."""


class ClusterRoute:
    """Connections to the master that serves the stream's slot, as the cluster last said."""

    def __init__(self, client: RedisCluster, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.nodes: dict[Connection, ClusterNode] = {}

    async def acquire(self) -> Connection:
        await self.client.initialize()
        node = self.client.get_node_from_key(self.stream)
        conn = node.acquire_connection()
        self.nodes[conn] = node
        return conn

    async def release(self, conn: Connection) -> None:
        self.nodes.pop(conn).release(conn)

    async def moved(self, exc: redis.exceptions.MovedError) -> None:
        """The slot has a new master (a reshard or a failover): send there from now on."""
        await self.client.nodes_manager.move_slot(exc)

    async def lost(self) -> None:
        """A node failed or timed out: read the slots again, from any node that answers."""
        await self.client.aclose()


def route_for(client: aioredis.Redis | RedisCluster, stream: str) -> PoolRoute | ClusterRoute:
    if isinstance(client, RedisCluster):
        return ClusterRoute(client, stream)
    return PoolRoute(client)


def sync_client(config: Config, **kwargs: Any) -> redis.Redis | LazyCluster:
    """A blocking Sentinel or Cluster client for the commands that read the stream (hookd
    tail); connection.connect_sync makes the one-server kind."""
    if config.redis_sentinel:
        sentinel = redis.sentinel.Sentinel(sentinel_addresses(config.redis_sentinel),
                                           sentinel_kwargs=_timeouts(kwargs))
        options = _master_options(redis.connection.parse_url(config.redis_url),
                                  redis.connection.SSLConnection)
        return sentinel.master_for(config.redis_sentinel_master, **{**kwargs, **options})
    return LazyCluster(lambda: redis.RedisCluster.from_url(config.redis_url, **kwargs))


class LazyCluster:
    """A blocking Cluster client made on first use, since making one already asks the nodes;
    a cluster that cannot be reached is then a ConnectionError like any other."""

    def __init__(self, make) -> None:
        self._make = make
        self._client: redis.RedisCluster | None = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            try:
                self._client = self._make()
            except redis.exceptions.RedisClusterException as exc:
                raise redis.exceptions.ConnectionError(str(exc)) from exc
        return getattr(self._client, name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
