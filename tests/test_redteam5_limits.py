"""Fifth red-team pass: settings at the edge of what they accept.

A setting that passes the config check must work. ``stream_maxlen`` of 10^14
or more passed, and then no event was ever published: the publish script took
it through a Lua number, which Lua writes as ``1e+14``, and Redis refused the
XADD (the events waited in the spool, Redis shown as down). ``drain_timeout_s``
of ``inf`` passed, and every stop ended in ``thread_failed`` and exit 1: the
hard-stop timer cannot wait that long. Now the script hands Redis the number as
it was written, and the settings' ranges stop where the parts that use them do.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from conftest import log_records, wait_until

pytestmark = pytest.mark.process


@pytest.mark.parametrize("maxlen", [str(10**14), str(2**63 - 1)])  # 10**14 held before: a guard
def test_a_large_stream_maxlen_that_is_accepted_publishes(hookd_process_factory, redis_db, maxlen):
    daemon = hookd_process_factory(stream_maxlen=maxlen)
    done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "s1"}).encode(), "Stop")
    assert done.returncode == 0
    wait_until(
        lambda: redis_db.exists("hookd:events") and redis_db.xlen("hookd:events") == 1,
        timeout=60,
        what="the event in the stream",
    )
    assert "redis_down" not in [r["event"] for r in log_records(daemon.log_text())]


@pytest.mark.parametrize(
    ("name", "value"), [("stream_maxlen", str(2**63)), ("drain_timeout_s", "inf"), ("drain_timeout_s", "1e300")]
)
def test_a_value_past_what_works_is_refused_at_start_with_its_name(hookd_process_factory, redis_db, name, value):
    daemon = hookd_process_factory(start=False, **{name: value})
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "run"], env=daemon.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 78, (done.returncode, done.stderr[-2000:])
    assert name in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]


def test_the_longest_drain_timeout_accepted_stops_cleanly(hookd_process_factory, redis_db):
    """A guard (it held before): the new limit is one the hard-stop timer can wait."""
    daemon = hookd_process_factory(drain_timeout_s="86400")
    assert daemon.stop(signal.SIGTERM, timeout=60) == 0
    names = [r["event"] for r in log_records(daemon.log_text())]
    assert "thread_failed" not in names and "task_failed" not in names, names
