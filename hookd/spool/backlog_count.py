"""The count of what an earlier run left waiting, made again off the event loop when the start's failed.

The start counts the backlog (``Spool._count_backlog``) while it runs, answered meanwhile by its own thread
(daemon/start_answers.py). A read that failed then (EIO) was made again by the publisher every READ_RETRY_S on
the loop: on a disk that went on to hang, that read held the loop (no status, no event taken). Here it is made
in a thread hookd's exit does not wait for (unjoined.py), on a copy of the segments' sizes and counts taken on
the loop with the counts it is reckoned against; what the copy read (counts, the cursor's segment) is kept.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import time
from typing import NamedTuple

from hookd.spool.cursor import Cursor
from hookd.spool.damage import ReadFailure
from hookd.spool.files import SegmentFiles
from hookd.spool.full import SpoolBound
from hookd.spool.reading import SpoolReading
from hookd.spool.segments import Position
from hookd.spool.writer import SegmentWriter
from hookd.unjoined import off_loop


class Taken(NamedTuple):
    """What the count is reckoned against, as it was when the copy was taken (on the loop)."""

    files: SegmentFiles
    cursor: Position
    appended: int
    committed: int
    dropped: int


def taken(files: SegmentFiles, cursor: Position, appended: int, committed: int, dropped: int) -> Taken:
    """A copy of ``files`` whose reads change nothing the loop or the write thread use meanwhile."""
    copied = copy.copy(files)
    copied.sizes, copied.counts, copied.read_counts = dict(files.sizes), dict(files.counts), dict(files.read_counts)
    return Taken(copied, cursor, appended, committed, dropped)


def backlog(made: Taken) -> int:
    """The events an earlier run left waiting: what waits after the cursor less what this run changed since
    (in a thread on a copy, ``taken``, or on the loop on the spool's own files, ``Spool._count_backlog``)."""
    waiting = made.files.pending_from(made.cursor)
    return waiting - made.appended + made.committed + made.dropped


def keep(files: SegmentFiles, made: SegmentFiles) -> None:
    """On the loop: what the copy read, for the segments whose counts ``files`` has not learnt since."""
    for seg, count in made.counts.items():
        if seg in files.sizes and seg not in files.counts:
            files.counts[seg] = count
            if made.read_counts.get(seg) == count:
                files.read_counts[seg] = count
    around = made.around
    if files.around is None and around is not None and files.sizes.get(around.segment) == around.size:
        files.around = around
    files.around_read = files.around_read or made.around_read


class BacklogCount:
    """Part of ``Spool`` (spool.py), which makes these: the backlog's count, at the start and made again."""

    _files: SegmentFiles
    _cursor: Cursor
    _writer: SegmentWriter
    _bound: SpoolBound
    _reading: SpoolReading
    read_failure: ReadFailure
    backlog_at_start: int | None
    _counting: asyncio.Future[int] | None  # the count made again, off the loop

    def _count_backlog(self) -> bool:
        """Whether what an earlier run left waiting is counted, counting it if need be. Nothing is
        handed out before: no event of it is committed, nor counted lost, against an unknown count."""
        if self.backlog_at_start is not None:
            return True
        made = Taken(
            self._files, self._cursor.position, self._writer.appended, self._cursor.committed, self._bound.dropped
        )
        try:
            self.backlog_at_start = backlog(made)
        except OSError as exc:
            self._read_failed(made, exc)
            return False
        self.read_failure.read()
        return True

    def _read_failed(self, made: Taken, exc: OSError) -> None:
        if self.read_failure.error is None:  # said once, whichever read failed first
            self.read_failure.failed(self._files.path(made.cursor.segment), exc)

    def _start_count(self) -> bool:
        """Whether the backlog is counted; if not, its count started off the loop (backlog_count.py), the
        start's having failed. ``reading.reading_since`` says it while it runs, as a segment read."""
        if self.backlog_at_start is not None:
            return True
        if self._counting is None:
            made = taken(
                self._files, self._cursor.position, self._writer.appended, self._cursor.committed, self._bound.dropped
            )
            self._counting = asyncio.ensure_future(off_loop(functools.partial(backlog, made), "hookd-spool-read"))
            self._reading.reading_since = (self._files.path(self._cursor.position.segment), time.monotonic())

            def settled(done: asyncio.Future[int]) -> None:
                self._reading.reading_since = None
                exc = None if done.cancelled() else done.exception()
                if exc is not None and not isinstance(exc, OSError):
                    return  # a fault of hookd's: raised to the publisher that awaits it (_counted_off_loop)
                self._counting = None
                if isinstance(exc, OSError):
                    self._read_failed(made, exc)
                elif not done.cancelled():
                    keep(self._files, made.files)
                    self.backlog_at_start = done.result()
                    self.read_failure.read()

            self._counting.add_done_callback(settled)
        return False

    async def _counted_off_loop(self) -> bool:
        """``_start_count``, waiting for the count: whether it was made."""
        if self._start_count():
            return True
        counting = self._counting
        assert counting is not None
        await asyncio.wait([counting])
        if not counting.cancelled() and (exc := counting.exception()) is not None and not isinstance(exc, OSError):
            raise exc
        return self.backlog_at_start is not None
