"""A cap on the bytes held across all connections' unfinished frames, and memory given back after.

One connection may hold up to max_event_bytes of a frame it has not finished
sending; many such connections would otherwise hold many times that. Past the
budget (``pending_frame_bytes``), the connection whose data went over stops
being read (the kernel's socket buffer then fills and its sender waits) until
frames complete or connections close; its client_timeout_s still runs, so
one that never finishes is refused and closed, and its bytes return to the
budget. A frame that arrives whole in one read never holds the budget at all.

One connection holding bytes is always read, even past the budget: with every one of them
waiting, no frame could complete and give bytes back, and all would wait until their
client_timeout_s refused them (frames that would each have fit). The budget can thus be
exceeded by at most one frame (max_event_bytes) and one read per waiting connection.
"""

from __future__ import annotations

import asyncio
import ctypes
from collections import deque
from typing import Protocol

import structlog

log = structlog.get_logger("hookd.ingest")

# glibc's mallopt(M_MMAP_THRESHOLD): buffers at least this large get their own mapping,
# which free() returns to the system at once.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024


class Holder(Protocol):
    def pause(self) -> None: ...
    def resume(self) -> None: ...


class PausesReading:
    """A connection's side of the budget, and of its own replies: reading its transport stops
    and starts again.

    Reading also stops while the replies the peer has not read fill the transport's buffer
    past its high-water mark (asyncio's ``pause_writing``): a peer that sends without reading
    (pipelined requests, an HTTP sender without the token getting a 401 each) would otherwise
    make the daemon buffer answers without end. Reading goes on only once neither holds it.

    For asyncio protocols that keep their ``transport`` and set ``closing`` when they close."""

    transport: asyncio.Transport | None
    closing: bool
    _budget_holds = False
    _replies_hold = False
    turn_held = False  # the protocol's own: frames of the last read wait for their turn

    def pause(self) -> None:
        self._budget_holds = True
        self._set_reading()

    def resume(self) -> None:
        self._budget_holds = False
        self._set_reading()

    def pause_writing(self) -> None:
        self._replies_hold = True
        self._set_reading()

    def resume_writing(self) -> None:
        self._replies_hold = False
        self._set_reading()

    def _set_reading(self) -> None:
        if self.transport is None or self.closing:
            return
        if self._budget_holds or self._replies_hold or self.turn_held:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def close_transport(self, grace_s: float) -> None:
        """Close after the replies still buffered are sent; a peer that does not read them within
        ``grace_s`` is cut off, so that it keeps neither its buffer nor its descriptor."""
        transport = self.transport
        if transport is None:
            return
        transport.close()
        if transport.get_write_buffer_size():
            asyncio.get_running_loop().call_later(grace_s, transport.abort)


class FrameBudget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.held: dict[Holder, int] = {}
        self.paused: deque[Holder] = deque()
        self.pauses = 0  # times a connection was made to wait, for status

    def update(self, holder: Holder, holding: int) -> None:
        """``holder`` now holds ``holding`` bytes of unfinished frames."""
        before = self.held.pop(holder, 0)
        if holding:
            self.held[holder] = holding
        self.used += holding - before
        if holding and self.used > self.limit and holder not in self.paused and self._others_read(holder):
            self.pauses += 1
            if self.pauses & (self.pauses - 1) == 0:  # 1st, 2nd, 4th, ...: not a line per read
                log.warning(
                    "frame_budget_full",
                    used=self.used,
                    limit=self.limit,
                    connections=len(self.held),
                    pauses=self.pauses,
                    hint="connections holding unfinished frames wait until others finish (pending_frame_bytes)",
                )
            self.paused.append(holder)
            holder.pause()
        elif holding < before:
            self._resume()

    def release(self, holder: Holder) -> None:
        """``holder`` is gone: its bytes return to the budget."""
        try:
            self.paused.remove(holder)
        except ValueError:
            pass
        self.update(holder, 0)

    def _reading(self) -> int:
        """How many connections holding bytes are still read (a waiting one may hold none)."""
        return len(self.held) - sum(1 for holder in self.paused if holder in self.held)

    def _others_read(self, holder: Holder) -> bool:
        """Whether a connection holding bytes other than ``holder`` (not waiting) is still read."""
        return self._reading() > (1 if holder in self.held else 0)

    def _resume(self) -> None:
        # The oldest waiting goes on when there is room, or when no connection holding bytes is
        # read any more (see the module's doc).
        while self.paused and (self.used < self.limit or self._reading() == 0):
            self.paused.popleft().resume()

    def snapshot(self) -> dict[str, int]:
        return {
            "bytes": self.used,
            "limit": self.limit,
            "connections": len(self.held),
            "waiting": len(self.paused),
            "pauses": self.pauses,
        }


def give_back_large_buffers() -> None:
    """Make large buffers (a frame in the making) separate mappings, returned to the system when
    freed; glibc would otherwise raise its threshold after the first and keep the memory."""
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)  # the process's own libc
    except (OSError, AttributeError):
        pass  # not glibc: its allocator keeps its own policy
