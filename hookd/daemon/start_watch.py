"""A stop asked for while the start's calls on the disk hang.

The start (startup.py) opens the spool, reads its segments, takes the inbox in: calls on the state
directory's filesystem made on the event loop, before anything is served. On a mount that stopped
answering one of them does not return, and SIGTERM, handled on the loop, was acted on only once it
did: the service manager's stop timeout ended hookd, with nothing in its log. The loop cannot be
reached then, and neither can a signal handler of Python's (the main thread never returns from
that call to run it), so the stop signals are blocked in every thread from `hookd run`'s first
line (``block``: threads made later inherit it) and taken here by a thread of their own while the
start runs. One that comes is handed to the daemon's handler once the start ends; a start that has
not ended within drain_timeout_s of it ends the process, saying what it left: nothing was
acknowledged yet (the sockets are not served), and what the start had not taken stays on the disk
for the next start, as after a kill.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import structlog

from hookd.mounts import not_answering_at

log = structlog.get_logger("hookd")

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
POLL_S = 0.1  # how often the waiting thread sees that the start has ended


def block() -> None:
    """The stop signals held for StartWatch (in this thread and the threads it makes from here)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


class StartWatch:
    def __init__(self, state_dir: str, drain_timeout_s: float) -> None:
        self.state_dir = state_dir
        self.drain_timeout_s = drain_timeout_s
        self.started = time.monotonic()
        self.received: signal.Signals | None = None
        self.done = threading.Event()
        block()
        self.thread = threading.Thread(target=self._wait, name="hookd-start-watch", daemon=True)
        self.thread.start()

    def ended(self) -> signal.Signals | None:
        """The start is over (done or failed): the signals go to the loop's handlers again; the one that
        came during it, if any, for the caller to act on."""
        self.done.set()
        self.thread.join()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return self.received

    def _wait(self) -> None:
        while not self.done.is_set():
            info = signal.sigtimedwait(STOP_SIGNALS, POLL_S)
            if info is None:
                continue
            self.received = signal.Signals(info.si_signo)
            log.info("signal_received", signal=self.received.name, starting=True)
            asked = time.monotonic()
            if self.done.wait(self.drain_timeout_s):
                return
            self._end(asked)

    def _end(self, asked: float) -> None:
        from hookd import logs

        log.error(
            "hookd_start_left_hung",
            waited_s=round(time.monotonic() - self.started, 1),
            state_dir=self.state_dir,
            hint=f"the start's calls on {self.state_dir} did not return: {not_answering_at(self.state_dir)}; "
            "nothing was acknowledged yet, what the start had not taken stays on the disk for the next start; "
            "the call is left to its thread (until the mount answers, the kernel may keep the process); "
            "check that mount",
        )
        log.info("hookd_stopped", published=0, took_s=round(time.monotonic() - asked, 3), started=False)
        if logs.SINK is not None:
            logs.SINK.flush(0.5)
        os._exit(0)
