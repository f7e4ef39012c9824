"""File descriptors: the limit a long-running hookd process takes, and the share of it that
connections anyone on the machine can open (the HTTP listener, the metrics endpoint, the UI) may hold.

Each such listener closes a connection to make room past its cap, so that another user cannot
take every descriptor: the spool's next segment, the inbox's files, the event and control
sockets' connections and Redis's would then fail with EMFILE. The caps were sized for the
1,024 a systemd user service gets; launchd gives an agent 256 (``launchctl limit maxfiles``), and
a shell may too, under which the HTTP listener's cap alone is every descriptor
(tests/test_redteam16_descriptors.py). So the process raises its soft limit towards
``TARGET`` (the hard limit allows it: launchd's and most shells' is far higher), and a cap that
still does not fit is cut to its share of what is left once hookd's own are reserved.
"""

from __future__ import annotations

import resource
from typing import Protocol

TARGET = 8192  # under macOS's OPEN_MAX (10,240), which setrlimit will not pass
# hookd's own: listening sockets, spool segments, Redis connections, the inbox's files, the worker,
# the owner's hook-send and status connections; and the listening queues' worth accepted at once.
RESERVE = 128
FLOOR = 8
ENOUGH = 1024  # what the caps were sized for: below it, they are cut and the log says so
LIMIT_CHECK_S = 1.0  # a getrlimit each time


def soft_limit() -> int | None:
    """The process's soft RLIMIT_NOFILE, None when unlimited."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def raise_limit(target: int = TARGET) -> int | None:
    """Raise the soft limit to ``target``, or to the hard limit when that is lower; never lower it.

    Returns the soft limit in force afterwards (None: unlimited)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = target if hard == resource.RLIM_INFINITY else min(hard, target)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):
            pass
    return soft_limit()


def connection_cap(most: int, share: float, limit: int | None = None) -> int:
    """``most``, or ``share`` of the descriptors left beside RESERVE when that is fewer (at least FLOOR)."""
    limit = soft_limit() if limit is None else limit
    if limit is None:
        return most
    return max(FLOOR, min(most, int((limit - RESERVE) * share)))


def warn_if_few(limit: int | None, process: str = "hookd run", lowered_from: int | str | None = None) -> None:
    """Log ``descriptor_limit_low`` when the limit in force is under what the caps were made for
    (``lowered_from``: the limit before it was lowered while the process ran)."""
    if limit is None or limit >= ENOUGH:
        return
    import structlog

    structlog.get_logger("hookd.descriptors").warning(
        "descriptor_limit_low",
        process=process,
        limit=limit,
        **({} if lowered_from is None else {"lowered_from": lowered_from}),
        hint=(
            "every connection, spool segment and inbox file takes a descriptor (past the limit connections are "
            "closed unanswered and hook-send keeps its events in the inbox), and connections from others are "
            "capped to fit it; raise the hard limit (ulimit -Hn, systemd's "
            "LimitNOFILE=, launchd's HardResourceLimits NumberOfFiles) so hookd can take 1024 or more"
        ),
    )


class Capped(Protocol):
    """A listener whose connections are capped to fit the limit: refit cuts (or grows) its cap
    and closes what is past it."""

    def refit(self, limit: int | None) -> None: ...


async def follow_limit(capped: list[Capped], limit: int | None, process: str = "hookd run") -> None:
    """Read the limit again every LIMIT_CHECK_S: one lowered while the process runs (``prlimit
    --pid``) left caps above it, and every accept failed with EMFILE (uvloop's accept then closes
    each waiting connection, the owner's too) while another user's connections held the rest
    (tests/test_redteam16_left_descriptors.py). On a change each listener is refitted, and a
    lowered limit under ENOUGH is logged once as ``descriptor_limit_low``."""
    import asyncio

    while True:
        await asyncio.sleep(LIMIT_CHECK_S)
        now = soft_limit()
        if now == limit:
            continue
        for listener in capped:
            listener.refit(now)
        if now is not None and (limit is None or now < limit):
            warn_if_few(now, process, lowered_from="unlimited" if limit is None else limit)
        limit = now
