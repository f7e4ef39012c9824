"""A full filesystem: what it says, and the error a write of hookd's state raises on one."""

from __future__ import annotations

import errno

# What a full filesystem says (ENOSPC; EDQUOT past a quota): the spool, the sequence file and the
# log's stderr each treat it as a condition that passes once there is room.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFullError(OSError):
    """A write of hookd's state (the sequence file, the spool's cursor) met a full filesystem: what it
    was written for is refused for now and kept by its sender (the pipeline's disk_full refusal)."""


def raise_disk_full(exc: OSError, path: str | None = None) -> None:
    """Raise ``exc`` again as a DiskFullError naming ``path`` (or its own file) if it says the
    filesystem is full; return otherwise."""
    if exc.errno in DISK_FULL_ERRNOS:
        raise DiskFullError(exc.errno, exc.strerror, path or exc.filename) from exc
