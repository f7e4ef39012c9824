"""What the publisher waits on now, besides Redis's answer to a batch: one step each (a connect, its handshake, a
Cluster seed's slot map, a name's resolution, a sentinel's answer), with the address asked, since when, what bounds
it and the fix.

A stall's reason (liveness.py) and `hookd status` name the step, not the batch the step holds up: a batch that
waits on a silent Cluster seed, a TLS handshake nobody answers, a sentinel that does not answer or a resolver that
hangs is not Redis slow to answer it. Kept in RedisHealth.waits (state.py), written around each step by
hookd/publish/waits.py (the connections' steps), master_watch.py (its resolution) and sentinel_ask.py (the asks).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import msgspec

# The sentinels' asks, which a stall says together (liveness.py): one deadline for all, asked at once.
SENTINEL = "the master's address (SENTINEL MASTERS) from sentinel"

_keys = itertools.count()


class Wait(msgspec.Struct):
    what: str  # the step, in words: "the connect (name resolution, TCP, TLS handshake) to"
    address: str  # host:port, a unix socket's path, or the name being resolved
    since: float  # time.monotonic()
    bound_s: float | None  # the step's own bound; None: none (a timeout unset)
    bound_by: str  # the settings that give the bound, in words
    fix: str  # what to do when it stays silent


def said(wait: Wait, now: float) -> str:
    """``wait`` as a line: what is asked, of whom, for how long, and what bounds it."""
    bound = "no bound of hookd's" if wait.bound_s is None else f"it ends at {wait.bound_s:g}s ({wait.bound_by})"
    return f"{wait.what} {wait.address} for {now - wait.since:.1f}s; {bound}; {wait.fix}"


def oldest(waits: dict[int, Wait]) -> Wait | None:
    return min(waits.values(), key=lambda wait: wait.since, default=None)


def begin(waits: dict[int, Wait] | None, wait: Wait) -> int | None:
    """``wait`` kept in ``waits`` (None: nobody keeps them, as outside the daemon) until ``end`` of its key."""
    if waits is None:
        return None
    key = next(_keys)
    waits[key] = wait
    return key


def end(waits: dict[int, Wait] | None, key: int | None) -> None:
    if waits is not None and key is not None:
        waits.pop(key, None)


@contextlib.contextmanager
def waiting(waits: dict[int, Wait] | None, wait: Wait) -> Iterator[None]:
    key = begin(waits, wait)
    try:
        yield
    finally:
        end(waits, key)
