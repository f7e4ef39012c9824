"""The unsure mark's file (unsure.py says what it is for): read by `hookd status` on a stopped daemon
as well as by the spool, so it needs nothing of the daemon's logging."""

from __future__ import annotations

import os
from typing import NamedTuple

from hookd.paths import read_private, replace_private
from hookd.spool.segments import Position

UNSURE = "unsure"


class Unsure(NamedTuple):
    """What a failed fsync left: everything written before ``through`` may not be on the disk."""

    through: Position
    errno: int
    error: str


def read_unsure(directory: str, dir_fd: int | None = None) -> Unsure | None:
    """The unsure mark an earlier run left, if any (one that cannot be read counts as none)."""
    try:
        head, _, error = (
            read_private(os.path.join(directory, UNSURE), 4096, dir_fd).decode(errors="replace").partition("\n")
        )
        seg, offset, number = (int(x) for x in head.split())
    except (FileNotFoundError, ValueError):
        return None
    return Unsure(Position(seg, offset), number, error.strip())


def unsure_left(directory: str, dir_fd: int, cursor: Position, waiting: bool) -> Unsure | None:
    """At start: the unsure mark of events Redis does not have yet (``cursor``: what it has); one it
    has in full, or with nothing ``waiting``, is removed."""
    unsure = read_unsure(directory, dir_fd)
    if unsure is not None and (cursor >= unsure.through or not waiting):
        remove_unsure(directory, dir_fd)
        return None
    return unsure


def write_unsure(directory: str, unsure: Unsure, dir_fd: int | None = None) -> None:
    """Record the unsure mark. Not fsynced (the disk is failing): it has to outlive hookd, not the
    machine; after a power loss what the segments hold is what the disk kept, and under
    spool_fsync = "batch" hook-send's inbox copies were kept in any case."""
    data = b"%d %d %d\n" % (*unsure.through, unsure.errno) + unsure.error.encode()[:1024] + b"\n"
    replace_private(os.path.join(directory, UNSURE), data, fsync=False, dir_fd=dir_fd)


def remove_unsure(directory: str, dir_fd: int | None = None) -> None:
    try:
        os.unlink(UNSURE if dir_fd is not None else os.path.join(directory, UNSURE), dir_fd=dir_fd)
    except FileNotFoundError:
        pass
