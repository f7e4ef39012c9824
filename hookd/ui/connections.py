"""`hookd ui`'s HTTP connections, bounded in time and number against peers that send nothing.

Anyone who can reach the port can connect. uvicorn's h11 protocol times a connection out
only after an answer, and every byte received restarts that timer: a connection that sends
nothing, or a request head one byte at a time, stayed open for good, and 1,500 of them (as
another local user) took every file descriptor the UI had (tests/test_redteam3_ui.py).
Here a connection has HEAD_TIMEOUT_S to send a whole request head, from its start and after
each answer, whatever it sends meanwhile; and past MAX_CONNECTIONS the one that has waited
longest for a head is closed to make room, so the owner's new connection is served. A
request being answered (the UI's event stream) is never closed for either reason; but an answer
that cannot be written for WRITE_TIMEOUT_S (the peer reads nothing and the transport's buffer
stays full) closes its connection: a peer that pipelined thousands of requests and never read
the answers held its connection for good (tests/test_redteam4_ui.py). A browser reads its
event stream as it comes, and reconnects if cut.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import h11
import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

from hookd.peers import Throttle
from hookd.ui.security import HEADERS

log = structlog.get_logger("hookd.ui")

HEAD_TIMEOUT_S = 10.0
WRITE_TIMEOUT_S = 10.0
# Well under the usual 1,024 descriptors a process may open; under a lower limit, the class's
# max_connections is cut to fit it (server.run, hookd/descriptors.py).
MAX_CONNECTIONS = 256
FULL_LOG_EVERY_S = 10.0


class BoundedH11Protocol(H11Protocol):
    """H11Protocol with a deadline for each request head and a cap on connections."""

    full_lines = Throttle(FULL_LOG_EVERY_S)
    evicted = 0
    not_reading = 0  # connections closed for reading nothing of an answer (api/status)
    max_connections = MAX_CONNECTIONS

    waiting_since: float | None = None
    head_timer: asyncio.TimerHandle | None = None
    write_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.logger = PeerLines(self.logger)  # type: ignore[assignment]
        self._await_head()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        self._written()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.write_timer is None:
            self.write_timer = self.loop.call_later(WRITE_TIMEOUT_S, self._write_timed_out)

    def resume_writing(self) -> None:
        self._written()
        super().resume_writing()

    def _written(self) -> None:
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None

    def _write_timed_out(self) -> None:
        self.write_timer = None
        self.transport.abort()  # the peer has read nothing of it for WRITE_TIMEOUT_S
        cls = BoundedH11Protocol
        cls.not_reading += 1
        lines = cls.full_lines.ready("not_reading")
        if lines is not None:
            log.warning(
                "ui_connection_not_reading",
                waited_s=WRITE_TIMEOUT_S,
                connections=lines,
                total=cls.not_reading,
                hint="a browser (a stalled tab?) or another client read nothing of its answer or event stream; "
                "its connection is closed, and a page reconnects by itself",
            )

    def send_400_response(self, msg: str) -> None:
        """uvicorn's own answer to a request h11 cannot parse (never seen by the app, nor by its
        Guard), with the headers every answer carries."""
        body = b"hookd ui: not an HTTP/1.1 request\n"
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *HEADERS]
        for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request head arrived: it is being answered
            self._head_arrived()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_head()  # before the base class reads a pipelined request
        super().on_response_complete()

    def _await_head(self) -> None:
        self._head_arrived()
        self.waiting_since = time.monotonic()
        self.head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_timed_out)

    def _head_arrived(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        self.waiting_since = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        self.transport.abort()  # nothing of ours waits to be sent: we are between answers

    @classmethod
    def refit(cls, connections: set[object], limit: int | None) -> None:
        """The cap for a descriptor limit changed while the UI runs (descriptors.follow_limit):
        connections past it that wait for a request are closed, the longest waiting first."""
        from hookd.descriptors import connection_cap

        cls.max_connections = connection_cap(MAX_CONNECTIONS, 0.5, limit)
        waiting = sorted(
            (c for c in connections if isinstance(c, BoundedH11Protocol) and c.waiting_since is not None),
            key=lambda c: c.waiting_since or 0.0,
        )
        for connection in waiting[: max(0, len(connections) - cls.max_connections)]:
            connection._evict()

    def _evict(self) -> None:
        """Close this connection, which waits for a request, to make room; counted."""
        self._head_arrived()
        self.transport.abort()
        BoundedH11Protocol.evicted += 1

    def _make_room(self) -> None:
        waiting = [c for c in self.connections if isinstance(c, BoundedH11Protocol) and c.waiting_since is not None]
        min(waiting, key=lambda c: c.waiting_since or 0.0, default=self)._evict()
        cls = BoundedH11Protocol
        if cls.full_lines.ready("full") is not None:
            log.warning(
                "ui_connections_full",
                limit=self.max_connections,
                closed_total=cls.evicted,
                hint="connections that sent no request are closed to make room (another local user?)",
            )


class PeerLines:
    """uvicorn's logger for one connection. What a peer's request makes uvicorn warn of (a request h11
    cannot parse, an Upgrade: a WebSocket any web page may open to the port) was a line per request,
    as many as anyone sent; each is now counted and said at most once in FULL_LOG_EVERY_S."""

    said: Counter[str] = Counter()

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def warning(self, msg: object, *args: object, **kwargs: object) -> None:
        text = str(msg)[:200]
        PeerLines.said[text] += 1
        lines = BoundedH11Protocol.full_lines.ready(("peer", text))
        if lines is not None:
            log.warning(
                "ui_peer_request_refused",
                said=text,
                requests=lines,
                total=PeerLines.said[text],
                hint="a request that was not the UI's (another program on this host, https:// to its http:// URL, "
                "or a web page's WebSocket); it was answered and the UI went on",
            )

    def __getattr__(self, name: str) -> object:
        return getattr(self.logger, name)
