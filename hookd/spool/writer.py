"""Appending to the spool: records onto the newest segment, a new segment when it is full,
and the fsync that puts them on the disk.

An append is one write(2) of every record it carries, so once it returns a crash of hookd
cannot lose them; ``sync`` (called from a worker thread by flusher.py, as spool_fsync says)
makes them survive a crash of the machine. A full filesystem is met with the reserve
(reserve.py); any other write error refuses the append.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import msgspec
import structlog

from hookd.disk_full import DISK_FULL_ERRNOS
from hookd.paths import UnsafePathError, replace_private
from hookd.policies import FsyncPolicy
from hookd.spool.event import Event
from hookd.spool.failed_run import FailedRun
from hookd.spool.files import SegmentFiles
from hookd.spool.full import DiskFull, SpoolFull
from hookd.spool.recent import RecentEvents
from hookd.spool.records import encode_record
from hookd.spool.reserve import Reserve
from hookd.spool.segments import Position

log = structlog.get_logger("hookd.spool")

OffLoop = Callable[[Callable[[], Any]], Awaitable[Any]]


class SegmentLinked(Exception):
    """The segment being written has gained another name (a hard link) since it was made: what is
    written to it would go on into the file at that name too, and outlive the segment's deletion."""

    def __init__(self, seg: int, names: int) -> None:
        super().__init__(seg, names)
        self.seg, self.names = seg, names


