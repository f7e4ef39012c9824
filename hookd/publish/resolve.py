"""Name lookups in threads hookd's stop does not wait for.

A getaddrinfo the resolver never answers cannot be cancelled. Asked through the loop (uvloop's, a libuv
thread-pool request, as redis-py's connect and ``loop.getaddrinfo`` do), it held the stop after the drain had
said ``hookd_stopped``: uvloop's close runs the loop until every request it made is over, and libuv's exit
joins its pool's threads; the resolver's own bound (``options timeout:N attempts:M``) is minutes. Asked in a
daemon thread (unjoined.off_loop), waited for at most the connect's bound, the thread is left to the resolver
and the loop hands libuv a numeric address, which it does not look up.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from typing import Any

from hookd.unjoined import off_loop


def numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def lookup(host: str, port: int, bound_s: float | None) -> list[tuple[Any, ...]]:
    """``socket.getaddrinfo(host, port, SOCK_STREAM)`` off the loop, within ``bound_s`` (TimeoutError past it)."""
    ask = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    async with asyncio.timeout(bound_s):
        return await off_loop(ask, name="hookd-resolve")


class ResolvesOffLoop:
    """Mixed into an asyncio redis-py connection class: its host looked up by ``lookup`` within the connect's
    bound, each address then tried in turn (as the loop's connect to a name does), the name kept for TLS."""

    _resolved: str | None = None  # the address this connect tries

    async def _connect(self) -> None:
        conn: Any = self
        host = getattr(conn, "host", None)
        if not host or getattr(conn, "path", None) or numeric(host):
            await super()._connect()  # type: ignore[misc]
            return
        # One bound for the lookup and every address tried, as the loop's connect to a name had: redis-py's
        # _connect bounds each try on its own, which after a lookup near its bound doubled the connect's
        # (status and a stall say redis_connect_timeout_s). TimeoutError and gaierror are redis-py's connect's
        # to say, as from its own lookup.
        async with asyncio.timeout(conn.socket_connect_timeout):
            found = await lookup(host, conn.port, None)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
            try:
                for index, self._resolved in enumerate(addresses):
                    try:
                        await super()._connect()  # type: ignore[misc]
                        return
                    except TimeoutError:
                        raise
                    except OSError:
                        if index == len(addresses) - 1:
                            raise
            finally:
                self._resolved = None

    def _connection_arguments(self) -> Any:
        arguments = dict(super()._connection_arguments())  # type: ignore[misc]
        if self._resolved is not None:
            if arguments.get("ssl") is not None:
                arguments.setdefault("server_hostname", arguments["host"])  # the certificate names the host
            arguments["host"] = self._resolved
        return arguments
