"""The Redis client, with every timeout pinned so that failures surface in seconds."""

from __future__ import annotations

import errno
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.connection import HiredisRespSerializer

from hookd.config import Config, mask_url
from hookd.publish import topology


class HiredisPacking:
    """Pack commands with hiredis, as redis-py's synchronous client does.

    The asyncio client packs in pure Python, which costs about 10 us per event
    of a publish batch; hiredis does the same in about 3.
    """

    _serializer = HiredisRespSerializer()

    def pack_command(self, *args):
        return self._serializer.pack(*args)


def connect(config: Config) -> aioredis.Redis | RedisCluster:
    """A pooled client. redis-py's own retries are off: the publisher decides when to retry.

    With redis_sentinel or redis_cluster set, a Sentinel or Cluster client (see topology.py).
    """
    if config.redis_sentinel or config.redis_cluster:
        client = topology.client(config, client_kwargs(config))
    else:
        client = aioredis.Redis.from_url(config.redis_url, **client_kwargs(config))
    if not isinstance(client, RedisCluster):  # a Cluster makes its connections per node
        pool = client.connection_pool
        base = pool.connection_class
        pool.connection_class = type(f"Hiredis{base.__name__}", (HiredisPacking, base), {})
    return client


def client_kwargs(config: Config) -> dict[str, Any]:
    """The connection settings every topology's client gets."""
    return dict(
        socket_connect_timeout=config.redis_connect_timeout_s,
        socket_timeout=config.redis_timeout_s,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        max_connections=4,
        client_name="hookd",
        health_check_interval=30,
    )


def _refused(exc: BaseException | None) -> bool:
    """Whether a connection refusal lies anywhere in the exception's chain."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED \
                or f"Error {errno.ECONNREFUSED} " in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def describe_failure(config: Config, exc: BaseException) -> str:
    """One sentence naming what went wrong with Redis, with the password masked."""
    where = topology.describe(config)
    text = str(exc).replace(config.redis_url, mask_url(config.redis_url))
    if isinstance(exc, redis.exceptions.AuthenticationError):
        return f"{where} refused the credentials ({text}); check the user and password in redis_url"
    if isinstance(exc, (redis.exceptions.TimeoutError, TimeoutError)):
        return f"{where} did not answer within {config.redis_timeout_s:g}s"
    if isinstance(exc, (redis.exceptions.ConnectionError, OSError)):
        if _refused(exc):
            return f"{where} refused the connection (is redis-server running?)"
        return f"{where} cannot be reached: {text}"
    if isinstance(exc, (redis.exceptions.AskError, redis.exceptions.TryAgainError)) \
            and not isinstance(exc, redis.exceptions.MovedError):
        return f"{where} is moving the stream's hash slot to another node; publishing resumes once it is done"
    if isinstance(exc, redis.exceptions.ResponseError):
        return f"{where} answered with an error ({type(exc).__name__}): {text}"
    return f"{where} failed: {type(exc).__name__}: {text}"
