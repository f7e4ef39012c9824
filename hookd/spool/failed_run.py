"""Failures of one recurring write in a row (the cursor file, a new segment), so that a full disk is
said once per run of failures, not at every attempt, and its end is said with the count."""

from __future__ import annotations

from hookd.disk_full import DISK_FULL_ERRNOS


class FailedRun:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0  # failures in a row

    def failed(self, exc: OSError) -> bool:
        """Count a failure; whether to say it: a full disk at the first of a run, anything else each time."""
        self.count += 1
        return exc.errno not in DISK_FULL_ERRNOS or self.count == 1

    def ended(self) -> int:
        """The write worked: how many failures in a row it ends (0: none to say)."""
        count, self.count = self.count, 0
        return count
