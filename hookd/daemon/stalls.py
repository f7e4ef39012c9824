"""A stall said in the log, not only on `hookd status`: when it starts and when it is over.

The verdict `stalled` (liveness.py, daemon/parts.py) was read by status, the metrics and the
systemd watchdog alone; the log said `watchdog_withheld` only under a service manager's watchdog,
so a hookd run by launchd, a container or a shell stalled with nothing in its log, where an
operator looks first and what alerting on log lines reads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

log = structlog.get_logger("hookd.liveness")

CHECK_EVERY_S = 5.0  # as often as the service manager's STATUS= is refreshed (service/notify.py)


async def say_stalls(reasons: Callable[[], list[str]], every_s: float = CHECK_EVERY_S) -> None:
    """Log ``hookd_stalled`` with the reasons when a stall is first seen, and ``hookd_stall_over``
    with how long it lasted once none is left."""
    since: float | None = None
    while True:
        await asyncio.sleep(every_s)
        found = reasons()
        if found and since is None:
            since = time.monotonic()
            log.error(
                "hookd_stalled",
                reasons=found,
                hint="events wait and nothing moves them; `hookd status` names what, with the fix",
            )
        elif not found and since is not None:
            log.info("hookd_stall_over", stalled_for_s=round(time.monotonic() - since, 1))
            since = None
