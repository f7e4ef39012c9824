"""One connection's replies: sent in order, each only once the events it vouches for are durable.

The socket (server.py) and HTTP (http.py) take the frames of one read through
``Pipeline.take_all`` together and queue the replies here, as lines or as HTTP
answers. An entry waits for one of two futures:

- the flush its events need (``durable``: spool_fsync=batch, from the Flusher);
  if that flush fails, the protocol's ``unflushed`` turns each acceptance into a
  refusal and the connection closes after it;
- the frames prepared off the loop that bring its replies (``add_later``; the
  pipeline has already waited for their flush).

Entries go out strictly in order, so a later read's replies never overtake an
earlier one's; after an entry that closes the connection nothing more is sent.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Callable, Generic, TypeVar, cast

R = TypeVar("R")

# What the frames prepared off the loop bring, made into (replies, close after them).
Finish = Callable[[Any], tuple[list[R], bool]]


class ReplyQueue(Generic[R]):
    def __init__(
        self,
        write: Callable[[list[R]], None],
        close: Callable[[], None],
        unflushed: Callable[[list[R]], list[R]],
        drained: Callable[[], None] | None = None,
    ) -> None:
        self._write = write  # sends replies (never an empty list)
        self._close = close
        self._unflushed = unflushed  # the replies to give when their flush failed
        self._drained = drained  # called each time the queue is sent out to its end
        self._queue: deque[tuple[asyncio.Future[Any] | None, list[R] | None, bool, Finish[R] | None]] = deque()
        self.deferred: asyncio.Future[Any] | None = None  # the last replies still being prepared
        self.closed = False

    def __bool__(self) -> bool:
        """Replies are waiting to be sent."""
        return bool(self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def after(self) -> asyncio.Future[Any] | None:
        """The connection's frames still being prepared off the loop, if any: the next
        ``Pipeline.take_all`` of this connection waits for them, to keep the order."""
        deferred = self.deferred
        return deferred if deferred is not None and not deferred.done() else None

    def add(self, replies: list[R], close: bool, durable: asyncio.Future[None] | None = None) -> None:
        """Queue replies known now; sent once ``durable`` (if any) and all before them are done."""
        self._queue.append((durable, replies, close, None))
        if durable is not None:
            durable.add_done_callback(self.send_ready)
        self.send_ready()

    def add_later(self, future: asyncio.Future[Any], finish: Finish[R] | None = None) -> None:
        """Queue the replies ``future`` brings; ``finish`` makes (replies, close) of its result,
        which by default is that pair already."""
        self.deferred = future
        self._queue.append((future, None, False, finish or _as_is))
        future.add_done_callback(self.send_ready)

    def send_ready(self, _: object = None) -> None:
        """Send the queued replies, in order, up to the first still waiting."""
        queue = self._queue
        if self.closed:
            return
        while queue and (queue[0][0] is None or queue[0][0].done()):
            waited, replies, close, finish = queue.popleft()
            if finish is not None:
                assert waited is not None  # queued by add_later, with the future bringing them
                replies, close = finish(waited.result())
            elif waited is not None and waited.exception() is not None:
                assert replies is not None
                replies, close = self._unflushed(replies), True
            if replies:
                self._write(replies)
            if close:
                self.closed = True  # nothing is sent after a reply that closes the connection
                queue.clear()
                self._close()
                return
        if not queue and self._drained is not None:
            self._drained()


def _as_is(result: Any) -> tuple[list[Any], bool]:
    return cast("tuple[list[Any], bool]", result)
