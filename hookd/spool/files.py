"""The spool's segments as it tracks them: each one's size and record count, and the newest.

Sizes are what the spool has written (the file may hold less after a failed write's undo,
or more while a write is under way); counts come from a segment's count file, written when
it is finished, or from reading its records, so that a start on a large backlog does not
read every record just to count them.
"""

from __future__ import annotations

import os
from collections.abc import Set as AbstractSet
from typing import NamedTuple

import structlog

from hookd.paths import create_private
from hookd.spool.cursor_segment import AroundCursor, read_segment
from hookd.spool.records import HEADER, SegmentReader
from hookd.spool.segments import Position, count_path, read_count, segment_path

log = structlog.get_logger("hookd.spool")

RECORD_MIN = HEADER.size + 1  # a record's header and its data, never empty (records.py)


class ValidRecords(NamedTuple):
    valid: int
    skipped: int  # bytes of damage passed
    damage_ends: set[int]  # where each stretch of it ends


# A read of (segment, start, end) made already (off the loop, damage.read_whole), and what it found.
MadeRead = tuple[tuple[int, int, int], ValidRecords]


class SegmentFiles:
    """``dir_fd``: the spool directory as hookd opened it at start; every file is reached
    relative to it (``directory`` names them in messages)."""

    def __init__(self, directory: str, dir_fd: int) -> None:
        self.directory = directory
        self.dir_fd = dir_fd
        self.sizes: dict[int, int] = {}
        self.counts: dict[int, int] = {}  # records per segment, from count files or a scan
        # The count a read of the whole segment gave: while counts holds it, it is the valid records,
        # not what was written (a count file, appends since), and damage after a cursor in it is
        # already left out of what is counted after the cursor.
        self.read_counts: dict[int, int] = {}
        self.write_seg = 0  # the newest segment, the one being written
        # What one read of the start cursor's segment found (cursor_segment.py): kept while the segment
        # is the size it was read at, so that no part of it is read again to count or to check.
        self.around: AroundCursor | None = None
        self.around_read = False  # that read made (the start's only: a later cursor reads as before)

    def path(self, segment: int) -> str:
        return segment_path(self.directory, segment)

    def count_path(self, segment: int) -> str:
        return count_path(self.directory, segment)

    def create(self, segment: int) -> int:
        """A new, empty segment file, open for appending."""
        return create_private(self.path(segment), os.O_WRONLY | os.O_APPEND, dir_fd=self.dir_fd)

    def mtime(self, segment: int) -> float:
        return os.stat(os.path.basename(self.path(segment)), dir_fd=self.dir_fd, follow_symlinks=False).st_mtime

    def unlink_each(self, segments: list[int]) -> None:
        """Delete the segments' files (and count files): safe from a thread, as sizes are not touched.
        One already gone is fine: the cursor keeper and the spool's bound may both choose it."""
        for seg in segments:
            for path in (self.path(seg), self.count_path(seg)):
                try:
                    os.unlink(os.path.basename(path), dir_fd=self.dir_fd)
                except FileNotFoundError:
                    pass

    def forget_each(self, segments: list[int]) -> None:
        """Forget deleted segments (on the thread that reads sizes: the event loop, once running)."""
        for seg in segments:
            self.sizes.pop(seg, None)
            self.counts.pop(seg, None)
            self.read_counts.pop(seg, None)
            if self.around is not None and self.around.segment == seg:
                self.around = None

    def after(self, seg: int) -> int:
        """The segment that follows ``seg``."""
        return min(s for s in self.sizes if s > seg)

    @property
    def end(self) -> Position:
        """Just after the last record written."""
        return Position(self.write_seg, self.sizes[self.write_seg])

    @property
    def disk_bytes(self) -> int:
        return sum(self.sizes.values())

    def bytes_from(self, position: Position) -> int:
        seg, offset = position
        return sum(size for s, size in self.sizes.items() if s >= seg) - offset

    def pending_from(self, position: Position, quiet: bool = False, made: MadeRead | None = None) -> int:
        """Events after ``position``: counted in its segment, read from count files after it. ``made``: a read
        already made off the loop (damage.read_whole), given in place of making it again here."""
        return sum(self.pending_in(seg, position, quiet, made) for seg in self.sizes if seg >= position.segment)

    def pending_in(self, seg: int, position: Position, quiet: bool = False, made: MadeRead | None = None) -> int:
        if seg == position.segment and position.offset:
            around = self.around_cursor(position, quiet)
            if around is not None:
                after, before = around.after, ValidRecords(around.before, around.skipped_before, set())
            else:
                after = self.count_records(seg, position.offset, quiet, made)
            # Damage after the cursor counts as waiting until the reader meets it and counts it
            # lost (damage.py): the written count less what is before. Damage before the cursor
            # leaves that unknown, and only the valid records after it are counted. A count read
            # from the segment holds no more than the valid records: the part before is not read.
            written = self.records_in(seg)
            if self.read_counts.get(seg) == written:
                return after
            if around is None:
                before = self.valid_records(seg, 0, position.offset)
            return after if before.skipped else max(after, written - before.valid)
        return self.records_in(seg)

    def around_cursor(self, position: Position, quiet: bool = True) -> AroundCursor | None:
        """What is around ``position`` from one read of its segment: the one made at start
        (recovery.py, or here the first time), while the segment is still the size read."""
        around, seg = self.around, position.segment
        if around is not None and around[:3] == (seg, position.offset, self.sizes[seg]):
            return around
        if self.around_read or seg == self.write_seg:  # the start's cursor only, in a finished segment
            return None
        return self.read_around(position, quiet)[0]

    def read_around(self, position: Position, quiet: bool = True) -> tuple[AroundCursor | None, int]:
        """The one read of the start cursor's finished segment (around_cursor), and where the last
        valid record ending no later than ``position`` ends: where a cursor the read did not land on
        (inside a record) goes back to (recovery.py)."""
        seg = position.segment
        _, around, back = read_segment(self.path(seg), self.dir_fd, seg, position.offset, chains=False)
        self.around_read = True
        if around is None:
            return None, back
        self.around = around = around._replace(size=self.sizes[seg])
        if seg not in self.counts and self.count_file(seg) is None:
            self.counted(seg, around.before + around.after)
        self._say_damage(seg, around.skipped_after, quiet)
        return around, position.offset

    def records_in(self, seg: int) -> int:
        if seg not in self.counts:
            counted = self.count_file(seg)
            if counted is None:
                self.counted(seg, self.count_records(seg, 0))
            else:
                self.counts[seg] = counted
        return self.counts[seg]

    def count_file(self, seg: int) -> int | None:
        """The count in ``seg``'s count file, or None (none, or one not to be trusted: said, and the
        segment is read to count it). Records are at least RECORD_MIN bytes: a count the segment's
        size cannot hold is a damaged file, not a count. Neither is ever a reason to skip or repeat
        an event: the reader goes by the records, the count only by what status says waits."""
        counted = read_count(self.directory, seg, self.dir_fd)
        if isinstance(counted, int) and counted * RECORD_MIN > self.sizes[seg]:
            counted = f"{counted} records cannot be in {self.sizes[seg]} bytes"
        if isinstance(counted, str):
            log.warning(
                "spool_count_file_ignored",
                segment=self.path(seg),
                problem=counted,
                hint="the segment is read to count its events; nothing else rests on the count file",
            )
            return None
        return counted

    def counted(self, seg: int, valid: int) -> None:
        """``valid`` records in ``seg``, from a read of all of it."""
        self.counts[seg] = self.read_counts[seg] = valid

    def count_records(self, seg: int, offset: int, quiet: bool = False, made: MadeRead | None = None) -> int:
        """Valid records in ``seg`` from ``offset``; damage passed is logged unless ``quiet``
        (the caller says it)."""
        read = self.valid_records(seg, offset, self.sizes[seg], made)
        self._say_damage(seg, read.skipped, quiet)
        return read.valid

    def _say_damage(self, seg: int, skipped: int, quiet: bool) -> None:
        if skipped and not quiet:
            log.warning(
                "spool_damage_found",
                segment=self.path(seg),
                bytes=skipped,
                hint="records that fail their checksum will be skipped, not published",
            )

    def valid_records(
        self, seg: int, start: int, end: int, made: MadeRead | None = None, held: AbstractSet[int] = frozenset()
    ) -> ValidRecords:
        """The records of ``seg`` between ``start`` and ``end`` that pass their checksum, the bytes of
        damage skipped there, and where each stretch of it ends (as reader.py keys it); ``made`` when it
        is that read, made already. ``held``: where the events the spool's memory holds start (recent.py):
        each is counted, whole there whatever its copy here reads back as (a failed fsync's dropped pages)."""
        if made is not None and made[0] == (seg, start, end):
            return made[1]
        reader = SegmentReader(self.path(seg), start, self.dir_fd)
        count, seen, ends, found = 0, 0, set(), 0
        try:
            for data, after in reader.records(limit=2**62, end=end):
                count += 1
                if held and after - len(data) - HEADER.size in held:
                    found += 1
                if reader.skipped_bytes != seen:
                    seen = reader.skipped_bytes
                    ends.add(reader.offset)
            if reader.skipped_bytes != seen:
                ends.add(reader.offset)
        finally:
            reader.close()
        count += sum(1 for at in held if start <= at < end) - found
        return ValidRecords(count, reader.skipped_bytes, ends)
