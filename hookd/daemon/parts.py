"""What a daemon holds once started, and what it says of its own health.

``Daemon`` (daemon.py) is built of a start-up (startup.py) and a stop (drain.py);
both work on the parts declared here: ``Daemon.__init__`` sets the first group,
start-up opens the others, in order, and the stop closes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from hookd import liveness
from hookd.config import Config
from hookd.control.server import ControlServer
from hookd.daemon.first_socket import FirstSocket
from hookd.daemon.socket_looks import SocketLooks
from hookd.dirwatch import DirectoryWatch
from hookd.envelope import EnvelopeBuilder
from hookd.ingest.budget import FrameBudget
from hookd.ingest.http_listener import HttpListener
from hookd.ingest.inbox import Inbox
from hookd.ingest.server import EventConnection
from hookd.mounts import not_answering, not_answering_at
from hookd.ingest.socket_files import remove_socket_if_ours
from hookd.pipeline import Pipeline
from hookd.publish.publisher import Publisher
from hookd.service.notify import Notifier
from hookd.spool import Spool
from hookd.spool.flusher import Flusher
from hookd.spool.oldest_waiting import OldestWaiting
from hookd.state import DaemonState
from hookd.supervisor import Supervisor
from hookd.worker import Worker
from hookd.units import plural
from hookd.unjoined import off_loop

log = structlog.get_logger("hookd")

SOCKET_REMOVAL_WAIT_S = 0.5

if TYPE_CHECKING:  # imported when the daemon is asked for them (usage, metrics): slow to import
    from hookd.control.metrics_server import MetricsServer
    from hookd.enrich.usage import UsageTracker


class DaemonParts:
    """The parts of a daemon, and its health read from them."""

    # Set by Daemon.__init__.
    config: Config
    state: DaemonState
    connections: set[EventConnection]
    supervisor: Supervisor
    budget: FrameBudget
    given_redis: Any
    handle_signals: bool
    first: FirstSocket | None  # the control socket `hookd run` bound first, until the start takes it
    # Opened by the start-up, in this order; closed by the stop.
    lock_fd: int
    notifier: Notifier
    socket_inodes: dict[str, int]  # the sockets hookd bound (its to unlink): path -> inode
    http: HttpListener | None
    spool: Spool
    flusher: Flusher
    usage: UsageTracker | None
    builder: EnvelopeBuilder
    worker: Worker
    pipeline: Pipeline
    redis: Any
    publisher: Publisher
    inbox: Inbox
    server: asyncio.Server
    event_protocol: Callable[[], EventConnection]  # what serves a connection to the event socket
    control: ControlServer
    metrics: MetricsServer | None
    tasks: list[asyncio.Task[None]]  # publisher, inbox, spool-flusher, spool-cursor
    lag_task: asyncio.Task[None]
    socket_watch: asyncio.Task[None]  # binds a socket file again if it is removed (sockets.py)
    socket_looks: SocketLooks  # the bound sockets' files, looked at off the loop (socket_looks.py)
    directories: DirectoryWatch  # hookd's directories, looked at off the loop (dirwatch.py)
    oldest_waiting: OldestWaiting  # status's read of the oldest waiting event, off the loop
    directory_watch: asyncio.Task[None]  # logs a directory of hookd's opened to others (dirwatch.py)
    drain_progress: asyncio.Task[None] | None
    # While the start's late hand-off ids are read (inbox_start.py): where ("inbox", "spool"), and since.
    late_ids_wait: tuple[str, float] | None = None
    notifier_task: asyncio.Task[None] | None
    resources: contextlib.AsyncExitStack  # what start-up opened, closed last by the stop

    def stall_reasons(self) -> list[str]:
        """Why hookd is not making progress (liveness.py); [] while it is."""
        config, now = self.config, time.monotonic()
        # Not judged across a time the loop did not run (a SIGSTOP): nothing could move then.
        ran_again_at = self.state.loop_lag.ran_again_at(config.stall_after_s, now)
        reasons = liveness.stall_reasons(
            self.state.progress,
            self.spool.pending_events,
            config.stall_after_s,
            config.spool_fsync,
            config.spool_fsync_interval_ms / 1000,
            now,
            ran_again_at,
            self.state.redis.waits,
        )
        reasons += self.socket_problems()
        # A call that began before such a time is judged from when the loop ran again, as progress is: within
        # stall_after_s of that, none has waited past it (its thread was stopped too).
        if ran_again_at is not None and now - ran_again_at <= config.stall_after_s:
            return reasons
        if (held := self.spool.appends.stalled(config.stall_after_s, now)) is not None:
            reasons.append(held)
        reasons += self.directories.stalled(config.stall_after_s, now)
        reasons += self.socket_looks.stalled(config.stall_after_s, now)
        reasons += self.oldest_waiting.stalled(config.stall_after_s, now)
        cursor_since = self.spool.cursor_writing_since
        if cursor_since is not None and now - cursor_since > config.stall_after_s:
            reasons.append(
                f"the spool's cursor file has waited {now - cursor_since:.1f}s to be written in {self.spool.directory}: "
                f"{not_answering(self.spool.appends.mount)}; check that mount"
            )
        if (reading := self.spool.reading.reading_since) is not None and now - reading[1] > config.stall_after_s:
            reasons.append(
                f"the spool's read of {reading[0]} has waited {now - reading[1]:.1f}s: "
                f"{not_answering(self.spool.appends.mount)}; events waiting there are not sent until it answers; "
                "check that mount"
            )
        if (late := self.late_ids_wait) is not None and now - late[1] > config.stall_after_s:
            # Every sweep waits for them (Inbox.sweep): said here, and the inbox not listed on the loop.
            where = (
                f"in {self.inbox.where()} (a mount that hung?)"
                if late[0] == "inbox"
                else f"in the spool's segments, {self.spool.directory}: {not_answering(self.spool.appends.mount)}"
            )
            reasons.append(
                f"the inbox's files are not taken: they wait {now - late[1]:.1f}s for the start's read of their "
                f"hand-off ids {where}; check that mount"
            )
            return reasons
        unswept_s = now - max(self.inbox.swept_at, ran_again_at or 0.0)
        if unswept_s > config.stall_after_s + config.inbox_poll_ms / 1000:
            opening = self.inbox.opening_since
            if opening is not None and now - opening > config.stall_after_s:
                # Not counted here: the loop would wait on that filesystem too.
                reasons.append(
                    f"the inbox has not been swept for {unswept_s:.1f}s: its sweep has waited "
                    f"{now - opening:.1f}s for the filesystem of {self.inbox.where()} to answer (a mount "
                    "that hung?); events hook-send keeps there are not taken; check that mount"
                )
                return reasons
            # Only looked at when sweeps have stopped; listed off the loop, as that filesystem may not answer.
            counted = self.control.inboxes.counted_now(config.inbox_dir, config.stall_after_s)
            if counted is not None and counted.get("error"):
                reasons.append(f"the inbox has not been swept for {unswept_s:.1f}s: {counted['error']}")
            elif counted is not None and counted["events"]:
                reasons.append(
                    f"the inbox holds {plural(counted['events'], 'event')} and has not been swept for {unswept_s:.1f}s"
                )
        return reasons

    def socket_problems(self) -> list[str]:
        """Sockets hookd bound whose file is gone or replaced: it still listens, but nothing can
        connect (tmpfiles cleaning /tmp, a logout emptying XDG_RUNTIME_DIR, an rm), and hook-send
        then keeps every event in the inbox while all else looks well. A restart binds them again
        (under systemd, the withheld watchdog does it). Passed sockets are the manager's: not here."""
        problems = []
        # As the last look found them (socket_looks.py): an lstat here waited on a mount that hung.
        for path in self.socket_looks.replaced():
            problems.append(
                f"the socket {path} is gone (removed or replaced since hookd bound it): nothing can connect, "
                "hook-send keeps every event in the inbox; a removed one is bound again within a "
                "second, another file there is not touched: remove it, or restart hookd"
            )
        return problems

    def alive(self) -> bool:
        """Whether the watchdog may be fed: no task failed and nothing is stalled."""
        return not self.supervisor.failed and not self.stall_reasons()

    def describe(self) -> str:
        """One line for the service manager's STATUS= (systemctl --user status hookd)."""
        text = (
            f"{plural(self.spool.pending_events, 'event')} spooled, {self.state.published} published; "
            f"redis {self.state.redis.state}"
        )
        stalled = self.stall_reasons()
        return f"stalled: {stalled[0]}; {text}" if stalled else text

    async def _cancel_tasks(self) -> None:
        """Whatever task still runs (after a failed start; after a drain, none): cancelled."""
        self.supervisor.stop()
        tasks = [task for task in self.supervisor.tasks.values() if not task.done()]
        progress = getattr(self, "drain_progress", None)
        if progress is not None:
            tasks.append(progress)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _remove_socket_if_bound(self, path: str, wait_s: float = SOCKET_REMOVAL_WAIT_S) -> None:
        """Its file unlinked, in a thread (unjoined.py) waited for at most ``wait_s``: the socket's directory may
        be on a mount that stopped answering, and the stop is not held for it (the file is left)."""
        if path not in self.socket_inodes:
            return
        removal = asyncio.ensure_future(
            off_loop(
                functools.partial(remove_socket_if_ours, path, self.socket_inodes.pop(path)), "hookd-socket-removal"
            )
        )
        since = time.monotonic()
        if not (await asyncio.wait({removal}, timeout=wait_s))[0]:
            log.error(
                "socket_removal_left_hung",
                socket=path,
                waited_s=round(time.monotonic() - since, 1),
                hint=f"its file is left: {not_answering_at(path)}; the next start binds it again; check that mount",
            )
