"""Events lost to damage in a segment, and segments that cannot be read: each said once.

The reader skips a record that fails its checksum (records.py) and logs the stretch once
(reader.py). The events it held are lost, but the spool counted them as waiting, and nothing would
ever commit them: status said `stalled` for good. Here the damaged segment is counted again from
its valid records; the difference from what was written to it is lost, logged once with where
and how many bytes, and the segment's count is corrected so that dropping it later (full.py) does
not count them twice.

A read that fails (EIO) is not damage: nothing is skipped, the same bytes are read again
every READ_RETRY_S, and status says so while it lasts (``ReadFailure``).
"""

from __future__ import annotations

from typing import NamedTuple

import structlog

from hookd.spool.files import MadeRead, SegmentFiles, ValidRecords
from hookd.spool.recent import RecentEvents
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.spool")

READ_RETRY_S = 1.0


class ReadFailure:
    """A segment that cannot be read now: logged when it starts and when it ends, not at each retry."""

    def __init__(self) -> None:
        self.error: str | None = None  # "<segment>: <strerror>" while reads fail

    def failed(self, segment: str, exc: OSError) -> None:
        error = f"{segment}: {exc.strerror or exc}"
        if error != self.error:
            log.error(
                "spool_read_failed",
                segment=segment,
                error=exc.strerror or str(exc),
                retry_s=READ_RETRY_S,
                hint="the events there are read again until the read works, never skipped; check the disk (dmesg)",
            )
        self.error = error

    def read(self) -> None:
        if self.error is not None:
            log.info("spool_read_recovered", was=self.error)
            self.error = None


def count_lost(
    files: SegmentFiles,
    new_damage: list[tuple[int, int, int]],
    cursor: Position,
    counted: int,
    known: dict[int, set[int]],
    read: Read | None = None,
    recent: RecentEvents | None = None,
) -> int:
    """Events lost in the segments of ``new_damage`` ((segment, end, bytes) the reader met):
    what the spool ``counted`` as waiting after ``cursor`` less the valid records there now.

    Not each segment's written count less its valid records: damage before the cursor is in
    events Redis has, and damage after it in the segment the cursor was in at start was left out
    of the backlog already; either taken off the waiting count again made it wrong, below zero.
    A segment read whole leaves all its damage out of its count: where each stretch ends is kept
    (``known``), and a stretch met later that the read saw is no reason to read it again on the
    event loop (a big segment with many stretches held it once per batch). ``read``: the reads
    (``read_whole``), made off the loop by the caller; made here if None. ``recent``: the events the spool's
    memory holds (recent.py), all waiting and whole, whatever their copy in the file reads back as (a failed
    fsync's dropped pages): none of them is lost, and each is counted in its segment (``to_read``)."""
    segments = to_read(files, new_damage, known)
    if not segments:
        return 0
    if read is None:
        read = read_whole(files, *wanted(files, segments, cursor, recent))
    # The segment being written grew while the read was made: its records since then are counted with
    # the read's, as the waiting count ``counted`` holds them (left out, they were counted lost).
    grown = {seg: _written_since(files, read, seg) for seg in read.sizes}
    gone = {}
    for seg in segments:
        before = files.records_in(seg)
        if seg in read.whole:
            valid = read.whole[seg]
            valid = valid._replace(valid=valid.valid + grown[seg])
        else:
            starts = frozenset() if recent is None else recent.starts_in(seg)
            valid = files.valid_records(seg, 0, files.sizes[seg], held=starts)
        files.counted(seg, valid.valid)
        known[seg] = valid.damage_ends
        gone[seg] = max(0, before - files.counts[seg])
    made = None
    if read.after is not None and read.after[0][0] in files.sizes:
        (seg, offset, _), after = read.after
        made = ((seg, offset, files.sizes[seg]), after._replace(valid=after.valid + grown.get(seg, 0)))
    held = 0 if recent is None else len(recent)
    lost = max(0, min(counted - files.pending_from(cursor, quiet=True, made=made), counted - held))
    left = lost
    for seg in segments:
        # The cursor's segment may have lost some of its written records before the cursor.
        here = min(left, gone[seg]) if seg != segments[-1] else left
        left -= here
        stretches = [(end, size) for s, end, size in new_damage if s == seg]
        log.error(
            "spool_damage_lost",
            segment=files.path(seg),
            events=here,
            bytes=sum(size for _, size in stretches),
            ends_at=[end for end, _ in stretches],
            hint="the disk returned other bytes than hookd wrote; these events cannot be sent. Check "
            "the disk (dmesg, smartctl); the events after the damage are sent as usual",
        )
    return lost


def to_read(files: SegmentFiles, new_damage: list[tuple[int, int, int]], known: dict[int, set[int]]) -> list[int]:
    """The segments of ``new_damage`` count_lost reads whole: those whose stretches are not known yet."""
    return sorted({seg for seg, end, _ in new_damage if seg in files.sizes and end not in known.get(seg, ())})


def wanted(
    files: SegmentFiles, segments: list[int], cursor: Position, recent: RecentEvents | None
) -> tuple[dict[int, int], dict[int, int], Position, dict[int, frozenset[int]]]:
    """``read_whole``'s arguments for ``segments``, taken on the loop: each one's size and count, and where the
    events memory holds start in it (the events a failed fsync left unsure are counted from memory)."""
    sizes = {seg: files.sizes[seg] for seg in segments}
    written = {seg: files.counts[seg] for seg in sizes if seg in files.counts}
    held = {seg: recent.starts_in(seg) for seg in sizes} if recent is not None and len(recent) else {}
    return sizes, written, cursor, held


class Read(NamedTuple):
    """count_lost's reads, made off the loop (``read_whole``)."""

    whole: dict[int, ValidRecords]  # each damaged segment's, read whole
    after: MadeRead | None  # the cursor's segment after it
    sizes: dict[int, int]  # each segment's size read up to, taken on the loop
    written: dict[int, int]  # each segment's count of records written then (SegmentFiles.counts)


def _written_since(files: SegmentFiles, read: Read, seg: int) -> int:
    """Records written to ``seg`` since ``read`` was begun: appended by this hookd, so not damage."""
    if seg not in files.sizes or files.sizes[seg] == read.sizes[seg]:
        return 0
    return max(0, files.counts.get(seg, 0) - read.written.get(seg, 0))


def read_whole(
    files: SegmentFiles,
    sizes: dict[int, int],
    written: dict[int, int],
    cursor: Position,
    held: dict[int, frozenset[int]] | None = None,
) -> Read:
    """Each segment's valid records up to its size (``sizes``, taken on the loop), and the cursor's segment's
    after the cursor when it is one of them (what count_lost's count of the waiting events reads there): its
    reads, for a thread (SpoolReading); made on the loop, a read on a disk that stopped answering held it.
    ``held``: where the events memory held start, by segment (``wanted``): counted as valid records."""
    held = held or {}
    whole = {seg: files.valid_records(seg, 0, size, held=held.get(seg, frozenset())) for seg, size in sizes.items()}
    after = None
    if cursor.segment in sizes and cursor.offset:
        key = (cursor.segment, cursor.offset, sizes[cursor.segment])
        after = (key, files.valid_records(*key, held=held.get(cursor.segment, frozenset())))
    return Read(whole, after, sizes, written)
