"""Spool: the on-disk write-ahead log between accepting an event and publishing it."""

from hookd.spool.event import Event
from hookd.spool.segments import Position
from hookd.spool.spool import Batch, Spool, SpoolFull

__all__ = ["Batch", "Event", "Position", "Spool", "SpoolFull"]
