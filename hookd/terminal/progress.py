"""A one-line progress bar on stderr when it is a terminal; nothing at all otherwise."""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

from hookd.units import format_bytes


class Progress:
    """``update(done)`` as work goes; ``close()`` clears the line. Redrawn at most 10 times a second."""

    def __init__(
        self, label: str, total: int | None, unit: str = "events", stream: TextIO | None = None, min_s: float = 0.3
    ) -> None:
        self.stream = stream or sys.stderr
        try:
            self.active = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        except (AttributeError, ValueError):
            self.active = False
        self.label, self.total, self.unit = label, total, unit
        self.started = time.monotonic()
        self.min_s = min_s  # nothing shown for work that ends sooner
        self.last_draw = 0.0
        self.drawn = False
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        if not self.active:
            return
        now = time.monotonic()
        if now - self.started < self.min_s or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        self._draw(now)

    def _count(self, n: int) -> str:
        return format_bytes(n) if self.unit == "bytes" else f"{n:,} {self.unit}"

    def _draw(self, now: float) -> None:
        width = shutil.get_terminal_size().columns
        elapsed = now - self.started
        if self.total:
            share = min(self.done / self.total, 1.0)
            text = f"{self.label} {self._count(self.done)} of {self._count(self.total)} {share:4.0%}"
            room = max(0, width - len(text) - 4)
            bar = min(room, 40)
            filled = int(bar * share)
            line = f"{text} [{'#' * filled}{'.' * (bar - filled)}]" if bar >= 10 else text
        else:
            line = f"{self.label} {self._count(self.done)}, {elapsed:.0f}s"
        self.stream.write("\r" + line[: width - 1] + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
