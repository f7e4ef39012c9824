"""Cancelling a task from inside another without taking the other's own cancellation for it.

``task.cancel()`` then ``with suppress(CancelledError): await task`` also swallows a cancellation
meant for the awaiting task, when it comes while that task waits: the awaiting task then runs on as
if it had never been asked to stop (the stream went on writing to a master the sentinels had left,
and the caller that cancelled it waited for ever). tests/test_cancels.py keeps that idiom out of hookd.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """``task`` cancelled and ended. What it raised instead of ending cancelled is raised; a
    cancellation of the caller while it waits is the caller's, raised as it came."""
    task.cancel()
    await asyncio.wait((task,))
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error
