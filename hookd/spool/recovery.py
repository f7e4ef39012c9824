"""Opening a spool directory: what a previous run (or a crash) left, made safe to go on from.

A crash can leave a record half written at the end of the newest segment: it was never
acknowledged, so it is cut off (and counted, and logged). Every other segment is taken as
it is; a record that fails its checksum there is skipped when read (reader.py). The cursor
file says where publishing resumes (segments.read_cursor).
"""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

import structlog

from hookd.paths import UnsafePathError, open_private
from hookd.spool.cursor_segment import read_segment
from hookd.spool.files import SegmentFiles
from hookd.spool.inspect import SegmentHandoffs
from hookd.spool.segments import Position, list_segments, read_cursor

log = structlog.get_logger("hookd.spool")


class Recovered(NamedTuple):
    files: SegmentFiles
    write_fd: int  # the newest segment, open for appending
    cursor: Position
    torn_bytes: int  # cut off the newest segment's end
    read_error: tuple[str, OSError] | None  # the newest segment, if it could not be read
    handoffs: SegmentHandoffs | None  # the newest segment's recent hand-off ids, if asked for and read


def _regular_size(path: str, dir_fd: int) -> int:
    info = os.stat(os.path.basename(path), dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(
            f"{path} is not a regular file (a symbolic link?); hookd never follows one among its segments: remove it"
        )
    return info.st_size


def _say_inside_record(path: str, cursor: Position, back: int) -> None:
    log.warning(
        "spool_cursor_inside_record",
        segment=path,
        offset=cursor.offset,
        resumed_at=back,
        hint="the cursor file was damaged; events already in Redis are skipped there, none is lost",
    )


def _older_cursor(files: SegmentFiles, cursor: Position) -> Position:
    """The cursor in a finished segment: read it now (the read the count would make anyway), and
    one inside a record goes back to that record's start, as in the newest segment."""
    try:
        around, back = files.read_around(cursor, quiet=False)
    except OSError:
        return cursor  # unread: the reader tries again and says it (reader.py)
    if around is not None:
        return cursor
    _say_inside_record(files.path(cursor.segment), cursor, back)
    return Position(cursor.segment, back)


def recover(directory: str, dir_fd: int, handoffs_since_ns: int | None = None) -> Recovered:
    """Open the spool ``directory`` (held as ``dir_fd``: everything here is relative to it); with
    ``handoffs_since_ns``, the newest segment's hand-off ids since then are gathered as it is read."""
    files = SegmentFiles(directory, dir_fd)
    segments = list_segments(directory, dir_fd)
    if not segments:
        segments = [1]
        os.close(files.create(1))
    for seg in segments[:-1]:
        files.sizes[seg] = _regular_size(files.path(seg), dir_fd)
    last = segments[-1]
    path = files.path(last)
    cursor = read_cursor(directory, segments, dir_fd)
    handoffs = None if handoffs_since_ns is None else SegmentHandoffs(last, handoffs_since_ns)
    try:
        # Read once for the count after the cursor and its neighbours too (the cursor in it), and the
        # start's hand-off ids (daemon/startup.py).
        here = cursor.offset if cursor.segment == last else 0
        each = None if handoffs is None else handoffs.add
        (end, valid, damaged), around, back = read_segment(path, dir_fd, last, here, chains=True, each=each)
    except OSError as exc:
        # Where its valid records end is unknown (EIO): it is left as it is, read when the disk reads
        # again (reader.py tries again), and the events of this run go to a new segment.
        files.sizes[last] = _regular_size(path, dir_fd)
        files.write_seg = last + 1
        files.sizes[last + 1] = files.counts[last + 1] = 0
        write_fd = files.create(last + 1)
        return Recovered(files, write_fd, cursor, 0, (path, exc), None)
    files.counted(last, valid)
    # Records whose checksum fails but whose lengths held were written: counted as waiting, and as
    # lost when the reader meets them (damage.py), like a finished segment's from its count file.
    files.counts[last] = valid + damaged
    write_fd = open_private(path, os.O_WRONLY | os.O_APPEND, dir_fd=dir_fd)
    try:
        size = os.fstat(write_fd).st_size
        torn_bytes = 0
        if size > end:
            torn_bytes = size - end
            log.warning(
                "spool_torn_tail_dropped",
                segment=path,
                bytes=torn_bytes,
                hint="the previous run stopped mid-write; the incomplete record was never acknowledged",
            )
            os.truncate(write_fd, end)  # by its descriptor: the file in the spool hookd holds
        files.sizes[last] = end
        files.write_seg = last
        if cursor.segment == last and cursor.offset > end:
            # Read before the cut (read_cursor takes it no further than the file's size then): a cursor
            # past the new end would start the reader inside this run's first records, skipping them.
            cursor = Position(last, end)
        elif cursor.segment == last and 0 < cursor.offset < end and around is None:
            # Inside a record or a stretch of damage: hookd puts it only at a record's end or at the
            # next valid record past damage, so the file was damaged. From there the record it was
            # in would be skipped; from the last record's end before it, a repeat is skipped in Redis.
            _say_inside_record(path, cursor, back)
            cursor = Position(last, back)
        elif cursor.segment != last and 0 < cursor.offset < files.sizes.get(cursor.segment, 0):
            cursor = _older_cursor(files, cursor)
        if handoffs is not None:
            handoffs.size = end
        if around is not None and cursor.segment == last and cursor.offset <= end:
            files.around = around._replace(size=end, skipped_after=max(0, around.skipped_after - torn_bytes))
        files.around_read = files.around_read or cursor.segment == last  # read above: not again (around_cursor)
        return Recovered(files, write_fd, cursor, torn_bytes, None, handoffs)
    except BaseException:
        os.close(write_fd)
        raise
