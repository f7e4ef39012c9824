"""Name lookups in threads hookd's stop does not wait for.

A getaddrinfo the resolver never answers cannot be cancelled. Asked through the loop (uvloop's, a libuv
thread-pool request, as redis-py's connect and ``loop.getaddrinfo`` do), it held the stop after the drain had
said ``hookd_stopped``: uvloop's close runs the loop until every request it made is over, and libuv's exit
joins its pool's threads; the resolver's own bound (``options timeout:N attempts:M``) is minutes. Asked in a
daemon thread (unjoined.off_loop), waited for at most the caller's bound, the thread is left to the resolver.
A name is asked of the resolver by one thread at a time: a caller while its lookup is still running waits on
that one, so a resolver that never answers holds one thread per name, however many rounds ask.

Apart from publish/resolve.py (the Redis connections' use of it) so that the commands that look up a listening
address (``hookd hooks``' http_addr check, ``hookd ui --addr``) need not import redis-py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import Any

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
