"""The spool's appends off the event loop: one thread makes their system calls, in the order given.

A spool disk that stops answering (a disk or a network mount that hung) held the loop's own thread
in the append's write(2): no status was answered, SIGTERM was not served, nothing was said but by a
watcher thread. The write, and the files a rotation opens, are made in this thread instead; the loop
awaits them. One thread, so records reach the segment in the order the loop numbered them; a daemon
thread, so that a call that never returns does not hold hookd's exit (as unjoined.py).

``Appends`` queues what the pipeline hands over while a write is under way and writes it all with
the next one: a thread hop per write, not per event. An event counts as written (``Spool.appended``,
what the flusher covers and an OK may follow) only once its write returned, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hookd.mounts import mount_of, not_answering
from hookd.spool.event import Event
from hookd.spool.full import SpoolBound
from hookd.spool.writer import SegmentWriter
from hookd.units import plural
from hookd.unjoined import settle

T = TypeVar("T")

_Call = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"] | None  # None: end
_Append = tuple[list[Event], list[bytes], "asyncio.Future[None]"]


class WriteThread:
    """A daemon thread that runs the calls it is given, one at a time, in order."""

    def __init__(self, name: str = "hookd-spool-write") -> None:
        self.name = name
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.busy_since: float | None = None  # monotonic time the call under way began, if one is

    def run(self, call: Callable[[], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if self._thread is None:
            # Its lines go where the loop's context routes them (logs.routed_to).
            context = contextvars.copy_context()
            self._thread = threading.Thread(target=context.run, args=(self._serve,), name=self.name, daemon=True)
            self._thread.start()
        self._calls.put((call, loop, future))
        return future

    def close(self) -> None:
        """End the thread once the calls given before are made (at once if none is): a spool closed in
        a process that goes on (tests, `hookd run` in-process) leaves no thread behind."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._calls.put(None)
            if self.busy_since is None:  # not held in a call: it ends at once
                thread.join(1.0)

    @property
    def thread_id(self) -> int | None:
        return None if self._thread is None else self._thread.ident

    def _serve(self) -> None:
        while (given := self._calls.get()) is not None:
            call, loop, future = given
            self.busy_since = time.monotonic()
            try:
                outcome: tuple[Any, BaseException | None] = (call(), None)
            except BaseException as exc:  # handed to the awaiting task, as asyncio.to_thread does
                outcome = (None, exc)
            self.busy_since = None
            try:
                loop.call_soon_threadsafe(settle, future, *outcome)
            except RuntimeError:  # the loop closed while the call hung: no one waits for it
                pass


class Appends:
    """Appends handed over on the loop, written in that order by the write thread."""

    def __init__(self, writer: SegmentWriter, bound: SpoolBound, on_written: Callable[[list[Event]], None]) -> None:
        self.thread = WriteThread()
        self.mount = mount_of(writer.files.directory)
        self._writer = writer
        self._bound = bound
        self._on_written = on_written
        self._waiting: list[_Append] = []
        self._task: asyncio.Task[None] | None = None
        self.unwritten = 0  # events handed over whose write has not returned
        # The bytes of the write under way in the thread: they may be in the file before the loop counts
        # them (Spool.end_written), and a flush failing meanwhile may have lost them.
        self.writing_bytes = 0

    @property
    def busy(self) -> bool:
        """Whether a write, or a deletion of published segments, is handed over and not done (its thread
        may be held in it)."""
        return self._task is not None or self.thread.busy_since is not None

    def stalled(self, stall_after_s: float, now: float) -> str | None:
        """Why hookd is stalled when a write has waited longer than ``stall_after_s``, else None."""
        since = self.thread.busy_since
        if since is None or now - since <= stall_after_s:
            return None
        held = (
            f"{plural(self.unwritten, 'event')} not written, none acknowledged (hook-send keeps them in its inbox)"
            if self.unwritten
            else "no event waits on it yet (it was deleting segments Redis has)"
        )
        return (
            f"the spool's write has waited {now - since:.1f}s on {self._writer.files.directory}: "
            f"{not_answering(self.mount)}; {held}; check that mount"
        )

    def add(self, events: list[Event]) -> asyncio.Future[None]:
        """A future resolved once ``events`` are written (Spool.append_many's promise), or failed
        with its SpoolFull; the events are written after every one handed over before."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((events, self._writer.encode(events), future))
        self.unwritten += len(events)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._write_waiting())
        return future

    async def _fitting(self, waiting: list[_Append]) -> list[_Append]:
        """The appends of ``waiting`` the spool's bound makes room for, each judged in turn as if it
        were written alone after those before it; the others are refused (settled with their SpoolFull).
        Making room (the cursor file written, segments deleted) is done by the write thread, in turn."""
        fitting: list[_Append] = []
        room = 0
        for append in waiting:
            events, records, future = append
            size = sum(map(len, records))
            try:
                await self._bound.make_room_by(room + size, self.thread.run)
            except Exception as exc:  # SpoolFull, DiskFullError (the cursor written to make room)
                self.unwritten -= len(events)
                settle(future, None, exc)
                continue
            room += size
            fitting.append(append)
        return fitting

    async def _write_waiting(self) -> None:
        failed = False
        try:
            while self._waiting:
                # Taken first: what is handed over while room is made waits for the next turn.
                waiting, self._waiting = self._waiting, []
                taken = await self._fitting(waiting)
                events = [event for batch, _, _ in taken for event in batch]
                records = [record for _, batch, _ in taken for record in batch]
                error: BaseException | None = None
                try:
                    if records:
                        self.writing_bytes = sum(map(len, records))
                        await self._writer.write_in(self.thread.run, events, records)
                except Exception as exc:  # SpoolFull, DiskFull: the write's failure, each append's
                    error = exc
                finally:
                    self.writing_bytes = 0
                self.unwritten -= len(events)
                try:
                    if error is None and events:
                        self._on_written(events)
                finally:  # the replies waiting on it are given, whatever the bookkeeping met
                    for _, _, future in taken:
                        settle(future, None, error)
        except Exception:
            failed = True
            raise
        finally:
            self._task = None
            if failed and self._waiting:
                # The bookkeeping above failed (said by the loop's handler, callback_failed): the
                # appends queued behind it are written all the same, by a task of their own.
                self._task = asyncio.get_running_loop().create_task(self._write_waiting())
