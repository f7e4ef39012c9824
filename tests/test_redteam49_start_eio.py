"""Forty-ninth red-team pass: a read of the spool that fails (EIO) while hookd starts.

The start read the newest segment (to find where its valid records end), counted the backlog
and looked for the inbox's hand-off ids; an EIO in any of them stopped the start with the error,
and a service manager restarted it into the same read. Now hookd starts, says the read error
(status, the log once), takes events, and reads the spool again until the read works, as the
publisher does for reads while running; nothing of it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import log_records, wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, send, status  # noqa: F401 (a fixture)
from test_redteam43_spool_damage import spool_a_run
from test_spool_redacted_again import AWS_KEY, scanners_without_the_rule, send_keys  # noqa: F401 (a fixture)

pytestmark = NEEDS_FAULTFS


def started_unreadable(faulty_daemon):
    """A daemon started on six events an earlier run spooled, every read of the segments failing (EIO)."""
    daemon, fs, redis = faulty_daemon()
    spool_a_run(daemon, 6)
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": -1}])
    redis.start()
    daemon.start()
    assert fs.faults(), "the read fault did not fire"
    assert daemon.proc.poll() is None, daemon.log_text()[-3000:]
    return daemon, fs, redis


def test_a_start_whose_spool_reads_fail_serves_says_it_and_reads_again_until_they_work(faulty_daemon):
    daemon, fs, redis = started_unreadable(faulty_daemon)
    code, doc = status(daemon)
    assert code == 1 and os.strerror(5) in " ".join(doc["reasons"]), doc["reasons"]
    assert send(daemon, 6) == "delivered"  # taken while the old events cannot be read
    assert arrived(redis) == []  # nothing skipped: the events wait behind those that cannot be read
    said = [r["event"] for r in log_records(daemon.log_text())]
    assert said.count("spool_read_failed") == 1, said
    fs.set_rules([])
    wait_until(lambda: len(arrived(redis)) >= 7, timeout=60, what="every event once the disk reads again")
    assert arrived(redis) == list(range(7))
    wait_until(lambda: status(daemon)[1]["spool"]["events"] == 0, timeout=30, what="nothing waiting")
    code, doc = status(daemon)
    assert doc["spool"]["read_error"] is None and doc["spool"]["lost_events"] == 0, doc["spool"]
    assert '"spool_damage_skipped"' not in daemon.log_text()
    daemon.stop()


@pytest.mark.timeout(600)  # the scanners without the rule compile first: half a minute of one core, more under load
def test_a_backlog_not_read_at_start_is_redacted_again_as_it_is_published(faulty_daemon, scanners_without_the_rule):
    """With a rule turned back on, a backlog the start could not read (so not count, nor copy
    redacted) is redacted on its way to Redis, not published as the earlier settings left it."""
    daemon, fs, redis = faulty_daemon(redact_disable='["aws_access_key_id"]')
    shutil.copytree(scanners_without_the_rule, daemon.state_dir, dirs_exist_ok=True)
    daemon.state_dir.chmod(0o700)
    daemon.start()
    send_keys(daemon)
    daemon.stop()
    del daemon.env["HOOKD_REDACT_DISABLE"]
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": -1}])
    redis.start()
    daemon.start()
    assert fs.faults(), "the read fault did not fire"
    wait_until(lambda: status(daemon)[1]["spool"]["read_error"], timeout=30, what="status to say the read error")
    fs.set_rules([])
    entries = wait_until(
        lambda: len(redis.client().xrange("hookd:events")) >= 2 and redis.client().xrange("hookd:events"),
        timeout=60,
        what="both events in Redis",
    )
    envelopes = [json.loads(fields[b"envelope"]) for _, fields in entries]
    assert [e["session_id"] for e in envelopes] == ["s0", "s1"]
    assert all(AWS_KEY not in json.dumps(e) for e in envelopes), envelopes
    daemon.stop()
