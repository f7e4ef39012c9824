"""The entries in stream reads' replies (hookd tail, hookd ui), checked for the shape Redis gives them.

Whatever answers on redis_url (a proxy, a server that is not Redis, or one that lies) can answer
a stream read with anything: ``+OK`` to XREAD, an entry whose id is a number, fields that are not
strings. redis-py's reply callbacks then raise AttributeError or TypeError, and tail's own loops
did the same a step later; either ended tail with a traceback, and the UI's reader logged one
every second. A reply of another shape is a NotAStreamReply instead, a RedisError: each says so
once and reads again each second, as when Redis is away (tests/test_redteam8_redis_replies.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.exceptions

from hookd.publish.connection import Entry
from hookd.publish.replies import WRONG_SHAPE, ReplyTooLarge, first_entry_id

T = TypeVar("T")
_ID = re.compile(rb"[0-9]+-[0-9]+")


class NotAStreamReply(redis.exceptions.RedisError):
    """A reply to a stream command that Redis would not have sent."""

    def __init__(self, command: str, detail: str) -> None:
        super().__init__(f"the server's reply to {command} is not Redis's ({detail[:80]})")


def checked(command: str, call: Callable[[], T]) -> T:
    """``call()``, with redis-py's (or the caller's) errors over a reply of another shape as a
    NotAStreamReply."""
    try:
        return call()
    except WRONG_SHAPE as exc:
        raise NotAStreamReply(command, f"{type(exc).__name__}: {exc}") from exc


async def awaited(command: str, reply: Awaitable[T]) -> T:
    """``reply`` awaited, with redis-py's errors over a reply of another shape as a NotAStreamReply."""
    try:
        return await reply
    except WRONG_SHAPE as exc:
        raise NotAStreamReply(command, f"{type(exc).__name__}: {exc}") from exc


async def read_entries(command: str, reply: Awaitable[Any]) -> list[Entry]:
    """The entries of an XRANGE-like read (``reply``, awaited), checked as ``entries``."""
    return entries(command, await awaited(command, reply))


def entry_id(value: Any) -> str:
    """An entry id Redis sent (bytes, ``<ms>-<seq>``) as text; a ValueError for anything else."""
    if not isinstance(value, bytes) or not _ID.fullmatch(value):
        raise ValueError(f"an entry id {value!r}")
    return value.decode()


def entries(command: str, reply: Any) -> list[Entry]:
    """The entries of an XRANGE-like reply: [id, fields] pairs, the id ``<ms>-<seq>`` and the
    fields strings (none for an entry trimmed away, in a group's pending reads)."""
    if not isinstance(reply, list):
        raise NotAStreamReply(command, f"a {type(reply).__name__} where the entries were expected")
    out: list[Entry] = []
    for item in reply:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise NotAStreamReply(command, f"an entry that is a {type(item).__name__}, not an id and fields")
        entry_id, fields = item
        if not isinstance(entry_id, bytes) or not _ID.fullmatch(entry_id):
            raise NotAStreamReply(command, f"an entry id {entry_id!r}")
        fields = {} if fields is None else fields
        if not _strings_map(fields):
            raise NotAStreamReply(command, f"entry {entry_id!r} with fields that are not strings")
        out.append((entry_id, fields))
    return out


def _strings_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in value.items())


def hash_fields(command: str, reply: Any) -> dict[bytes, bytes]:
    """An HGETALL reply (a row of hookd's session index): fields and values that are strings."""
    if not _strings_map(reply):
        raise NotAStreamReply(command, f"a {type(reply).__name__} where a hash's strings were expected")
    return dict(reply)


def members(command: str, reply: Any, most: int) -> list[bytes]:
    """A ZRANGE-like reply of at most ``most`` strings (hookd's session index): a server that answered
    more would have the reader ask for each."""
    if not isinstance(reply, list) or len(reply) > most or not all(isinstance(m, bytes) for m in reply):
        raise NotAStreamReply(command, f"not a list of at most {most} strings")
    return reply


def streams_entries(command: str, reply: Any) -> list[Entry]:
    """The entries of an XREAD or XREADGROUP reply (nothing when the read timed out): each
    stream's, in order, from [stream, entries] pairs or a map of them (RESP3)."""
    if not reply:
        return []
    pairs = list(reply.items()) if isinstance(reply, dict) else reply
    if not isinstance(pairs, list):
        raise NotAStreamReply(command, f"a {type(reply).__name__} where the streams were expected")
    out: list[Entry] = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise NotAStreamReply(command, f"a {type(pair).__name__} where a stream and its entries were expected")
        out += entries(command, pair[1])
    return out


# A reader of the stream (tail, the UI) bounds each reply at READER_REPLY_BYTES: others write the
# stream, and an entry can be as large as Redis allows. What it does when a reply passes the bound
# is the same for both, synchronous or not: a read of several entries is read again an entry at a
# time; an entry that alone passes the bound is skipped unread, its id taken from the reply's first
# bytes, and the read goes on past it.


def oversized(exc: ReplyTooLarge, count: int, streams: bool) -> str | None:
    """After a read of ``count`` entries whose reply passed the bound: None to read again an entry
    at a time (more than one was asked), else the id of the one entry to skip (``skipped``)."""
    return None if count > 1 else skipped(exc, streams)


def skipped(exc: ReplyTooLarge, streams: bool) -> str:
    """The id of the entry whose reply, read alone, passed the bound: the reply's first string, or
    for XREAD and XREADGROUP (``streams``) its second, after the stream's name. A reply that names
    no entry there is no stream read's: ``exc`` is raised again."""
    entry_id = first_entry_id(exc.head, streams)
    if entry_id is None:
        raise exc
    return entry_id


def read_past(entry_id: str, streams: bool) -> str:
    """Where the next read starts to read past ``entry_id``: XREAD and XREADGROUP start after the id
    they are given, XRANGE and XREVRANGE at it unless it is marked exclusive."""
    return entry_id if streams else "(" + entry_id
