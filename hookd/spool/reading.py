"""The spool's read side: handing events out ahead of the committed position (reader.py), and what
reading finds on the way, each said once: events lost to damage (damage.py) and reads that fail,
tried again every READ_RETRY_S and never skipped (damage.ReadFailure).
"""

from __future__ import annotations

import asyncio

from hookd.spool.damage import READ_RETRY_S, ReadFailure, count_lost
from hookd.spool.files import SegmentFiles
from hookd.spool.reader import Batch, SpoolReader
from hookd.spool.recent import RecentEvents
from hookd.spool.segments import Position


class SpoolReading:
    def __init__(self, files: SegmentFiles, recent: RecentEvents, cursor: Position, data_ready: asyncio.Event) -> None:
        self.files = files
        self.data_ready = data_ready  # set by each append
        self.reader = SpoolReader(files, recent, cursor)
        self.lost = 0  # events in damaged records (damage.py)
        self.damage_at: str | None = None  # the last segment found damaged
        self.damage_known: dict[int, set[int]] = {}  # segment -> where its stretches end, once read whole
        self.failure = ReadFailure()

    async def next_batch(self, max_events: int, max_bytes: int, cursor: Position, pending: int) -> Batch:
        while True:
            batch = self.read_batch(max_events, max_bytes, cursor, pending)
            if batch.events:
                return batch
            if self.failure.error is not None:
                await asyncio.sleep(READ_RETRY_S)  # the read is tried again, never skipped
            await self.wait_for_unread()

    async def wait_for_unread(self) -> None:
        while not self.reader.has_unread():
            self.data_ready.clear()
            if self.reader.has_unread():
                return
            await self.data_ready.wait()

    def read_batch(self, max_events: int, max_bytes: int, cursor: Position, pending: int) -> Batch:
        """``cursor`` and ``pending``: the committed position and the events the spool counts as waiting."""
        reader = self.reader
        try:
            batch = reader.read_batch(max_events, max_bytes)
            if reader.new_damage:
                self.lost += count_lost(self.files, reader.new_damage, cursor, pending, self.damage_known)
                self.damage_at = self.files.path(reader.new_damage[-1][0])
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
