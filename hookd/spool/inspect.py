"""Read-only views of a spool directory, safe while a daemon is writing to it.

With ``dir_fd`` (the daemon's own: the spool it holds open), files are read relative to it;
without (a command reading a stopped daemon's spool), by path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import NamedTuple

import msgspec

from hookd.spool.event import Event
from hookd.spool.records import SegmentReader
from hookd.spool.segments import Position, file_size, list_segments, read_cursor, segment_path


class SpoolSummary(NamedTuple):
    events: int
    bytes: int
    oldest_received_at: str | None
    segments: int


def waiting_events(directory: str, cursor: Position | None = None, dir_fd: int | None = None) -> Iterator[Event]:
    """The events not yet published, oldest first: from ``cursor`` (a running daemon's
    committed position), else from the cursor file, which may lag behind it."""
    if dir_fd is None and not os.path.isdir(directory):
        return
    segments = list_segments(directory, dir_fd)
    if not segments:
        return
    if cursor is None:
        cursor = read_cursor(directory, segments, dir_fd)
    decoder = msgspec.msgpack.Decoder(Event)
    for seg in segments:
        if seg < cursor.segment:
            continue
        try:
            offset = cursor.offset if seg == cursor.segment else 0
            reader = SegmentReader(segment_path(directory, seg), offset, dir_fd)
        except FileNotFoundError:
            continue  # published (or dropped) and deleted by the daemon since the listing
        try:
            for data, _ in reader.records(limit=2**62):
                try:
                    yield decoder.decode(data)
                except msgspec.DecodeError:
                    continue  # as the daemon does: a record it cannot read is skipped
        finally:
            reader.close()


def oldest_waiting_received_ns(directory: str, cursor: Position | None = None, dir_fd: int | None = None) -> int | None:
    """When the oldest event not yet in Redis arrived (reads one record)."""
    for event in waiting_events(directory, cursor, dir_fd):
        return event.received_ns or None
    return None


class _ReceivedAt(msgspec.Struct):
    received_at: str | None = None


def summarize(directory: str) -> SpoolSummary:
    """How many events wait, how many bytes they take, and when the oldest arrived."""
    count = size = 0
    oldest = None
    for event in waiting_events(directory):
        if oldest is None:
            oldest = msgspec.json.decode(event.envelope, type=_ReceivedAt).received_at
        count += 1
        size += len(event.envelope)
    segments = len(list_segments(directory)) if os.path.isdir(directory) else 0
    return SpoolSummary(count, size, oldest, segments)


def find_handoffs(
    directory: str,
    wanted: set[str],
    dir_fd: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, str]:
    """Which of ``wanted`` hand-off ids are in the spool's segments, published or not, with
    their event ids. Read at start-up, before anything is appended, or later for hand-off ids read
    late (daemon/inbox_start.py); ``progress`` is told before each segment."""
    found: dict[str, str] = {}
    if not wanted or (dir_fd is None and not os.path.isdir(directory)):
        return found
    decoder = msgspec.msgpack.Decoder(Event)
    segments = list_segments(directory, dir_fd)
    for index, seg in enumerate(segments):
        if progress is not None:
            progress("looking for the inbox's hand-off ids in the spool", index, len(segments))
        try:
            reader = SegmentReader(segment_path(directory, seg), dir_fd=dir_fd)
        except FileNotFoundError:  # let go since the listing (a late look, the spool past its bound)
            continue
        try:
            for data, _ in reader.records(limit=2**62):
                try:
                    event = decoder.decode(data)
                except msgspec.DecodeError:
                    continue
                if event.handoff_id in wanted:
                    found[event.handoff_id] = event.event_id
        finally:
            reader.close()
    return found


class SegmentHandoffs:
    """One segment's hand-off ids received since ``since_ns``, gathered record by record (``add``)
    as whatever reads it goes: the recovery's read of the newest segment (spool/recovery.py), so
    that recent_handoffs need not read it again, or recent_handoffs' own."""

    def __init__(self, segment: int, since_ns: int) -> None:
        self.segment = segment
        self.since_ns = since_ns
        self.first_ns: int | None = None
        self.ids: dict[str, tuple[str, int]] = {}  # hand-off id -> (event id, received_ns)
        self.size: int | None = None  # the segment's, once read whole
        self._decoder = msgspec.msgpack.Decoder(Event)

    def add(self, data: bytes) -> None:
        try:
            event = self._decoder.decode(data)
        except msgspec.DecodeError:
            return
        if self.first_ns is None:
            self.first_ns = event.received_ns
        if event.handoff_id and event.received_ns >= self.since_ns:
            self.ids[event.handoff_id] = (event.event_id, event.received_ns)

    def since(self, since_ns: int) -> dict[str, str]:
        return {key: event_id for key, (event_id, ns) in self.ids.items() if ns >= since_ns}


def recent_handoffs(
    directory: str, since_ns: int, dir_fd: int | None = None, read: SegmentHandoffs | None = None
) -> dict[str, str]:
    """The hand-off ids, with their event ids, of the spooled events received since ``since_ns``
    (published or not), oldest first. Read at start-up from the newest segment back, stopping at
    the first segment that begins before ``since_ns``: the work is bounded by the recent traffic,
    not by a backlog's size. ``read``: a segment's ids gathered since no later than ``since_ns``
    by a read of it whole, taken for that segment while it is the size it was read at."""
    found: list[dict[str, str]] = []
    if dir_fd is None and not os.path.isdir(directory):
        return {}
    for seg in reversed(list_segments(directory, dir_fd)):
        path = segment_path(directory, seg)
        try:
            if read is None or (read.segment, read.size) != (seg, file_size(path, dir_fd)) or read.since_ns > since_ns:
                here = SegmentHandoffs(seg, since_ns)
                reader = SegmentReader(path, dir_fd=dir_fd)
                try:
                    for data, _ in reader.records(limit=2**62):
                        here.add(data)
                finally:
                    reader.close()
            else:
                here = read
        except FileNotFoundError:
            continue
        found.append(here.since(since_ns))
        if here.first_ns is not None and here.first_ns < since_ns:
            break
    return {key: value for ids in reversed(found) for key, value in ids.items()}


def spooled_handoffs(
    directory: str,
    since_ns: int,
    waiting: set[str],
    dir_fd: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    read: SegmentHandoffs | None = None,
) -> dict[str, str]:
    """``recent_handoffs`` since ``since_ns`` and ``find_handoffs`` of ``waiting``: none if the spool
    cannot be read (EIO), said; an inbox copy of a spooled event is then taken, a duplicate at worst,
    never a loss."""
    try:
        known = recent_handoffs(directory, since_ns, dir_fd, read)
        known.update(find_handoffs(directory, waiting, dir_fd, progress))
    except OSError as exc:
        import structlog  # only the daemon calls this: `hookd status` reads this module without structlog

        structlog.get_logger("hookd.spool").warning(
            "spool_handoffs_unread",
            error=exc.strerror or str(exc),
            hint="the spool cannot be read (status says which segment); inbox copies of spooled events "
            "may reach Redis twice",
        )
        return {}
    return known
