"""The TLS handshake as a step of its own, after the TCP connect, with its own bound (redis_connect_timeout_s).

redis-py's asyncio connection hands ``ssl`` to ``asyncio.open_connection``, which does the handshake inside the
connect: a server that takes the TCP connection and never answers the ClientHello (a plain-text Redis asked in
TLS reads it as the start of an inline command and waits for its newline) was said as the connect and bounded by
redis_connect_timeout_s. Here the connect is TCP alone (within the connect's deadline, which a name's lookup shares:
resolve.py), then ``start_tls`` within a redis_connect_timeout_s of its own, as redis-py's blocking client bounds
its handshake (``_wrap_socket_with_ssl``; resolve.ResolvesWithin gives it the whole bound, not what the lookup and TCP
left). A handshake past its bound raises TlsSilent, which failures.py and status say as the handshake's.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import redis.asyncio.connection as aioconnection

TLS = "the TLS handshake (after the TCP connect) with"
TLS_FIX = (
    "it took the TCP connection and does not answer TLS (a plain-text Redis asked in TLS, another service on the "
    "port, a TLS terminator with no backend): use redis:// if that port speaks plain Redis, else check what "
    "listens there"
)


class TlsSilent(ConnectionError):
    """The server took the TCP connection and did not answer the TLS handshake within ``bound_s``. An OSError, not
    a TimeoutError: redis-py turns any TimeoutError of a connect into "Timeout connecting to server", said as the
    TCP connect's."""

    def __init__(self, bound_s: float | None) -> None:
        self.bound_s = bound_s  # redis-py's error names the address
        super().__init__(f"the server took the TCP connection and did not answer the TLS handshake within {bound_s:g}s")


def handshake_bound(conn: Any) -> float | None:
    """redis_connect_timeout_s, as redis-py's blocking client bounds its handshake."""
    return conn.socket_connect_timeout or None


class TlsApart:
    """Mixed into an asyncio redis-py TCP connection class, just above it: its ``_connect`` made hookd's own, the
    TCP connect within ``connect_deadline`` (the loop's clock; None: socket_connect_timeout from now), then the
    TLS handshake (``handshake_tls``) within ``handshake_bound``. The arguments are the whole class's
    (``_connection_arguments``: the resolved address, the name the certificate is checked against)."""

    connect_deadline: float | None = None

    async def _connect(self) -> None:
        conn: Any = self
        if not isinstance(conn, aioconnection.Connection):  # a unix socket's: no TCP, no TLS
            await super()._connect()  # type: ignore[misc]
            return
        arguments = dict(conn._connection_arguments())
        context = arguments.pop("ssl", None)
        name = arguments.pop("server_hostname", None) or arguments["host"]
        loop = asyncio.get_running_loop()
        deadline = self.connect_deadline
        if deadline is None and conn.socket_connect_timeout:
            deadline = loop.time() + conn.socket_connect_timeout
        async with asyncio.timeout_at(deadline):
            reader, writer = await asyncio.open_connection(**arguments)
        try:
            sock = writer.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if conn.socket_keepalive:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                    options: dict[int, Any] = getattr(conn, "socket_keepalive_options", {})
                    for option, value in options.items():
                        sock.setsockopt(socket.SOL_TCP, option, value)
            if context is not None:
                await self.handshake_tls(writer, context, name)
        except BaseException:
            writer.close()
            raise
        conn._reader, conn._writer = reader, writer

    async def handshake_tls(self, writer: asyncio.StreamWriter, context: ssl.SSLContext, name: str) -> None:
        conn: Any = self
        bound = handshake_bound(conn)
        try:
            # The loop's own handshake bound (60 s unless given) is set past ours, so that ours is the one said.
            async with asyncio.timeout(bound):
                await writer.start_tls(
                    context, server_hostname=name, ssl_handshake_timeout=None if bound is None else bound + 60
                )
        except TimeoutError:
            raise TlsSilent(bound) from None
