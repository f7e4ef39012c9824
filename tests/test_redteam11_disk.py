"""Red team, eleventh pass: a disk the spool itself filled is given back once Redis has its events.

test_disk_full.py fills the disk with a file of its own and frees it. Here the spool fills it: Redis
down, events sent until hookd refuses them (``disk_full``), then Redis back. Every event reached
Redis, but the published segments stayed (they are kept RETAIN_PUBLISHED_S to recognise inbox
copies after a crash, and deleted when the cursor next moves), no new event could be written for
the cursor to move, and hookd refused every event (hook-send kept them in its spare inbox) until it
was restarted: still `disk_full` 2 minutes later. Now a full disk deletes the published segments
at once, and the events kept meanwhile follow.
"""

from __future__ import annotations

import json
import os

from conftest import RedisServer, wait_until
from test_disk_full import EVENT_BYTES, SPOOL_ROOM, STATE_MOUNT, assert_room_for_the_spool, mounts, outcome, status  # noqa: F401 - mounts is a fixture

# Ten times test_disk_full's events: the spool fills the same disk in a tenth of the hook-sends, each a
# process of its own, which were most of the test's time.
BIG = 10 * EVENT_BYTES


def body(n: int) -> bytes:
    return json.dumps(
        {"hook_event_name": "PostToolUse", "session_id": "disk", "n": n, "tool_response": "x" * BIG}
    ).encode()


def hold_all_but(directory, room: int) -> None:
    """A file that takes the disk's free space but ``room``: what the spool fills is its last ``room``
    bytes, not the whole mount (the scanner's databases leave about 20 MiB on it), which is the same
    full disk in less time: every byte the spool writes there is an event sent and later published."""
    stat = os.statvfs(directory)
    with open(directory / "held", "wb") as held:
        os.posix_fallocate(held.fileno(), 0, stat.f_bavail * stat.f_frsize - room)


def test_a_disk_the_spool_filled_is_given_back_once_redis_has_the_events(hookd_factory, tmp_path, mounts):
    redis = RedisServer(tmp_path / "redis")  # down while the spool fills the disk
    daemon = hookd_factory(
        redis_url=redis.url, start=False, spool_reserve_bytes=str(2 << 20), spool_segment_bytes=str(1 << 20)
    )
    mounts(daemon.state_dir, STATE_MOUNT)
    spare = tmp_path / "spare"
    mounts(spare, "4m")
    daemon.env["HOOKD_SPARE_INBOX"] = str(spare / "inbox")
    daemon.start()
    reserve = daemon.state_dir / "spool" / "reserve"
    wait_until(lambda: reserve.exists() and os.path.getsize(reserve) == 2 << 20, what="the spool's 2 MiB reserve")
    assert_room_for_the_spool(daemon.state_dir)
    hold_all_but(daemon.state_dir, SPOOL_ROOM)
    sent: list[str] = []
    while not sent or sent[-1] == "delivered":
        assert len(sent) < 200, f"the {STATE_MOUNT} disk never filled"
        sent.append(outcome(daemon.send(body(len(sent)), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000")))
    assert sent[-1] == "spare", sent[-3:]
    delivered = len(sent) - 1
    redis.start()
    try:
        client = redis.client()
        wait_until(lambda: client.xlen("hookd:events") >= delivered, timeout=60, what="the spool to drain")
        # The disk is given back: no longer full, and the event kept in the spare inbox follows.
        wait_until(lambda: not status(daemon)[1]["spool"]["disk_full"], timeout=20, what="the disk given back")
        wait_until(lambda: client.xlen("hookd:events") == len(sent), timeout=20, what="the kept event")
        after = outcome(daemon.send(body(len(sent)), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000"))
        assert after == "delivered"
        wait_until(lambda: client.xlen("hookd:events") == len(sent) + 1, what="the event sent after")
        numbers = [json.loads(f[b"envelope"])["payload"]["n"] for _, f in client.xrange("hookd:events")]
        assert numbers == list(range(len(sent) + 1))
    finally:
        redis.stop()
