"""Redis connections whose names are looked up as hookd's are (name_lookup.py): off the loop, within the connect's bound.

The loop is handed the address, which it does not look up. The synchronous clients (``hookd tail``'s,
connection.connect_sync) look up the same way (ResolvesWithin), waited for as long.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import redis.asyncio.connection as aioconnection

from hookd.name_lookup import lookup, lookup_sync, numeric
from hookd.publish.tls_step import TlsApart, TlsSilent, handshake_bound


class ResolvesOffLoop(TlsApart):
    """Mixed into an asyncio redis-py connection class: its host looked up by ``lookup`` within the connect's
    bound, each address then tried in turn (as the loop's connect to a name does), the name kept for TLS; the
    TCP connect and the TLS handshake each a step of their own (TlsApart)."""

    _resolved: str | None = None  # the address this connect tries

    async def _connect(self) -> None:
        conn: Any = self
        host = getattr(conn, "host", None)
        if not host or getattr(conn, "path", None) or numeric(host):
            await super()._connect()
            return
        # One bound for the lookup and every address's TCP connect, as the loop's connect to a name had: redis-py's
        # _connect bounds each try on its own, which after a lookup near its bound doubled the connect's
        # (status and a stall say redis_connect_timeout_s). The TLS handshake after each has its own
        # (tls_step.py). TimeoutError and gaierror are redis-py's connect's to say, as from its own lookup.
        bound = conn.socket_connect_timeout
        deadline = None if not bound else asyncio.get_running_loop().time() + bound
        async with asyncio.timeout_at(deadline):
            addresses = await lookup(host, None)
        try:
            for index, self._resolved in enumerate(addresses):
                self.connect_deadline = deadline
                try:
                    await super()._connect()
                    return
                except (TimeoutError, TlsSilent):  # a bound spent ends the connect
                    raise
                except OSError:  # refused, or a certificate not for the name: the next address
                    if index == len(addresses) - 1:
                        raise
        finally:
            self._resolved = self.connect_deadline = None

    def _connection_arguments(self) -> Any:
        arguments = dict(super()._connection_arguments())  # type: ignore[misc]
        if self._resolved is not None:
            if arguments.get("ssl") is not None:
                arguments.setdefault("server_hostname", arguments["host"])  # the certificate names the host
            arguments["host"] = self._resolved
        return arguments


class ResolvesWithin:
    """Mixed into a synchronous redis-py connection class: ResolvesOffLoop's lookup (lookup_sync), the lookup and
    each address's TCP connect within one redis_connect_timeout_s; a TLS connection's certificate still checked
    against the name (and sent it as SNI), its handshake given a redis_connect_timeout_s of its own (tls_step.py)."""

    _named: str | None = None  # the name whose address this connect tries
    _bound: float | None = None  # redis_connect_timeout_s, while socket_connect_timeout holds what is left of it

    def _connect(self) -> Any:
        conn: Any = self
        host = getattr(conn, "host", None)
        if not host or getattr(conn, "path", None) or numeric(host):
            return super()._connect()  # type: ignore[misc]
        # One bound for the lookup and every address tried, as the asyncio connect has: each try is given what
        # is left of it (redis-py's own _connect gives each its whole socket_connect_timeout).
        bound = conn.socket_connect_timeout
        deadline = None if not bound else time.monotonic() + bound
        addresses = lookup_sync(host, bound)
        self._named, self._bound = host, bound
        try:
            for index, conn.host in enumerate(addresses):
                if deadline is not None:
                    conn.socket_connect_timeout = deadline - time.monotonic()
                    if conn.socket_connect_timeout <= 0:
                        raise TimeoutError(f"the connect to {host} did not end within {bound}s")
                try:
                    return super()._connect()  # type: ignore[misc]
                except (TimeoutError, TlsSilent):  # a bound spent ends the connect
                    raise
                except OSError:
                    if index == len(addresses) - 1:
                        raise
            raise OSError(f"{host} has no address")
        finally:
            conn.host, conn.socket_connect_timeout, self._named, self._bound = host, bound, None, None

    def _wrap_socket_with_ssl(self, sock: socket.socket) -> Any:
        conn: Any = self
        address, left = conn.host, conn.socket_connect_timeout
        conn.host = self._named or address
        conn.socket_connect_timeout = self._bound or left
        try:
            return super()._wrap_socket_with_ssl(sock)  # type: ignore[misc]
        except TimeoutError:  # said as the handshake's, not as "Timeout connecting to server"
            raise TlsSilent(handshake_bound(conn)) from None
        finally:
            conn.host, conn.socket_connect_timeout = address, left


def resolving(base: type) -> type:
    """``base``, a redis-py connection class, with its host looked up as hookd's are: off the loop for an asyncio
    one (ResolvesOffLoop), within its bound for a blocking one (ResolvesWithin)."""
    mixin = ResolvesOffLoop if issubclass(base, aioconnection.AbstractConnection) else ResolvesWithin
    return type(base.__name__, (mixin, base), {})
