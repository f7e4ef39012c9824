"""The event socket's connections: one small state machine each (the socket file: socket_files.py).

Parsing happens in ``data_received`` without a coroutine per read, so that a
connection costs little and a slow or silent one holds up no other: each has
its own deadline for the frame in hand.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from hookd.ingest.budget import FrameBudget, PausesReading
from hookd.ingest.protocol import (
    BARE,
    MAGIC,
    MAX_HEADER_BYTES,
    TO_EOF,
    Header,
    Reason,
    Rejected,
    error_line,
    parse_header,
)
from hookd.ingest.replies import ReplyQueue
from hookd.peers import PeerGuard
from hookd.pipeline import Pipeline
from hookd.pipeline.outcome import fail_unflushed

# Frames taken from one connection before the loop turns to the others: one read can bring
# tens of thousands of small frames, and taking them all at once holds every other sender up.
FRAMES_PER_TURN = 256
# Unread replies a connection may leave before it is no longer read (budget.PausesReading):
# room for about 100,000 OK lines, so that a sender writing a batch before it reads the
# replies (nc, a script) does not wait on itself; a bound, so that one that never reads costs
# no more.
REPLY_BUFFER_BYTES = 4 << 20


class EventConnection(PausesReading, asyncio.Protocol):
    """One client connection: frames in, one reply line per frame out.

    All the frames that one read brings are taken together: one spool write
    and one reply write for the lot, which is what makes a busy connection
    cheap. Every reply still follows the spool write it vouches for.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        max_body: int,
        timeout_s: float,
        connections: set[EventConnection],
        guard: PeerGuard | None = None,
        budget: FrameBudget | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.guard = guard
        self.budget = budget
        self.max_body = max_body
        self.timeout_s = timeout_s
        self.connections = connections
        self.buffer = bytearray()
        self.pos = 0  # start of the unparsed part of buffer
        self.header: Header | None = None
        self.frames = 0
        self.closing = False
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.deadline = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.replies: ReplyQueue[bytes] = ReplyQueue(
            self._reply_lines, self._close, fail_unflushed, self._on_replies_sent
        )
        self.eof = False

    # -- asyncio callbacks ------------------------------------------------

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, base)  # a stream server's: always a Transport
        if self.guard is not None and not self.guard.admit(transport.get_extra_info("socket"), "events"):
            self.closing = True  # another user's process: not a byte read or answered
            transport.abort()
            return
        self.transport = transport
        transport.set_write_buffer_limits(high=REPLY_BUFFER_BYTES)
        self.connections.add(self)
        self.deadline = self.loop.time() + self.timeout_s
        self.timer = self.loop.call_at(self.deadline, self._on_timer)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.buffer += data
        self._process(eof=False)

    def eof_received(self) -> bool:
        if not self.closing:
            self._process(eof=True)
        if not self.closing:
            if self.replies:  # replies still being prepared: close once they are written
                self.eof = True
                return True
            self._close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.buffer = bytearray()
        if self.budget is not None:
            self.budget.release(self)

    # -- framing ------------------------------------------------------------

    @property
    def mid_frame(self) -> bool:
        return len(self.buffer) > self.pos or self.header is not None

    def _process(self, eof: bool) -> None:
        started = time.perf_counter()
        frames: list[tuple[Header, bytes]] = []
        refusal: Rejected | None = None
        more = False
        try:
            while (frame := self._next_frame(eof)) is not None:
                frames.append(frame)
                if frame[0].length == TO_EOF:
                    break
                if len(frames) >= FRAMES_PER_TURN and not eof:
                    more = True
                    break
        except Rejected as exc:
            refusal = exc
        del self.buffer[: self.pos]
        self.pos = 0
        if self.budget is not None:
            self.budget.update(self, len(self.buffer))
        replies: list[bytes] = []
        close = False
        durable: asyncio.Future[Any] | None = None
        if frames:
            taken, close, durable = self.pipeline.take_all(frames, self.replies.after)
            self.deadline = self.loop.time() + self.timeout_s
            if taken is None:  # prepared off the loop; later frames of this connection wait
                assert durable is not None  # an Outcome without replies has the future that brings them
                self.replies.add_later(durable)
                durable = None
            else:
                replies = taken
        if refusal is not None:
            replies.append(error_line(refusal.reason, refusal.message))
            close = close or refusal.reason.closes_connection
        if replies or close:
            self.replies.add(replies, close, durable)
        if frames:
            self.pipeline.state.accept_latency.add(time.perf_counter() - started)
        if more:  # the rest of this read after the other connections' turns
            self.turn_held = True
            self._set_reading()
            self.loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self.turn_held = False
        if not self.closing:
            self._process(eof=False)
        if not self.turn_held:
            self._set_reading()

    def _next_frame(self, eof: bool) -> tuple[Header, bytes] | None:
        """The next complete frame in the buffer, or None when more bytes are needed."""
        buffer, pos = self.buffer, self.pos
        if self.header is None:
            if len(buffer) == pos:
                return None
            if self.frames == 0 and buffer[pos] != MAGIC[0]:
                self.header = BARE
            else:
                line_end = buffer.find(b"\n", pos, pos + MAX_HEADER_BYTES + 1)
                if line_end < 0:
                    if len(buffer) - pos > MAX_HEADER_BYTES or eof:
                        raise self.pipeline.refuse(Reason.BAD_HEADER, "no complete header line (at most 4096 bytes)")
                    return None
                self.header = self._parse(bytes(buffer[pos:line_end]))
                self.pos = pos = line_end + 1
        header = self.header
        available = len(buffer) - pos
        if header.length == TO_EOF:
            if available > self.max_body:
                raise self.pipeline.refuse(Reason.TOO_LARGE, self._too_large(available), header)
            if not eof:
                return None
            length = available
        elif available < header.length:
            if eof:
                raise self.pipeline.refuse(
                    Reason.NOT_JSON,
                    f"the connection ended after {available} of {header.length} body bytes",
                    header,
                    available,
                )
            return None
        else:
            length = header.length
        body = bytes(buffer[pos : pos + length])
        self.pos = pos + length
        self.header = None
        self.frames += 1
        return header, body

    def _parse(self, line: bytes) -> Header:
        try:
            header = parse_header(line)
        except Rejected as exc:
            raise self.pipeline.refuse(exc.reason, exc.message) from None
        if header.length > self.max_body:
            raise self.pipeline.refuse(Reason.TOO_LARGE, self._too_large(header.length), header)
        return header

    def _too_large(self, size: int) -> str:
        return f"the body is {size} bytes or more, over the limit of {self.max_body} (max_event_bytes)"

    # -- plumbing -------------------------------------------------------------

    def _reply_lines(self, lines: list[bytes]) -> None:
        self._reply(b"".join(lines))

    def _on_replies_sent(self) -> None:
        if self.eof and not self.closing:
            self._close()

    def _reply(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _close(self) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
        self.close_transport(self.timeout_s)

    def _on_timer(self) -> None:
        """Fires at the deadline set when the timer was armed; frames since may have moved it."""
        if self.closing:
            return
        if self.loop.time() < self.deadline or self.replies:  # waiting on hookd is not the client's fault
            self.deadline = max(self.deadline, self.loop.time() + (self.timeout_s if self.replies else 0))
            self.timer = self.loop.call_at(self.deadline, self._on_timer)
            return
        if self.mid_frame or self.frames == 0:
            rejected = self.pipeline.refuse(
                Reason.TIMEOUT,
                f"no complete frame within {self.timeout_s:g}s (client_timeout_s)",
                self.header,
                len(self.buffer) - self.pos,
            )
            self._reply(error_line(rejected.reason, rejected.message))
        self._close()

    def shut(self) -> None:
        """Close at shutdown: a connection mid-frame is told to keep its event."""
        if self.mid_frame and not self.closing:
            self._reply(error_line(Reason.UNAVAILABLE, "hookd is shutting down; resend the event"))
        self._close()
