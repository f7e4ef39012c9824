"""The worker's messages on its pipes (worker.py): an 8-byte big-endian length, then the message,
read and written by a deadline, with poll() rather than select() (hookd may hold descriptors
past FD_SETSIZE)."""

from __future__ import annotations

import math
import os
import select
import struct
import time

from hookd.paths import write_all

_LENGTH = struct.Struct(">Q")


def send(fd: int, data: bytes) -> None:
    for part in (_LENGTH.pack(len(data)), data):
        write_all(fd, part)


def send_by(fd: int, data: bytes, deadline: float) -> None:
    """send on a non-blocking ``fd``, waiting for room in the pipe until ``deadline`` (TimeoutError)."""
    for part in (_LENGTH.pack(len(data)), data):
        view = memoryview(part)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not _ready(fd, select.POLLOUT, left):
                    raise TimeoutError from None


def receive(fd: int, deadline: float) -> bytes:
    """One message from ``fd`` by ``deadline`` (TimeoutError), EOFError if the writer went away."""
    header = _read_exactly(fd, _LENGTH.size, deadline)
    return _read_exactly(fd, _LENGTH.unpack(header)[0], deadline)


def _ready(fd: int, events: int, timeout_s: float) -> bool:
    """Whether ``fd`` is ready for ``events`` (or at its end, or its reader gone) within
    ``timeout_s``: poll(), as select() refuses a descriptor past FD_SETSIZE (1,024), which hookd
    may open now (hookd/descriptors.py)."""
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(max(1, math.ceil(timeout_s * 1000))))


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks = []
    while size:
        left = None if deadline == float("inf") else deadline - time.monotonic()
        if left is not None and (left <= 0 or not _ready(fd, select.POLLIN, left)):
            raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
