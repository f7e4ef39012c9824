"""Reply parsers that refuse a reply once it has taken more bytes than a limit.

hiredis parses an aggregate reply as it arrives and drops the bytes it has parsed, so what
it holds buffered says nothing of the reply's size: a server that answers with an array
without end (``*4000000000`` then elements) is turned into Python objects for as long as it
sends, with the buffer empty all along (2 GB in a few seconds; an empty array, 4 bytes on
the wire, is about 70 bytes of list). So the limit is on the bytes received for the reply,
counted from the call that reads it; and an array whose announced length alone is more than
memory holds (hiredis makes its list at once) is refused the same way, not left to end the
task that read it with a MemoryError (tests/test_redteam7_redis_replies.py).

A refused reply raises ReplyTooLarge, a ConnectionError: redis-py drops the connection, so
the rest of the reply is never read. It carries the reply's first bytes, from which a reader
of the stream learns the id of the entry it could not take (first_entry_id) and skips it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from typing import Any

import redis.exceptions
from redis.asyncio.connection import AbstractConnection as AsyncConnection
from redis.asyncio.connection import SSLConnection as AsyncSSLConnection
from redis.connection import SSLConnection
from redis._parsers import _AsyncHiredisParser, _HiredisParser
from redis._parsers.socket import SERVER_CLOSED_CONNECTION_ERROR

from hookd.publish.ca_alone import AsyncCaAlone, SyncCaAlone
from hookd.publish.server_owner import OwnedServer, SyncOwnedServer

# The publisher's replies are a few numbers or a topology (CLUSTER SLOTS of a large cluster is
# a few hundred KB): past this, the server is not answering hookd. Small because of what an
# aggregate of empty elements costs once parsed (about 18 bytes of memory per byte received).
PUBLISHER_REPLY_BYTES = 4 << 20
# A reader of the stream (tail, the UI) gets entries that are as large as the events in them
# (max_event_bytes, 8 MiB by default, more once escaped in the envelope).
READER_REPLY_BYTES = 64 << 20
HEAD_BYTES = 8192  # kept from each reply: the stream's name (hookd's own is short) and an entry's id


class ReplyTooLarge(redis.exceptions.ConnectionError):
    """A reply passed its limit before it was whole; ``head`` holds its first bytes."""

    def __init__(self, limit: int, head: bytes, announced: bool = False) -> None:
        what = "announced more elements than memory holds" if announced else f"passed {limit >> 20} MiB"
        super().__init__(f"the server's reply {what} before it was whole; the connection was dropped")
        self.limit = limit
        self.head = head


class _Counted:
    """The count shared by both parsers: bytes received since the reply's read began."""

    limit = PUBLISHER_REPLY_BYTES
    _received = 0
    _head = b""

    def _begin(self) -> None:
        self._received, self._head = 0, b""

    def _took(self, data: bytes | bytearray | memoryview) -> None:
        self._received += len(data)
        if len(self._head) < HEAD_BYTES:
            self._head += bytes(data[: HEAD_BYTES - len(self._head)])
        if self._received > self.limit:
            raise ReplyTooLarge(self.limit, self._head)

    def _announced(self) -> ReplyTooLarge:
        # hiredis makes an array's list as soon as it reads its length: "*4000000000" alone asks
        # for 32 GB, and the MemoryError ended the publisher task, and so hookd
        return ReplyTooLarge(self.limit, self._head, announced=True)


class AsyncBoundedParser(_Counted, _AsyncHiredisParser):
    """redis-py's asyncio hiredis parser, refusing a reply past ``limit`` bytes."""

    async def read_response(self, disable_decoding: bool = False, push_request: bool = False) -> Any:
        self._begin()
        try:
            return await super().read_response(disable_decoding, push_request)
        except MemoryError:
            raise self._announced() from None

    async def read_from_socket(self) -> bool:
        # as redis-py's own, with the bytes counted before hiredis sees them
        stream, reader = self._stream, self._reader
        buffer = await stream.read(self._read_size) if stream is not None else b""
        if not buffer or not isinstance(buffer, bytes) or reader is None:
            raise redis.exceptions.ConnectionError(SERVER_CLOSED_CONNECTION_ERROR)
        self._took(buffer)
        reader.feed(buffer)
        return True


