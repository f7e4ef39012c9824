"""Handing events out to the publisher, in order, ahead of the committed position.

Events just appended come from memory (recent.py), after a rewind too; anything memory cannot
say (past its bound, after a restart) is read back from the segment files. A record that fails its
checksum is skipped and logged, never handed out; each stretch of damage is logged and counted
once, however often a rewind reads past it again. ``rewind`` starts again from the committed
position after a failed publish.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import msgspec
import structlog

from hookd.spool.event import Event
from hookd.spool.files import SegmentFiles
from hookd.spool.recent import RecentEvents
from hookd.spool.deferred import ReadDeferred
from hookd.spool.records import SegmentReader
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.spool")


class Batch(NamedTuple):
    events: list[Event]
    end: Position
    size: int


class SpoolReader:
    def __init__(self, files: SegmentFiles, recent: RecentEvents, position: Position) -> None:
        self.files = files
        self.recent = recent
        self.position = position  # just after the last event handed out
        self.damaged_bytes = 0
        # Each stretch of damage met, by (segment, where it ends): a rewind meets it again, and a
        # publisher retrying against a Redis that is down would log it at every retry.
        self.damage: dict[tuple[int, int], int] = {}
        self.new_damage: list[tuple[int, int, int]] = []  # (segment, end, bytes) not yet counted in events
        self._decoder = msgspec.msgpack.Decoder(Event)
        self._reader: SegmentReader | None = None
        self._lookahead: tuple[Event, Position] | None = None
        self._defer = False  # reads raised as ReadDeferred, made off the loop (SpoolReading.next_batch)
        self._opened: tuple[Position, SegmentReader] | None = None  # a deferred open's reader, for there

    def rewind(self, position: Position) -> None:
        """Hand out again everything after ``position``."""
        self.close()
        self._lookahead = None
        self.position = position

    def has_unread(self) -> bool:
        return self._lookahead is not None or self.position != self.files.end

    def read_batch(self, max_events: int, max_bytes: int, defer: bool = False) -> Batch:
        """The next events after those already handed out, possibly none; never waits.

        A batch holds one sender's events (host and instance), so that the script can
        check them against one high-water mark. With ``defer``, a read of a segment file the batch
        needs is not made: ReadDeferred is raised for it (when the batch has no event before it).
        """
        events: list[Event] = []
        size = 0
        end = self.position
        self._defer = defer
        if self._reader is not None:
            self._reader.defer = defer
        try:
            for event, after in self._unread():
                if events and (
                    size + len(event.envelope) > max_bytes
                    or (event.host, event.instance) != (events[0].host, events[0].instance)
                ):
                    self._lookahead = (event, after)
                    break
                events.append(event)
                size += len(event.envelope)
                end = after
                if len(events) >= max_events:
                    break
        except OSError:
            # A read of a segment failed (EIO): nothing past the last event in the batch counts as
            # read, so that the next read tries the same bytes again rather than skip them.
            self.close()
            self._lookahead = None
            self.position = end
            if not events:
                raise
        except ReadDeferred:
            # The events before the read are handed out; the reader stands just after them.
            if not events:
                raise
        return Batch(events, end, size)

    def open_deferred(self, position: Position) -> None:
        """The open of ``position``'s segment that a ReadDeferred asked for (in a thread)."""
        reader = SegmentReader(self.files.path(position.segment), position.offset, self.files.dir_fd)
        self._opened = (position, reader)

    def _unread(self) -> Iterator[tuple[Event, Position]]:
        files = self.files
        if self._lookahead is not None:
            event, position = self._lookahead
            self._lookahead = None
            self.position = position
            yield event, position
        while True:
            recent = self.recent.take(self.position)
            if recent is not None:
                self.close()  # its offset is behind the events taken from memory
                self.position = recent[1]
                yield recent
                continue
            seg, offset = self.position
            active = seg == files.write_seg
            if offset == files.sizes[seg] and self._reader is None:  # read to its end already
                if active:
                    return
                self.position = Position(files.after(seg), 0)
                continue
            if self._reader is None:
                self._reader = self._open(self.position)
            # The file only up to where memory starts: damage there (a failed fsync's dropped pages)
            # is not passed over as far as the next whole record, past events memory still holds.
            end = files.sizes[seg]
            front = self.recent.front()
            if front is not None and front.segment == seg and offset < front.offset < end:
                end = front.offset
            in_memory = False
            for data, after in self._reader.records(limit=2**62, end=end):
                self._note_damage(self._reader, seg)
                self.position = Position(seg, after)
                try:
                    event = self._decoder.decode(data)
                except msgspec.DecodeError:
                    log.error("spool_record_undecodable", segment=seg, offset=after - len(data))
                    continue
                yield event, self.position
                # What follows is in memory: taken from there, not from a file a failed fsync may have
                # left without it (recent.py).
                if self.recent.has(self.position):
                    in_memory = True
                    break
            if in_memory:
                self.close()
                continue
            self._note_damage(self._reader, seg)
            # Damage at the end is skipped too: the position must reach the end, or
            # next_batch would find "unread" bytes it can never hand out.
            self.position = Position(seg, self._reader.offset)
            if self.recent.has(self.position):
                self.close()
                continue
            if active:
                return
            self.close()
            self.position = Position(files.after(seg), 0)

    def _open(self, position: Position) -> SegmentReader:
        opened, self._opened = self._opened, None
        if opened is not None:
            if opened[0] == position:
                opened[1].defer = self._defer
                return opened[1]
            opened[1].close()  # a rewind since: opened for another position
        if self._defer:
            raise ReadDeferred(lambda: self.open_deferred(position), self.files.path(position.segment))
        return SegmentReader(self.files.path(position.segment), position.offset, self.files.dir_fd)

    def _note_damage(self, reader: SegmentReader, seg: int) -> None:
        """Log damage the reader skipped since last asked: never silent, never data."""
        new = reader.skipped_bytes - reader.reported_bytes
        if new:
            reader.reported_bytes = reader.skipped_bytes
            if (seg, reader.offset) in self.damage:
                return
            self.damage[seg, reader.offset] = new
            self.new_damage.append((seg, reader.offset, new))
            self.damaged_bytes += new
            log.warning(
                "spool_damage_skipped",
                segment=self.files.path(seg),
                offset=reader.offset,
                bytes=new,
                damaged_so_far=self.damaged_bytes,
                hint="a record failed its checksum (disk or file damage); it was skipped",
            )

    def forget_damage_before(self, segment: int) -> None:
        """Segments before ``segment`` are never read again: their damage need not be known."""
        for key in [key for key in self.damage if key[0] < segment]:
            del self.damage[key]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def segment_reader(self) -> SegmentReader | None:
        return self._reader
