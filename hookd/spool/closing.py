"""The spool's close: its last cursor write, deletions, sync and file closes.

At the daemon's stop these calls are made in a thread hookd's exit does not wait for (``close_off_loop``,
unjoined.py), awaited until the drain's deadline: a spool disk that stops answering just then (a
network mount that hung, with no thread of the spool held in a call before) would otherwise hold the
loop, and the stop with it, until the process's hard stop. A close left so is said by the drain
(``spool_close_left_hung``); the cursor file keeps its last position, and what Redis has since is sent
again by the next start and skipped by the high-water mark.
"""

from __future__ import annotations

import asyncio
import os
import time

from hookd.policies import FsyncPolicy
from hookd.spool.cursor import Cursor
from hookd.spool.files import SegmentFiles
from hookd.spool.reader import SpoolReader
from hookd.spool.reading import SpoolReading
from hookd.spool.reserve import Reserve
from hookd.spool.write_thread import Appends, WriteThread
from hookd.spool.writer import SegmentWriter
from hookd.unjoined import off_loop


class SpoolClose:
    """Part of ``Spool`` (spool.py), which makes these."""

    _files: SegmentFiles
    _cursor: Cursor
    _writer: SegmentWriter
    _reader: SpoolReader
    reading: SpoolReading
    reserve: Reserve
    fsync_policy: FsyncPolicy
    appends: Appends
    flush_thread: WriteThread
    dir_fd: int
    # Set by close_off_loop: when its thread began, and whether its calls returned.
    closing_since: float | None = None
    _files_closed = False
    _close_error: BaseException | None = None

    def _held(self) -> bool:
        """Whether a thread is held in a call on the spool's disk: every other call there would be too."""
        held = self.flush_thread.busy_since is not None or self._cursor.writing_since is not None
        return held or self.appends.busy or self.reading.reading_since is not None or self.closing_since is not None

    def _close_files(self, among: list[int]) -> list[int]:
        """The close's calls on the disk; the segments of ``among`` it deleted (forgotten by the caller)."""
        self._cursor.write_file(self._cursor.position)
        gone = self._cursor.unlink_published(among)
        self._reader.close()
        if self.fsync_policy is not FsyncPolicy.NEVER:
            self._writer.sync()
        self._writer.close()
        self.reserve.leave_if_linked()  # else the next start refuses the spool for it
        self.reserve.close()
        return gone

    async def close_off_loop(self, timeout: float) -> bool:
        """The close's calls on the disk in a thread of their own, awaited at most ``timeout`` seconds;
        False if they are left to it (``closing_since`` says since when), or if another thread was held."""
        if self._files_closed:
            return True
        if self._held():
            return False
        among = list(self._files.sizes)
        self.closing_since = time.monotonic()
        running = asyncio.ensure_future(off_loop(lambda: self._close_files(among), "hookd-spool-close"))
        await asyncio.wait({running}, timeout=timeout)
        if not running.done():
            return False
        self.closing_since = None
        self._files_closed = True
        if (error := running.exception()) is not None:
            self._close_error = error  # raised by close(), as when its calls were made there
        else:
            self._files.forget_each(running.result())
        return True

    def close(self) -> None:
        if not self._files_closed and self._held():
            # Left as it is; what was handed over was never acknowledged.
            return
        try:
            if self._close_error is not None:
                raise self._close_error
            if not self._files_closed:
                self._files.forget_each(self._close_files(list(self._files.sizes)))
        finally:
            os.close(self.dir_fd)
            self.appends.thread.close()
            self.flush_thread.close()
