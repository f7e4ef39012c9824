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

``Spool`` is what the rest of hookd uses; each job is a module of its own:
recovery.py (opening a directory a crash may have left), writer.py (appending,
rotating, fsync), full.py (spool_max_bytes and spool_full_policy), reader.py
(handing events out ahead of the cursor) with reading.py (what reading finds: damage,
failed reads), cursor.py (the committed position and the cursor file), files.py (the
segments' sizes and counts), counts.py (what the spool counts and shows), unsure_copies.py (the
copies a failed flush left unsure), closing.py (the close, off the loop at the daemon's stop).
"""

from __future__ import annotations

import asyncio
import functools
import os

from hookd.paths import open_private_dir
from hookd.spool.around_cursor import around_cursor
from hookd.spool.backlog_count import BacklogCount
from hookd.spool.closing import SpoolClose
from hookd.policies import FsyncPolicy, FullPolicy
from hookd.spool.counts import SpoolCounts
from hookd.spool.cursor import Cursor
from hookd.spool.damage import READ_RETRY_S
from hookd.spool.event import Event
from hookd.spool.full import DiskFull, SpoolBound, SpoolFull
from hookd.spool.reader import Batch
from hookd.spool.reading import SpoolReading
from hookd.spool.recent import RecentEvents
from hookd.spool.recovery import recover
from hookd.spool.reserve import Reserve
from hookd.spool.segments import Position
from hookd.spool.unsure_copies import UnsureCopies
from hookd.spool.unsure_file import unsure_left
from hookd.spool.write_thread import Appends, WriteThread
from hookd.spool.writer import SegmentWriter

__all__ = ["Batch", "DiskFull", "Spool", "SpoolFull"]

# Published segments stay this long, so that at start-up an inbox copy of an event
# that reached the spool just before a crash can still be recognised (inspect.find_handoffs).
RETAIN_PUBLISHED_S = 120.0


class Spool(SpoolCounts, UnsureCopies, SpoolClose, BacklogCount):
    def __init__(
        self,
        directory: str,
        segment_bytes: int,
        fsync: FsyncPolicy | str,
        *,
        retain_published_s: float = RETAIN_PUBLISHED_S,
        max_bytes: int = 1 << 62,
        full_policy: FullPolicy | str = FullPolicy.REFUSE,
        reserve_bytes: int = 0,
        parent_fd: int | None = None,
        handoffs_since_ns: int | None = None,
    ) -> None:
        self.directory = os.path.abspath(directory)
        self.retain_published_s = retain_published_s
        self.fsync_policy = FsyncPolicy(fsync)
        # Held for the spool's life, every file reached relative to it: a spool directory moved
        # aside and replaced while hookd runs gets none of hookd's files, nor has its own read.
        # With ``parent_fd`` (the daemon's held state directory) it is found in that very directory.
        self.dir_fd = open_private_dir(self.directory, parent_fd)
        try:
            self._open(segment_bytes, max_bytes, FullPolicy(full_policy), reserve_bytes, handoffs_since_ns)
        except BaseException:
            os.close(self.dir_fd)
            raise

    def _open(
        self, segment_bytes: int, max_bytes: int, full_policy: FullPolicy, reserve_bytes: int, since_ns: int | None
    ) -> None:
        self.reserve = Reserve(self.directory, reserve_bytes, self.dir_fd)
        self._data_ready = asyncio.Event()
        files, write_fd, cursor, self.torn_bytes, read_error, handoffs = recover(self.directory, self.dir_fd, since_ns)
        # The newest segment's hand-off ids since ``handoffs_since_ns``, from the recovery's read (inspect.py).
        self.handoffs_at_start = handoffs
        self._files = files
        self._cursor = Cursor(files, cursor, self.retain_published_s)
        self.cursor_moved = self._cursor.moved
        recent = self._recent = RecentEvents()
        recent.tracks_unflushed = self.fsync_policy is not FsyncPolicy.NEVER
        self._reading = SpoolReading(files, recent, cursor, self._data_ready)
        self._reader = self._reading.reader
        self.read_failure = self._reading.failure
        self.reading = self._reading  # its reading_since: the publisher's segment read under way off the loop
        if read_error is not None:
            self.read_failure.failed(*read_error)
        # Segments are the unit of deletion and of dropping: keep several within the bound.
        self._writer = SegmentWriter(
            files, write_fd, self.reserve, recent, max(64 * 1024, min(segment_bytes, max_bytes // 8)), self.fsync_policy
        )
        self._bound = SpoolBound(files, self._cursor, self._reader, max_bytes, full_policy, lambda: self.pending_events)
        self.appends = Appends(self._writer, self._bound, self._written)
        self.flush_thread = WriteThread("hookd-spool-flush")  # the flusher's fsyncs (flusher.py)
        # None while the spool cannot be read to count it (EIO): hookd starts all the same, says the
        # read error, and counts it once a read works (_count_backlog), as the reader tries again.
        self.backlog_at_start: int | None = None
        self._counting: asyncio.Future[int] | None = None  # that count made again, off the loop (backlog_count.py)
        self._count_backlog()
        # A failed fsync of an earlier run whose events Redis does not have yet (flusher.py).
        self.unsure_at_start = unsure_left(self.directory, self.dir_fd, cursor, self.backlog_at_start != 0)
        self._data_ready.set()

    # -- writing ----------------------------------------------------------

    def append(self, event: Event) -> None:
        self.append_many([event])

    def append_many(self, events: list[Event]) -> None:
        """Write events with one system call; once this returns, a crash of hookd cannot lose them.
        On the caller's thread: for a spool no write thread writes to (``append_queued``)."""
        assert not self.appends.busy, "a write is under way in the spool's write thread"
        records = self._writer.encode(events)
        self._bound.make_room_for(sum(map(len, records)))
        self._writer.write(events, records)
        self._written(events)

    def append_queued(self, events: list[Event]) -> asyncio.Future[None]:
        """``append_many`` by the spool's write thread (write_thread.py), after every append queued before:
        the future is resolved once a crash of hookd cannot lose them, or fails with SpoolFull."""
        return self.appends.add(events)

    def _written(self, events: list[Event]) -> None:
        self._data_ready.set()
        if self._recent.gone_unsure:
            self._recent.has_copy(events)

    def append_copies(self, events: list[Event]) -> None:
        """Write copies of waiting events whose originals are committed once all are copied
        (daemon/backlog.py), past spool_max_bytes if need be: the spool outgrows its bound by the
        copies until the originals' segments go, where making room by the policy would refuse the
        copies (the originals then published as they were) or drop waiting events that only the
        copies made too many."""
        self._writer.write(events, self._writer.encode(events))
        self._data_ready.set()

    def commit_copied(self, end: Position, events: int) -> None:
        """The ``events`` waiting events before ``end`` are copied behind the spool's end (daemon/backlog.py):
        committed as if published, their copies go to Redis in their place."""
        self._cursor.commit_to(end, events)
        self._recent.forget_before(self._cursor.position)

    def let_go_committed(self) -> None:
        """Record the committed position and delete the segments before it; recent ones too while
        the spool is past its bound, as the bound itself does (from a worker thread)."""
        self.write_cursor_file(self._cursor.position)
        self._cursor.delete_published(keep_recent=self._files.disk_bytes <= self._bound.max_bytes)

    def sync(self) -> None:
        """Flush everything written so far to the disk (called from a worker thread)."""
        self._writer.sync()

    @property
    def disk_full(self) -> bool:
        return self.reserve.disk_full_since is not None

    def note_disk_full(self) -> None:
        """A write of hookd's state (the sequence file, the cursor) found the filesystem full:
        status says disk full until refill_reserve finds room again."""
        self.reserve.mark_exhausted()

    def refill_reserve(self) -> None:
        """Take back reserve space the filesystem has free again (from a worker thread)."""
        self.reserve.refill_or_see_room(self.segment_bytes)

    # -- reading and committing ---------------------------------------------

    async def next_batch(self, max_events: int, max_bytes: int) -> Batch:
        """The next events after those already handed out, waiting until there is one."""
        while not await self._counted_off_loop():
            await asyncio.sleep(READ_RETRY_S)
        return await self._reading.next_batch(max_events, max_bytes, lambda: (self.cursor, self.pending_events))

    async def read_waiting(self, max_events: int, max_bytes: int) -> Batch:
        """read_batch for a caller on the loop that awaits each read of a segment, made in a thread (the start's
        backlog pass, daemon/backlog.py): possibly no event (the end, or a read that failed); never waits for
        appends. Made on the loop, a read on a disk that stopped answering held the start and the loop with it."""
        if not await self._counted_off_loop():
            return Batch([], self._reader.position, 0)
        return await self._reading.next_batch(
            max_events, max_bytes, lambda: (self.cursor, self.pending_events), wait=False
        )

    async def wait_for_unread(self) -> None:
        """Return once there are events not yet handed out (at once if there are)."""
        await self._reading.wait_for_unread()

    def read_batch(self, max_events: int, max_bytes: int, start: bool = False) -> Batch:
        """The next events after those already handed out, possibly none; never waits. With ``start`` (the
        loop's caller), a read of a segment the batch needs is started off the loop, for ``next_batch``."""
        if not (self._start_count() if start else self._count_backlog()):
            return Batch([], self._reader.position, 0)
        reading = self._reading.read_ahead if start else self._reading.read_batch
        return reading(max_events, max_bytes, self.cursor, self.pending_events)

    def has_unread(self) -> bool:
        return self._reader.has_unread()

    def rewind(self) -> None:
        """Hand out again everything after the committed position (after a failed publish)."""
        self._recent.forget_before(self._cursor.position)
        self._reader.rewind(self._cursor.position)

    def commit(self, batch: Batch) -> None:
        """Record that Redis has every event up to ``batch.end``; drop segments before it."""
        self._cursor.commit(batch)
        self._recent.forget_before(self._cursor.position)
        if self._recent.gone_unsure:
            self._recent.published(batch.events)
        self._reading.committed(self._cursor.position)

    @property
    def writing_segment(self) -> int:
        """The number of the segment being written; it grows by one at each rotation."""
        return self._files.write_seg

    @property
    def end_written(self) -> Position:
        """``end`` past the write under way in the write thread, if any: its bytes may be in the file
        already, counted on the loop only once the thread has returned (a flush that failed meanwhile
        may have lost them, as it may what ``end`` covers)."""
        end = self.end
        return Position(end.segment, end.offset + self.appends.writing_bytes)

    @property
    def end(self) -> Position:
        """Just after the last event written."""
        return self._files.end

    @property
    def cursor(self) -> Position:
        """The committed position: Redis has every event before it."""
        return self._cursor.position

    def around_cursor(self) -> tuple[Event | None, Event | None]:
        """The last event before the committed position in its segment, and the first after it."""
        return around_cursor(self._files, self._cursor.position)

    def save_cursor(self) -> None:
        """Write the committed position to the disk now, then delete the segments it has passed."""
        self.write_cursor_file(self._cursor.position)
        self._cursor.delete_published()

    def write_cursor_file(self, position: Position) -> None:
        """Record ``position`` in the cursor file unless a later one is there; safe from a thread. The
        reserve is looked at for another name too (Reserve.leave_if_linked), in the same thread."""
        self.reserve.leave_if_linked()
        self._cursor.write_file(position)

    async def delete_published(self) -> None:
        """Delete the segments before the cursor file's position (kept a while if retaining): their stats
        and deletions by the write thread, in turn with the appends and the room they make."""
        among = list(self._files.sizes)
        self._files.forget_each(await self.appends.thread.run(functools.partial(self._cursor.unlink_published, among)))

    def hold_published(self, held: bool) -> None:
        """While ``held``, keep published segments, past the spool's bound too (Cursor.held)."""
        self._cursor.held = held

    async def delete_committed(self) -> None:
        """Delete every segment Redis has in full, now (a full disk: Cursor.fully_published), by the write thread."""
        if gone := self._cursor.fully_published():
            await self.appends.thread.run(functools.partial(self._files.unlink_each, gone))
            self._files.forget_each(gone)

    # -- state ----------------------------------------------------------------

    @property
    def cursor_writing_since(self) -> float | None:
        """When the cursor file's write under way began (a worker thread's), None if none is."""
        return self._cursor.writing_since
