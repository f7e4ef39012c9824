"""The daemon's stop: the drain, in order, within drain_timeout_s; then what start-up opened, closed.

Stop accepting, let connections finish the frame in hand, publish what Redis
will take before the deadline, leave the rest in the spool.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from hookd.daemon.parts import DaemonParts
from hookd.supervisor import start_hard_stop

log = structlog.get_logger("hookd")


# At a stop, a connection that has not sent its first frame yet gets this long to send
# it: hook-send writes as soon as it is connected, and would otherwise fall back to its
# inbox where the next hookd (socket activation) could have taken the event.
FIRST_FRAME_GRACE_S = 0.5
# After a task failed, the drain is this short: the service manager should start a sound
# hookd soon, and everything not published is on the disk.
FATAL_DRAIN_S = 0.5
# A flush still running at the deadline gets this long to end (the stop then flushes the rest itself).
FLUSH_GRACE_S = 0.5
CURSOR_WRITE_POLL_S = 0.005  # the cursor write's thread says its end by an attribute, not to the loop


async def cancel_and_wait(task: asyncio.Task[object], deadline: float) -> None:
    """Cancel a task and wait for it until ``deadline``, cancelling again as needed.

    Once is not enough: on Python 3.11 ``asyncio.wait_for``, which redis-py uses
    to send commands, can swallow a cancellation that lands as the send
    completes (CPython gh-86296), and the task would run on.
    """
    while not task.done() and time.monotonic() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.05)


class DaemonDrain(DaemonParts):
    """Daemon.shutdown(): the drain."""

    async def shutdown(self) -> None:
        """The drain, in order, within drain_timeout_s; then everything start-up opened is closed."""
        self.supervisor.stop()
        started = time.monotonic()
        drain_s = (
            min(self.config.drain_timeout_s, FATAL_DRAIN_S) if self.supervisor.failed else self.config.drain_timeout_s
        )
        deadline = started + drain_s
        # Whatever hangs in the stop, the process ends (only a daemon that owns the process).
        hard_stop = start_hard_stop(drain_s) if self.handle_signals else None
        log.info(
            "hookd_stopping",
            connections=len(self.connections),
            spooled=self.spool.pending_events,
            drain_timeout_s=self.config.drain_timeout_s,
        )
        if self.notifier_task is not None:
            self.notifier_task.cancel()
        self.notifier.stopping(f"draining; {self.describe()}")
        self.socket_watch.cancel()  # nothing is bound again from here
        self.socket_looks.close()
        self.directory_watch.cancel()  # the drain removes a socket's directory itself
        self.server.close()
        if self.http is not None:
            self.http.stop_listening()
        await self._remove_socket_if_bound(self.config.socket)
        await self._wait_for_connections(deadline)
        await self.pipeline.settle(deadline)  # large events being prepared: spooled, or refused
        self.pipeline.accepting = False
        for conn in list(self.connections):
            conn.shut()
        if self.http is not None:
            self.http.shut()
        publisher, inbox, fsync, cursor = self.tasks
        await cancel_and_wait(inbox, deadline)
        await cancel_and_wait(publisher, deadline)
        await self.publisher.drain(deadline)
        self.flusher.stop()
        cursor.cancel()
        self.lag_task.cancel()
        # A flush in progress is let finish by the deadline (a moment at least); one held past stall_after_s
        # by a disk that hung is waited for only until the deadline, its thread left behind.
        flushing_since = self.spool.flush_thread.busy_since
        held = flushing_since is not None and time.monotonic() - flushing_since > self.config.stall_after_s
        left = deadline - time.monotonic()
        await asyncio.wait({fsync, cursor, self.lag_task}, timeout=max(0.0 if held else FLUSH_GRACE_S, left))
        fsync.cancel()
        await asyncio.gather(fsync, cursor, self.lag_task, return_exceptions=True)
        # A read the publisher left (cancelled during it) is let finish as a flush is, or left to its thread.
        if (reading := self.spool.reading.reading_since) is not None:
            held = time.monotonic() - reading[1] > self.config.stall_after_s
            await self.spool.reading.settle(max(0.0 if held else FLUSH_GRACE_S, deadline - time.monotonic()))
        await self._let_cursor_write_finish(deadline)
        self._say_writes_left()
        # The spool's own last calls on its disk (the cursor file, deletions, sync), within the deadline.
        if not await self.spool.close_off_loop(max(FLUSH_GRACE_S, deadline - time.monotonic())):
            if (closing := self.spool.closing_since) is not None:
                log.error(
                    "spool_close_left_hung",
                    **self._left_hung(
                        closing,
                        "its last cursor write, deletions and sync did not return: the cursor file keeps its last "
                        "position, events Redis has since are sent again by the next start (Redis skips them)",
                    ),
                )
        await self.socket_looks.ended(deadline)
        # The rest in the reverse of its opening: the spool, the worker, Redis, the control
        # socket, and the state directory's lock last.
        await self.resources.aclose()
        if hard_stop is not None:
            hard_stop.cancel()
        log.info(
            "hookd_stopped",
            published=self.state.published,
            spooled=self.spool.pending_events,
            took_s=round(time.monotonic() - started, 3),
            failed_tasks=self.supervisor.failed or None,
        )

    async def _let_cursor_write_finish(self, deadline: float) -> None:
        """A cursor write under way (the keeper's thread: its task was cancelled, not the write) is let finish
        as a flush is: one just begun is no hung disk, and the spool's close makes no call on the disk while a
        thread holds it, so the stop said it left hung and closed nothing. One held past stall_after_s is not
        waited for."""
        since = self.spool.cursor_writing_since
        if since is None or time.monotonic() - since > self.config.stall_after_s:
            return
        end = time.monotonic() + max(FLUSH_GRACE_S, deadline - time.monotonic())
        while self.spool.cursor_writing_since is not None and time.monotonic() < end:
            await asyncio.sleep(CURSOR_WRITE_POLL_S)

    def _say_writes_left(self) -> None:
        """A spool write that has not returned (a disk that stopped answering) is left to its thread:
        the events it and the queue behind it hold were never acknowledged, the senders keep them."""
        appends = self.spool.appends
        if (cursor_since := self.spool.cursor_writing_since) is not None:
            log.error(
                "spool_cursor_write_left_hung",
                **self._left_hung(
                    cursor_since,
                    "the cursor file keeps its last position: events Redis has since are sent again by the next "
                    "start (Redis skips them)",
                ),
            )
        if (flushing := self.spool.flush_thread.busy_since) is not None:
            log.error(
                "spool_flush_left_hung",
                **self._left_hung(
                    flushing,
                    "what it flushes may not be on the disk yet (under spool_fsync=batch its events were not "
                    "acknowledged: the senders keep them)",
                ),
            )
        if (reading := self.spool.reading.reading_since) is not None:
            log.error(
                "spool_read_left_hung",
                segment=reading[0],
                **self._left_hung(
                    reading[1], "the events there stay in the spool, not committed, and the next start sends them"
                ),
            )
        if not appends.busy:
            return
        since = appends.thread.busy_since
        log.error(
            "spool_write_left_hung",
            not_written=appends.unwritten,
            waited_s=None if since is None else round(time.monotonic() - since, 1),
            directory=self.spool.directory,
            mount=appends.mount,
            hint="these events were never acknowledged: hook-send kept them in its inbox, and the next start "
            "takes them; the write's thread is left behind (until the mount answers, the kernel may keep the "
            "process); check that mount",
        )

    def _left_hung(self, since: float, what: str) -> dict[str, object]:
        """The fields of a spool call the stop leaves to its thread: how long it waited, where, and what it means."""
        return {
            "waited_s": round(time.monotonic() - since, 1),
            "directory": self.spool.directory,
            "mount": self.spool.appends.mount,
            "hint": f"{what}; the spool is not closed; its thread is left behind (until the mount answers, the "
            "kernel may keep the process); check that mount",
        }

    async def _wait_for_connections(self, deadline: float) -> None:
        """Give connections in the middle of a frame (or an HTTP request) the time left to finish
        it, and new ones a moment (FIRST_FRAME_GRACE_S) to send their first frame."""
        # A connection the loop accepted just before server.close() only joins
        # self.connections in a callback already queued; one turn of the loop lets it.
        await asyncio.sleep(0)
        first_frame_by = min(deadline, time.monotonic() + FIRST_FRAME_GRACE_S)
        while (now := time.monotonic()) < deadline:
            if (
                not any(
                    c.mid_frame or (now < first_frame_by and c.frames == 0 and not c.closing) for c in self.connections
                )
                and not (self.http and self.http.mid_request)
                and not (self.http and now < first_frame_by and self.http.awaiting_first_request)
            ):
                return
            await asyncio.sleep(0.01)
