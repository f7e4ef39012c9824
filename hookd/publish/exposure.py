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
import contextlib
from urllib.parse import urlsplit

PROBE_TIMEOUT_S = 1.0


def _command(*words: bytes) -> bytes:
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


async def open_to_all(url: str, stream: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool | None:
    """True if the server at ``url`` answers XLEN of ``stream`` to a connection that sent no
    password, False if it refuses, None when not judged (see the module's doc)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or 6379
    except ValueError:
        return None
    if parts.scheme != "redis" or not host:
        return None
    writer = None
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(_command(b"XLEN", stream.encode()))
            await writer.drain()
            reply = await reader.read(64)  # ":<n>\r\n", or "-NOAUTH ..."; nothing more is read
    except (OSError, TimeoutError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    return reply.startswith(b":")
