"""The unsure mark: a file in the spool directory saying that a failed fsync left the events written
before a position not surely on the disk (flusher.py holds the failure until Redis has them).

It makes the failure outlive hookd: without it a restart (or a kill) before Redis had those events
counted them as on the disk again, and under spool_fsync = "batch" the start deleted hook-send's
inbox copies of them, the only copies whose fsync had worked. Spool reads it at start (and drops it
if the cursor is past it); the Flusher holds the failure again while it stands.
"""

from __future__ import annotations

import functools
from typing import Protocol

import structlog

from hookd.paths import UnsafePathError
from hookd.spool.segments import Position
from hookd.spool.unsure_file import Unsure, remove_unsure, write_unsure
from hookd.unjoined import off_loop

log = structlog.get_logger("hookd.spool")


class SpoolDirectory(Protocol):
    """What the mark needs of the spool (spool.Spool; not imported: the spool reads the mark at start)."""

    @property
    def directory(self) -> str: ...

    @property
    def dir_fd(self) -> int | None: ...


class UnsureMark:
    """The mark on the disk for the failure a Flusher holds: written when it fails, removed when settled."""

    def __init__(self, spool: SpoolDirectory) -> None:
        self.spool = spool
        self.marked: Position | None = None  # what the file on the disk says, if there is one

    async def mark(self, through: Position, exc: OSError) -> None:
        """Mark everything before ``through`` unsure (from a worker thread), for a restart to find."""
        if self.marked == through:
            return
        unsure = Unsure(through, exc.errno or 0, exc.strerror or str(exc))
        try:
            await off_loop(
                functools.partial(write_unsure, self.spool.directory, unsure, self.spool.dir_fd), "hookd-spool-unsure"
            )
        except (OSError, UnsafePathError) as error:
            log.error(
                "spool_unsure_not_marked",
                error=str(error),
                directory=self.spool.directory,
                hint="a restart before Redis has the events a failed fsync left unsure will count them as on the "
                "disk; keep hookd running until status no longer names the failure",
            )
            return
        self.marked = through

    async def clear(self) -> None:
        """Remove the mark once Redis has what it covered. One left behind only costs the next start a
        held failure until the cursor file passes it (Spool drops it then)."""
        if self.marked is None:
            return
        try:
            await off_loop(
                functools.partial(remove_unsure, self.spool.directory, self.spool.dir_fd), "hookd-spool-unsure"
            )
        except OSError as error:
            log.warning("spool_unsure_not_cleared", error=error.strerror, directory=self.spool.directory)
        self.marked = None
