"""A call on a filesystem that may hang, in a thread that hookd's exit does not wait for.

A listing, an open, a stat or a write on a mount that stopped answering (a spare inbox on a network
mount that hung, a state directory on one) does not return until the mount does. In a thread of the
loop's default executor (asyncio.to_thread), it held hookd's exit as long: the runner shuts that
executor down and the interpreter joins its workers, after the drain has said `hookd_stopped`. A
daemon thread is left behind instead; what it was asked has no result anyone still waits for once
the loop is gone.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


def settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    """``future`` given what a thread's call returned or raised, on the loop; left as it is when its
    awaiter was cancelled meanwhile."""
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class OnDisk(Protocol):
    """What runs a call on the inboxes' filesystem off the loop (Inbox._on_disk), awaited for its result."""

    def __call__(self, call: Callable[[], T]) -> Awaitable[T]: ...


async def off_loop(call: Callable[[], T], name: str = "hookd-inbox-disk") -> T:
    """``call()`` in a daemon thread of its own; its result or exception, as asyncio.to_thread gives."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    # Run in the caller's context, as asyncio.to_thread does: the log's route (logs.py) and its bound
    # fields are context variables, which a thread of its own would not see.
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (context.run(call), None)
        except BaseException as exc:  # handed to the awaiting task, as to_thread does
            outcome = (None, exc)
        try:
            loop.call_soon_threadsafe(settle, future, *outcome)
        except RuntimeError:  # the loop closed while the call hung: no one waits for it
            pass

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future
