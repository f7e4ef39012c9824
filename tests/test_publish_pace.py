"""publish/pace.py: the time a batch is given for its bytes, and when a timeout means a slow link."""

from __future__ import annotations

import asyncio

import redis.exceptions

from hookd.publish.pace import MIN_BYTES_PER_S, Pace, SlowLink, WritesHeld, is_busy


async def answers() -> None:
    return None


async def silent() -> None:
    raise redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")


def test_a_batch_is_given_its_bytes_at_the_floor_rate_and_a_trial_its_own_timeout():
    pace = Pace(timeout_s=5, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    assert pace.allowance(0) == 5 and pace.allowance(6_000_000) == 11
    assert pace.allowance(6_000_000, trial=True) == 8


def test_a_timeout_while_redis_answers_is_a_slow_link_and_the_resend_gets_twice_the_time():
    pace = Pace(timeout_s=5, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")
    judged = asyncio.run(pace.judge(lost, 6_000_000, 11.0, answers, answers))
    assert isinstance(judged, SlowLink)
    assert "the link to Redis is slow" in str(judged) and "redis_min_bytes_per_s" in str(judged)
    assert pace.allowance(6_000_000) == 17
    pace.kept_up(6_000_000, 3.0)  # it crossed at 2 MB/s: back to the setting
    assert pace.allowance(6_000_000) == 11


def test_a_timeout_while_redis_is_silent_or_another_failure_stays_what_it_is():
    pace = Pace(timeout_s=5, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")
    assert asyncio.run(pace.judge(lost, 6_000_000, 11.0, silent, answers)) is lost
    refused = redis.exceptions.ConnectionError("Connection refused")
    assert asyncio.run(pace.judge(refused, 6_000_000, 11.0, answers, answers)) is refused
    assert asyncio.run(pace.judge(lost, 0, 5.0, answers, answers)) is lost  # no batch on its way
    assert pace.allowance(6_000_000) == 11


def test_the_rate_is_halved_no_lower_than_its_floor():
    pace = Pace(timeout_s=5, trial_timeout_s=2, min_bytes_per_s=4096)
    for _ in range(10):
        pace.too_slow(1, 1.0)
    assert pace.bytes_per_s == MIN_BYTES_PER_S


def test_a_timeout_while_redis_answers_a_ping_but_holds_a_one_line_script_is_writes_held():
    pace = Pace(timeout_s=0.2, trial_timeout_s=0.2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")

    async def held() -> None:
        await asyncio.sleep(10)

    judged = asyncio.run(pace.judge(lost, 6_000_000, 6.2, answers, held))
    assert isinstance(judged, WritesHeld) and "holds writes" in str(judged)
    assert "redis_min_bytes_per_s" not in str(judged)
    assert pace.allowance(6_000_000) == 6.2  # not the link's fault: the rate stays


def test_a_one_line_script_held_far_longer_than_a_ping_is_writes_held_even_when_let_go():
    """A pause that ends while the script waits lets it answer: held that much longer than the PING's
    round trip, it waited for writes, not for the link (a write pause ending mid-probe was called a
    slow link, and the rate halved)."""
    pace = Pace(timeout_s=2, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")

    async def let_go_later() -> None:
        await asyncio.sleep(0.5)

    judged = asyncio.run(pace.judge(lost, 6_000_000, 8.0, answers, let_go_later))
    assert isinstance(judged, WritesHeld) and "only after" in str(judged)
    assert pace.allowance(6_000_000) == 8.0  # the rate stays


def test_a_one_line_script_as_quick_as_the_ping_leaves_it_a_slow_link():
    pace = Pace(timeout_s=2, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")

    async def slow_link() -> None:
        await asyncio.sleep(0.05)  # each tiny command takes the link's round trip

    judged = asyncio.run(pace.judge(lost, 6_000_000, 8.0, slow_link, slow_link))
    assert isinstance(judged, SlowLink) and not isinstance(judged, WritesHeld)
    assert "the link to Redis is slow" in str(judged)


def test_a_one_line_script_refused_leaves_the_reason_unsure_of_the_link():
    pace = Pace(timeout_s=5, trial_timeout_s=2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")

    async def no_eval() -> None:
        raise redis.exceptions.NoPermissionError("NOPERM this user has no permissions to run the 'eval' command")

    judged = asyncio.run(pace.judge(lost, 6_000_000, 11.0, answers, no_eval))
    assert isinstance(judged, SlowLink) and not isinstance(judged, WritesHeld)
    assert "or Redis holds writes" in str(judged) and "the link to Redis is slow" not in str(judged)


BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."


def test_a_busy_answer_to_the_ping_or_the_one_line_script_is_said_as_busy_and_the_rate_kept():
    pace = Pace(timeout_s=0.2, trial_timeout_s=0.2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")

    async def busy() -> None:
        raise redis.exceptions.ResponseError(BUSY)

    for ping, write in ((busy, answers), (answers, busy)):
        judged = asyncio.run(pace.judge(lost, 6_000_000, 11.0, ping, write))
        assert is_busy(judged) and str(judged) == BUSY
    assert pace.allowance(6_000_000) == 6.2
    assert not is_busy(redis.exceptions.ResponseError("BUSYGROUP Consumer Group name already exists"))


def test_a_one_line_script_unanswered_then_a_ping_unanswered_is_no_write_pause():
    """A script before busy-reply-threshold holds every command: once the one-line script times out,
    a second PING is not answered either, and the batch's own timeout stands."""
    pace = Pace(timeout_s=0.2, trial_timeout_s=0.2, min_bytes_per_s=1_000_000)
    lost = redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")
    pings = 0

    async def first_ping_only() -> None:
        nonlocal pings
        pings += 1
        if pings > 1:
            await asyncio.sleep(10)

    async def held() -> None:
        await asyncio.sleep(10)

    assert asyncio.run(pace.judge(lost, 6_000_000, 11.0, first_ping_only, held)) is lost
    assert pings == 2
