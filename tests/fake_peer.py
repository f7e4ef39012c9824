"""A stand-in for hookd on a Unix socket, for the tests of what talks to it (hook-send, `hookd status`).

``FakePeer(path, behave)`` listens at ``path`` as the user and runs ``behave(peer, conn)`` on
the connection it accepts (``many=True``: on each, in a thread of its own), then closes it. The
behaviours below are what a daemon may do: read the frame, only its head line, some bytes or
nothing (``read=``), then answer, answer piece by piece, flood, hold the connection or reset it;
``in_turn`` chains them. What a behaviour read is kept in ``peer.received`` (``peer.got_frame``
is set). Two listeners never accept: ``NeverAccepts`` (its backlog full) and ``ListensAsNobody``
(uid 65534's, for the peer-credentials check). Every one has ``close()``, safe to call twice.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

OK_REPLY = b"OK 019aa5f4-8c3e-7a01-9b2f-5d1c0e7f4a21\n"

Read = str | int  # "frame", "head" (up to the header line's end), or one recv of at most n bytes (0: none)
Behaviour = Callable[["FakePeer", socket.socket], object]


class FakePeer:
    """A Unix socket server of the user's own uid that does ``behave`` to what connects."""

    def __init__(
        self, path: str | Path, behave: Behaviour, *, many: bool = False, conn_timeout: float | None = 5.0
    ) -> None:
        self.stop = threading.Event()  # set by close(): what holds a connection lets go
        self.received: bytes | None = None
        self.got_frame = threading.Event()
        self._behave = behave
        self._many = many
        self._conn_timeout = conn_timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(16)
        self.sock.settimeout(0.2)  # how often the accept loop looks at stop
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.stop.is_set():
                conn.close()
                return
            conn.settimeout(self._conn_timeout)
            if not self._many:
                self._serve(conn)
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._behave(self, conn)
            except OSError:
                pass

    def record(self, data: bytes) -> None:
        self.received = data
        self.got_frame.set()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self._threads[0].join(5)
        for thread in self._threads[1:]:
            thread.join(5)


class NeverAccepts:
    """A listener that never accepts, its backlog filled: a client's connect() waits."""

    def __init__(self, path: str | Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(0)
        self.held: list[socket.socket] = []
        for _ in range(8):
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect(str(path))
            except OSError:
                filler.close()
                break
            self.held.append(filler)

    def close(self) -> None:
        self.sock.close()
        for filler in self.held:
            filler.close()


class ListensAsNobody:
    """A listener of uid 65534's (needs root): the credentials a client reads are the
    listener's at listen(), so a forked child listens as nobody, accepts once and closes."""

    def __init__(self, path: str | Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        ready_r, ready_w = os.pipe()
        self.child = os.fork()
        if self.child == 0:
            try:
                os.setgid(65534)
                os.setuid(65534)
                self.sock.listen(4)
                os.write(ready_w, b"x")
                self.sock.settimeout(5)
                conn, _ = self.sock.accept()
                conn.close()
            finally:
                os._exit(0)
        os.read(ready_r, 1)
        os.close(ready_r)
        os.close(ready_w)

    def close(self) -> None:
        if self.child:
            self.sock.close()
            os.waitpid(self.child, 0)
            self.child = 0


# ---------------------------------------------------------------- behaviours


def read_frame(conn: socket.socket, body: bool = True) -> bytes:
    """The header line and (body) as much of the body as it announces; what came, if the client stops."""
    data = b""
    try:
        while b"\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head = data.split(b"\n", 1)[0]
        size = head.split(b" ")[1] if head.count(b" ") else b""
        need = len(head) + 1 + (int(size) if body and size.isdigit() else 0)
        while len(data) < need:
            chunk = conn.recv(min(65536, need - len(data)))
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def _read(peer: FakePeer, conn: socket.socket, read: Read) -> None:
    if read == "frame" or read == "head":
        peer.record(read_frame(conn, body=read == "frame"))
    elif read:
        peer.record(conn.recv(int(read)))


def answer(reply: bytes, *, read: Read = "frame") -> Behaviour:
    """Read, then send ``reply`` (b"": none) and close."""

    def behave(peer: FakePeer, conn: socket.socket) -> None:
        _read(peer, conn, read)
        conn.sendall(reply)

    return behave


def close_at_once(peer: FakePeer, conn: socket.socket) -> None:
    """Accept and close, reading nothing."""


def stream(pieces: Iterable[bytes], *, every: float = 0.0, read: Read = "frame") -> Behaviour:
    """Read, then send each piece, ``every`` seconds apart, until they run out or the peer is closed
    (an endless iterable: a trickle or a flood without end)."""

    def behave(peer: FakePeer, conn: socket.socket) -> None:
        _read(peer, conn, read)
        for piece in pieces:
            conn.sendall(piece)
            if peer.stop.wait(every):
                return

    return behave


def hold(*, read: Read = "frame", idle: float | None = None) -> Behaviour:
    """Read, then never answer: keep the connection until the peer is closed, or (``idle``) let
    go when the client closes its end or has sent nothing for ``idle`` seconds."""

    def behave(peer: FakePeer, conn: socket.socket) -> None:
        _read(peer, conn, read)
        if idle is None:
            peer.stop.wait()
            return
        conn.settimeout(idle)
        while conn.recv(4096):
            pass

    return behave


def reset(*, read: Read = 100) -> Behaviour:
    """Read, then close with a reset (RST), not an orderly end."""

    def behave(peer: FakePeer, conn: socket.socket) -> None:
        _read(peer, conn, read)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return behave


def in_turn(*behaviours: Behaviour) -> Behaviour:
    """The behaviours one after the other on the same connection."""

    def behave(peer: FakePeer, conn: socket.socket) -> None:
        for one in behaviours:
            one(peer, conn)

    return behave


def answering(path: str | Path, reply: bytes | None = OK_REPLY, early: bool = False) -> FakePeer:
    """hookd as hook-send meets it: reads one frame (early: its header line only), answers ``reply``.
    reply=None: never answers (until closed); b"": closes without answering."""
    read = "head" if early else "frame"
    return FakePeer(path, hold(read=read) if reply is None else answer(reply, read=read))
