"""The daemon's long-lived tasks, run under one supervisor: none of them may end unnoticed.

A task that raises (or returns, or is cancelled by anyone but the supervisor)
is logged with its traceback and the daemon is told to stop and exit
non-zero: the service manager starts it again, and everything it holds is on
the disk (the spool, the cursor, the inbox). A task started as restartable
(one that holds no state of its own, such as the inbox poller) is started
again instead, after a back-off that doubles up to ``BACKOFF_MAX_S``.

Exceptions that escape callbacks rather than tasks (a protocol's
``data_received``) and threads are logged the same way by the handlers that
``install_handlers`` sets.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

from hookd.state import TaskStats

log = structlog.get_logger("hookd.supervisor")

BACKOFF_MIN_S = 0.1
BACKOFF_MAX_S = 30.0
# A restartable task that ran this long before failing starts again from the shortest back-off.
STEADY_S = 60.0
# A stop that has not finished this long after its drain deadline ends the process anyway.
HARD_STOP_MARGIN_S = 5.0
# Signals whose default action ends the process on the spot, without a drain or a log line,
# and that mean nothing to hookd: a stray one (SIGUSR1 meant for `hookd ui`, the CPU limit's
# SIGXCPU) is logged and otherwise ignored, by hookd run and hookd ui (which takes SIGUSR1
# itself); tests/test_redteam6_signals.py. Those a platform lacks are left out.
STRAY_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGIO", "SIGPWR", "SIGXCPU")
    if hasattr(signal, name)
)
# What the log says when a task the daemon needs stops: why it exits, and that nothing is lost.
FATAL_HINT = (
    "hookd stops and exits non-zero so that its service manager starts it again; "
    "events are kept in the spool and the inbox"
)


class Supervisor:
    def __init__(self, on_fatal: Callable[[str], None]) -> None:
        self.on_fatal = on_fatal
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.stopping = False
        self.failed: list[str] = []
        self.restarts: Counter[str] = Counter()
        self.callback_errors = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._previous_loop_handler: Any = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], Any] | None = None

    def start(
        self,
        name: str,
        factory: Callable[[], Coroutine[Any, Any, None]],
        *,
        restartable: bool = False,
        may_finish: bool = False,
    ) -> asyncio.Task[None]:
        """Run ``factory()`` as a task named ``name``; ``may_finish``: returning is not a failure."""
        coro = self._restarting(name, factory) if restartable else factory()
        task = asyncio.get_running_loop().create_task(coro, name=name)
        task.add_done_callback(lambda t: self._ended(name, may_finish, t))
        self.tasks[name] = task
        return task

    def stats(self) -> TaskStats:
        """The tasks that failed or were restarted, for status and metrics (hookd/state.py)."""
        return TaskStats(tuple(self.failed), dict(self.restarts), self.callback_errors)

    def stop(self) -> None:
        """From now on, tasks ending (cancelled by the shutdown) are expected."""
        self.stopping = True

    async def _restarting(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        delay = BACKOFF_MIN_S
        while True:
            started = loop.time()
            try:
                await factory()
                if self.stopping:
                    return
                log.error(
                    "task_ended",
                    task=name,
                    restarting_in_s=delay,
                    hint="a task that should run until hookd stops returned; this is a bug",
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.stopping:
                    raise
                log.exception("task_failed", task=name, restarting_in_s=delay, restarts=self.restarts[name] + 1)
            self.restarts[name] += 1
            if loop.time() - started > STEADY_S:
                delay = BACKOFF_MIN_S
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_S)

    def _ended(self, name: str, may_finish: bool, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            if not self.stopping:
                log.critical("task_cancelled", task=name, hint=FATAL_HINT)
                self._fatal(name)
            return
        exc = task.exception()
        if exc is None:
            if not (may_finish or self.stopping):
                log.critical("task_ended", task=name, hint=FATAL_HINT)
                self._fatal(name)
            return
        log.critical("task_failed", task=name, exc_info=exc, hint=FATAL_HINT)
        self._fatal(name)

    def _fatal(self, name: str) -> None:
        self.failed.append(name)
        self.on_fatal(name)

    # -- exceptions outside tasks ---------------------------------------------------

    def install_handlers(self, loop: asyncio.AbstractEventLoop, threads: bool = True) -> None:
        """Log what escapes loop callbacks and (with ``threads``, which is the process's) threads,
        with its traceback, instead of losing it; ``remove_handlers`` puts the previous ones back."""
        self.loop = loop
        self._previous_loop_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_exception)
        self._previous_thread_hook = None
        if threads:
            self._previous_thread_hook = threading.excepthook
            threading.excepthook = self._thread_exception

    def remove_handlers(self) -> None:
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed():
            loop.set_exception_handler(self._previous_loop_handler)
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook
            self._previous_thread_hook = None

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # One connection's callback failing closes that connection (its sender keeps the
        # event); the daemon goes on, and status counts it.
        self.callback_errors += 1
        exc = context.get("exception")
        log.error(
            "callback_failed",
            detail=str(context.get("message")),
            task=getattr(context.get("task"), "get_name", lambda: None)(),
            count=self.callback_errors,
            exc_info=exc,
        )

    def _thread_exception(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "thread"
        if args.exc_type is SystemExit:
            return
        self.failed.append(name)
        log.critical(
            "thread_failed",
            thread=name,
            exc_info=args.exc_value,
            hint="hookd stops and exits non-zero so that its service manager starts it again",
        )
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self.on_fatal, name)
            except RuntimeError:
                pass


def start_hard_stop(drain_s: float) -> threading.Timer:
    """A timer that ends the process (exit 1) if the stop is not over ``HARD_STOP_MARGIN_S``
    after its drain deadline, whatever the event loop is stuck on; cancel it once stopped."""
    timer = threading.Timer(drain_s + HARD_STOP_MARGIN_S, _hard_stop, (drain_s,))
    timer.daemon = True
    timer.start()
    return timer


def _hard_stop(drain_s: float) -> None:
    from hookd import logs

    log.critical(
        "hookd_stop_overran",
        drain_s=drain_s,
        margin_s=HARD_STOP_MARGIN_S,
        hint="the stop did not finish in time; exiting now (events stay in the spool)",
    )
    if logs.SINK is not None:
        logs.SINK.flush(0.5)
    os._exit(1)
