"""Forty-third red-team pass: hookd taking inbox files on a filesystem that fails (tests/faultfs.py).

hookd takes a file from hook-send's inbox into the spool and then deletes it (an unlink in the
inbox); a temporary file whose writer died is first moved aside (a rename) before it is taken.
Neither hookd nor hook-send fsyncs the inbox directory: the file's own fsync (hook-send) and the
spool's (hookd) are what hold the event, and a crash that lost a rename leaves a ``.tmp-`` file the
salvage takes. With the unlink or the rename failing, no event may be taken twice or dropped.
"""

from __future__ import annotations

import os

from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, send, status  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def test_inbox_files_hookd_cannot_delete_are_published_once_and_deleted_later(faulty_daemon):
    daemon, fs, redis = faulty_daemon(inbox_poll_ms="100")
    assert [send(daemon, n) for n in range(4)] == ["kept"] * 4  # hookd not running: the inbox
    redis.start()
    fs.set_rules([{"op": "unlink", "path": "/inbox/*", "errno": "EIO", "count": -1}])
    daemon.start()
    wait_until(lambda: len(arrived(redis)) >= 4, timeout=30, what="the inbox's events in Redis")
    wait_until(lambda: len(fs.faults()) >= 8, timeout=30, what="the deletions tried again")
    code, doc = status(daemon)
    assert len(doc["inbox"]["not_removed"]) == 4 and code == 1, doc["reasons"]
    assert len(daemon.inbox()) == 4
    assert arrived(redis) == [0, 1, 2, 3]  # kept, not taken again, over several sweeps
    fs.set_rules([])
    wait_until(lambda: not daemon.inbox(), timeout=30, what="the files deleted once the unlink works")
    wait_until(lambda: not status(daemon)[1]["inbox"]["not_removed"], what="status to stop naming them")
    daemon.stop()
    daemon.start()
    send(daemon, 4)
    wait_until(lambda: arrived(redis)[-1:] == [4], timeout=30, what="a later event")
    assert arrived(redis) == [0, 1, 2, 3, 4]
    daemon.stop()


def test_an_abandoned_temporary_file_whose_move_fails_is_taken_once_later(faulty_daemon):
    daemon, fs, redis = faulty_daemon(inbox_poll_ms="100")
    assert send(daemon, 0) == "kept"
    (kept,) = daemon.inbox()
    # As a hook-send killed before its rename leaves it: whole, under its temporary name, old.
    tmp = kept.with_name(".tmp-" + kept.name)
    os.rename(kept, tmp)
    os.utime(tmp, (1, 1))
    redis.start()
    fs.set_rules([{"op": "rename", "path": "/inbox/.abandoned-*", "errno": "EIO", "count": 3}])
    daemon.start()
    wait_until(lambda: len(fs.faults()) >= 3, timeout=30, what="the move tried and failed three times")
    wait_until(lambda: arrived(redis) == [0], timeout=30, what="the event in Redis")
    wait_until(lambda: not list(tmp.parent.iterdir()), timeout=30, what="the inbox emptied")
    said = [r.get("event") for r in log_records(daemon.log_text())]
    assert said.count("inbox_abandoned_tmp_file") == 1, said
    assert arrived(redis) == [0]
    daemon.stop()
