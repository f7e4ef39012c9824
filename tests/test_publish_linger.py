"""publish_linger_ms: events that arrive soon after a batch was started go to Redis together.

Each event is handed over on its own connection and acknowledged before the next is sent,
so without the linger every one would be a batch of its own; `batches` in `hookd status`
counts the publish calls that went through.
"""

from __future__ import annotations

import json
import signal

from conftest import stream_entries
from test_status import live_status, wait_status


def frame(n: int) -> bytes:
    return json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "linger",
            "tool_name": "Bash",
            "tool_input": {"command": f"echo {n}"},
        }
    ).encode()


def hand_over(daemon, numbers) -> None:
    for n in numbers:
        reply = daemon.request(frame(n))
        assert reply.startswith(b"OK "), reply


def commands(redis_db) -> list[str]:
    return [json.loads(e[b"envelope"])["payload"]["tool_input"]["command"] for e in stream_entries(redis_db)]


def published_alone(daemon, n: int) -> None:
    """Hand over event n and wait until it is in Redis: the publisher is idle after it."""
    hand_over(daemon, [n])
    wait_status(daemon, lambda s: s["counters"]["published"] == n + 1, f"event {n} published")


def test_events_arriving_within_the_linger_go_to_redis_in_one_batch(hookd_factory, redis_db):
    daemon = hookd_factory(publish_linger_ms="3000")
    published_alone(daemon, 0)
    hand_over(daemon, range(1, 6))
    status = wait_status(daemon, lambda s: s["counters"]["published"] == 6, "6 events published")

    assert status["counters"]["batches"] == 2
    assert commands(redis_db) == [f"echo {n}" for n in range(6)]


def test_without_a_linger_each_event_published_before_the_next_goes_alone(hookd_factory, redis_db):
    daemon = hookd_factory(publish_linger_ms="0")
    for n in range(5):
        published_alone(daemon, n)

    assert live_status(daemon)["counters"]["batches"] == 5
    assert commands(redis_db) == [f"echo {n}" for n in range(5)]


def test_a_stop_during_the_linger_publishes_the_waiting_events_before_exiting(hookd_factory, redis_db):
    daemon = hookd_factory(publish_linger_ms="3000")
    hand_over(daemon, range(3))

    assert daemon.stop(signal.SIGTERM) == 0
    assert commands(redis_db) == ["echo 0", "echo 1", "echo 2"]
