"""One read of the segment the cursor is in, at start: what the count and the check of the last run need.

A start wants three things of that segment: where its valid records end and how many there are (the
newest segment, recovery.py), how many wait after the cursor and what is known before it (the backlog,
files.pending_in), and the records either side of the cursor (around_cursor.py). Each read its part on
its own, so the part before the cursor was read two or three times and the newest segment twice.
Here a read from the segment's start gives them all, each byte read once; where that read does not
pass through the cursor at a record's end (damage across it), nothing of it is kept and the callers
read as before, so a wrong guess costs a read, never an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from hookd.spool.records import HEADER, SegmentReader, ValidEnd


class AroundCursor(NamedTuple):
    segment: int
    offset: int  # the cursor's
    size: int  # the segment's (the caller's, SegmentFiles.sizes): one appended to since is read again
    before: int  # valid records before the cursor
    skipped_before: int  # bytes of damage before it
    after: int  # valid records from it
    skipped_after: int  # bytes of damage from it (a torn tail too: recovery.py takes it off)
    last: bytes | None  # the last record before it
    first: bytes | None  # the first from it


def read_segment(
    path: str, dir_fd: int, segment: int, offset: int, chains: bool, each: Callable[[bytes], None] | None = None
) -> tuple[ValidEnd, AroundCursor | None, int]:
    """Read the whole segment: where its valid records end, how many, and how many more its damage
    held (ValidEnd); and what is around ``offset`` (None if the read did not land on it: ``offset``
    inside a record or a stretch of damage). The size in what is around is the file's as read; the
    caller sets its own. ``each`` is given every valid record's data (inspect.SegmentHandoffs, the
    start's hand-off ids). Last, where the last valid record ending no later than ``offset`` ends (0
    if none): a cursor the read did not land on goes back there (recovery.py)."""
    reader = SegmentReader(path, dir_fd=dir_fd, chains=chains)
    try:
        last_end = before = after = back = 0
        last = first = None
        landed_at: int | None = 0 if offset == 0 else None  # skipped bytes when the read reached offset
        for data, end in reader.records(limit=2**62):
            if each is not None:
                each(data)
            start = end - len(data) - HEADER.size
            if start >= offset:
                if landed_at is None:  # the first record from the cursor: on it, or past it (damage across it)
                    landed_at = reader.skipped_bytes if start == offset else -1
                after += 1
                first = data if first is None else first
            else:
                before += 1
                last = data
                back = end if end <= offset else back
                if end == offset:
                    landed_at = reader.skipped_bytes
            last_end = end
        found = ValidEnd(last_end, before + after, reader.chained_records)
        if landed_at is None or landed_at < 0:
            return found, None, back
        size = max(last_end, reader.offset)
        around = AroundCursor(
            segment, offset, size, before, landed_at, after, reader.skipped_bytes - landed_at, last, first
        )
        return found, around, offset
    finally:
        reader.close()
