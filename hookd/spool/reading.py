"""The spool's read side: handing events out ahead of the committed position (reader.py), and what
reading finds on the way, each said once: events lost to damage (damage.py) and reads that fail,
tried again every READ_RETRY_S and never skipped (damage.ReadFailure).

The publisher's reads of segment files (``next_batch``) are made in a thread hookd's exit does not wait
for (unjoined.py), one at a time: made on the loop, a read on a spool disk that stopped answering froze
the daemon (no status, no event served, SIGTERM not served). ``reading_since`` says one under way.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from hookd.spool.damage import READ_RETRY_S, Read, ReadFailure, count_lost, read_whole, to_read, wanted
from hookd.spool.files import SegmentFiles
from hookd.spool.reader import Batch, SpoolReader
from hookd.spool.recent import RecentEvents
from hookd.spool.deferred import ReadDeferred
from hookd.spool.segments import Position
from hookd.unjoined import off_loop


class SpoolReading:
    def __init__(self, files: SegmentFiles, recent: RecentEvents, cursor: Position, data_ready: asyncio.Event) -> None:
        self.files = files
        self.data_ready = data_ready  # set by each append
        self.reader = SpoolReader(files, recent, cursor)
        self.lost = 0  # events in damaged records (damage.py)
        self.damage_at: str | None = None  # the last segment found damaged
        self.damage_known: dict[int, set[int]] = {}  # segment -> where its stretches end, once read whole
        self.failure = ReadFailure()
        self.reading_since: tuple[str, float] | None = None  # a segment read under way off the loop: its file, since
        self._running: asyncio.Future[Any] | None = None  # that read (a segment's, or the count's)
        # Damage met whose segments are read whole off the loop (damage.read_whole): what the reader found, and
        # those reads once returned; counted lost on the next call.
        self._damage: tuple[list[tuple[int, int, int]], Read | None] | None = None

    async def next_batch(
        self, max_events: int, max_bytes: int, counts: Callable[[], tuple[Position, int]], wait: bool = True
    ) -> Batch:
        """``counts``: the committed position and the events the spool counts as waiting, asked at each use:
        given once, they were those of before each wait here (events appended, committed or lost since), and
        damage met after a wait was counted against them. Not ``wait``: never waits for appends, nor tries a
        read that failed again: the events there are up to the spool's end, possibly none (a failed read is
        said by ``failure``, as read_batch's)."""
        while True:
            if self._running is not None and not await self._read_returned(pause=wait) and not wait:
                return Batch([], self.reader.position, 0)
            try:
                batch = self.read_batch(max_events, max_bytes, *counts(), defer=True)
            except ReadDeferred as deferred:
                self._start_read(deferred)
                continue
            if batch.events:
                if self._damage is not None:
                    # Its count's read awaited: counted before the batch is committed, as when it was read on the loop.
                    if self._running is not None:
                        await self._read_returned(pause=wait)
                    self._take_count(*counts())
                return batch
            if not wait:
                return batch
            if self.failure.error is not None:
                await asyncio.sleep(READ_RETRY_S)  # the read is tried again, never skipped
            await self.wait_for_unread()

    def read_ahead(self, max_events: int, max_bytes: int, cursor: Position, pending: int) -> Batch:
        """``read_batch`` for a caller on the loop with batches in flight (publish/in_flight.py): a read of a
        segment the batch needs is started off the loop and no event returned; ``next_batch`` waits for it.
        Made on the loop, that read held the loop (status, hook-send, SIGTERM) while its disk did not answer."""
        try:
            return self.read_batch(max_events, max_bytes, cursor, pending, defer=True)
        except ReadDeferred as deferred:
            self._start_read(deferred)
            return Batch([], self.reader.position, 0)

    def _start_read(self, deferred: ReadDeferred) -> None:
        segment = self.reader.segment_reader
        read = deferred.read if segment is None else lambda: segment.read_off_loop(deferred)
        self._running = asyncio.ensure_future(off_loop(read, "hookd-spool-read"))
        self.reading_since = (deferred.path, time.monotonic())

    def _take_count(self, cursor: Position, pending: int) -> bool:
        """Damage met before, its segments read off the loop: counted lost now. False while that read is
        to be made again (it failed)."""
        if self._damage is None:
            return True
        damage, whole = self._damage
        if whole is None:
            self._start_count(damage, cursor)
            return False
        self._damage = None
        self.lost += count_lost(self.files, damage, cursor, pending, self.damage_known, whole, self.reader.recent)
        return True

    def _start_count(self, damage: list[tuple[int, int, int]], cursor: Position) -> None:
        """count_lost's reads of the damaged segments (damage.read_whole), started off the loop as a segment
        read is: made on the loop, a read on a disk that stopped answering held it."""
        made = wanted(self.files, to_read(self.files, damage, self.damage_known), cursor, self.reader.recent)
        self._damage = (damage, None)
        running = asyncio.ensure_future(off_loop(functools.partial(read_whole, self.files, *made), "hookd-spool-read"))

        def settled(done: asyncio.Future[Read]) -> None:
            if not done.cancelled() and done.exception() is None and self._damage == (damage, None):
                self._damage = (damage, done.result())

        running.add_done_callback(settled)
        self._running = running
        self.reading_since = (self.files.path(min(made[0])), time.monotonic())

    async def _read_returned(self, pause: bool = True) -> bool:
        """Wait for the read under way; a caller cancelled meanwhile leaves it to the next one. Whether it
        worked; one that failed is tried again after READ_RETRY_S when ``pause``."""
        running = self._running
        assert running is not None and self.reading_since is not None
        path = self.reading_since[0]
        try:
            await asyncio.shield(running)
        except OSError as exc:
            # As a read failing on the loop: tried again from the same place, never skipped.
            self._running = self.reading_since = None
            self.reader.close()
            self.failure.failed(path, exc)
            if pause:
                await asyncio.sleep(READ_RETRY_S)
            return False
        self._running = self.reading_since = None
        return True

    async def settle(self, timeout: float) -> None:
        """Wait at most ``timeout`` for the read under way (a stop's): one that returned is done with, so
        that the spool's close, which makes no call on its disk while one is held, closes it."""
        running = self._running
        if running is None:
            return
        await asyncio.wait([running], timeout=timeout)
        if running.done():
            self._running = self.reading_since = None
            if not running.cancelled():
                running.exception()  # a failed read: tried again by the next start, as any read

    async def wait_for_unread(self) -> None:
        while not self.reader.has_unread():
            self.data_ready.clear()
            if self.reader.has_unread():
                return
            await self.data_ready.wait()

    def read_batch(self, max_events: int, max_bytes: int, cursor: Position, pending: int, defer: bool = False) -> Batch:
        """``cursor`` and ``pending``: the committed position and the events the spool counts as waiting.
        With ``defer``, ReadDeferred for a read of a segment the batch needs (``next_batch``)."""
        reader = self.reader
        if self._running is not None:
            # The segment reader is the thread's until its read returns; the events before it were handed out.
            return Batch([], reader.position, 0)
        if not self._take_count(cursor, pending):
            return Batch([], reader.position, 0)
        try:
            batch = reader.read_batch(max_events, max_bytes, defer)
            if reader.new_damage:
                self.damage_at = self.files.path(reader.new_damage[-1][0])
                if defer and to_read(self.files, reader.new_damage, self.damage_known):
                    # Counted once the read of its segments returns (the next call), with the cursor and count then.
                    self._start_count(reader.new_damage, cursor)
                else:
                    self.lost += count_lost(
                        self.files, reader.new_damage, cursor, pending, self.damage_known, recent=reader.recent
                    )
                reader.new_damage = []
        except OSError as exc:
            self.failure.failed(self.files.path(reader.position.segment), exc)
            return Batch([], reader.position, 0)
        self.failure.read()
        return batch

    def committed(self, position: Position) -> None:
        """Segments before ``position``'s are never read again: their damage need not be known."""
        self.reader.forget_damage_before(position.segment)
        for seg in [s for s in self.damage_known if s < position.segment]:
            del self.damage_known[seg]
