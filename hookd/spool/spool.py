"""The write-ahead spool: every accepted event is on disk before its sender is told OK.

Segment files ``<id>.seg`` hold records (see records.py) in arrival order. The
publisher reads ahead from the committed position and calls ``commit`` only
after Redis has acknowledged a batch; the committed position lives in the file
``cursor``, and segments wholly before it are deleted.

Crash safety rests on order and idempotence rather than on atomic multi-file
updates: the cursor is written (atomically, by rename) only after Redis has
the batch, segments are deleted only after the written cursor moved past them,
and a cursor naming a deleted segment resumes at the oldest segment left.
Whatever is published twice because of a crash between these steps is skipped
by the high-water mark in Redis (see publish/).

That same mark makes a cursor file that lags behind Redis harmless, so
``commit`` only moves the position in memory and ``save_cursor`` writes it:
the daemon does that from a worker thread a few times a second (see
flusher.keep_cursor), because a rename on ext4 can hold the event loop, and
every request waiting on it, for milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from typing import NamedTuple

import msgspec
import structlog

from hookd.envelope import Event
from hookd.paths import UnsafePathError, create_private, ensure_private_dir, open_private, replace_private
from hookd.spool.recent import RecentEvents
from hookd.spool.reserve import DISK_FULL_ERRNOS, Reserve
from hookd.spool.records import SegmentReader, encode_record, valid_end
from hookd.spool.segments import (
    Position, count_path, list_segments, read_count, read_cursor, segment_path, write_cursor)

log = structlog.get_logger("hookd.spool")

# Published segments stay this long, so that at start-up an inbox copy of an event
# that reached the spool just before a crash can still be recognised (inspect.find_handoffs).
RETAIN_PUBLISHED_S = 120.0


class Batch(NamedTuple):
    events: list[Event]
    end: Position
    size: int


def _regular_size(path: str) -> int:
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(f"{path} is not a regular file (a symbolic link?); hookd never follows "
                              "one among its segments: remove it")
    return info.st_size


class SpoolFull(Exception):
    """The spool cannot take the event (disk full or write error); the sender must keep it."""

    disk_full = False


class DiskFull(SpoolFull):
    """The filesystem is full and the reserve is used up (reason ``disk_full``)."""

    disk_full = True


class Spool:
    def __init__(self, directory: str, segment_bytes: int, fsync: str, *,
                 retain_published_s: float = RETAIN_PUBLISHED_S,
                 max_bytes: int = 1 << 62, full_policy: str = "refuse",
                 reserve_bytes: int = 0) -> None:
        self.directory = ensure_private_dir(directory)
        self.reserve = Reserve(self.directory, reserve_bytes)
        self.retain_published_s = retain_published_s
        # Segments are the unit of deletion and of dropping: keep several within the bound.
        self.segment_bytes = max(64 * 1024, min(segment_bytes, max_bytes // 8))
        self.max_bytes = max_bytes
        self.full_policy = full_policy
        self.fsync_policy = fsync
        self.full_since: float | None = None
        self.dropped = 0
        self.torn_bytes = 0
        self.damaged_bytes = 0
        self.appended = 0
        self.committed = 0
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Event)
        self._data_ready = asyncio.Event()
        self._retired_fds: list[int] = []
        self._dirty = False
        self._sizes: dict[int, int] = {}
        self._counts: dict[int, int] = {}  # records per segment, from count files or a scan
        self._recover()
        self._reader: SegmentReader | None = None
        self._recent = RecentEvents()
        self._lookahead: tuple[Event, Position] | None = None
        self._read_pos = self._cursor

    # -- start-up ---------------------------------------------------------

    def _recover(self) -> None:
        segments = list_segments(self.directory)
        if not segments:
            segments = [1]
            os.close(self._create_segment(1))
        for seg in segments[:-1]:
            self._sizes[seg] = _regular_size(self._path(seg))
        last = segments[-1]
        path = self._path(last)
        end, self._counts[last] = valid_end(path)
        size = os.path.getsize(path)
        if size > end:
            self.torn_bytes = size - end
            log.warning("spool_torn_tail_dropped", segment=path, bytes=self.torn_bytes,
                        hint="the previous run stopped mid-write; the incomplete record was never acknowledged")
            os.truncate(path, end)
        self._sizes[last] = end
        self._write_seg = last
        self._write_fd = open_private(path, os.O_WRONLY | os.O_APPEND)
        self._cursor = read_cursor(self.directory, segments)
        self._saved_cursor = self._cursor
        self._cursor_file_lock = threading.Lock()
        self.cursor_moved = asyncio.Event()
        self.backlog_at_start = self._count_pending()
        self._data_ready.set()

    def _path(self, segment: int) -> str:
        return segment_path(self.directory, segment)

    def _create_segment(self, segment: int) -> int:
        return create_private(self._path(segment), os.O_WRONLY | os.O_APPEND)

    def _count_pending(self) -> int:
        """Events after the cursor: counted in the cursor's segment, read from count files after it.

        A segment's count file is written when it is finished, so that a start
        on a large backlog does not read every record just to count them.
        """
        return sum(self._pending_in(seg) for seg in self._sizes if seg >= self._cursor.segment)

    def _pending_in(self, seg: int) -> int:
        if seg == self._cursor.segment and self._cursor.offset:
            return self._count_records(seg, self._cursor.offset)
        return self._records_in(seg)

    def _records_in(self, seg: int) -> int:
        if seg not in self._counts:
            counted = read_count(self.directory, seg)
            self._counts[seg] = self._count_records(seg, 0) if counted is None else counted
        return self._counts[seg]

    def _count_records(self, seg: int, offset: int) -> int:
        reader = SegmentReader(self._path(seg), offset)
        try:
            count = sum(1 for _ in reader.records(limit=2**62, end=self._sizes[seg]))
        finally:
            reader.close()
        if reader.skipped_bytes:
            log.warning("spool_damage_found", segment=self._path(seg), bytes=reader.skipped_bytes,
                        hint="records that fail their checksum will be skipped, not published")
        return count

    def _count_path(self, seg: int) -> str:
        return count_path(self.directory, seg)

    def _remove_segment(self, seg: int) -> None:
        os.unlink(self._path(seg))
        try:
            os.unlink(self._count_path(seg))
        except FileNotFoundError:
            pass
        del self._sizes[seg]
        self._counts.pop(seg, None)

    # -- writing ----------------------------------------------------------

    def append(self, event: Event) -> None:
        self.append_many([event])

    def append_many(self, events: list[Event]) -> None:
        """Write events with one system call; once this returns, a crash of hookd cannot lose them."""
        encode = self._encoder.encode
        records = [encode_record(encode(event)) for event in events]
        data = b"".join(records)
        if self.disk_bytes + len(data) > self.max_bytes:
            self._make_room(len(data))
        elif self.full_since is not None:
            log.info("spool has room again; taking events", full_for_s=round(time.time() - self.full_since, 1),
                     spool="ok")
            self.full_since = None
        start = self._write_all(data)
        seg = self._write_seg
        for event, record in zip(events, records):
            self._recent.add(Position(seg, start), event, Position(seg, start + len(record)))
            start += len(record)
        self._sizes[seg] = start
        self._counts[seg] += len(events)
        self.appended += len(events)
        self._dirty = True
        self._data_ready.set()
        if self._sizes[self._write_seg] >= self.segment_bytes:
            self._rotate()

    def _write_all(self, data: bytes) -> int:
        """Append ``data`` to the segment being written; return where it starts.

        A full filesystem is met with the reserve: part of it is given back and
        the write tried again, until the reserve is used up (DiskFull).
        """
        while True:
            start = self._sizes[self._write_seg]
            try:
                view = memoryview(data)
                while view:
                    written = os.write(self._write_fd, view)
                    view = view[written:]
                return start
            except OSError as exc:
                try:
                    os.ftruncate(self._write_fd, start)
                except OSError:
                    # The partial record stays: count its bytes so that offsets stay true
                    # and readers skip it as damage.
                    self._sizes[self._write_seg] = os.fstat(self._write_fd).st_size
                if exc.errno not in DISK_FULL_ERRNOS:
                    raise SpoolFull(f"cannot write to the spool in {self.directory}: "
                                    f"{exc.strerror}") from exc
                if not self.reserve.release(len(data)):
                    self.reserve.mark_exhausted()
                    raise DiskFull(
                        f"disk full: the filesystem of {self.directory} has no space left and "
                        f"hookd's reserve (spool_reserve_bytes) is used up; free space there") from exc

    @property
    def disk_full(self) -> bool:
        return self.reserve.disk_full_since is not None

    def refill_reserve(self) -> None:
        """Take back reserve space the filesystem has free again (from a worker thread)."""
        self.reserve.refill()
        if self.reserve.target <= 0 and self.reserve.disk_full_since is not None:
            try:
                free = os.statvfs(self.directory)
            except OSError:
                return
            if free.f_bavail * free.f_frsize > self.segment_bytes:
                self.reserve.disk_full_since = None

    def _make_room(self, needed: int) -> None:
        """Free ``needed`` bytes under the bound: published segments first, then per policy."""
        self.write_cursor_file(self._cursor)
        self.delete_published(keep_recent=False)
        if self.full_policy == "drop_oldest":
            while self.disk_bytes + needed > self.max_bytes and self._drop_oldest_segment():
                pass
        if self.disk_bytes + needed <= self.max_bytes:
            return
        message = (f"the spool is full ({self.disk_bytes >> 20} MiB of spool_max_bytes "
                   f"{self.max_bytes >> 20} MiB, {self.pending_events} events waiting for Redis)")
        if self.full_since is None:
            self.full_since = time.time()
            log.error(f"{message}; refusing new events: hook-send keeps them in its inbox "
                      "until the spool drains; raise spool_max_bytes or bring Redis back",
                      spool="full", policy=self.full_policy)
        raise SpoolFull(message)

    def _drop_oldest_segment(self) -> bool:
        """Delete the oldest unpublished segment (never the one being written); False if none."""
        candidates = sorted(s for s in self._sizes if self._cursor.segment <= s < self._write_seg)
        if not candidates:
            return False
        seg = candidates[0]
        lost = self._pending_in(seg)
        # Written at once: the segment must not be deleted while the cursor file still names it.
        self._cursor = Position(min(s for s in self._sizes if s > seg), 0)
        self.write_cursor_file(self._cursor)
        self._remove_segment(seg)
        self.dropped += lost
        # Hand out again from the new cursor: what was read ahead may lie in the dropped
        # segment. A batch already on its way to Redis is skipped there if sent twice.
        self.rewind()
        log.error(f"the spool is full: dropped the {lost} oldest events not yet in Redis "
                  f"({self.dropped} dropped so far; spool_full_policy=drop_oldest)",
                  spool="full", policy="drop_oldest", dropped=self.dropped)
        return True

    def _rotate(self) -> None:
        """Start the next segment; if it cannot be created, keep writing this one and retry later."""
        try:
            fd = self._create_segment(self._write_seg + 1)
        except OSError as exc:
            log.error(f"cannot create a new spool segment: {exc.strerror}; "
                      "writing on in the current one", spool="error", directory=self.directory)
            return
        try:
            replace_private(self._count_path(self._write_seg),
                            b"%d\n" % self._counts[self._write_seg], fsync=False)
        except (OSError, UnsafePathError):
            pass  # only a start-up shortcut: without it the segment is counted by reading it
        self._retired_fds.append(self._write_fd)
        self._write_seg += 1
        self._write_fd = fd
        self._sizes[self._write_seg] = 0
        self._counts[self._write_seg] = 0
        if self.fsync_policy == "never":
            self._close_retired()

    def sync(self) -> None:
        """Flush everything written so far to the disk (called from a worker thread)."""
        retired, self._retired_fds = self._retired_fds, []
        for fd in retired:
            os.fsync(fd)
            os.close(fd)
        if self._dirty or retired:
            self._dirty = False
            os.fsync(self._write_fd)
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def _close_retired(self) -> None:
        for fd in self._retired_fds:
            os.close(fd)
        self._retired_fds = []

    # -- reading and committing ---------------------------------------------

    async def next_batch(self, max_events: int, max_bytes: int) -> Batch:
        """The next events after those already handed out, waiting until there is one."""
        while True:
            batch = self.read_batch(max_events, max_bytes)
            if batch.events:
                return batch
            await self.wait_for_unread()

    async def wait_for_unread(self) -> None:
        """Return once there are events not yet handed out (at once if there are)."""
        while not self.has_unread():
            self._data_ready.clear()
            if self.has_unread():
                return
            await self._data_ready.wait()

    def rewind(self) -> None:
        """Hand out again everything after the committed position (after a failed publish)."""
        self._close_reader()
        self._lookahead = None
        self._read_pos = self._cursor

    def has_unread(self) -> bool:
        return self._lookahead is not None or self._read_pos != Position(
            self._write_seg, self._sizes[self._write_seg])

    def read_batch(self, max_events: int, max_bytes: int) -> Batch:
        """The next events after those already handed out, possibly none; never waits."""
        events: list[Event] = []
        size = 0
        end = self._read_pos
        for event, after in self._unread():
            if events and (size + len(event.envelope) > max_bytes or (event.host, event.instance) != (events[0].host, events[0].instance)):
                self._lookahead = (event, after)
                break
            events.append(event)
            size += len(event.envelope)
            end = after
            if len(events) >= max_events:
                break
        return Batch(events, end, size)

    def _unread(self):
        if self._lookahead is not None:
            event, after = self._lookahead
            self._lookahead = None
            self._read_pos = after
            yield event, after
        while True:
            recent = self._recent.take(self._read_pos)
            if recent is not None:
                self._close_reader()  # its offset is behind the events taken from memory
                self._read_pos = recent[1]
                yield recent
                continue
            seg, offset = self._read_pos
            active = seg == self._write_seg
            if offset == self._sizes[seg] and self._reader is None:  # read to its end already
                if active:
                    return
                self._read_pos = Position(min(s for s in self._sizes if s > seg), 0)
                continue
            if self._reader is None:
                self._reader = SegmentReader(self._path(seg), offset)
            for data, after in self._reader.records(limit=2**62, end=self._sizes[seg]):
                self._note_damage(self._reader, seg)
                self._read_pos = Position(seg, after)
                try:
                    event = self._decoder.decode(data)
                except msgspec.DecodeError:
                    log.error("spool_record_undecodable", segment=seg, offset=after - len(data))
                    continue
                yield event, self._read_pos
            self._note_damage(self._reader, seg)
            # Damage at the end is skipped too: the position must reach the end, or
            # next_batch would find "unread" bytes it can never hand out.
            self._read_pos = Position(seg, self._reader.offset)
            if active:
                return
            self._close_reader()
            self._read_pos = Position(min(s for s in self._sizes if s > seg), 0)

    def _note_damage(self, reader: SegmentReader, seg: int) -> None:
        """Log damage the reader skipped since last asked: never silent, never data."""
        new = reader.skipped_bytes - reader.reported_bytes
        if new:
            reader.reported_bytes = reader.skipped_bytes
            self.damaged_bytes += new
            log.warning("spool_damage_skipped", segment=self._path(seg), offset=reader.offset,
                        bytes=new, damaged_so_far=self.damaged_bytes,
                        hint="a record failed its checksum (disk or file damage); it was skipped")

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def commit(self, batch: Batch) -> None:
        """Record that Redis has every event up to ``batch.end``; drop segments before it."""
        if batch.end <= self._cursor:
            # Dropped to make room while Redis was taking it. ``dropped`` counts what was
            # deleted from the disk, so these count there, and reached Redis all the same.
            return
        self._cursor = batch.end
        self.committed += len(batch.events)
        self.cursor_moved.set()

    @property
    def writing_segment(self) -> int:
        """The number of the segment being written; it grows by one at each rotation."""
        return self._write_seg

    @property
    def cursor(self) -> Position:
        """The committed position: Redis has every event before it."""
        return self._cursor

    def save_cursor(self) -> None:
        """Write the committed position to the disk now, then delete the segments it has passed."""
        self.write_cursor_file(self._cursor)
        self.delete_published()

    def write_cursor_file(self, position: Position) -> None:
        """Record ``position`` in the cursor file unless a later one is there; safe from a thread."""
        with self._cursor_file_lock:
            if position > self._saved_cursor:
                write_cursor(self.directory, position)
                self._saved_cursor = position

    def delete_published(self, keep_recent: bool = True) -> None:
        """Delete the segments before the cursor file's position (kept a while if retaining)."""
        cutoff = time.time() - self.retain_published_s
        for seg in sorted(s for s in self._sizes if s < self._saved_cursor.segment):
            path = self._path(seg)
            if keep_recent and self.retain_published_s > 0 and os.path.getmtime(path) > cutoff:
                break
            self._remove_segment(seg)

    # -- state ----------------------------------------------------------------

    @property
    def pending_events(self) -> int:
        return self.backlog_at_start + self.appended - self.committed - self.dropped

    @property
    def pending_bytes(self) -> int:
        seg, offset = self._cursor
        return sum(size for s, size in self._sizes.items() if s >= seg) - offset

    @property
    def disk_bytes(self) -> int:
        return sum(self._sizes.values())

    def close(self) -> None:
        self.save_cursor()
        self._close_reader()
        if self.fsync_policy != "never":
            self.sync()
        self._close_retired()
        os.close(self._write_fd)
        self.reserve.close()
