"""Forty-third red-team pass: damage in a segment and read errors on the spool (tests/faultfs.py).

A real ``hookd run`` with its state directory on the fault-injecting FUSE mount. Events spooled
while Redis is down by one run are read back from the segment file by the next (memory holds only
what a run wrote itself); the damage is made in the backing file under the mount, as a disk that
returns other bytes than it was given. A careful user gets: the damaged records said once, counted
as lost with where and how many bytes, status saying it (neither `stalled` for good nor healthy in
silence), and every event after the damage delivered once. A read that fails (EIO) is not damage:
it is tried again, nothing skipped.
"""

from __future__ import annotations

import os
import struct

from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, send, status  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def records(path) -> list[tuple[int, int]]:
    """(offset, length of data) of each record of a segment file."""
    data, out, pos = path.read_bytes(), [], 0
    while pos + 8 <= len(data):
        length, _ = struct.unpack_from("<II", data, pos)
        out.append((pos, length))
        pos += 8 + length
    return out


def spool_a_run(daemon, count: int) -> None:
    """``count`` events spooled by one run (Redis down), then the daemon stopped: the next run reads
    them from the file."""
    daemon.start()
    assert [send(daemon, n) for n in range(count)] == ["delivered"] * count
    daemon.stop()


def failed_publishes(daemon) -> int:
    """Publishes tried and failed so far (the circuit breaker's count): each trial reads from the
    committed position again."""
    return status(daemon)[1]["breaker"]["failures"]


def test_damaged_records_are_said_once_counted_lost_and_the_rest_delivered_once(faulty_daemon, tmp_path):
    daemon, fs, redis = faulty_daemon()
    spool_a_run(daemon, 10)
    (segment,) = sorted((tmp_path / "backing" / "spool").glob("*.seg"))
    placed = records(segment)
    assert len(placed) == 10
    daemon.start()
    # The first two records change under hookd (a disk returning other bytes): their checksums fail.
    # Each trial while Redis is down reads from the committed position, past them.
    with open(segment, "r+b") as f:
        for offset, length in placed[:2]:
            f.seek(offset + 8 + length // 2)
            f.write(b"\xff\xfe")
    seen = failed_publishes(daemon)
    wait_until(lambda: failed_publishes(daemon) >= seen + 3, timeout=60, what="three publish retries over the damage")
    damage = [r for r in log_records(daemon.log_text()) if r.get("event") == "spool_damage_skipped"]
    assert len(damage) == 1, damage  # said once, not at every retry
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= 8, timeout=60, what="the events after the damage in Redis")
    assert arrived(redis) == [2, 3, 4, 5, 6, 7, 8, 9]
    lost = [r for r in log_records(daemon.log_text()) if r.get("event") == "spool_damage_lost"]
    assert [(r["events"], r["segment"]) for r in lost] == [(2, str(daemon.state_dir / "spool" / segment.name))]

    def settled():
        code, doc = status(daemon)
        return doc["spool"]["events"] == 0 and doc["health"] != "stalled" and (code, doc)

    code, doc = wait_until(settled, timeout=30, what="status to stop counting the lost events as waiting")
    assert doc["spool"]["lost_events"] == 2
    assert doc["spool"]["damaged_bytes"] > 0
    assert code == 1 and doc["health"] == "degraded"  # never healthy in silence
    said = " ".join(doc["reasons"])
    assert "2 events" in said and segment.name in said and "lost" in said, said
    send(daemon, 10)
    wait_until(lambda: arrived(redis)[-1:] == [10], timeout=30, what="a later event in Redis")
    assert arrived(redis) == [2, 3, 4, 5, 6, 7, 8, 9, 10]  # nothing twice
    daemon.stop()


def test_a_spool_read_that_fails_is_tried_again_never_skipped_and_said_while_it_lasts(faulty_daemon):
    daemon, fs, redis = faulty_daemon()
    spool_a_run(daemon, 6)
    daemon.start()  # counts its backlog from the file: it reads well here
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": -1}])
    redis.start()
    # Tried again, by the same daemon: no crash (a service manager would restart it into the same read).
    wait_until(lambda: len(fs.faults()) >= 3 or daemon.proc.poll() is not None, timeout=30, what="the read tried again")
    assert daemon.proc.poll() is None, daemon.log_text()[-2000:]
    wait_until(lambda: status(daemon)[1]["spool"]["read_error"], timeout=30, what="status to say the read error")
    code, doc = status(daemon)
    assert code == 1 and os.strerror(5) in " ".join(doc["reasons"]), doc["reasons"]
    assert doc["spool"]["events"] == 6
    assert arrived(redis) == []
    said = [r["event"] for r in log_records(daemon.log_text())]
    assert said.count("spool_read_failed") == 1, said  # once, not at every try
    fs.set_rules([])
    wait_until(lambda: len(arrived(redis)) >= 6, timeout=30, what="the events once the disk reads again")
    assert arrived(redis) == list(range(6))
    assert "spool_damage_skipped" not in said and '"spool_damage_skipped"' not in daemon.log_text()
    wait_until(lambda: status(daemon)[1]["spool"]["read_error"] is None, what="status to clear the read error")
    daemon.stop()


def test_a_single_failed_spool_read_loses_nothing(faulty_daemon):
    daemon, fs, redis = faulty_daemon()
    spool_a_run(daemon, 6)
    daemon.start()
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": 1}])
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= 6, timeout=30, what="the events in Redis")
    assert fs.faults(), "the read fault did not fire"
    assert arrived(redis) == list(range(6))
    assert '"spool_damage_skipped"' not in daemon.log_text()
    daemon.stop()
