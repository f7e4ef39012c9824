"""Eighty-third red-team pass: the streaming read of a segment, with Redis up, on a state directory that hung.

The state directory is a faultfs mount (tests/faultfs.py). Events spooled while Redis was away, across two
segments or more (large events, the smallest spool_segment_bytes), the daemon started again (so that they are read
back from their segments, not memory) and Redis then started. The publisher sends the first batch and,
while it is in flight, reads the next (publish/in_flight.py, ``Spool.read_batch``): the read of the
second segment is answered late. Made on the event loop, that read froze the daemon: no status, no event
served, SIGTERM not served.
"""

from __future__ import annotations

import signal

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam80_hung_read import lines, said_read_hung

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

PAD = 40 * 1024  # three events take two segments or more at the smallest spool_segment_bytes


def send(daemon, n: int, pad: int = PAD) -> str:
    return outcome(daemon.send(numbered(n, pad), HOOKD_SEND_TIMEOUT_MS="5000", HOOKD_DEBUG="1"))


def streaming_hung(hung_daemon, delay_s: float, **settings: str):  # noqa: F811
    """A daemon started again with events 1 to 3 waiting in two segments or more, the read of the second
    answered ``delay_s`` late, then Redis started: the second is read while the first is in flight."""
    daemon, fs, redis = hung_daemon(
        stall_after_s="2", batch_max_events="1", spool_segment_bytes=str(64 * 1024), **settings
    )
    daemon.start()  # Redis away: the events wait in the spool
    assert [send(daemon, n) for n in (1, 2, 3)] == ["delivered"] * 3
    assert daemon.stop() == 0
    segments = sorted((daemon.state_dir / "spool").glob("*.seg"))
    assert len(segments) >= 2, segments
    daemon.start()  # memory empty: each event is read back from its segment
    fs.set_rules([{"op": "read", "path": f"/spool/{segments[1].name}", "delay_s": delay_s, "count": 1}])
    redis.start()
    wait_until(lambda: any(f["op"] == "read" for f in fs.faults()), timeout=30, what="the hung read")
    wait_until(lambda: arrived(redis)[:1] == [1], timeout=30, what="event 1 in Redis")
    return daemon, fs, redis, segments[1]


def test_a_hung_streaming_read_leaves_status_answering_stalled_naming_the_mount(hung_daemon):  # noqa: F811
    daemon, fs, redis, segment = streaming_hung(hung_daemon, 600)
    said_read_hung(daemon, str(segment))
    assert send(daemon, 4, pad=0) == "delivered"  # the loop serves on


def test_sigterm_during_a_hung_streaming_read_drains_within_its_limit_and_says_it(hung_daemon):  # noqa: F811
    daemon, fs, redis, segment = streaming_hung(hung_daemon, 600, drain_timeout_s="2")
    daemon.proc.send_signal(signal.SIGTERM)
    # The first run's stop is in the log too.
    wait_until(lambda: len(lines(daemon, "hookd_stopped")) == 2, timeout=15, what="hookd_stopped")
    stopped = lines(daemon, "hookd_stopped")[-1]
    assert stopped["took_s"] <= 2 + 0.4, stopped
    (left,) = lines(daemon, "spool_read_left_hung")
    assert (left["mount"], left["segment"]) == (str(daemon.state_dir), str(segment)), left
    assert arrived(redis) in ([1], [1, 2])  # those of the first segment, once each


def test_when_the_streaming_read_answers_again_every_event_reaches_redis_once(hung_daemon):  # noqa: F811
    daemon, fs, redis, segment = streaming_hung(hung_daemon, 6)
    outcomes = [send(daemon, n, pad=0) for n in (4, 5)]
    wait_until(lambda: len(arrived(redis)) >= 5 and not daemon.inbox(), timeout=60, what="every event in Redis")
    assert arrived(redis) == [1, 2, 3, 4, 5], (arrived(redis), outcomes)
