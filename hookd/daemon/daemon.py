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
import signal
from collections.abc import AsyncIterator
from typing import Any

import structlog

from hookd.config import Config
from hookd.daemon.drain import DaemonDrain
from hookd.daemon.first_socket import FirstSocket
from hookd.daemon.start_watch import StartWatch
from hookd.daemon.startup import DaemonStartup
from hookd.ingest.budget import FrameBudget
from hookd.ingest.server import EventConnection
from hookd.state import DaemonState
from hookd.supervisor import STRAY_SIGNALS, Supervisor

log = structlog.get_logger("hookd")


class Daemon(DaemonStartup, DaemonDrain):
    """hookd's daemon. ``redis``: a client to publish with instead of one built from the config
    (its owner closes it). ``handle_signals``: this daemon owns the process: SIGTERM, SIGINT and SIGHUP
    stop it, a thread's failure stops it, and a stop that overruns its deadline ends the process. ``first``: the
    control socket `hookd run` bound before the daemon's modules were imported (first_socket.py)."""

    def __init__(
        self, config: Config, redis: Any = None, handle_signals: bool = True, first: FirstSocket | None = None
    ) -> None:
        self.config = config
        self.state = first.state if first is not None else DaemonState()
        self.first = first  # taken by the start (None then); else it binds its own
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
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # HUP: its terminal closed
                    # remove_signal_handler would leave SIG_DFL, not what was there before
                    previous = signal.getsignal(sig)
                    if previous is not None:  # None: set outside Python, not ours to restore
                        handlers.callback(signal.signal, sig, previous)
                    handlers.callback(loop.remove_signal_handler, sig)
                    loop.add_signal_handler(sig, self._on_signal, sig)
                for sig in STRAY_SIGNALS:
                    if signal.getsignal(sig) is signal.SIG_DFL:  # a handler someone set stays theirs
                        handlers.callback(signal.signal, sig, signal.SIG_DFL)
                        handlers.callback(loop.remove_signal_handler, sig)
                        loop.add_signal_handler(sig, self._on_stray_signal, sig)
            # The stop signals taken by a thread of their own while the start's disk calls may hang (start_watch.py).
            watch = StartWatch(self.config.state_dir, self.config.drain_timeout_s) if self.handle_signals else None
            try:
                await self.startup()
            except BaseException:
                self.stopped.set()  # nothing left to stop: startup closed what it opened
                raise
            finally:
                if watch is not None and watch.ended() is not None:
                    self.should_exit.set()  # a stop asked for during the start (said by the watch): the drain
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

    def _on_stray_signal(self, sig: signal.Signals) -> None:
        log.warning(
            "signal_ignored",
            signal=sig.name,
            hint="hookd stops on SIGTERM, SIGINT or SIGHUP; this signal means nothing to it "
            "(SIGUSR1 gives hookd ui a new URL: send it to that process)",
        )
