"""A progress bar while `hookd run` publishes a big spool it found at start (terminal only)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from hookd.terminal.progress import Progress

MIN_EVENTS = 10_000  # below this the spool is gone before a bar would be worth drawing


async def show_drain(
    spool: Any, stream: TextIO | None = None, min_events: int = MIN_EVENTS, interval_s: float = 0.2
) -> None:
    """Draw how much of the spool found at start has been published, until it is."""
    stream = stream or sys.stderr
    total = spool.pending_events
    if total < min_events:
        return
    with Progress("publishing the spool", total, stream=stream, min_s=0) as progress:
        while (left := spool.pending_events) > 0:
            progress.update(max(0, total - left))
            await asyncio.sleep(interval_s)
