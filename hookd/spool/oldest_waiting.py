"""When the oldest event not yet in Redis was received, for status, read off the event loop.

Status reads it from the oldest waiting event's segment (``read_oldest``). Made on the loop,
a read on a spool disk that stopped answering froze the daemon: no status, no event served, SIGTERM
not served. It is read in a thread hookd's exit does not wait for (unjoined.py), one read at a time
(the asks while one hangs share it), waited for at most WAIT_S; one not answered by then reports
None (not known) and, past stall_after_s, a stall naming the mount (daemon/parts.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from typing import TYPE_CHECKING

from hookd.mounts import not_answering
from hookd.spool.inspect import oldest_waiting_received_ns
from hookd.unjoined import off_loop

if TYPE_CHECKING:
    from hookd.spool.spool import Spool

WAIT_S = 1.0


def read_oldest(spool: Spool) -> int | None:
    """When the oldest event not yet in Redis was received (reads one record)."""
    # From the position in memory: the cursor file lags it by up to keep_cursor's interval.
    try:
        return oldest_waiting_received_ns(spool.directory, spool.cursor, spool.dir_fd)
    except OSError:
        return None  # a segment that cannot be read: read_error says it, status still answers


class OldestWaiting:
    def __init__(self, read: Callable[[], int | None], directory: str, mount: str) -> None:
        self.read = read
        self.directory = directory
        self.mount = mount
        self.running: tuple[asyncio.Future[int | None], float] | None = None  # the read under way, since
        self.value: int | None = None

    def __call__(self) -> int | None:
        """What the last ``look`` read (None: no event waits, or the read has not answered)."""
        return self.value

    async def look(self) -> None:
        """Read it again, waiting at most WAIT_S."""
        if self.running is None:
            self.running = (asyncio.ensure_future(off_loop(self.read, "hookd-spool-oldest")), time.monotonic())
        future, _ = self.running
        await asyncio.wait([future], timeout=WAIT_S)
        if future.done():
            self.running = None
            self.value = future.result()
        else:
            self.value = None

    def stalled(self, after_s: float, now: float) -> list[str]:
        """A reason when the read under way has waited past ``after_s``."""
        if self.running is None or self.running[0].done() or now - self.running[1] <= after_s:
            return []
        return [
            f"status's read of the oldest waiting event in {self.directory} has waited {now - self.running[1]:.1f}s: "
            f"{not_answering(self.mount)}; check that mount"
        ]
