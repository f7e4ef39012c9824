"""The events the spool wrote lately, kept in memory so that the publisher need not read them back.

While Redis keeps up, the publisher hands out what was appended a few ms
before: reading it from the file costs a read, a checksum and a decode for
each event. The file is still what survives a crash of hookd, and the position
in it still rules: an event is taken from here only when it starts exactly
where the publisher's read position is; anything else (events dropped for the
bound below, a restart) is read from the file as before. An entry stays until
Redis has it (``forget_before``), so that a rewind after a failed publish finds
it here again.

After a failed fsync the file may not hold what it was given: Linux can drop
the pages it could not write, and they read back as zeros (or old data). The
events written by then are ``pin``ned: the bound does not evict them until Redis
has them, so the publisher takes them from here instead of from the file.

An event let go before any flush covered it is unsure too (``gone_unsure``), failure or not: the
flush that comes next may fail and take it with it, and hook-send's copy of it must then be taken
again. A flush that works makes what it covered sure, except what an earlier failed one may have
lost (``_failed_through``).
"""

from __future__ import annotations

from collections import deque

import structlog

from hookd.spool.event import Event
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.spool")

MAX_BYTES = 4 << 20  # a few thousand events; during an outage the oldest go, read from the file later
# A disk whose every fsync fails, with Redis away, would pin everything: past this the oldest go too.
PINNED_MAX_BYTES = 64 << 20
# The hand-off ids of unsure events let go past PINNED_MAX_BYTES (``gone_unsure``), at most this many.
GONE_UNSURE_MAX = 200_000


class RecentEvents:
    def __init__(self, max_bytes: int = MAX_BYTES, pinned_max_bytes: int = PINNED_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.pinned_max_bytes = pinned_max_bytes
        self._entries: deque[tuple[Position, Event, Position]] = deque()
        self._by_start: dict[Position, tuple[Event, Position]] = {}
        self._bytes = 0
        self._pinned: Position | None = None  # entries ending by here stay whatever the bound
        self._said_past = False  # spool_unsure_events_past_memory logged while pinned (once, not per flush)
        # Hand-off ids of unsure events memory let go, until Redis has them or a copy is written again:
        # their file copy may be lost, so hook-send's inbox copy of one is taken again, not dropped as
        # a duplicate (pipeline.py, ingest/inbox.py). Under "batch" none was acknowledged: hook-send kept each.
        # hand-off id -> where the copy let go started, and its event id (a later copy may be here still)
        self.gone_unsure: dict[str, tuple[Position, str]] = {}
        # Under an fsync policy (spool.py sets it): an event let go before a flush covered it is unsure.
        self.tracks_unflushed = False
        self._synced = Position(0, 0)  # the end of the last flush that worked
        self._failed_through = Position(0, 0)  # the furthest a failed flush reached: not made sure after

    def add(self, start: Position, event: Event, after: Position) -> None:
        """Remember an event just written to the file between ``start`` and ``after``."""
        self._entries.append((start, event, after))
        self._by_start[start] = (event, after)
        self._bytes += after.offset - start.offset
        while self._bytes > self.max_bytes:
            if self._front_pinned():
                if self._bytes <= self.pinned_max_bytes:
                    break
                start, _, _ = self._entries[0]
                if not self._said_past:
                    self._said_past = True
                    log.warning(
                        "spool_unsure_events_past_memory",
                        segment=start.segment,
                        offset=start.offset,
                        pinned_max_bytes=self.pinned_max_bytes,
                        hint="a failed fsync left more events unsure than memory keeps: the oldest are read back "
                        "from the spool's file, which may have lost them; check the disk (dmesg), bring Redis back",
                    )
            start, event, _ = self._entries[0]
            if self._pinned is not None or (self.tracks_unflushed and self._synced <= start):
                # A flush failed and the next may too, or none has covered it yet: what goes now may read
                # back as zeros, and under "batch" hook-send keeps its own copy of it.
                if event.handoff_id and len(self.gone_unsure) < GONE_UNSURE_MAX:
                    self.gone_unsure[event.handoff_id] = (start, event.event_id)
            self._drop_first()

    def has_copy(self, events: list[Event]) -> None:
        """These events are written again, or Redis has them: their earlier copies are no longer unsure.
        Not the copy itself: a copy let go by the bound as it was written is unsure (``add``)."""
        gone = self.gone_unsure
        for event in events:
            if (held := gone.get(event.handoff_id)) is not None and held[1] != event.event_id:
                del gone[event.handoff_id]

    def published(self, events: list[Event]) -> None:
        """Redis has these events: another copy of any of them is a duplicate."""
        for event in events:
            self.gone_unsure.pop(event.handoff_id, None)

    def flushed(self, through: Position) -> None:
        """A flush worked for everything before ``through``: what was written after the last failed
        one is on the disk whole, and no longer unsure; what a failed one may have lost stays so."""
        self._synced = max(self._synced, through)
        if not self.gone_unsure:
            return
        low = self._failed_through
        for handoff_id in [h for h, (start, _) in self.gone_unsure.items() if low <= start < through]:
            del self.gone_unsure[handoff_id]

    def __len__(self) -> int:
        """The events held: every one from ``front`` on, all waiting (``forget_before``)."""
        return len(self._entries)

    def front(self) -> Position | None:
        """Where the oldest event memory holds starts: it holds every one after it."""
        return self._entries[0][0] if self._entries else None

    def starts_in(self, segment: int) -> frozenset[int]:
        """Where the events held in ``segment`` start (damage.py counts them whatever the file reads)."""
        return frozenset(start.offset for start in self._by_start if start.segment == segment)

    def has(self, position: Position) -> bool:
        return position in self._by_start

    def take(self, position: Position) -> tuple[Event, Position] | None:
        """The event that starts at ``position`` and the position after it, or None if not here."""
        return self._by_start.get(position)

    def forget_before(self, position: Position) -> None:
        """Redis has every event before ``position``: they need not be kept."""
        entries = self._entries
        while entries and entries[0][0] < position:
            self._drop_first()
        if self._pinned is not None and self._pinned <= position:
            self._pinned = None
            self._said_past = False

    def pin(self, through: Position) -> None:
        """Keep the events written before ``through`` (a failed fsync left them unsure on the disk)."""
        if self._pinned is None or self._pinned < through:
            self._pinned = through
        self._failed_through = max(self._failed_through, through)

    def _front_pinned(self) -> bool:
        return bool(self._entries) and self._pinned is not None and self._entries[0][0] < self._pinned

    def _drop_first(self) -> None:
        start, _, after = self._entries.popleft()
        self._by_start.pop(start, None)
        self._bytes -= after.offset - start.offset
