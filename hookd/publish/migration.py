"""The stream's Cluster hash slot on the move: what Redis answers the publish script then,
and how hookd gets through it without a failure.

What Redis 7 answers an EVALSHA whose keys (the stream, the marks, the session index and
the batch's session hashes) all share the stream's slot, while a reshard moves that slot
(tests/test_cluster_migration.py checks each of these on real servers):

- the source (the slot MIGRATING), every key there: it runs the script, as usual;
- the source, some keys there and some not (moved already, or never made: the hash of a
  session the index has not seen): TRYAGAIN;
- the source, none of the keys there (they have all moved): ASK, naming the target;
- the target (the slot IMPORTING), after ASKING: it runs the script if every key is
  there, and answers TRYAGAIN if one is not (that new session's hash again); without
  ASKING it answers MOVED, back to the source.

So the script runs only where all its keys are: the high-water mark is always beside
the events it covers (MIGRATE moves a key whole, and deletes it from the source once the
target has it). hookd follows an ASK for the one batch that got it, with ASKING, and
offers the next batch to the slot's master again, as the Cluster specification says;
on TRYAGAIN it waits a moment and sends again, without counting a failure, for up to
PATIENCE_S. A batch with a new session waits for the end of the move. A slot that stays
half moved longer (a reshard that stopped half way) counts as failing, like an outage:
the events spool, and the message says how to finish the move.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeGuard, TypeVar

import redis.exceptions
import structlog

log = structlog.get_logger("hookd.publish")

PATIENCE_S = 30.0
FIRST_PAUSE_S = 0.02
LONGEST_PAUSE_S = 0.5


T = TypeVar("T")


def is_ask(exc: BaseException) -> TypeGuard[redis.exceptions.AskError]:
    return isinstance(exc, redis.exceptions.AskError) and not isinstance(exc, redis.exceptions.MovedError)


class SlotMove:
    """What hookd knows of a move of the stream's slot, and when it last got anywhere."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.moving = False  # an ASK or a TRYAGAIN since the last batch the slot's master took
        self.following = False  # an ASK since then
        self.stuck_since: float | None = None  # the first TRYAGAIN since a batch went through
        self.pause = FIRST_PAUSE_S

    def asked(self, exc: redis.exceptions.AskError) -> None:
        """A batch follows an ASK to the node it names."""
        if not self.following:
            log.info(
                "slot_moving_ask",
                redis=self.where,
                slot=exc.slot_id,
                target=f"{exc.host}:{exc.port}",
                hint="batches follow the slot to its new node (ASK) until the move is done",
            )
        self.moving = self.following = True

    def pause_for(self, exc: BaseException) -> float | None:
        """How long to wait before sending again after ``exc``; None to count it as a failure
        (anything but TRYAGAIN, or a TRYAGAIN that has lasted PATIENCE_S)."""
        if not isinstance(exc, redis.exceptions.TryAgainError):
            return None
        now = time.monotonic()
        if self.stuck_since is None:
            self.stuck_since = now
            log.info(
                "slot_moving_tryagain",
                redis=self.where,
                patience_s=PATIENCE_S,
                hint="some of the keys a batch needs have moved and some not yet (TRYAGAIN); sending again in moments",
            )
        self.moving = True
        if now - self.stuck_since > PATIENCE_S:
            return None
        pause, self.pause = self.pause, min(self.pause * 2, LONGEST_PAUSE_S)
        return pause

    def went_through(self, redirected: bool) -> None:
        """A batch was published: through an ASK (the move goes on), or on the slot's master."""
        self.stuck_since = None
        self.pause = FIRST_PAUSE_S
        if not redirected and self.moving:
            log.info("slot_move_done", redis=self.where)
            self.moving = self.following = False


def redirected_too_often(exc: BaseException) -> bool:
    """redis-py's Cluster client gave up on a command after its own TRYAGAIN and ASK retries."""
    return isinstance(exc, redis.exceptions.ClusterError) and "TTL exhausted" in str(exc)


async def through_a_move(send: Callable[[], Awaitable[T]]) -> T:
    """``await send()``, sent again after short pauses while the stream's slot is half moved,
    for up to PATIENCE_S (for redis-py's own Cluster client, as `hookd replay` uses)."""
    deadline = time.monotonic() + PATIENCE_S
    pause = FIRST_PAUSE_S
    while True:
        try:
            return await send()
        except (redis.exceptions.TryAgainError, redis.exceptions.ClusterError) as exc:
            if (
                not (isinstance(exc, redis.exceptions.TryAgainError) or redirected_too_often(exc))
                or time.monotonic() > deadline
            ):
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE_S)
