"""Forty-third red-team pass: the spool's reserve refused by the filesystem (tests/faultfs.py).

The reserve is allocated with posix_fallocate. On a filesystem without fallocate (faultfs, like
any FUSE filesystem without it, answers EOPNOTSUPP) glibc writes the blocks instead, so a write
rule refuses it as a quota would: statvfs says there is room, the allocation says EDQUOT. A reserve
short of its target means a full disk refuses events sooner; that must be said, not found out then.
"""

from __future__ import annotations

import os

from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon, status  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def test_a_reserve_the_filesystem_refuses_is_said_once_and_on_status_until_it_is_whole(faulty_daemon):
    daemon, fs, redis = faulty_daemon(spool_reserve_bytes=str(4 << 20))
    redis.start()
    fs.set_rules([{"op": "write", "path": "/spool/reserve", "errno": "EDQUOT", "count": -1}])
    daemon.start()
    wait_until(lambda: len(fs.faults()) >= 2, timeout=30, what="the reserve's allocation refused, and tried again")
    code, doc = status(daemon)
    assert doc["spool"]["reserve_bytes"] < doc["spool"]["reserve_target_bytes"]
    assert code == 1, doc  # not healthy in silence
    said = " ".join(doc["reasons"])
    assert "reserve" in said and os.strerror(122) in said and "spool_reserve_bytes" in said, said
    short = [r for r in log_records(daemon.log_text()) if r.get("event") == "spool_reserve_short"]
    assert len(short) == 1 and short[0]["error"] == os.strerror(122), short  # once, not at each try
    fs.set_rules([])
    wait_until(lambda: status(daemon)[1]["spool"]["reserve_bytes"] == 4 << 20, timeout=30, what="the reserve allocated")
    code, doc = status(daemon)
    assert code == 0 and doc["spool"]["reserve_short"] is None, doc["reasons"]
    daemon.stop()
