"""The events the spool wrote lately, kept in memory so that the publisher need not read them back.

While Redis keeps up, the publisher hands out what was appended a few ms
before: reading it from the file costs a read, a checksum and a decode for
each event. The file is still what survives a crash, and the position in it
still rules: an event is taken from here only when it starts exactly where the
publisher's read position is; anything else (a rewind after a failed publish,
events dropped for the bound below, a restart) is read from the file as
before, and entries the position has passed are discarded.
"""

from __future__ import annotations

from collections import deque

from hookd.spool.event import Event
from hookd.spool.segments import Position

MAX_BYTES = 4 << 20  # a few thousand events; during an outage the oldest go, read from the file later


class RecentEvents:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: deque[tuple[Position, Event, Position]] = deque()
        self._bytes = 0

    def add(self, start: Position, event: Event, after: Position) -> None:
        """Remember an event just written to the file between ``start`` and ``after``."""
        self._entries.append((start, event, after))
        self._bytes += after.offset - start.offset
        while self._bytes > self.max_bytes:
            self._drop_first()

    def take(self, position: Position) -> tuple[Event, Position] | None:
        """The event that starts at ``position`` and the position after it, or None if not here."""
        entries = self._entries
        while entries and entries[0][0] < position:
            self._drop_first()
        if not entries or entries[0][0] != position:
            return None
        _, event, after = entries[0]
        self._drop_first()
        return event, after

    def _drop_first(self) -> None:
        start, _, after = self._entries.popleft()
        self._bytes -= after.offset - start.offset
