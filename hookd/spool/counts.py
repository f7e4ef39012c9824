"""What the spool counts, and what status and metrics show of it (``SpoolCounts.stats``).

The waiting count is kept by arithmetic, never by reading: what an earlier run left (counted at start,
or once a read works: ``Spool._count_backlog``), plus what this run appended, less what Redis has, what
was dropped to make room and what was lost to damage.
"""

from __future__ import annotations

from hookd.policies import FsyncPolicy, FullPolicy
from hookd.spool.cursor import Cursor
from hookd.spool.files import SegmentFiles
from hookd.spool.full import SpoolBound
from hookd.spool.reader import SpoolReader
from hookd.spool.reading import SpoolReading
from hookd.spool.reserve import Reserve
from hookd.spool.writer import SegmentWriter
from hookd.state import SpoolStats


class SpoolCounts:
    """Part of ``Spool`` (spool.py), which makes these."""

    _files: SegmentFiles
    _cursor: Cursor
    _writer: SegmentWriter
    _bound: SpoolBound
    _reader: SpoolReader
    _reading: SpoolReading
    reserve: Reserve
    fsync_policy: FsyncPolicy
    torn_bytes: int
    backlog_at_start: int | None  # None until counted (spool.py)

    @property
    def backlog_known(self) -> bool:
        return self.backlog_at_start is not None

    @property
    def pending_events(self) -> int:
        return (self.backlog_at_start or 0) + self.appended - self.committed - self.dropped - self.lost

    @property
    def lost(self) -> int:
        return self._reading.lost

    @property
    def damage_at(self) -> str | None:
        return self._reading.damage_at

    @property
    def pending_bytes(self) -> int:
        return self._files.bytes_from(self._cursor.position)

    @property
    def disk_bytes(self) -> int:
        return self._files.disk_bytes

    @property
    def appended(self) -> int:
        return self._writer.appended

    @property
    def committed(self) -> int:
        return self._cursor.committed

    @property
    def dropped(self) -> int:
        return self._bound.dropped

    @property
    def damaged_bytes(self) -> int:
        return self._reader.damaged_bytes

    @property
    def full_since(self) -> float | None:
        return self._bound.full_since

    @property
    def max_bytes(self) -> int:
        return self._bound.max_bytes

    @property
    def full_policy(self) -> FullPolicy:
        return self._bound.policy

    @property
    def segment_bytes(self) -> int:
        return self._writer.segment_bytes

    @segment_bytes.setter
    def segment_bytes(self, value: int) -> None:
        self._writer.segment_bytes = value

    def stats(self) -> SpoolStats:
        """What status and metrics show of the spool (hookd/state.py)."""
        return SpoolStats(
            events=self.pending_events,
            events_counted=self.backlog_known,
            bytes=self.pending_bytes,
            disk_bytes=self.disk_bytes,
            max_bytes=self.max_bytes,
            dropped=self.dropped,
            full=self.full_since is not None,
            full_policy=self.full_policy,
            fsync=self.fsync_policy,
            torn_bytes=self.torn_bytes,
            damaged_bytes=self.damaged_bytes,
            lost_events=self.lost,
            damage_at=self.damage_at,
            read_error=self._reading.failure.error,
            disk_full=self.reserve.disk_full_since is not None,
            reserve_bytes=self.reserve.size,
            reserve_target_bytes=self.reserve.target,
            reserve_short=self.reserve.short,
        )