class SegmentWriter:
    def __init__(
        self,
        files: SegmentFiles,
        write_fd: int,
        reserve: Reserve,
        recent: RecentEvents,
        segment_bytes: int,
        fsync_policy: FsyncPolicy,
    ) -> None:
        self.files = files
        self.write_fd = write_fd
        self.reserve = reserve
        self.recent = recent
        self.segment_bytes = segment_bytes
        self.fsync_policy = fsync_policy
        self.appended = 0
        self.retired_fds: list[int] = []
        self.dirty = False
        self.failed_creates = FailedRun()  # rotations failed in a row
        self.linked_seg: int | None = None  # the last segment found with another name (said once)
        self._encoder = msgspec.msgpack.Encoder()

    def encode(self, events: list[Event]) -> list[bytes]:
        encode = self._encoder.encode
        return [encode_record(encode(event)) for event in events]

    def write(self, events: list[Event], records: list[bytes]) -> None:
        """Write the events' records with one system call; then rotate if the segment is full."""
        data = b"".join(records)
        try:
            start = self._write_all(data)
        except SegmentLinked as linked:
            self._rotate()
            self._note_linked(linked)
            start = self._write_all(data)
        self._written(events, records, start)
        if self.files.sizes[self.files.write_seg] >= self.segment_bytes:
            self._rotate()

    async def write_in(self, run: OffLoop, events: list[Event], records: list[bytes]) -> None:
        """``write``, its system calls made by ``run`` (the spool's write thread, write_thread.py): the
        records, then the next segment's file. What the loop reads (the sizes, counts, the segment
        written) changes only here, on the loop, once the calls returned."""
        data, files = b"".join(records), self.files
        try:
            start = await run(partial(self._write_all, data))
        except SegmentLinked as linked:
            await self._rotate_in(run)
            self._note_linked(linked)
            start = await run(partial(self._write_all, data))
        self._written(events, records, start)
        if files.sizes[files.write_seg] >= self.segment_bytes:
            await self._rotate_in(run)

    async def _rotate_in(self, run: OffLoop) -> None:
        files = self.files
        try:
            fd = await run(partial(self._create_next, files.write_seg, files.counts[files.write_seg]))
        except OSError as exc:
            self._note_create_failed(exc)
            return
        self._rotated(fd)

    def _note_linked(self, linked: SegmentLinked) -> None:
        """Say it, once a segment: the events from here on went to the next segment (or, where it
        could not be made, on into this one: spool_segment_create_failed says why)."""
        self.linked_seg = linked.seg
        path = self.files.path(linked.seg)
        log.error(
            "spool_segment_linked",
            path=path,
            names=linked.names,
            rotated=self.files.write_seg != linked.seg,
            hint=f"a second name of this segment (a hard link: ln, cp -al) was made while hookd ran; it holds "
            f"the events written before it was found, and keeps them after the spool deletes the segment; hookd "
            f"writes no more there: remove the other name (find / -xdev -samefile {path}) unless it is a copy "
            "you meant to keep",
        )

    def _written(self, events: list[Event], records: list[bytes], start: int) -> None:
        files = self.files
        seg = files.write_seg
        for event, record in zip(events, records):
            self.recent.add(Position(seg, start), event, Position(seg, start + len(record)))
            start += len(record)
        files.sizes[seg] = start
        files.counts[seg] += len(events)
        self.appended += len(events)
        self.dirty = True

    def _write_all(self, data: bytes) -> int:
        """Append ``data`` to the segment being written; return where it starts.

        A full filesystem is met with the reserve: part of it is given back and
        the write tried again, until the reserve is used up (DiskFull).
        """
        files = self.files
        if self.linked_seg != files.write_seg and (names := os.fstat(self.write_fd).st_nlink) > 1:
            raise SegmentLinked(files.write_seg, names)
        while True:
            start = files.sizes[files.write_seg]
            try:
                view = memoryview(data)
                while view:
                    written = os.write(self.write_fd, view)
                    view = view[written:]
                return start
            except OSError as exc:
                try:
                    os.ftruncate(self.write_fd, start)
                except OSError:
                    # The partial record stays: count its bytes so that offsets stay true
                    # and readers skip it as damage.
                    files.sizes[files.write_seg] = os.fstat(self.write_fd).st_size
                if exc.errno not in DISK_FULL_ERRNOS:
                    raise SpoolFull(f"cannot write to the spool in {files.directory}: {exc.strerror}") from exc
                if not self.reserve.release(len(data)):
                    self.reserve.mark_exhausted()
                    raise DiskFull(
                        f"disk full: the filesystem of {files.directory} has no space left and "
                        f"hookd's reserve (spool_reserve_bytes) is used up; free space there"
                    ) from exc

    def _rotate(self) -> None:
        """Start the next segment; if it cannot be created, keep writing this one and retry later."""
        files = self.files
        try:
            fd = self._create_next(files.write_seg, files.counts[files.write_seg])
        except OSError as exc:
            self._note_create_failed(exc)
            return
        self._rotated(fd)

    def _create_next(self, seg: int, count: int) -> int:
        """The file of the segment after ``seg``, and ``seg``'s count file: the calls alone."""
        files = self.files
        fd = files.create(seg + 1)
        try:
            replace_private(files.count_path(seg), b"%d\n" % count, fsync=False, dir_fd=files.dir_fd)
        except (OSError, UnsafePathError):
            pass  # only a start-up shortcut: without it the segment is counted by reading it
        return fd

    def _rotated(self, fd: int) -> None:
        files = self.files
        if failed := self.failed_creates.ended():
            log.info("spool_segment_created_again", failed_creates=failed, directory=files.directory)
        self.retired_fds.append(self.write_fd)
        files.write_seg += 1
        self.write_fd = fd
        files.sizes[files.write_seg] = 0
        files.counts[files.write_seg] = 0
        if self.fsync_policy is FsyncPolicy.NEVER:
            self.close_retired()

    def _note_create_failed(self, exc: OSError) -> None:
        if not self.failed_creates.failed(exc):
            return
        full = exc.errno in DISK_FULL_ERRNOS
        log.error(
            "spool_segment_create_failed",
            reason="disk_full" if full else "create_failed",
            error=exc.strerror,
            directory=self.files.directory,
            hint=(
                "the filesystem is full: free space there; until then events are written on in the current "
                "segment, and rotation is tried again at each append"
                if full
                else "writing on in the current segment; rotation is tried again at each append"
            ),
        )

    def sync(self) -> None:
        """Flush everything written so far to the disk (called from a worker thread).

        Every file is flushed and every retired one closed even when one fails; the first
        error is raised after (the flusher then counts the writes so far as unsure)."""
        retired, self.retired_fds = self.retired_fds, []
        error: OSError | None = None
        for fd in retired:
            try:
                os.fsync(fd)
            except OSError as exc:
                error = error or exc
            finally:
                os.close(fd)
        if self.dirty or retired:
            self.dirty = False
            for fd in (self.write_fd, self.files.dir_fd):  # the directory hookd holds, wherever it is now
                try:
                    os.fsync(fd)
                except OSError as exc:
                    error = error or exc
        if error is not None:
            raise error

    def close_retired(self) -> None:
        for fd in self.retired_fds:
            os.close(fd)
        self.retired_fds = []

    def close(self) -> None:
        self.close_retired()
        os.close(self.write_fd)
