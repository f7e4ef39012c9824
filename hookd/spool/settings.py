"""The settings the spool and its flusher read, built once from the Config by the daemon."""

from __future__ import annotations

from typing import ClassVar

from hookd.config import Section
from hookd.policies import FsyncPolicy, FullPolicy


class SpoolSettings(Section, frozen=True, kw_only=True):
    """spool_*: where the spool is, how big it grows, when it reaches the disk, what a full one does.

    ``dir`` is not a setting of its own: it is the spool directory under state_dir.
    """

    prefix: ClassVar[str] = "spool_"

    dir: str
    segment_bytes: int
    max_bytes: int
    reserve_bytes: int
    fsync: FsyncPolicy
    fsync_interval_ms: int
    full_policy: FullPolicy
