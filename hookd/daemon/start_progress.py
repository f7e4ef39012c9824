"""How far a long start has gone, told to the service manager and to status's answer during the start."""

from __future__ import annotations

import time

from hookd.daemon.start_answers import StartAnswers
from hookd.service.notify import Notifier

# While the start takes in a big inbox: how often the service manager hears of it, and how much
# longer each message gives the start (past TimeoutStartSec) before the next must come.
START_PROGRESS_EVERY_S = 5.0
START_EXTEND_S = 30.0


class StartProgress:
    """Tells the service manager that a long start goes on (Notifier.starting), at most every
    START_PROGRESS_EVERY_S: the messages come only from the work that makes progress, so a start
    that hangs still meets TimeoutStartSec. Without them a big inbox could outlast systemd's
    default 90 s, and the start was killed and begun again (bench/README.md has the figures)."""

    def __init__(self, notifier: Notifier, answers: StartAnswers | None = None) -> None:
        self.notifier = notifier
        self.answers = answers  # status's answer during the start: each step is progress
        self.next_at = time.monotonic() + START_PROGRESS_EVERY_S

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.answers is not None:
            self.answers.progress(done, total)
        now = time.monotonic()
        if now >= self.next_at:
            self.next_at = now + START_PROGRESS_EVERY_S
            self.notifier.starting(f"starting: {what}, {done:,} of {total:,}", START_EXTEND_S)
