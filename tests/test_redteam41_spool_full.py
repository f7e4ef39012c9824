"""Forty-first red-team pass: spool writes and the cursor file on a filesystem that fails (tests/faultfs.py).

A real ``hookd run`` with its state directory on the fault-injecting FUSE mount: a segment write that
runs out of quota in the middle of a record (EDQUOT after a short write), one that finds no space at
all for a while (ENOSPC), and a cursor file whose rename fails. No record may be half believed, every
event acknowledged or kept must reach Redis once, in order, and the failures must be said.
"""

from __future__ import annotations

import json

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, outcome  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": "full", "n": n, "pad": "q" * 500}).encode()


def send(daemon, n: int) -> str:
    return outcome(daemon.send(body(n), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000"))


@pytest.mark.parametrize("errno_name", ["EDQUOT", "ENOSPC"])
def test_a_segment_write_cut_mid_record_is_never_half_believed(faulty_daemon, errno_name):
    daemon, fs, redis = faulty_daemon()
    daemon.start()
    sent = {n: send(daemon, n) for n in range(3)}
    # The next records' bytes: some 100 go in, then the quota (or the disk) is gone until the rule is cleared.
    fs.set_rules([{"op": "write", "path": "/spool/*.seg", "after_bytes": 100, "errno": errno_name, "count": -1}])
    for n in range(3, 8):
        sent[n] = send(daemon, n)
    assert fs.faults() and "short" in fs.faults()[0], fs.faults()
    assert "kept" in sent.values() and "lost" not in sent.values(), sent
    assert '"spool_disk_full"' in daemon.log_text() or '"event_rejected"' in daemon.log_text()
    fs.set_rules([])  # space again
    for n in range(8, 11):
        sent[n] = send(daemon, n)
    assert "lost" not in sent.values(), sent
    redis.start()
    wait_until(lambda: len(arrived(redis)) >= len(sent), timeout=60, what="every event in Redis")
    wait_until(lambda: not daemon.inbox(), what="the inbox emptied")
    assert arrived(redis) == sorted(sent), sent
    assert '"spool_damage_skipped"' not in daemon.log_text()
    daemon.stop()


def test_a_cursor_file_that_cannot_be_renamed_is_said_and_a_restart_publishes_nothing_twice(faulty_daemon):
    daemon, fs, redis = faulty_daemon()
    redis.start()
    fs.set_rules([{"op": "rename", "path": "/spool/cursor", "count": -1}])
    daemon.start()
    sent = {n: send(daemon, n) for n in range(5)}
    assert set(sent.values()) == {"delivered"}, sent
    wait_until(lambda: len(arrived(redis)) >= 5, what="five events in Redis")
    wait_until(lambda: fs.faults(), what="the cursor's rename to fail")
    wait_until(lambda: '"spool_cursor_save_failed"' in daemon.log_text(), what="the failure said")
    daemon.stop()
    fs.set_rules([])
    daemon.start()
    sent[5] = send(daemon, 5)
    wait_until(lambda: len(arrived(redis)) >= 6, what="the sixth event in Redis")
    wait_until(lambda: daemon.proc.poll() is None and not daemon.inbox(), what="nothing left")
    assert arrived(redis) == list(range(6))
    daemon.stop()