class SyncBoundedParser(_Counted, _HiredisParser):
    """redis-py's synchronous hiredis parser, refusing a reply past ``limit`` bytes."""

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        self._begin()
        try:
            return super().read_response(*args, **kwargs)
        except MemoryError:
            raise self._announced() from None

    def read_from_socket(self, *args: Any, **kwargs: Any) -> bool:
        reader = self._reader
        before = reader.len() if reader is not None else 0
        got = bool(super().read_from_socket(*args, **kwargs))  # type: ignore[no-untyped-call, unused-ignore]
        if got and reader is not None:  # only a feed since ``before``: the difference is what came
            self._took(memoryview(self._buffer)[: reader.len() - before])
        return got


def bounded_parser(base: type, limit: int) -> type:
    """``base`` (one of the two parsers above) with its own limit."""
    return type(f"{base.__name__}{limit >> 20}M", (base,), {"limit": limit})


# What redis-py raises when a reply has another shape than the command's (HELLO answered with
# ``+OK``: ``'bytes' object has no attribute 'get'``); none of them is a RedisError.
WRONG_SHAPE = (AttributeError, TypeError, ValueError, KeyError, IndexError)
HANDSHAKE = "the connection's handshake (HELLO)"  # redis-py drops the connection on any error in it


class NotRedis(redis.exceptions.ConnectionError):
    """The server answered ``what`` with a reply Redis never sends: it is not Redis, or not
    speaking to us as Redis (a ConnectionError, so that it counts as a server not reached)."""

    def __init__(self, what: str, exc: BaseException) -> None:
        super().__init__(f"the server's answer to {what} is not Redis's ({type(exc).__name__}: {str(exc)[:80]})")


SLOTS = 16384
_ASKS_SLOTS = re.compile(rb"\*2\r\n\$7\r\nCLUSTER\r\n\$5\r\nSLOTS\r\n", re.IGNORECASE)


def check_slots(reply: Any) -> None:
    """CLUSTER SLOTS's reply, checked for what redis-py does with it: it fills an entry per slot
    of each range, so a range announced as 0 to 10^8 (40 bytes) took gigabytes and held the event
    loop. Ranges within the 16384 slots, together at most 16384 of them, each with nodes
    [host, port, ...]; anything else raises one of WRONG_SHAPE."""
    if not isinstance(reply, list):
        raise TypeError(f"a {type(reply).__name__}, not a list of slot ranges")
    total = 0
    for item in reply:
        if not isinstance(item, list) or len(item) < 3:
            raise TypeError("a slot range that is not [start, end, master, ...]")
        start, end, *nodes = item
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < SLOTS):
            raise ValueError(f"slots {start!r} to {end!r}")
        total += end - start + 1
        for node in nodes:
            if not (isinstance(node, list) and len(node) >= 2 and isinstance(node[1], int) and 0 <= node[1] < 65536):
                raise TypeError(f"a node of slots {start} to {end} that is not [host, port, ...]")
    if total > SLOTS:
        raise ValueError(f"ranges of {total} slots in all; a cluster has {SLOTS}")


def asks_slots(command: Any) -> bool:
    first = command if isinstance(command, (bytes, str)) else next(iter(command), b"")
    return _ASKS_SLOTS.match(first.encode() if isinstance(first, str) else bytes(first[:64])) is not None


class _Replies:
    parser: type = AsyncBoundedParser
    _asked_slots = False  # the command sent last is CLUSTER SLOTS

    def set_parser(self, parser_class: type) -> None:
        super().set_parser(self.parser)  # type: ignore[misc]  # mixed into a Connection

    def _checked(self, reply: Any) -> Any:
        if self._asked_slots:
            try:
                check_slots(reply)
            except WRONG_SHAPE as exc:
                raise NotRedis("CLUSTER SLOTS", exc) from exc
        return reply


