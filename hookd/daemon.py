"""The daemon's life: start up, serve until told to stop, drain within a time limit.

Signal handlers (or ``stop()``) only set ``should_exit``; the main coroutine does
the rest, in order: stop accepting, let connections finish the frame in hand,
publish what Redis will take before the deadline, leave the rest in the spool,
exit 0.

Everything start-up opens is registered on an ``AsyncExitStack`` as it is
opened: a start that fails half-way closes what it had opened (sockets
unlinked, the lock released, tasks cancelled) and raises, and the stop closes
the same things after the drain. A ``Daemon`` leaves nothing behind in the
process once stopped, so tests run it in-process; what belongs to the process
(gc.freeze, the allocator's settings) is done by ``hookd run``, and signals
are handled only with ``handle_signals``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import structlog

from hookd import __version__, liveness
from hookd.config import Config, mask_url
from hookd.control.server import ControlServer
from hookd.control.snapshot import count_inbox
from hookd.envelope import EnvelopeBuilder
from hookd.redact import build_redactor
from hookd.ingest.http_listener import HttpListener
from hookd.ingest.budget import FrameBudget
from hookd.ingest.http_setup import HttpSettings
from hookd.ingest.inbox import Inbox
from hookd.ingest.server import EventConnection
from hookd.ingest.socket_files import bind_private_socket, remove_socket_if_ours
from hookd.paths import ensure_private_dir
from hookd.peers import PeerGuard
from hookd.policies import FsyncPolicy
from hookd.pipeline import Pipeline
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.sequence import SequenceAllocator
from hookd.service.activation import take_passed_sockets
from hookd.service.notify import Notifier
from hookd.spool import Spool
from hookd.spool.flusher import Flusher, keep_cursor
from hookd.spool.inspect import find_handoffs
from hookd.spool.settings import SpoolSettings
from hookd.state import DaemonState, Reports
from hookd.statedir import lock_state_dir
from hookd.supervisor import Supervisor, start_hard_stop
from hookd.worker import Worker

log = structlog.get_logger("hookd")

# At a stop, a connection that has not sent its first frame yet gets this long to send
# it: hook-send writes as soon as it is connected, and would otherwise fall back to its
# inbox where the next hookd (socket activation) could have taken the event.
FIRST_FRAME_GRACE_S = 0.5
# After a task failed, the drain is this short: the service manager should start a sound
# hookd soon, and everything not published is on the disk.
FATAL_DRAIN_S = 0.5


async def cancel_and_wait(task: asyncio.Task[object], deadline: float) -> None:
    """Cancel a task and wait for it until ``deadline``, cancelling again as needed.

    Once is not enough: on Python 3.11 ``asyncio.wait_for``, which redis-py uses
    to send commands, can swallow a cancellation that lands as the send
    completes (CPython gh-86296), and the task would run on.
    """
    while not task.done() and time.monotonic() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.05)


class Daemon:
    """hookd's daemon. ``redis``: a client to publish with instead of one built from the config
    (its owner closes it). ``handle_signals``: this daemon owns the process: SIGTERM and SIGINT
    stop it, a thread's failure stops it, and a stop that overruns its deadline ends the process."""

    def __init__(self, config: Config, redis: Any = None, handle_signals: bool = True) -> None:
        self.config = config
        self.state = DaemonState()
        self.should_exit = asyncio.Event()
        self.stopped = asyncio.Event()
        self.connections: set[EventConnection] = set()
        self.supervisor = Supervisor(self._on_task_failed)
        self.budget = FrameBudget(config.pending_frame_bytes)
        self.given_redis = redis
        self.handle_signals = handle_signals
        self._runner: asyncio.Task[Any] | None = None  # the task inside running()
        self._shut_down = False

    async def serve(self) -> int:
        """Serve until a signal or a failed task; the exit code: 0, or 1 after a failure."""
        async with self.running():
            await self.should_exit.wait()
        return self.exit_code

    @property
    def exit_code(self) -> int:
        return 1 if self.supervisor.failed else 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Daemon]:
        """Started inside, stopped (drained) on the way out; a failed start raises, cleaned up."""
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as handlers:
            self.supervisor.install_handlers(loop, threads=self.handle_signals)
            handlers.callback(self.supervisor.remove_handlers)
            if self.handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    # remove_signal_handler would leave SIG_DFL, not what was there before
                    previous = signal.getsignal(sig)
                    if previous is not None:  # None: set outside Python, not ours to restore
                        handlers.callback(signal.signal, sig, previous)
                    handlers.callback(loop.remove_signal_handler, sig)
                    loop.add_signal_handler(sig, self._on_signal, sig)
            try:
                await self.startup()
            except BaseException:
                self.stopped.set()  # nothing left to stop: startup closed what it opened
                raise
            self._runner = asyncio.current_task()
            try:
                yield self
            finally:
                await self._shutdown_once()

    def request_stop(self) -> None:
        """Begin the stop a signal begins (the same drain); running() then stops."""
        if not self.should_exit.is_set():
            log.info("stop_requested")
            self.should_exit.set()

    async def stop(self) -> int:
        """Stop as a signal would, and wait until stopped (also from within running()); the
        exit code."""
        self.request_stop()
        if asyncio.current_task() is self._runner:
            await self._shutdown_once()  # running() would only stop once this returned
        await self.stopped.wait()
        return self.exit_code

    async def _shutdown_once(self) -> None:
        if not self._shut_down:
            self._shut_down = True
            try:
                await self.shutdown()
            finally:
                self.stopped.set()

    def _on_task_failed(self, name: str) -> None:
        if not self.should_exit.is_set():
            self.should_exit.set()

    def stall_reasons(self) -> list[str]:
        """Why hookd is not making progress (liveness.py); [] while it is."""
        config = self.config
        reasons = liveness.stall_reasons(
            self.state.progress,
            self.spool.pending_events,
            config.stall_after_s,
            config.spool_fsync,
            config.spool_fsync_interval_ms / 1000,
        )
        unswept_s = time.monotonic() - self.inbox.swept_at
        if unswept_s > config.stall_after_s + config.inbox_poll_ms / 1000:
            waiting = count_inbox(config.inbox_dir)  # only looked at when sweeps have stopped
            if waiting:
                reasons.append(f"the inbox holds {waiting} events and has not been swept for {unswept_s:.1f}s")
        return reasons

    def alive(self) -> bool:
        """Whether the watchdog may be fed: no task failed and nothing is stalled."""
        return not self.supervisor.failed and not self.stall_reasons()

    async def startup(self) -> None:
        """Open everything, each with its release on a stack: on a failure, released and raised;
        else kept for shutdown()."""
        async with contextlib.AsyncExitStack() as stack:
            await self._open(stack)
            self.resources = stack.pop_all()

    async def _open(self, stack: contextlib.AsyncExitStack) -> None:
        config = self.config
        self.lock_fd = lock_state_dir(config.state_dir)
        stack.callback(os.close, self.lock_fd)
        self.notifier = Notifier.from_environ()
        stack.callback(self.notifier.close)
        # Sockets the service manager passed are served as they are; the others are bound
        # before anything slow, so a second daemon fails at once. Clients that connect
        # meanwhile wait in the backlog until the server below serves them.
        paths = {"events": config.socket, "control": config.control_socket}
        passed = take_passed_sockets(paths, http_addr=config.http_addr)
        http_passed = passed.http or None
        # Only what hookd bound is its to unlink; a passed socket belongs to the manager.
        self.socket_inodes: dict[str, int] = {}
        listen_sock = passed.get("events") or self._bind(stack, config.socket)
        control_sock = passed.get("control") or self._bind(stack, config.control_socket)
        stack.callback(listen_sock.close)
        stack.callback(control_sock.close)
        self.http = HttpListener.bind(HttpSettings.from_config(config), http_passed) if config.http_addr else None
        if self.http is not None:
            stack.callback(self.http.stop_listening)
        ensure_private_dir(config.inbox_dir)
        spool = SpoolSettings.from_config(config)
        self.spool = Spool(
            spool.dir,
            spool.segment_bytes,
            spool.fsync,
            max_bytes=spool.max_bytes,
            full_policy=spool.full_policy,
            reserve_bytes=spool.reserve_bytes,
        )
        stack.callback(self.spool.close)
        self.flusher = Flusher(self.spool, spool.fsync, spool.fsync_interval_ms / 1000, self.state.progress)
        sequence = SequenceAllocator(os.path.join(config.state_dir, "sequence"))
        redactor = build_redactor(
            config.redact, config.redact_disable, config.redact_allow, config.redact_rules, cache_dir=config.state_dir
        )
        self.usage = None
        if config.usage:
            from hookd.enrich.prices import PriceTable
            from hookd.enrich.usage import UsageTracker

            self.usage = UsageTracker(
                PriceTable(config.usage_prices), config.usage_budget_ms / 1000, config.usage_read_max_bytes
            )
            stack.callback(self.usage.close)
        self.builder = EnvelopeBuilder(
            config.host,
            sequence,
            redactor,
            self.state.redactions,
            truncate_at=config.truncate_strings_at,
            usage=self.usage,
        )
        self.worker = Worker(self.builder, config.work_budget_ms / 1000)
        stack.callback(self.worker.close)
        self.pipeline = Pipeline(self.builder, self.spool, self.flusher, self.state, self.worker)
        redis_settings = RedisSettings.from_config(config)
        if self.given_redis is None:
            self.redis = connect(redis_settings)
            stack.push_async_callback(self.redis.aclose)
        else:
            self.redis = self.given_redis
        self.publisher = Publisher(
            PublishSettings.from_config(config), redis_settings, self.spool, self.redis, self.state
        )
        self.inbox = Inbox(config.inbox_dir, self.pipeline, config.max_event_bytes, config.spare_inbox)
        await self._take_inbox_at_start()

        loop = asyncio.get_running_loop()
        peers = PeerGuard(self.state.refused_peers)
        self.server = await loop.create_unix_server(
            lambda: EventConnection(
                self.pipeline, config.max_event_bytes, config.client_timeout_s, self.connections, peers, self.budget
            ),
            sock=listen_sock,
            backlog=config.listen_backlog,
        )
        stack.callback(self.server.close)
        if self.http is not None:
            self.http.budget = self.budget
            await self.http.start(self.pipeline)
        self.state.reports = Reports(
            spool=self.spool.stats,
            oldest_waiting_ns=self.spool.oldest_waiting_ns,
            publisher=self.publisher.health,
            inbox=self.inbox.stats,
            builder=self.builder.stats,
            tasks=self.supervisor.stats,
            work=self.worker.snapshot,
            pending_frames=self.budget.snapshot,
            stalled=self.stall_reasons,
            http=self.http.stats if self.http is not None else None,
        )
        self.control = ControlServer(config, self.state)
        await self.control.start(control_sock)
        stack.callback(self.control.close)
        self.metrics = None
        if config.metrics_addr:  # prometheus_client is slow to import: only when asked for
            from hookd.control.metrics import start_metrics

            self.metrics = start_metrics(config.metrics_addr, self.state)
            stack.callback(self._stop_metrics, self.metrics)
        stack.push_async_callback(self._cancel_tasks)
        start = self.supervisor.start
        self.tasks = [
            start("publisher", self.publisher.run),
            start("inbox", lambda: self.inbox.run(config.inbox_poll_ms / 1000), restartable=True),
            start("spool-flusher", self.flusher.run, may_finish=spool.fsync is FsyncPolicy.NEVER),
            start("spool-cursor", lambda: keep_cursor(self.spool)),
        ]
        self.lag_task = start("loop-lag", self.state.loop_lag.run, restartable=True)
        log.info(
            "hookd_started",
            version=__version__,
            pid=os.getpid(),
            socket=config.socket,
            redis=mask_url(config.redis_url),
            stream=config.stream,
            host=config.host,
            state_dir=config.state_dir,
            spooled=self.spool.pending_events,
            socket_activated=sorted(passed) + (["http"] if http_passed else []),
        )
        self.drain_progress = None
        if self.handle_signals and sys.stderr.isatty():  # a progress bar while a big spool drains
            from hookd.terminal.drain import show_drain

            self.drain_progress = asyncio.create_task(show_drain(self.spool), name="drain-progress")
        self.notifier.ready(self.describe())
        self.notifier_task = (
            start("notifier", lambda: self.notifier.keep_informing(self.describe, self.alive), restartable=True)
            if self.notifier.enabled
            else None
        )

    def _bind(self, stack: contextlib.AsyncExitStack, path: str) -> Any:
        sock = bind_private_socket(path)
        self.socket_inodes[path] = os.stat(path).st_ino
        stack.callback(self._remove_socket_if_bound, path)
        return sock

    @staticmethod
    def _stop_metrics(server: Any) -> None:
        server.shutdown()
        server.server_close()

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

    def describe(self) -> str:
        """One line for the service manager's STATUS= (systemctl --user status hookd)."""
        text = (
            f"{self.spool.pending_events} events spooled, {self.state.published} published; "
            f"redis {self.state.redis.state}"
        )
        stalled = self.stall_reasons()
        return f"stalled: {stalled[0]}; {text}" if stalled else text

    async def _take_inbox_at_start(self) -> None:
        """Spool what hook-send left while hookd was away, before serving anything newer.

        An inbox copy of an event that reached the spool just before a crash is
        recognised by its hand-off id, found in the spool's segments.
        """
        waiting = self.inbox.handoff_ids()
        for handoff_id, event_id in find_handoffs(self.config.spool_dir, waiting).items():
            self.pipeline.handoffs.add(handoff_id, event_id)
        taken = await self.inbox.sweep()
        if waiting or taken:
            log.info("inbox_taken", events=taken, duplicates=self.state.deduplicated_handoffs, left=self.inbox.waiting)

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
        self.server.close()
        if self.http is not None:
            self.http.stop_listening()
        self._remove_socket_if_bound(self.config.socket)
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
        await asyncio.gather(fsync, cursor, self.lag_task, return_exceptions=True)
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

    def _remove_socket_if_bound(self, path: str) -> None:
        if path in self.socket_inodes:
            remove_socket_if_ours(path, self.socket_inodes.pop(path))

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

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.should_exit.is_set():
            log.warning(
                "second_signal_ignored",
                signal=sig.name,
                hint="hookd is already draining; it exits within drain_timeout_s",
            )
            return
        log.info("signal_received", signal=sig.name)
        self.should_exit.set()
