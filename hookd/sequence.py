"""The per-host sequence number: strictly increasing, across restarts and crashes too.

Redis skips any event whose sequence is at or below the host's high-water
mark, so a number must never be handed out twice. Numbers are reserved in
blocks written to disk before use (a crash leaves a gap, never a repeat), and
each run starts at least at the clock in microseconds, so even a wiped state
directory cannot restart below numbers already published.
"""

from __future__ import annotations

import os
import time

BLOCK = 100_000


class SequenceAllocator:
    def __init__(self, path: str, block: int = BLOCK) -> None:
        self.path = path
        self.block = block
        self._next = max(self._read_ceiling(), time.time_ns() // 1000)
        self._ceiling = self._next
        self._reserve()

    def next(self) -> int:
        if self._next >= self._ceiling:
            self._reserve()
        value = self._next
        self._next += 1
        return value

    @property
    def last_issued(self) -> int:
        return self._next - 1

    def _read_ceiling(self) -> int:
        try:
            with open(self.path, "rb") as fh:
                return int(fh.read().strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError:
            # A torn write can only come from a crash mid-reservation; the clock
            # floor in __init__ still keeps numbers moving forward.
            return 0

    def _reserve(self) -> None:
        self._ceiling = self._next + self.block
        tmp = f"{self.path}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"%d\n" % self._ceiling)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
