"""The circuit breaker's states, driven by a fake clock (it takes the clock as an argument)."""

from __future__ import annotations

import pytest

from hookd.publish.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def breaker(clock, jitter=1.0, **kw) -> CircuitBreaker:
    return CircuitBreaker(clock=clock, jitter=lambda: jitter, **kw)


def test_it_opens_after_the_threshold_of_consecutive_failures(clock):
    b = breaker(clock, failure_threshold=5)
    for _ in range(4):
        b.record_failure()
        assert b.state == CLOSED
        clock.now += b.wait_s()
    b.record_failure()
    assert b.state == OPEN and b.failures == 5


def test_a_success_resets_the_count(clock):
    b = breaker(clock, failure_threshold=3)
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()
    b.record_failure()
    assert b.state == CLOSED


def test_an_open_breaker_waits_then_allows_one_half_open_trial(clock):
    b = breaker(clock, failure_threshold=1, backoff_min_s=0.1)
    b.record_failure()
    assert b.state == OPEN
    assert b.wait_s() == pytest.approx(0.1)
    clock.now += 0.1
    assert b.wait_s() == 0 and b.state == HALF_OPEN
    b.record_success()
    assert b.state == CLOSED and b.wait_s() == 0


def test_failed_trials_double_the_backoff_up_to_the_cap(clock):
    b = breaker(clock, failure_threshold=1, backoff_min_s=0.1, backoff_max_s=1.0)
    b.record_failure()
    waits = []
    for _ in range(6):
        waits.append(round(b.wait_s(), 6))
        clock.now += b.wait_s()
        assert b.wait_s() == 0 and b.state == HALF_OPEN
        b.record_failure()
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_jitter_shortens_the_wait_to_no_less_than_half(clock):
    b = breaker(clock, jitter=0.0, failure_threshold=1, backoff_min_s=0.2)
    b.record_failure()
    assert b.next_attempt_in_s == pytest.approx(0.1)


def test_a_closed_breaker_pauses_briefly_between_retries(clock):
    b = breaker(clock, failure_threshold=5, backoff_min_s=0.1)
    b.record_failure()
    assert b.state == CLOSED and b.wait_s() == pytest.approx(0.1)
