"""Forty-seventh red-team pass: h158's count of events lost to damage in a segment, against the
spool's count of waiting events (tests/faultfs.py's fixture, the damage written between a stop
and a start, as a disk that returned other bytes than it was given).

At start the backlog of the segment the cursor is in is counted from its valid records after the
cursor: damage there is already left out. When the reader then meets that damage, the lost
events must not be taken off the waiting count a second time (status said -1 events waiting); nor
may damage before the cursor, in events Redis already has, count as lost.
"""

from __future__ import annotations

import json
import os
import subprocess

from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, outcome  # noqa: F401 (a fixture)
from test_redteam43_spool_damage import records

pytestmark = NEEDS_FAULTFS

PAD = "word " * 5000  # 25 kB: three of these fill a 64 KiB segment


def send(daemon, n: int, pad: str = "") -> str:
    body = json.dumps({"hook_event_name": "PostToolUse", "session_id": "damage47", "n": n, "pad": pad}).encode()
    return outcome(daemon.send(body, HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000"))


def status(daemon) -> dict:
    result = subprocess.run(
        [os.sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return json.loads(result.stdout)


def damage(path, offset: int, length: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset + 8 + length // 2)
        f.write(b"\xff\xfe")


def finished_segment_with_cursor_inside(daemon, redis, tmp_path):
    """A finished segment (its count file written at rotation) whose first event Redis has, the
    cursor just after it, and four more waiting: the daemon stopped. Returns the segment file."""
    redis.start()
    daemon.start()
    assert send(daemon, 0) == "delivered"
    wait_until(lambda: arrived(redis) == [0], timeout=30, what="the first event in Redis")
    wait_until(lambda: status(daemon)["spool"]["events"] == 0, timeout=30, what="the first event committed")
    redis.stop()
    assert [send(daemon, n, PAD) for n in (1, 2, 3)] == ["delivered"] * 3
    assert send(daemon, 4) == "delivered"
    daemon.stop()
    segments = sorted((tmp_path / "backing" / "spool").glob("*.seg"))
    assert len(segments) == 2, segments
    return segments[0]


def settled(daemon, want: int):
    doc = status(daemon)
    return doc["spool"]["lost_events"] == want and doc["spool"]["events"] <= 0 and doc


def test_damage_after_the_cursor_is_not_taken_off_the_waiting_count_twice(faulty_daemon, tmp_path):
    daemon, fs, redis = faulty_daemon(spool_segment_bytes=str(64 << 10), spool_reserve_bytes="0")
    segment = finished_segment_with_cursor_inside(daemon, redis, tmp_path)
    placed = records(segment)
    assert len(placed) == 4
    damage(segment, *placed[2])  # the event n=2, after the cursor
    redis.start()
    daemon.start()
    wait_until(lambda: arrived(redis)[-3:] == [1, 3, 4], timeout=60, what="the events around the damage in Redis")
    doc = wait_until(lambda: settled(daemon, 1), timeout=30, what="the damaged event counted lost")
    assert doc["spool"]["events"] == 0, doc["spool"]  # the old code said -1
    assert doc["health"] == "degraded" and "1 event was lost" in " ".join(doc["reasons"]), doc
    daemon.stop()


def test_damage_before_the_cursor_is_not_counted_lost(faulty_daemon, tmp_path):
    daemon, fs, redis = faulty_daemon(spool_segment_bytes=str(64 << 10), spool_reserve_bytes="0")
    segment = finished_segment_with_cursor_inside(daemon, redis, tmp_path)
    placed = records(segment)
    damage(segment, *placed[0])  # the event n=0, which Redis has: nothing of it is lost
    damage(segment, *placed[2])  # the event n=2, waiting: lost
    redis.start()
    daemon.start()
    wait_until(lambda: arrived(redis)[-3:] == [1, 3, 4], timeout=60, what="the events around the damage in Redis")
    # Damage before the cursor leaves the count of what was written after it unknown: the backlog
    # is the valid records after it, and nothing is counted lost, not the two the old code took off.
    doc = wait_until(
        lambda: status(daemon)["spool"]["damaged_bytes"] and status(daemon), timeout=30, what="the damage met"
    )
    assert (doc["spool"]["lost_events"], doc["spool"]["events"]) == (0, 0), doc["spool"]
    assert doc["health"] == "degraded", doc  # the damage said all the same
    daemon.stop()


def test_stretches_met_batch_after_batch_are_counted_from_one_read_of_the_segment(faulty_daemon, tmp_path):
    """Each new stretch of damage met in a later batch read the whole segment again on the event
    loop (a 64 MiB segment with damage every few records held it once per batch) and logged
    spool_damage_lost again, with 0 events: one read counts every stretch in it."""
    daemon, fs, redis = faulty_daemon(batch_max_events="2")
    daemon.start()
    assert [send(daemon, n) for n in range(12)] == ["delivered"] * 12
    daemon.stop()
    (segment,) = sorted((tmp_path / "backing" / "spool").glob("*.seg"))
    placed = records(segment)
    assert len(placed) == 12
    daemon.start()  # the backlog counted whole; the damage comes under the running daemon
    for n in (3, 7, 10):
        damage(segment, *placed[n])
    redis.start()
    wait_until(lambda: arrived(redis)[-1:] == [11], timeout=60, what="the last event in Redis")
    assert arrived(redis) == [0, 1, 2, 4, 5, 6, 8, 9, 11]
    doc = wait_until(lambda: settled(daemon, 3), timeout=30, what="the three damaged events counted lost")
    assert doc["spool"]["events"] == 0, doc["spool"]
    skipped = [r for r in log_records(daemon.log_text()) if r.get("event") == "spool_damage_skipped"]
    assert len(skipped) == 3, skipped  # three stretches, in three batches
    lost = [
        (r["events"], r["segment"]) for r in log_records(daemon.log_text()) if r.get("event") == "spool_damage_lost"
    ]
    assert lost == [(3, str(daemon.state_dir / "spool" / segment.name))]
    daemon.stop()
