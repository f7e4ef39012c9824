"""Where hookd's Redis lives: one server, a master that Sentinel names, or a Cluster.

``connection.connect`` asks ``client`` here for the Sentinel (sentinel.py) and
Cluster clients. The publisher sends its batches on connections from a route
(``route_for``): the client's own pool for one server or a Sentinel master
(whose pool asks the sentinels for the master on every new connection), or,
on a Cluster, a connection to the master that serves the stream's hash slot,
which a MOVED reply or a lost node makes it look up again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
import redis.cluster
import redis.exceptions
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import Connection, parse_url

from hookd.config import mask_url
from hookd.config_errors import SettingError
from hookd.publish import sentinel, sentinel_sync
from hookd.publish.addresses import host_ports
from hookd.publish.sentinel import sentinel_addresses
from hookd.publish.settings import RedisSettings
from hookd.state import CLUSTER_WHERE, SENTINEL_WHERE

# What a Redis call can raise. A Cluster client's topology errors are not RedisErrors.
FAILURES = (redis.exceptions.RedisError, redis.exceptions.RedisClusterException, OSError, TimeoutError)


def check(settings: RedisSettings) -> None:
    """redis_url, and the settings that cannot work together, named so the user knows which to
    change (a SettingError)."""
    check_url(settings.url)
    if settings.sentinel and settings.cluster:
        raise SettingError(
            "redis_sentinel and redis_cluster cannot both be set: a Cluster fails over by itself",
            setting="redis_cluster",
        )
    sentinel.check(settings)
    if settings.sentinel:
        sentinel_addresses(settings.sentinel)
        if not settings.sentinel_master:
            raise SettingError(
                "redis_sentinel needs redis_sentinel_master, the name the sentinels "
                "monitor the master by (`sentinel monitor NAME ...`)",
                setting="redis_sentinel",
            )
    scheme = urlsplit(settings.url).scheme
    if (settings.sentinel or settings.cluster) and scheme == "unix":
        setting = "redis_sentinel" if settings.sentinel else "redis_cluster"
        raise SettingError(
            f"{setting} needs a redis:// or rediss:// redis_url (for the credentials, TLS and database), not unix://",
            setting="redis_url",
        )
    if settings.cluster_nodes:
        if not settings.cluster:
            raise SettingError(
                "redis_cluster_nodes names Cluster nodes but redis_cluster is not set; set redis_cluster = true",
                setting="redis_cluster_nodes",
            )
        cluster_seeds(settings)
    if settings.cluster and parse_url(settings.url).get("db"):
        raise SettingError("a Redis Cluster has only database 0: drop the /N from redis_url", setting="redis_url")


_HOST_PORT = re.compile(r"[A-Za-z0-9.\-]+:[0-9]{1,5}(/[0-9]{1,2})?|\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}(/[0-9]{1,2})?")
_DB_PATH = re.compile(r"/[0-9]{1,5}")


def check_url(url: str) -> None:
    """A URL redis-py can use; the message never repeats the URL, which may hold a password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise SettingError("redis_url is malformed (check the host and port)", setting="redis_url") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        if _HOST_PORT.fullmatch(url):  # no secret in it: HOST:PORT[/DB] without a user
            raise SettingError(
                f"redis_url {url!r} has no scheme; did you mean redis://{url}? "
                "(rediss:// for TLS, unix:///path for a socket)",
                setting="redis_url",
            )
        # The URL itself is not quoted: it may hold a password.
        got = f"not {parts.scheme}://" if parts.scheme else "and it has no scheme (a missing ':' after redis?)"
        raise SettingError(
            f"redis_url must start with redis://, rediss:// or unix://, {got}; for example "
            "redis://127.0.0.1:6379/0, or redis://USER:PASSWORD@HOST:6379/0",
            setting="redis_url",
        )
    if parts.scheme != "unix" and parts.path not in ("", "/") and not _DB_PATH.fullmatch(parts.path):
        raise SettingError(
            "redis_url's path must be a database number (redis://HOST:PORT/0), "
            "not text: Redis would silently use database 0",
            setting="redis_url",
        )
    if parts.scheme == "unix" and not parts.path:
        raise SettingError("a unix:// redis_url needs a socket path, e.g. unix:///run/redis.sock", setting="redis_url")


def describe(settings: RedisSettings) -> str:
    """Where hookd publishes, for logs, status and error messages (never with the password)."""
    if settings.sentinel:
        return f"{SENTINEL_WHERE}{settings.sentinel_master!r} (sentinels {settings.sentinel})"
    if settings.cluster:
        seeds = f" (or {settings.cluster_nodes})" if settings.cluster_nodes else ""
        return f"{CLUSTER_WHERE}{mask_url(settings.url)}{seeds}"
    return f"redis at {mask_url(settings.url)}"


