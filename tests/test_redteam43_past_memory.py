"""Forty-third red-team pass: under spool_fsync = "batch", more events left unsure by failing fsyncs
than the spool's memory keeps (tests/faultfs.py).

After a failed fsync the spool keeps the events written by then in memory until Redis has them
(spool/recent.py), up to PINNED_MAX_BYTES (64 MiB); past it the oldest are read back from the file,
which may have lost them (faultfs's "drop": they read back as zeros). Under "batch" none of these
events was acknowledged: hook-send kept each in its inbox, and hookd takes those copies later. The
memory's bounds are lowered here to a few KB (tests/process_site, HOOKD_TEST_RECENT_BYTES), the
same code past them as past 64 MiB.
"""

from __future__ import annotations

from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, send  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def test_inbox_copies_of_events_past_the_memory_of_unsure_ones_are_not_dropped(faulty_daemon):
    daemon, fs, redis = faulty_daemon(spool_fsync="batch", inbox_poll_ms="200")
    daemon.env["HOOKD_TEST_RECENT_BYTES"] = "2048,4096"
    daemon.start()
    fs.set_rules([{"op": "fsync", "path": "/spool/*.seg", "count": -1, "drop": True}])
    sent = [send(daemon, n, pad=400) for n in range(12)]
    assert sent == ["kept"] * 12, sent  # none on the disk for sure: none acknowledged
    assert fs.faults()[0]["dropped"] > 0, fs.faults()
    said = [r.get("event") for r in log_records(daemon.log_text())]
    assert "spool_unsure_events_past_memory" in said  # past the bound: the case under test
    fs.set_rules([])
    redis.start()
    wait_until(lambda: not daemon.inbox(), timeout=60, what="the inbox emptied")
    try:
        wait_until(lambda: len(arrived(redis)) >= 12, timeout=30, what="every kept event in Redis")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {arrived(redis)}") from None
    # Every one. A copy past memory whose spool record may read back as zeros is taken from the inbox too
    # (pipeline.py: a second copy in Redis rather than none), so under load one can arrive twice.
    assert sorted(set(arrived(redis))) == list(range(12)), arrived(redis)
    daemon.stop()