class BoundedReplies(_Replies):
    """Mixed into a redis-py asyncio connection class: its replies are read by ``parser``;
    a handshake answered in a shape Redis never uses is a ConnectionError (NotRedis), not an
    AttributeError that ended the task connecting (for the publisher: hookd); and so is a
    CLUSTER SLOTS reply that redis-py could not use or that would cost it more than any cluster."""

    async def on_connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().on_connect_check_health(*args, **kwargs)  # type: ignore[misc]
        except WRONG_SHAPE as exc:
            raise NotRedis(HANDSHAKE, exc) from exc

    async def send_packed_command(self, command: Any, *args: Any, **kwargs: Any) -> None:
        timeout_s = self.socket_timeout  # type: ignore[has-type]  # mixed into a Connection
        if not timeout_s:
            await super().send_packed_command(command, *args, **kwargs)  # type: ignore[misc]
        else:
            # redis-py bounds the write with asyncio.wait_for, which on Python 3.11 returns when the write
            # ends in the same turn as a cancel of its caller: the cancel is lost (CPython gh-86296) and the
            # caller goes on (the stream kept writing to a master the sentinels had left). asyncio.timeout
            # keeps a cancel. The connect comes first, bounded by its own timeout as in redis-py.
            if not self.is_connected:  # type: ignore[attr-defined]
                await self.connect_check_health(check_health=False)  # type: ignore[attr-defined]
            self.socket_timeout = None
            try:
                async with asyncio.timeout(timeout_s):
                    await super().send_packed_command(command, *args, **kwargs)  # type: ignore[misc]
            except TimeoutError:
                raise redis.exceptions.TimeoutError("Timeout writing to socket") from None
            finally:
                self.socket_timeout = timeout_s
        # noted once sent: a connection made on the way sends its handshake's commands first
        self._asked_slots = asks_slots(command)

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        return self._checked(await super().read_response(*args, **kwargs))  # type: ignore[misc]


class SyncBoundedReplies(_Replies):
    """The same for a synchronous connection class."""

    parser: type = SyncBoundedParser

    def on_connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().on_connect_check_health(*args, **kwargs)  # type: ignore[misc]
        except WRONG_SHAPE as exc:
            raise NotRedis(HANDSHAKE, exc) from exc

    def send_packed_command(self, command: Any, *args: Any, **kwargs: Any) -> None:
        super().send_packed_command(command, *args, **kwargs)  # type: ignore[misc]
        self._asked_slots = asks_slots(command)

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        return self._checked(super().read_response(*args, **kwargs))  # type: ignore[misc]


def bounded(base: type, limit: int = PUBLISHER_REPLY_BYTES, *, accounts: Iterable[str]) -> type:
    """``base``, a redis-py connection class, with its replies bounded at ``limit`` bytes. Every
    connection class of hookd's clients is made here, so each also checks, as it opens, that the
    server is not another user's (server_owner.py): the user's, root's, or one of ``accounts``
    (the client's redis_server_accounts), which the class keeps for every connection it makes; and
    a TLS one trusts the CA it is given alone (ca_alone.py)."""
    is_async = issubclass(base, AsyncConnection)
    mixin, parser = (BoundedReplies, AsyncBoundedParser) if is_async else (SyncBoundedReplies, SyncBoundedParser)
    owned = OwnedServer if is_async else SyncOwnedServer
    tls: tuple[type, ...] = ()
    if issubclass(base, (AsyncSSLConnection, SSLConnection)):
        tls = (AsyncCaAlone,) if is_async else (SyncCaAlone,)
    return type(
        f"Bounded{base.__name__}",
        (mixin, owned, *tls, base),
        {"parser": bounded_parser(parser, limit), "server_accounts": frozenset(accounts)},
    )


_AGGREGATE = re.compile(rb"[*%~>](\d+)\r\n")  # array, map, set, push (RESP2 and RESP3)
_BULK = re.compile(rb"\$(\d+)\r\n")


def first_entry_id(head: bytes, streams: bool) -> str | None:
    """The first entry's id in the first bytes of a stream read's reply, or None.

    The id is the reply's first string, or for XREAD/XREADGROUP (``streams``) its second, after
    the stream's name; in RESP2 the streams come as an array of pairs, in RESP3 as a map.
    """
    pos, strings = 0, list[bytes]()
    while len(strings) < (2 if streams else 1):
        if (match := _AGGREGATE.match(head, pos)) is not None:
            pos = match.end()
        elif (match := _BULK.match(head, pos)) is not None:
            size = int(match.group(1))
            strings.append(head[match.end() : match.end() + size])
            pos = match.end() + size + 2
        else:
            return None
    text = strings[-1].decode("ascii", "replace")
    return text if re.fullmatch(r"\d+-\d+", text) else None
