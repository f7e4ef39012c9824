"""The metrics endpoint's HTTP server, on the event loop, bounded against peers that send nothing.

prometheus_client's own server gave each connection a thread that waited for a request for
good: anyone who could reach the port could hold threads and descriptors of hookd itself, the
ones its event socket needs (tests/test_redteam3_ui.py). Here a connection has HEAD_TIMEOUT_S
to send its request head, then WRITE_TIMEOUT_S to take the answer, and is closed after one
answer; past MAX_CONNECTIONS (fewer under a low descriptor limit: hookd/descriptors.py) the oldest
is closed to make room, so a scraper is still served.

It serves only requests that carry no ``Origin`` and whose one ``Host`` is a loopback name or
address, a name in metrics_allow_hosts, or, bound beyond the machine (metrics_addr on purpose),
any IP address: a web page that pointed its own name at the machine (DNS rebinding) could
otherwise read the counts as a page of its own origin (tests/test_redteam4_metrics.py; bound to
0.0.0.0, 127.0.0.1 reaches it too, tests/test_redteam56_metrics_host.py). An address is no such
page's name: a page whose origin is that address is served by whatever listens there, not by the
rebinding site. A scraper that names the machine by a name of its own is named in the setting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterable

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from hookd.descriptors import connection_cap
from hookd.hostport import is_loopback
from hookd.ingest.http_setup import host_of
from hookd.peers import Throttle

log = structlog.get_logger("hookd.metrics")

HEAD_TIMEOUT_S = 10.0
WRITE_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 64
MAX_HEAD_BYTES = 16 << 10
FULL_LOG_EVERY_S = 10.0


class MetricsServer:
    def __init__(self, registry: CollectorRegistry, local: bool = True, allow_hosts: Iterable[str] = ()) -> None:
        self.registry = registry
        self.local = local  # bound to loopback: no other address reaches it, none is named in Host
        self.allow_hosts = frozenset(name.strip().lower().strip("[]").removesuffix(".") for name in allow_hosts)
        self.refused_lines = Throttle(FULL_LOG_EVERY_S)
        self.server: asyncio.Server | None = None
        self.connections: dict[asyncio.StreamWriter, float] = {}  # -> when it opened
        self.closed_to_make_room = 0
        self.full_lines = Throttle(FULL_LOG_EVERY_S)
        self.refit(None)  # the cap for the limit in force; no connection yet to close

    async def start(self, host: str, port: int) -> None:
        self.server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEAD_BYTES)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in list(self.connections):
            writer.transport.abort()

    def refit(self, limit: int | None) -> None:
        """The cap for a descriptor limit changed while hookd runs (descriptors.follow_limit);
        the oldest connections past it are closed. Also how __init__ sets it: the one place the
        server's share of the descriptors (an eighth: it fits a low limit) is written."""
        self.max_connections = connection_cap(MAX_CONNECTIONS, 1 / 8, limit)
        while len(self.connections) > self.max_connections:
            self._make_room()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections[writer] = time.monotonic()
        if len(self.connections) > self.max_connections:
            self._make_room()
        try:
            async with asyncio.timeout(HEAD_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            writer.write(self._answer(head))
            async with asyncio.timeout(WRITE_TIMEOUT_S):
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self.connections.pop(writer, None)
            writer.transport.abort()  # one answer per connection; one not taken is dropped

    def _answer(self, head: bytes) -> bytes:
        method, _, rest = head.partition(b" ")
        path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
        if method not in (b"GET", b"HEAD"):
            return _plain(405, b"Method Not Allowed")
        fields = [line.partition(b":") for line in head.split(b"\r\n")[1:]]
        if any(name.strip().lower() == b"origin" for name, _, _ in fields):
            return _plain(403, b"Forbidden: requests from web pages are not served")
        hosts = [value for name, _, value in fields if name.strip().lower() == b"host"]
        if len(hosts) != 1 or not self._names_this_machine(host_of(hosts[0])):
            self._say_refused(hosts)
            return _plain(421, b"Misdirected Request: the Host header must name this machine (metrics_allow_hosts)")
        if path not in (b"/", b"/metrics"):
            return _plain(404, b"Not Found")
        try:
            body = generate_latest(self.registry)
        except Exception:  # a collector's bug: the scraper sees a 500, the log says why
            log.exception("metrics_collect_failed")
            return _plain(500, b"Internal Server Error")
        return _response(200, b"OK", CONTENT_TYPE_LATEST.encode(), b"" if method == b"HEAD" else body, len(body))

    def _names_this_machine(self, host: str | None) -> bool:
        if not host:
            return False
        if is_loopback(host) or host in self.allow_hosts:
            return True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return not self.local

    def _say_refused(self, hosts: list[bytes]) -> None:
        """A scraper refused for its Host is told in its answer; the user, in the log (at most a line
        every FULL_LOG_EVERY_S: each request of a page that tries is one)."""
        if (count := self.refused_lines.ready("host")) is None:
            return
        log.warning(
            "metrics_host_refused",
            host=b", ".join(hosts)[:200].decode("latin-1") if hosts else None,
            count=count,
            hint="a request's Host header named neither this machine's address nor a loopback name: a web page "
            "rebinding its name to this machine, or a scraper reaching it by a name; if it is your scraper, add "
            "the name to metrics_allow_hosts",
        )

    def _make_room(self) -> None:
        oldest = min(self.connections, key=self.connections.__getitem__)
        self.connections.pop(oldest)
        oldest.transport.abort()
        self.closed_to_make_room += 1
        if self.full_lines.ready("full") is not None:
            log.warning(
                "metrics_connections_full",
                limit=self.max_connections,
                closed_total=self.closed_to_make_room,
                hint="the oldest connection is closed to make room (a scraper that hangs, or another local user?)",
            )


def _plain(status: int, reason: bytes) -> bytes:
    return _response(status, reason, b"text/plain; charset=utf-8", reason + b"\n")


def _response(status: int, reason: bytes, content_type: bytes, body: bytes, length: int | None = None) -> bytes:
    head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (
        status,
        reason,
        content_type,
        len(body) if length is None else length,
    )
    return head + body
