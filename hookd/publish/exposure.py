"""Whether the Redis hookd publishes to lets anyone who can connect read the stream.

redis-server's default takes connections without a password: on 127.0.0.1, every user of
the machine can then read every prompt, command and file content hookd publishes, whatever
hookd itself checks. hookd cannot close that, but it must not be silent about it: once Redis
has answered, one connection without credentials asks XLEN of the stream; a number back
means the stream is open to all who can reach the server (logged once as
``redis_open_to_all``, shown in `hookd status`). Only for redis:// URLs naming a host: a
TLS server may want client certificates, a unix:// socket has the file's permissions, and
behind Sentinel or a Cluster the URL names no server (tests/test_redteam6_redis_open.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from hookd.publish.connection import NO_SETINFO
from hookd.publish.replies import bounded
from hookd.publish.resolve import resolving

PROBE_TIMEOUT_S = 1.0


async def open_to_all(
    url: str, stream: str, accounts: Iterable[str], timeout_s: float = PROBE_TIMEOUT_S
) -> bool | None:
    """True if the server at ``url`` answers XLEN of ``stream`` to a connection that sent no
    password, False if it refuses, None when not judged (see the module's doc). The server is
    judged by its owner as the publisher's are (the user's, root's, or one of ``accounts``)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or 6379
    except ValueError:
        return None
    if parts.scheme != "redis" or not host:
        return None
    pool = aioredis.ConnectionPool(
        # A plain connection: no credentials, no TLS, replies bounded as the publisher's are, its host looked
        # up where a stop does not wait for it (resolve.py): asked through the loop, a lookup the resolver never
        # answered held hookd's exit after hookd_stopped.
        connection_class=bounded(resolving(aioredis.Connection), accounts=accounts),
        host=host,
        port=port,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        **NO_SETINFO,
    )
    client = aioredis.Redis(connection_pool=pool)
    try:
        async with asyncio.timeout(timeout_s):
            return isinstance(await client.xlen(stream), int)
    except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError):
        return False  # NOAUTH (requirepass), NOPERM (an ACL default user without the key)
    except (redis.exceptions.RedisError, OSError, TimeoutError):
        return None
    finally:
        # A close that fails or times out (the process stopped past its 1 s) says nothing of the server, and
        # raised out of the publisher's task took the daemon down.
        try:
            await client.aclose()
            await pool.disconnect()
        except (redis.exceptions.RedisError, OSError, TimeoutError):
            pass
