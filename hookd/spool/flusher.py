"""Getting the spool onto the disk, off the event loop, as the fsync policy says.

- ``interval``: every N ms. An acknowledged event survives a crash of hookd at
  once, and a crash of the machine once the next flush has run (200 ms by
  default: the window a power loss can cost).
- ``batch``: before acknowledging. Each batch of replies waits for a flush
  that covers it; concurrent batches share one (group commit). An
  acknowledged event survives a power loss; acknowledgements cost an fsync.
- ``never``: left to the operating system. Survives a crash of hookd, not of
  the machine.
"""

from __future__ import annotations

import asyncio

import structlog

from hookd.spool.spool import Spool

log = structlog.get_logger("hookd.spool")


class Flusher:
    def __init__(self, spool: Spool, policy: str, interval_s: float) -> None:
        self.spool = spool
        self.policy = policy
        self.interval_s = interval_s
        self._waiters: list[asyncio.Future] = []
        self._wanted = asyncio.Event()
        self._stopping = False

    def durable(self) -> asyncio.Future | None:
        """Under ``batch``: a future resolved once everything written so far is on the disk."""
        if self.policy != "batch":
            return None
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._wanted.set()
        return future

    def stop(self) -> None:
        """Let ``run`` finish its flush in progress and return; Spool.close flushes the rest."""
        self._stopping = True
        self._wanted.set()

    async def run(self) -> None:
        if self.policy == "never":
            return
        while not self._stopping:
            await self._wait(self._wanted, None if self.policy == "batch" else self.interval_s)
            self._wanted.clear()
            waiters, self._waiters = self._waiters, []
            try:
                await asyncio.to_thread(self.spool.sync)
            except OSError as exc:
                log.error(f"cannot flush the spool to the disk: {exc.strerror}", spool="error")
                for future in waiters:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for future in waiters:
                if not future.done():
                    future.set_result(None)

    @staticmethod
    async def _wait(event: asyncio.Event, timeout: float | None) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
