"""The replies of ``Pipeline.take_all`` once known: a run with events to spool is answered after the
spool's write thread wrote them (hookd/spool/write_thread.py), the rest at once."""

from __future__ import annotations

import asyncio

from hookd.ingest.protocol import Header
from hookd.pipeline import Pipeline


async def take(pipeline: Pipeline, frames: list[tuple[Header, bytes]]) -> tuple[list[bytes], bool]:
    outcome = pipeline.take_all(frames)
    if outcome.replies is not None:
        return outcome.replies, outcome.close
    assert outcome.durable is not None
    return await asyncio.wait_for(outcome.durable, 10)
