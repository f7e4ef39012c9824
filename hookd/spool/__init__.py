"""Spool: the on-disk write-ahead log between accepting an event and publishing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hookd.spool.event import Event
from hookd.spool.segments import Position

if TYPE_CHECKING:
    from hookd.spool.spool import Batch, Spool, SpoolFull

__all__ = ["Batch", "Event", "Position", "Spool", "SpoolFull"]
_WRITER = ("Batch", "Spool", "SpoolFull")


def __getattr__(name: str) -> Any:
    """The writer's names, imported on first use: the read-only views (spool/inspect.py) that
    `hookd status` reads a stopped daemon's spool with need neither it nor its logging."""
    if name in _WRITER:
        from hookd.spool import spool

        return getattr(spool, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
