"""Fifth red-team pass: a signal that stopped hookd without a word.

SIGHUP (the terminal `hookd run` was started from is closed, or a service
manager or a user sends it) had its default action: the process died on the
spot, exit status -1, no log line saying why, no drain (in-flight frames cut
off, the spool left for recovery). SIGTERM and SIGINT already drained and
logged; SIGHUP now does the same.
"""

from __future__ import annotations

import json
import signal

import pytest

from conftest import log_records, wait_until

pytestmark = pytest.mark.process


def test_sighup_stops_hookd_as_sigterm_does_drained_and_said(hookd_process_factory, redis_db):
    daemon = hookd_process_factory()
    done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "s1"}).encode(), "Stop")
    assert done.returncode == 0
    wait_until(lambda: redis_db.exists("hookd:events") and redis_db.xlen("hookd:events") == 1, timeout=60)
    assert daemon.stop(signal.SIGHUP, timeout=60) == 0
    records = log_records(daemon.log_text())
    received = [r for r in records if r["event"] == "signal_received"]
    assert received and received[0]["signal"] == "SIGHUP", [r["event"] for r in records]
    assert records[-1]["event"] == "hookd_stopped"
