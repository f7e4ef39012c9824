"""The event socket: an owner-only Unix stream socket, one small state machine per connection.

Parsing happens in ``data_received`` without a coroutine per read, so that a
connection costs little and a slow or silent one holds up no other: each has
its own deadline for the frame in hand.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import stat

import structlog

from hookd.ingest.protocol import (
    BARE, MAGIC, MAX_HEADER_BYTES, TO_EOF, Header, Reason, Rejected, error_line, ok_line,
    parse_header)
from hookd.paths import ensure_private_dir
from hookd.pipeline import Pipeline

log = structlog.get_logger("hookd.ingest")


class AlreadyRunning(Exception):
    """Another daemon answers on the socket; we must not steal it."""


class EventConnection(asyncio.Protocol):
    def __init__(self, pipeline: Pipeline, max_body: int, timeout_s: float,
                 connections: set[EventConnection]) -> None:
        self.pipeline = pipeline
        self.max_body = max_body
        self.timeout_s = timeout_s
        self.connections = connections
        self.buffer = bytearray()
        self.header: Header | None = None
        self.frames = 0
        self.closing = False
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None

    # -- asyncio callbacks ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connections.add(self)
        self._arm_timer()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.buffer += data
        self._process(eof=False)

    def eof_received(self) -> bool:
        if not self.closing:
            self._process(eof=True)
        if not self.closing:
            self._close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()

    # -- framing ------------------------------------------------------------

    @property
    def mid_frame(self) -> bool:
        return bool(self.buffer) or self.header is not None

    def _process(self, eof: bool) -> None:
        try:
            while not self.closing and self._next_frame(eof):
                pass
        except Rejected as exc:
            self._reply(error_line(exc.reason, exc.message))
            if exc.reason.closes_connection:
                self._close()

    def _next_frame(self, eof: bool) -> bool:
        """Handle one complete frame if the buffer holds one; False when more bytes are needed."""
        if self.header is None:
            if not self.buffer:
                return False
            if self.frames == 0 and not self.buffer.startswith(MAGIC[:1]):
                self.header = BARE
            else:
                line_end = self.buffer.find(b"\n", 0, MAX_HEADER_BYTES + 1)
                if line_end < 0:
                    if len(self.buffer) > MAX_HEADER_BYTES or eof:
                        raise self.pipeline.refuse(
                            Reason.BAD_HEADER, "no complete header line (at most 4096 bytes)")
                    return False
                self.header = self._parse(bytes(self.buffer[:line_end]))
                del self.buffer[: line_end + 1]
        header = self.header
        if header.length == TO_EOF:
            if len(self.buffer) > self.max_body:
                raise self.pipeline.refuse(Reason.TOO_LARGE, self._too_large(len(self.buffer)), header)
            if not eof:
                return False
            body = bytes(self.buffer)
            self.buffer.clear()
        else:
            if len(self.buffer) < header.length:
                if eof:
                    raise self.pipeline.refuse(
                        Reason.NOT_JSON,
                        f"the connection ended after {len(self.buffer)} of {header.length} body bytes",
                        header, len(self.buffer))
                return False
            body = bytes(self.buffer[: header.length])
            del self.buffer[: header.length]
        self.header = None
        self.frames += 1
        self._take(header, body)
        return header.length != TO_EOF

    def _parse(self, line: bytes) -> Header:
        try:
            header = parse_header(line)
        except Rejected as exc:
            raise self.pipeline.refuse(exc.reason, exc.message) from None
        if header.length > self.max_body:
            raise self.pipeline.refuse(Reason.TOO_LARGE, self._too_large(header.length), header)
        return header

    def _too_large(self, size: int) -> str:
        return (f"the body is {size} bytes or more, over the limit of {self.max_body} "
                "(max_event_bytes)")

    def _take(self, header: Header, body: bytes) -> None:
        try:
            event_id = self.pipeline.take(header, body)
        except Rejected as exc:
            self._reply(error_line(exc.reason, exc.message))
            if exc.reason.closes_connection:
                self._close()
            else:
                self._arm_timer()
            return
        self._reply(ok_line(event_id))
        self._arm_timer()

    # -- plumbing -------------------------------------------------------------

    def _reply(self, line: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(line)

    def _close(self) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
        if self.transport is not None:
            self.transport.close()

    def _arm_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(self.timeout_s, self._on_timeout)

    def _on_timeout(self) -> None:
        if self.closing:
            return
        if self.mid_frame or self.frames == 0:
            rejected = self.pipeline.refuse(
                Reason.TIMEOUT,
                f"no complete frame within {self.timeout_s:g}s (client_timeout_s)",
                self.header, len(self.buffer))
            self._reply(error_line(rejected.reason, rejected.message))
        self._close()

    def shut(self) -> None:
        """Close at shutdown: a connection mid-frame is told to keep its event."""
        if self.mid_frame and not self.closing:
            self._reply(error_line(Reason.UNAVAILABLE, "hookd is shutting down; resend the event"))
        self._close()


def bind_event_socket(path: str) -> socket.socket:
    """Bind the socket 0600 inside a 0700 directory, replacing only a dead daemon's socket."""
    ensure_private_dir(os.path.dirname(path))
    _remove_stale_socket(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        sock.bind(path)
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _remove_stale_socket(path: str) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise AlreadyRunning(f"{path} exists and is not a socket; remove it or choose another --socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise AlreadyRunning(f"cannot tell whether a daemon owns {path}: {exc.strerror}") from exc
    else:
        raise AlreadyRunning(f"another hookd is already serving {path}; stop it first "
                             "(or give this one another --socket and --state-dir)")
    finally:
        probe.close()
    log.info("stale_socket_removed", socket=path)
    os.unlink(path)


def remove_socket_if_ours(path: str, inode: int) -> None:
    """Unlink the socket at shutdown, unless it is no longer the one we bound."""
    try:
        if os.lstat(path).st_ino == inode:
            os.unlink(path)
    except FileNotFoundError:
        pass
