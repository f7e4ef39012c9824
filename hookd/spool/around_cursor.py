"""The events either side of the committed position at start: what the last run says landed.

hookd's memory of what Redis took ends with the run, and a Redis restarted from an older snapshot
while hookd was down too lost events no check of the run after could see (publish/lost.py). The
segment the cursor is in stays on disk (cursor.py deletes only those before it), so its last event
before the cursor is the last one Redis answered for, as far as the cursor file says (it may lag:
then it says less, never more). The event after the cursor tells whether that one truly landed:
a backlog copied for new redaction settings (daemon/backlog_copier.py) commits the old copies
without sending them, and the new ones, waiting after the cursor, have their seqs.
"""

from __future__ import annotations

import msgspec
import structlog

from hookd.spool.event import Event
from hookd.spool.files import SegmentFiles
from hookd.spool.records import SegmentReader
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.spool")


def around_cursor(files: SegmentFiles, cursor: Position) -> tuple[Event | None, Event | None]:
    """The last event before ``cursor`` in its segment and the first after it, each None if
    there is none (or it cannot be read: a damaged record is skipped, an undecodable one is None)."""
    seg, offset = cursor
    # The start's read of the cursor's segment (cursor_segment.py) has both: not read again.
    try:
        around = files.around_cursor(cursor) if seg in files.sizes and offset else None
    except OSError:
        around = None  # read again below, where a failure is said
    if around is not None:
        last = around.last
    else:
        last = _record(files, seg, 0, offset, last=True) if seg in files.sizes and offset else None
    if around is not None and offset < around.size:
        first = around.first
    elif seg in files.sizes and offset < files.sizes[seg]:
        first = _record(files, seg, offset, files.sizes[seg], last=False)
    elif seg in files.sizes and seg != files.write_seg:
        after = files.after(seg)
        first = _record(files, after, 0, files.sizes.get(after, 0), last=False)
    else:
        first = None
    if around is not None:
        files.around = None  # asked once, at start: its records (up to MAX_RECORD_BYTES each) let go
    return _decoded(last), _decoded(first)


def _record(files: SegmentFiles, seg: int, start: int, end: int, last: bool) -> bytes | None:
    if start >= end:
        return None
    try:
        reader = SegmentReader(files.path(seg), start, files.dir_fd)
        try:
            found = None
            for data, _ in reader.records(limit=2**62 if last else 1, end=end):
                found = data
            return found
        finally:
            reader.close()
    except OSError as exc:
        # Only a check (publish/lost.py) rests on it: said, and hookd starts without it.
        log.warning(
            "spool_cursor_neighbours_unread",
            segment=files.path(seg),
            error=str(exc),
            hint="hookd cannot tell what an earlier run saw land, so a loss Redis had since is not checked for",
        )
        return None


def _decoded(data: bytes | None) -> Event | None:
    if data is None:
        return None
    try:
        return msgspec.msgpack.decode(data, type=Event)
    except msgspec.DecodeError:
        return None