def client(settings: RedisSettings, kwargs: dict[str, Any]) -> aioredis.Redis | RedisCluster:
    """A Sentinel or Cluster client with the given connection settings."""
    if settings.sentinel:
        return sentinel.master_client(settings, kwargs)
    return _cluster_client(settings, kwargs)


def cluster_seeds(settings: RedisSettings) -> list[tuple[str, int]]:
    """redis_cluster_nodes as pairs: the nodes asked for the slots besides redis_url's."""
    if not settings.cluster_nodes:
        return []
    return host_ports(settings.cluster_nodes, "redis_cluster_nodes", "10.0.0.6:7000")


def _cluster_client(settings: RedisSettings, kwargs: dict[str, Any]) -> RedisCluster:
    # The cluster client retries on its own after reloading the slots; hookd's breaker does that.
    options = {k: v for k, v in kwargs.items() if k != "retry_on_timeout"}
    # redis-py asks redis_url's node and these in turn (in a random order) until one answers.
    seeds = [ClusterNode(host, port) for host, port in cluster_seeds(settings)]
    return RedisCluster.from_url(settings.url, startup_nodes=seeds or None, **options)


class PoolRoute:
    """Connections from the client's pool: the one server, or the master Sentinel names now."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.pool = client.connection_pool

    async def acquire(self, ask: redis.exceptions.AskError | None = None) -> Connection:
        # only a Cluster asks; redis-py's ConnectionPool.get_connection has no annotations
        conn: Connection = await self.pool.get_connection()  # type: ignore[no-untyped-call]
        return conn

    async def release(self, conn: Connection) -> None:
        await self.pool.release(conn)

    async def moved(self, exc: redis.exceptions.MovedError) -> None:
        raise exc  # only a Cluster redirects

    async def lost(self) -> None:
        """A connection failed; the pool reconnects (and asks the sentinels again) by itself."""

    async def aclose(self) -> None:
        """The pool is the client's, closed with it."""


class ClusterRoute:
    """Connections to the master that serves the stream's slot, as the cluster last said."""

    def __init__(self, client: RedisCluster, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.nodes: dict[Connection, ClusterNode] = {}
        self.strangers: dict[str, ClusterNode] = {}  # nodes an ASK named that serve no slot yet

    async def acquire(self, ask: redis.exceptions.AskError | None = None) -> Connection:
        """A connection to the slot's master, or to the node ``ask`` names."""
        await self.client.initialize()
        node = self.client.get_node_from_key(self.stream) if ask is None else self._node(ask.host, ask.port)
        assert node is not None  # a primary's: redis-py raises SlotNotCoveredError when there is none
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
        await self.aclose()

    async def aclose(self) -> None:
        """Disconnect the nodes an ASK named, which the client's own aclose does not know: left
        connected at the stop, each said "Unclosed ClusterNode" to whatever loop ran when it was
        collected (redis-py's ClusterNode.__del__)."""
        strangers, self.strangers = self.strangers, {}
        for node in strangers.values():
            await node.disconnect()

    def _node(self, host: str, port: int) -> ClusterNode:
        """The node at host:port; a master being given its first slot is in no slot map yet."""
        node = self.client.get_node(host=host, port=port)
        if node is None:
            name = f"{host}:{port}"
            node = self.strangers.get(name)
            if node is None:
                node = self.strangers[name] = ClusterNode(
                    host, port, "primary", **self.client.nodes_manager.connection_kwargs
                )
        return node


def route_for(client: aioredis.Redis | RedisCluster, stream: str) -> PoolRoute | ClusterRoute:
    if isinstance(client, RedisCluster):
        return ClusterRoute(client, stream)
    return PoolRoute(client)


def sync_client(settings: RedisSettings, **kwargs: Any) -> redis.Redis | redis.RedisCluster:
    """A blocking Sentinel or Cluster client for the commands that read the stream (hookd
    tail); connection.connect_sync makes the one-server kind."""
    if settings.sentinel:
        return sentinel_sync.sync_master_client(settings, kwargs)
    # redis-py's blocking ClusterNode has no annotations
    seeds = [
        redis.cluster.ClusterNode(host, port)  # type: ignore[no-untyped-call]
        for host, port in cluster_seeds(settings)
    ]
    lazy = LazyCluster(lambda: redis.RedisCluster.from_url(settings.url, startup_nodes=seeds, **kwargs))
    return cast(redis.RedisCluster, lazy)  # it stands for one: every attribute is the client's


class LazyCluster:
    """A blocking Cluster client made on first use, since making one already asks the nodes;
    a cluster that cannot be reached is then a ConnectionError like any other."""

    def __init__(self, make: Callable[[], redis.RedisCluster]) -> None:
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
