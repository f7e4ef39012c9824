"""How far Redis has the spool: the committed position in memory, and the cursor file.

``commit`` moves the position in memory once Redis has acknowledged a batch; the cursor file
follows it (``write_file``, by rename, so a crash leaves the old position or the new one),
from a worker thread a few times a second (cursor_keeper.keep_cursor), because a rename on ext4
can hold the event loop, and every request waiting on it, for milliseconds. A cursor file
that lags behind Redis is harmless: what is sent again is skipped by the high-water mark.
Segments are deleted only once the cursor file has moved past them.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

from hookd.disk_full import raise_disk_full
from hookd.spool.files import SegmentFiles
from hookd.spool.reader import Batch
from hookd.spool.segments import CURSOR, Position, write_cursor


class Cursor:
    def __init__(self, files: SegmentFiles, position: Position, retain_published_s: float) -> None:
        self.files = files
        self.position = position  # committed: Redis has every event before it
        self.saved = position  # what the cursor file says
        self.retain_published_s = retain_published_s
        self.committed = 0
        # Published segments kept whatever their age, past the spool's bound too (full.py refuses appends
        # then): the start's late hand-off ids are still to be looked for in them (daemon/inbox_start.py).
        self.held = False
        self.moved = asyncio.Event()
        self._file_lock = threading.Lock()
        # When the cursor file's write under way began (time.monotonic), None between writes: one on a
        # disk that stopped answering holds the lock, and every later write waits for it.
        self.writing_since: float | None = None

    def commit(self, batch: Batch) -> None:
        """Record that Redis has every event up to ``batch.end``."""
        self.commit_to(batch.end, len(batch.events))

    def commit_to(self, end: Position, events: int) -> None:
        """Record that the ``events`` waiting events before ``end`` are done with."""
        if end <= self.position:
            # Dropped to make room while Redis was taking it. ``dropped`` counts what was
            # deleted from the disk, so these count there, and reached Redis all the same.
            return
        self.position = end
        self.committed += events
        self.moved.set()

    def write_file(self, position: Position) -> None:
        """Record ``position`` in the cursor file unless a later one is there; safe from a thread.
        A full filesystem raises DiskFullError (an append making room is refused for it)."""
        with self._file_lock:
            if position > self.saved:
                self.writing_since = time.monotonic()
                try:
                    write_cursor(self.files.directory, position, self.files.dir_fd)
                except OSError as exc:
                    raise_disk_full(exc, os.path.join(self.files.directory, CURSOR))  # the refusal names it
                    raise
                finally:
                    self.writing_since = None
                self.saved = position

    def delete_published(self, keep_recent: bool = True) -> None:
        """Delete the segments before the cursor file's position (kept a while if retaining)."""
        gone = self.published(keep_recent)
        self.files.unlink_each(gone)
        self.files.forget_each(gone)

    def unlink_published(self, among: list[int]) -> list[int]:
        """Delete the files of ``among``'s published segments (kept a while if retaining), and say which;
        from a thread: their sizes are forgotten by the caller, on the loop (files.forget_each)."""
        gone = self.published(True, among)
        self.files.unlink_each(gone)
        return gone

    def published(self, keep_recent: bool = True, among: list[int] | None = None) -> list[int]:
        """The segments (of ``among``, else all) before the cursor file's position that may be deleted;
        with ``keep_recent``, not those younger than retain_published_s (a stat of each), nor any held."""
        if keep_recent and self.held:
            return []
        cutoff = time.time() - self.retain_published_s
        gone = []
        for seg in sorted(s for s in (self.files.sizes if among is None else among) if s < self.saved.segment):
            if keep_recent and self.retain_published_s > 0 and self.files.mtime(seg) > cutoff:
                break
            gone.append(seg)
        return gone

    def fully_published(self) -> list[int]:
        """The segments Redis has in full (before the committed position) to delete on a full disk, however
        recent, even past what the cursor file says: a full disk may not take the cursor file. A crash
        after it resumes at the oldest segment left (segments.read_cursor); Redis skips repeats.
        None while held: an inbox copy of an event in one would be published a second time."""
        return [] if self.held else sorted(s for s in self.files.sizes if s < self.position.segment)
