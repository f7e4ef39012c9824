"""Name lookups in threads hookd's stop does not wait for.

A getaddrinfo the resolver never answers cannot be cancelled. Asked through the loop (uvloop's, a libuv
thread-pool request, as redis-py's connect and ``loop.getaddrinfo`` do), it held the stop after the drain had
said ``hookd_stopped``: uvloop's close runs the loop until every request it made is over, and libuv's exit
joins its pool's threads; the resolver's own bound (``options timeout:N attempts:M``) is minutes. Asked in a
daemon thread (unjoined.off_loop), waited for at most the connect's bound, the thread is left to the resolver
and the loop hands libuv a numeric address, which it does not look up.

The synchronous clients (``hookd tail``'s, connection.connect_sync) look up the same way (ResolvesWithin), waited
for as long. A name is asked of the resolver by one thread at a time: a connect while its lookup is still running
waits on that one, so a resolver that never answers holds one thread per name, however many rounds ask.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio.connection as aioconnection

from hookd.publish.tls_step import TlsApart, TlsSilent, handshake_bound
from hookd.unjoined import settle


def numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _Asked:
    """One name's lookup, in its daemon thread; what it found or raised once ``done``."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.done = threading.Event()
        self.found: list[tuple[Any, ...]] = []
        self.error: BaseException | None = None
        self._told: list[Callable[[], None]] = []
        threading.Thread(target=self._run, name="hookd-resolve", daemon=True).start()

    def _run(self) -> None:
        try:
            self.found = socket.getaddrinfo(self.host, None, type=socket.SOCK_STREAM)
        except BaseException as exc:  # said to each connect waiting on it, as its own lookup would raise
            self.error = exc
        with _lock:
            del _asking[self.host]
            self.done.set()
            told, self._told = self._told, []
        for tell in told:
            tell()

    def when_done(self, tell: Callable[[], None]) -> Callable[[], None]:
        """``tell()`` once the lookup has ended (now if it has); returns what forgets it (a wait that gave up)."""
        with _lock:
            if not self.done.is_set():
                self._told.append(tell)
                return lambda: self._forget(tell)
        tell()
        return lambda: None

    def _forget(self, tell: Callable[[], None]) -> None:
        with _lock:
            if tell in self._told:
                self._told.remove(tell)

    def addresses(self) -> list[str]:
        if self.error is not None:
            raise self.error
        return list(dict.fromkeys(str(info[4][0]) for info in self.found))


_lock = threading.Lock()
_asking: dict[str, _Asked] = {}  # the names being looked up now: one thread each


def _asked(host: str) -> _Asked:
    with _lock:
        asked = _asking.get(host)
        if asked is None:
            asked = _asking[host] = _Asked(host)
        return asked


async def lookup(host: str, bound_s: float | None) -> list[str]:
    """``host``'s addresses, looked up in a daemon thread (one per name at a time), waited for at most ``bound_s``
    (TimeoutError past it); the resolver's error (gaierror) as getaddrinfo raises it."""
    asked = _asked(host)
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[None] = loop.create_future()

    def tell() -> None:
        try:
            loop.call_soon_threadsafe(settle, answered, None, None)
        except RuntimeError:  # the loop closed while the lookup ran: no one waits for it
            pass

    forget = asked.when_done(tell)
    try:
        async with asyncio.timeout(bound_s):
            await answered
    finally:
        forget()
    return asked.addresses()


def lookup_sync(host: str, bound_s: float | None) -> list[str]:
    """``lookup`` for a caller with no loop: the same thread per name, waited for at most ``bound_s``."""
    asked = _asked(host)
    if not asked.done.wait(bound_s):
        raise TimeoutError(f"the lookup of {host} did not end within {bound_s}s")
    return asked.addresses()


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


LISTEN_LOOKUP_S = 5.0  # a listening address's name (localhost, --addr NAME): /etc/hosts answers it at once


def listen_infos(host: str, port: int, bound_s: float = LISTEN_LOOKUP_S) -> list[tuple[Any, ...]]:
    """getaddrinfo's answer for a listening ``host``:``port`` (AI_PASSIVE), a name looked up by ``lookup_sync``
    within ``bound_s`` (TimeoutError past it): a silent resolver held the daemon's start (http_addr) and ``hookd
    ui --addr NAME`` with no bound of hookd's."""
    addresses = [host] if not host or numeric(host.partition("%")[0]) else lookup_sync(host, bound_s)
    infos: list[tuple[Any, ...]] = []
    for address in addresses:
        flags = socket.AI_PASSIVE | (socket.AI_NUMERICHOST if address else 0)
        infos += socket.getaddrinfo(address or None, port, type=socket.SOCK_STREAM, flags=flags)
    return infos
