"""A circuit breaker around Redis: stop hammering a Redis that is down, probe it now and then.

closed: batches go out; a failure waits ``backoff_min_s`` before the retry, and
``failure_threshold`` consecutive failures open the breaker.
open: nothing is sent until the back-off has passed; the back-off doubles with
every failed trial, with jitter, from ``backoff_min_s`` up to ``backoff_max_s``.
half_open: one trial batch, under its own timeout; success closes the breaker,
failure opens it again.
Events keep flowing into the spool in every state: only publishing waits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = 5,
        backoff_min_s: float = 0.1,
        backoff_max_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.clock = clock
        self.jitter = jitter
        self.state = CLOSED
        self.failures = 0
        self.opened_times = 0
        self._backoff_s = backoff_min_s
        self._next_attempt = 0.0

    def wait_s(self) -> float:
        """Seconds to wait before the next attempt; moves open to half_open once they are up."""
        remaining = self._next_attempt - self.clock()
        if remaining > 0:
            return remaining
        if self.state == OPEN:
            self.state = HALF_OPEN
        return 0.0

    @property
    def next_attempt_in_s(self) -> float:
        return max(0.0, self._next_attempt - self.clock())

    def record_success(self) -> None:
        self.state = CLOSED
        self.failures = 0
        self._backoff_s = self.backoff_min_s
        self._next_attempt = 0.0

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == HALF_OPEN:
            self._backoff_s = min(self._backoff_s * 2, self.backoff_max_s)
            self._open()
        elif self.state == CLOSED and self.failures >= self.failure_threshold:
            self._backoff_s = self.backoff_min_s
            self._open()
        elif self.state == CLOSED:
            self._next_attempt = self.clock() + self.backoff_min_s

    def _open(self) -> None:
        self.state = OPEN
        self.opened_times += 1
        # Full jitter on the upper half: hosts that lost the same Redis do not all come back at once.
        delay = self._backoff_s * (0.5 + 0.5 * self.jitter())
        self._next_attempt = self.clock() + delay
