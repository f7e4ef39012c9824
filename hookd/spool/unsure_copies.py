"""What the spool knows of its events' copies that a failed flush left unsure (recent.py keeps them).

The flusher says which flushes worked and which failed; the pipeline asks whether the spool's copy of a
hand-off may be lost, to take another copy rather than drop it, and the inbox whether any copy was.
"""

from __future__ import annotations

from hookd.spool.recent import RecentEvents
from hookd.spool.segments import Position


class UnsureCopies:
    """Part of ``Spool`` (spool.py), which makes ``_recent``."""

    _recent: RecentEvents

    def copy_may_be_lost(self, handoff_id: str, event_id: str) -> bool:
        """Whether the spool's copy ``event_id`` of this hand-off, its latest, was left unsure by a
        failed flush and let go from memory (recent.py): another copy of it is taken, not dropped."""
        gone = self._recent.gone_unsure.get(handoff_id)
        return gone is not None and gone[1] == event_id

    def has_lost_unsure_copies(self) -> bool:
        return bool(self._recent.gone_unsure)

    def flushed(self, through: Position) -> None:
        """A flush worked for everything written before ``through`` (flusher.py)."""
        self._recent.flushed(through)

    def keep_unsure(self, through: Position) -> None:
        """A flush failed: the events before ``through`` are published from memory, not the file (recent.py)."""
        self._recent.pin(through)
