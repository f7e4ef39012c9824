"""What the publish script answers a batch, checked: its counts, or the failure the answer means.

Only the script's {added, skipped} for a batch says Redis has its events (script.py documents the
answer); anything else is a failure like a lost connection, never a commit. writer.py reads the
answers; the publisher (publisher.py) and `hookd replay` act on them.
"""

from __future__ import annotations

from typing import NamedTuple

import redis.exceptions
from hookd.units import plural


class GapError(redis.exceptions.RedisError):
    """The sender's ``mark`` is short of the seq the batch was sent behind: the batch sent before
    this one did not land, or Redis lost what landed (lost.py); it was refused so as not to skip it."""

    def __init__(self, message: str, mark: int, stream_gone: bool = False, remade: bool = False) -> None:
        super().__init__(message)
        self.mark = mark
        self.stream_gone = stream_gone  # the stream itself was not there, whatever the mark
        self.remade = remade  # it was there, made again since this sender's events went into it


class ReplicasBehind(redis.exceptions.RedisError):
    """Fewer replicas than redis_wait_replicas confirmed a batch in time; it stays in the spool."""


class UnexpectedReply(redis.exceptions.RedisError):
    """What answered a batch is not the script's {added, skipped} for it; the batch stays spooled.

    Only that answer says Redis has the events: anything else (``+OK`` from a proxy or a
    server that is not Redis, counts that do not add up to the batch) is a failure like a
    lost connection, never a commit (tests/test_redteam6_redis_replies.py).
    """


class PartlyAdded(redis.exceptions.ResponseError):
    """Redis refused an XADD after ``added`` events of the batch had landed (their mark raised,
    their sessions indexed): the batch stays spooled, and its resend skips those as sent."""

    def __init__(self, message: str, added: int, refused: dict[str, str]) -> None:
        super().__init__(message)
        self.added = added
        self.refused = refused


def is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_mark(value: object) -> bool:
    """A high-water mark as the script answers it: its decimal digits (a Lua number would round one past 2**53)."""
    return isinstance(value, bytes) and value.isdigit()


class Counts(NamedTuple):
    """The script's answer to a batch: events added and skipped, and the session index's keys
    Redis refused to update (key -> Redis's error; the events landed all the same)."""

    added: int
    skipped: int
    refused: dict[str, str]


def checked_counts(reply: object, events: int) -> Counts:
    """The script's answer for a batch of ``events``, or GapError / UnexpectedReply."""
    if isinstance(reply, list) and len(reply) == 2 and reply[0] == -1 and _is_mark(reply[1]):
        mark = reply[1].decode()
        raise GapError(f"the batch sent before this one did not land (the mark is at {mark})", int(mark))
    if isinstance(reply, list) and len(reply) == 3 and reply[0] == -1 and _is_mark(reply[1]):
        mark = reply[1].decode()
        if reply[2] == b"stream":
            raise GapError(f"the stream was gone behind a batch that landed (the mark is at {mark})", int(mark), True)
        if reply[2] == b"remade":
            message = f"the stream was made again since a batch landed in it (the mark is at {mark})"
            raise GapError(message, int(mark), True, remade=True)
    if not (
        isinstance(reply, list)
        and len(reply) >= 2
        and len(reply) % 2 == 0
        # a key per session of the batch, the sorted set, and an XADD refused half-way
        and len(reply) <= 2 * events + 6
        and is_count(reply[0])
        and is_count(reply[1])
        and all(isinstance(item, (bytes, str)) for item in reply[2:])
    ):
        raise UnexpectedReply(_unexpected(reply, events))
    added, skipped = reply[0], reply[1]
    pairs = [item.decode("utf-8", "replace") if isinstance(item, bytes) else item for item in reply[2:]]
    refused = dict(zip(pairs[::2], pairs[1::2]))
    stream_refused = refused.pop("", None)
    if len(reply) > 2 * events + 4 + (0 if stream_refused is None else 2):
        raise UnexpectedReply(_unexpected(reply, events))
    if stream_refused is not None and 0 < added and added + skipped < events:
        raise PartlyAdded(stream_refused, added, refused)
    if stream_refused is not None or added + skipped != events:
        raise UnexpectedReply(_unexpected(reply, events))
    return Counts(added, skipped, refused)


def _unexpected(reply: object, events: int) -> str:
    shown = repr(reply)
    shown = shown if len(shown) <= 80 else shown[:80] + "..."
    return (
        f"Redis answered a batch of {plural(events, 'event')} with {shown}, which does not account for them "
        "(the publish script answers [added, skipped]); the batch stays spooled: check that "
        "redis_url names a Redis server and nothing in between rewrites its answers"
    )
